"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture
def rscript():
    """``rscript(what, packages)``: the path of Rscript for a live cross-check against R.

    Without Rscript the test skips locally but fails when ``CI`` is set: in CI every statistic
    must be checked against R (``.ci/run`` installs it)."""
    def require(what: str, packages: str) -> str:
        path = shutil.which("Rscript")
        if path is None:
            message = f"Rscript not found: {what} cannot run"
            if os.environ.get("CI"):
                pytest.fail(f"{message} (CI is set, so R is required; install {packages})")
            pytest.skip(f"{message} (install {packages} to run it)")
        return path
    return require
