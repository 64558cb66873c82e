"""Many studies in one config: jobs fan out per study and stage, and 20 small simulated studies
build together with `--cores 2`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import synthetic_cohort  # noqa: E402
from workspace import WORKFLOW, copy_repository  # noqa: E402

pytestmark = pytest.mark.pipeline
STUDIES = 20


def small_study(index: int) -> dict:
    study_id = f"study_{index:02d}"
    instrument = ["brs", "pss10"][index % 2]
    study = {
        "title": f"Small simulated study {index} (simulated)",
        "design": "mixed",
        "sources": [{"path": f"data/raw/{study_id}/responses.csv", "format": "csv",
                     "wave_column": "wave"}],
        "id_column": "participant", "group_column": "group",
        "waves": synthetic_cohort.WAVES, "groups": synthetic_cohort.GROUPS,
        "instruments": [{"instrument": instrument, "items": f"{instrument}_{{n}}"}],
        "analyses": {},
    }
    if index < 2:     # two studies also run the analyses, so every stage fans out per study
        study["analyses"] = {"reliability": {}, "anova": {"outcomes": [f"{instrument}.total"]}}
    return study


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = copy_repository(tmp_path_factory.mktemp("many"), WORKFLOW)
    studies = {}
    for index in range(STUDIES):
        study = small_study(index)
        study_id = f"study_{index:02d}"
        synthetic_cohort.generate(24 + index, seed=index, out=folder,
                                  instruments=[study["instruments"][0]["instrument"]], study=study_id)
        studies[study_id] = study
    (folder / "config.yaml").write_text(yaml.safe_dump({"studies": studies}, sort_keys=False))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    plan = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "2"], cwd=folder,
                          capture_output=True, text=True, env=env, timeout=300)
    assert plan.returncode == 0, plan.stderr[-3000:]
    result = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2"], cwd=folder,
                            capture_output=True, text=True, env=env, timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, studies, plan.stdout + plan.stderr


def test_jobs_fan_out_per_study_and_stage(built):
    _, studies, plan = built
    jobs = re.findall(r"^rule (\w+):\n(?:.*\n)*?\s+wildcards: study=(\w+)", plan, flags=re.M)
    for rule in ("ingest", "score", "manifest"):
        assert {study for name, study in jobs if name == rule} == set(studies), rule
    assert {study for name, study in jobs if name == "anova"} == {"study_00", "study_01"}


def test_twenty_studies_build_with_two_cores(built):
    folder, studies, _ = built
    for study_id in studies:
        out = folder / "results" / study_id
        assert (out / "manifest.json").is_file(), study_id
        scores = (out / "scores" / "scores.csv").read_text().splitlines()
        assert len(scores) > 1, study_id
    again = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "2"], cwd=folder,
                           capture_output=True, text=True, timeout=300)
    assert "Nothing to be done" in again.stdout + again.stderr
