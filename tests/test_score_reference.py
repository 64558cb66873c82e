"""Cross-check of the pipeline's scores against an independent R implementation.

``tests/reference/score_reference.R`` scores FFMQ-39, SCS-26, PSS-10 and ProQOL-5 from the keys in
the published scoring keys with ``psych::scoreItems`` and base R, written without looking at
the library's code or the instrument YAML files. Two checks:

(a) the library's scores, recomputed in-process from ``data/raw`` (no Snakemake), equal the
    committed R output ``tests/reference/scores_imp_feasibility_R.csv`` to 1e-9, with missing
    scores in the same places and exactly the same participant x wave x scale rows;
(b) a live run of the R script on responses written by this test (the example study plus a
    perturbed copy with many more blank items, to exercise prorating and the 80% rule) agrees
    the same way. Without ``Rscript`` this test skips locally but FAILS when ``CI`` is set.

How the reference was produced: tests/reference/README.md.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from wellbeing import ingest, score
from wellbeing.config import validate
from wellbeing.io import write_table

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "tests" / "reference"
R_SCRIPT = REFERENCE_DIR / "score_reference.R"
R_OUTPUT = REFERENCE_DIR / "scores_imp_feasibility_R.csv"
STUDY = "imp_feasibility"
TOLERANCE = 1e-9
KEY = ["participant", "wave", "instrument", "scale"]

#: Every scale the R reference computes; the pipeline must produce exactly these.
SCALES = {
    "ffmq39": ["observe", "describe", "act_aware", "nonjudge", "nonreact", "total"],
    "scs26": ["self_kindness", "self_judgment", "common_humanity", "isolation", "mindfulness",
              "over_identification", "total"],
    "pss10": ["total"],
    "proqol5": ["compassion_satisfaction", "burnout", "secondary_trauma", "compassion_fatigue"],
}
ITEM_PREFIXES = {"ffmq39": ("FFMQ_", 39), "scs26": ("SCS_", 26), "pss10": ("PSS_", 10),
                 "proqol5": ("ProQOL_", 30)}


@pytest.fixture(scope="module")
def study() -> dict:
    with open(ROOT / "config.yaml", encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    return validate(config, ROOT)["studies"][STUDY]


@pytest.fixture(scope="module")
def responses(study) -> pd.DataFrame:
    return ingest.for_study(study, ROOT).responses


def pipeline_scores(responses: pd.DataFrame, study: dict) -> pd.DataFrame:
    """The library's long scores for the four cross-checked instruments."""
    long, _wide = score.for_study(responses, study, ROOT)
    long = long[long["instrument"].isin(list(SCALES))]
    return long[KEY + ["score"]].reset_index(drop=True)


def read_reference(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"participant": str, "wave": str, "instrument": str,
                                     "scale": str, "score": float},
                        keep_default_na=False, na_values={"score": [""]})
    assert list(frame.columns) == KEY + ["score"], f"{path}: unexpected columns {list(frame.columns)}"
    return frame


def assert_same_scores(pipeline: pd.DataFrame, reference: pd.DataFrame) -> float:
    """Same rows, missing in the same places, |difference| <= 1e-9; returns the max difference."""
    for name, frame in (("pipeline", pipeline), ("R reference", reference)):
        duplicated = frame.duplicated(subset=KEY)
        assert not duplicated.any(), f"{name}: duplicated rows {frame[duplicated].head()}"
    expected_scales = {(i, s) for i, scales in SCALES.items() for s in scales}
    assert set(map(tuple, reference[["instrument", "scale"]].to_numpy())) == expected_scales
    assert set(map(tuple, pipeline[["instrument", "scale"]].to_numpy())) == expected_scales

    merged = pipeline.merge(reference, on=KEY, how="outer", suffixes=("_py", "_r"),
                            indicator=True)
    only = merged[merged["_merge"] != "both"]
    assert only.empty, f"rows in only one table:\n{only[KEY + ['_merge']].head(20)}"

    py, r = merged["score_py"].to_numpy(float), merged["score_r"].to_numpy(float)
    missing_differs = np.isnan(py) != np.isnan(r)
    assert not missing_differs.any(), (
        "missing in different places:\n"
        f"{merged.loc[missing_differs, KEY + ['score_py', 'score_r']].head(20)}")
    both = ~np.isnan(py)
    difference = np.abs(py[both] - r[both])
    worst = float(difference.max()) if difference.size else 0.0
    if worst > TOLERANCE:
        bad = merged.loc[both].assign(diff=difference).sort_values("diff", ascending=False)
        pytest.fail(f"scores differ by up to {worst:g} (> {TOLERANCE:g}):\n"
                    f"{bad[KEY + ['score_py', 'score_r', 'diff']].head(20)}")
    return worst


def test_pipeline_matches_committed_r_reference(responses, study):
    reference = read_reference(R_OUTPUT)
    pipeline = pipeline_scores(responses, study)
    assert len(pipeline) == len(responses) * sum(map(len, SCALES.values()))
    assert_same_scores(pipeline, reference)


def perturbed(responses: pd.DataFrame, seed: int = 20240404) -> pd.DataFrame:
    """A copy of ``responses`` with extra blank items (0-45% of each row's items per instrument),
    under new participant codes, so that scales land on both sides of the 80% rule."""
    rng = np.random.default_rng(seed)
    copy = responses.copy()
    copy["participant"] = copy["participant"].astype(str) + "-m"
    for prefix, n_items in ITEM_PREFIXES.values():
        columns = [f"{prefix}{n}" for n in range(1, n_items + 1)]
        values = copy[columns].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        share = rng.uniform(0.0, 0.45, size=(len(copy), 1))
        values[rng.uniform(size=values.shape) < share] = np.nan
        values[0, :] = np.nan  # one respondent skipped the whole instrument
        copy[columns] = values
    return copy


def test_live_r_cross_check(responses, study, tmp_path, rscript):
    rscript_path = rscript("the R cross-check of the scores", "r-base-core and r-cran-psych")

    data = pd.concat([responses, perturbed(responses)], ignore_index=True)
    responses_csv = tmp_path / "responses.csv"
    out_csv = tmp_path / "scores_R.csv"
    write_table(data, responses_csv)
    run = subprocess.run([rscript_path, str(R_SCRIPT), str(responses_csv), str(out_csv)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"Rscript failed ({run.returncode}):\n{run.stderr}"

    pipeline = pipeline_scores(data, study)
    reference = read_reference(out_csv)
    assert_same_scores(pipeline, reference)
    # the perturbation really exercised the missing-item rule
    assert pipeline["score"].isna().sum() > 20
    # and the committed reference is what the script gives today on the example study
    committed = read_reference(R_OUTPUT)
    live = reference[~reference["participant"].str.endswith("-m")].reset_index(drop=True)
    pd.testing.assert_frame_equal(live, committed, check_exact=True)
