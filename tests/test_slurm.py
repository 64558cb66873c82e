"""The example pipeline through `snakemake --executor slurm` on a one-node SLURM started on
localhost (scripts/local_slurm.py) gives byte for byte the results of a local run.

Runs where slurm-wlm and munge are installed and we are root, as in CI (`.ci/run` installs
them); skips elsewhere, but never in CI (CI=true), where a missing SLURM is a failure."""

from __future__ import annotations

import importlib.util
import math
import os
import re
import subprocess
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
        if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
            raise local_slurm.SlurmUnavailable("the SLURM executor plugin is not installed "
                                               "(the extra `cluster`: pip install .[cluster])")
    except local_slurm.SlurmUnavailable as reason:
        if os.environ.get("CI"):
            pytest.fail(f"SLURM is required in CI: {reason}")
        pytest.skip(str(reason))
    jobs = []
    try:
        problems = local_slurm.check(tmp_path, TARGETS, timeout=900, jobs=jobs)
    except local_slurm.SlurmUnavailable as reason:        # installed but the daemons did not start
        if os.environ.get("CI"):
            raise
        pytest.skip(f"SLURM could not be started here: {reason}")
    assert problems == []
    assert (tmp_path / "slurm" / "results" / "trainee_wellbeing" / "manifest.json").is_file()
    # Each job asked SLURM for the memory its rule declares from the size of its inputs
    # (the dry run prints each job's resources as Snakemake computed them), not a flat default.
    lines = dry_run(tmp_path / "local")
    declared = declared_memory(lines)
    granted = {(rule, memory) for rule, state, memory in jobs if state == "COMPLETED"}
    assert {rule for rule, _ in granted} >= {"ingest", "score", "reliability", "notebook"}
    assert all(memory in declared[rule] for rule, memory in granted), (granted, declared)
    assert not {rule for rule, _ in granted if rule == "manifest" or rule.startswith("table_")}  # localrules
    ingest = next(memory for rule, memory in granted if rule == "ingest")
    raw = sum(path.stat().st_size for path in ingest_inputs(lines, tmp_path / "local")) / 2 ** 20
    assert ingest == math.ceil(400 + 18 * raw)           # base + 18 MB per MB read (common.smk)


def dry_run(root: Path) -> list[str]:
    """The lines of a forced dry run in the finished local copy: every job, its inputs and the
    resources Snakemake computed for it."""
    result = subprocess.run([sys.executable, "-m", "snakemake", "-n", "-F", "--cores", "1", *TARGETS],
                            cwd=root, capture_output=True, text=True, check=True)
    return (result.stdout + result.stderr).splitlines()


def ingest_inputs(lines: list[str], root: Path) -> list[Path]:
    """What the study's ingest reads (its exports, data dictionary and instrument files), from
    the dry run's lines."""
    start = lines.index("rule ingest:")
    inputs = next(line for line in lines[start:] if line.strip().startswith("input:"))
    return [root / name.strip() for name in inputs.split(":", 1)[1].split(",")]


def declared_memory(lines: list[str]) -> dict[str, set[int]]:
    """Rule -> the mem_mb its jobs declare, from the dry run's lines."""
    declared: dict[str, set[int]] = {}
    rule = None
    for line in lines:
        match = re.match(r"^(?:local)?rule (\w+):", line)
        if match:
            rule = match.group(1)
        match = re.search(r"\bmem_mb=(\d+)", line)
        if match and rule:
            declared.setdefault(rule, set()).add(int(match.group(1)))
    return declared
