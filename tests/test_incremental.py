"""Incremental rebuilds: changing one study's raw file or one instrument definition reruns only
the jobs that depend on it (checked on Snakemake's dry-run job list)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from workspace import copy_repository  # noqa: E402

TARGETS = [f"results/{study}/{stage}" for study in ("imp_feasibility", "trainee_wellbeing")
           for stage in ("scores/scores.csv", "reliability/reliability.csv")]

pytestmark = pytest.mark.pipeline


def snakemake(folder: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=folder, capture_output=True,
                            text=True, timeout=600, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def planned_jobs(folder: Path) -> list[tuple[str, str]]:
    """(rule, study) of every job a dry run would execute."""
    output = snakemake(folder, "-n", *TARGETS)
    jobs = re.findall(r"^rule (\w+):\n(?:.*\n)*?\s+wildcards: study=(\w+)", output, flags=re.M)
    return sorted(jobs)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = copy_repository(tmp_path_factory.mktemp("incremental"))
    snakemake(folder, "--cores", "2", *TARGETS)
    assert planned_jobs(folder) == []
    return folder


def touch(path: Path) -> None:
    """Change a file's content (Snakemake ignores a new time stamp on unchanged content)."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n# changed\n" if path.suffix == ".yaml" else "\n")


@pytest.fixture(autouse=True)
def _clock_tick():
    time.sleep(1.1)          # outputs written in the previous second must be older than the change
    yield


def test_changing_one_studys_raw_file_reruns_only_that_study(built):
    touch(built / "data" / "raw" / "trainee_wellbeing" / "export.csv")
    jobs = planned_jobs(built)
    assert {study for _, study in jobs} == {"trainee_wellbeing"}
    assert {rule for rule, _ in jobs} == {"ingest", "score", "reliability"}
    snakemake(built, "--cores", "2", *TARGETS)


def test_changing_an_instrument_reruns_only_the_studies_that_use_it(built):
    touch(built / "workflow" / "instruments" / "brs.yaml")         # only trainee_wellbeing scores BRS
    assert {study for _, study in planned_jobs(built)} == {"trainee_wellbeing"}
    snakemake(built, "--cores", "2", *TARGETS)
    touch(built / "workflow" / "instruments" / "pss10.yaml")       # both studies score the PSS-10
    assert {study for _, study in planned_jobs(built)} == {"imp_feasibility", "trainee_wellbeing"}
