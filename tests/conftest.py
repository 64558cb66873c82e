"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


@pytest.fixture
def rscript():
    """``rscript(what, packages, libraries=())``: the path of Rscript for a live cross-check
    against R, with the R ``libraries`` it loads.

    Without Rscript (or one of the libraries) the test skips locally but fails when ``CI`` is
    set: in CI every statistic must be checked against R (``.ci/run`` installs it)."""
    def require(what: str, packages: str, libraries=()) -> str:
        path = shutil.which("Rscript")
        message = f"Rscript not found: {what} cannot run"
        if path is not None and libraries:
            load = "; ".join(f"library({name})" for name in libraries)
            if subprocess.run([path, "-e", load], capture_output=True).returncode == 0:
                return path
            message = f"R lacks {', '.join(libraries)}: {what} cannot run"
        elif path is not None:
            return path
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set, so R is required; install {packages})")
        pytest.skip(f"{message} (install {packages} to run it)")
    return require
