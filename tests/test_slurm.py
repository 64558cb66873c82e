"""The example pipeline through `snakemake --executor slurm` on a one-node SLURM started on
localhost (scripts/local_slurm.py) gives byte for byte the results of a local run.

Runs where slurm-wlm and munge are installed and we are root, as in CI (`.ci/run` installs
them); skips elsewhere, but never in CI (CI=true), where a missing SLURM is a failure."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import local_slurm  # noqa: E402

pytestmark = pytest.mark.pipeline
# One whole study keeps the run a few minutes: every stage and notebook goes through SLURM.
TARGETS = ["results/trainee_wellbeing/manifest.json"]


def test_slurm_run_equals_local_run(tmp_path):
    try:
        local_slurm.binaries()
    except local_slurm.SlurmUnavailable as reason:
        if os.environ.get("CI"):
            pytest.fail(f"SLURM is required in CI: {reason}")
        pytest.skip(str(reason))
    try:
        problems = local_slurm.check(tmp_path, TARGETS, timeout=900)
    except local_slurm.SlurmUnavailable as reason:        # installed but the daemons did not start
        if os.environ.get("CI"):
            raise
        pytest.skip(f"SLURM could not be started here: {reason}")
    assert problems == []
    assert (tmp_path / "slurm" / "results" / "trainee_wellbeing" / "manifest.json").is_file()
