"""The baseline-adjusted ANCOVA against R: car::Anova (Type III, contr.sum), emmeans (adjusted
means at the covariates' means, treatment-vs-control contrasts, no adjustment), the
parallel-slopes F, Levene's test and Shapiro-Wilk of the residuals.

Reference values: tests/reference/ancova_R.csv, written by tests/reference/ancova_reference.R
(the commands are at its end) on carData's Baumann reading study made unbalanced (three groups,
a second pretest as covariate) and on afex's obk.long (treatment x gender, pre as baseline, fup
as outcome). Tolerance 1e-9 relative; the partial eta squared bounds 1e-4 (effectsize finds them
with a coarse optimiser; this module solves them exactly) and Shapiro-Wilk 1e-6 (scipy's
algorithm works in single precision). Live, on a real trial export (Nadler
et al. 2020), the pipeline's ingest, scoring and ANCOVA agree with the same R script.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wellbeing import ancova

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference"
R_SCRIPT = REFERENCE / "ancova_reference.R"


def reference(path: Path = REFERENCE / "ancova_R.csv") -> pd.DataFrame:
    return pd.read_csv(path, na_values=["NA"], keep_default_na=False)


def as_scores_wide(wide: pd.DataFrame, baseline: str, outcome: str, group: str,
                   factors=(), covariates=()) -> pd.DataFrame:
    """A one-row-per-participant set as the score stage writes it: two waves, the outcome
    named ``y``, covariates recorded at the baseline wave."""
    rows = []
    for wave, column in (("baseline", baseline), ("outcome", outcome)):
        frame = pd.DataFrame({"participant": wide["participant"].astype(str), "wave": wave,
                              "group": wide[group].astype(str), "y": wide[column]})
        for factor in factors:
            frame[factor] = wide[factor].astype(str)
        for covariate in covariates:
            frame[covariate] = wide[covariate]
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def study(groups, factors=(), covariates=(), levels=None):
    return {"design": "mixed", "waves": ["baseline", "outcome"], "groups": groups,
            "factors": [{"column": f, "levels": levels[f]} for f in factors],
            "analyses": {"ancova": {"outcomes": ["y"], "covariates": list(covariates),
                                    "p_adjust": "none"}}}


def compare(result: ancova.AncovaResult, expected: pd.DataFrame) -> int:
    tables = {"ancova": result.ancova.set_index("term"),
              "adjusted_means": result.adjusted_means.set_index("group"),
              "contrasts": result.contrasts.set_index("contrast"),
              "unadjusted": result.adjusted_means.set_index("group")}
    checks = result.assumptions.set_index("test")
    compared = 0
    for entry in expected.itertuples(index=False):
        if entry.table == "assumptions":
            statistic = {"F": "statistic"}.get(entry.statistic, entry.statistic)
            got = checks.loc[entry.key, statistic]
        else:
            got = tables[entry.table].loc[entry.key, entry.statistic]
        tolerance = 1e-4 if entry.statistic.startswith("pes_ci") else 1e-9
        if entry.key == "shapiro_wilk":     # scipy's swilk works in single precision
            tolerance = 1e-6
        assert got == pytest.approx(float(entry.value), rel=tolerance, abs=1e-13), entry
        compared += 1
    return compared


BAUMANN = pd.read_csv(REFERENCE / "ancova_set_baumann.csv")
OBK = pd.read_csv(REFERENCE / "ancova_set_obk.csv")


@pytest.mark.parametrize("dataset, covariates", [("baumann", ["pretest2"]), ("baumann_plain", [])])
def test_three_groups_unbalanced_with_and_without_a_covariate(dataset, covariates):
    scores = as_scores_wide(BAUMANN, "pre", "post", "group", covariates=covariates)
    result = ancova.for_study(scores, study(["Basal", "DRTA", "Strat"], covariates=covariates))
    expected = reference()
    expected = expected[expected.dataset == dataset]
    assert compare(result, expected) == len(expected) > 60
    assert result.ancova.term.tolist() == ["baseline", *covariates, "group"]
    assert result.contrasts.contrast.tolist() == ["DRTA - Basal", "Strat - Basal"]


def test_a_further_factor_adjusted_means_averaged_over_its_levels():
    scores = as_scores_wide(OBK, "pre", "fup", "treatment", factors=["gender"])
    result = ancova.for_study(scores, study(["control", "A", "B"], factors=["gender"],
                                            levels={"gender": ["F", "M"]}))
    expected = reference()
    expected = expected[expected.dataset == "obk"]
    assert compare(result, expected) == len(expected)
    assert result.ancova.term.tolist() == ["baseline", "group", "gender", "group:gender"]


def test_adjusted_means_by_hand_two_groups():
    """With one baseline and two groups the adjusted mean is the group's mean moved along the
    pooled within-group slope to the grand baseline mean: ybar_g - b (xbar_g - xbar)."""
    x = np.array([2., 3, 5, 5, 3, 4, 6, 5, 4])
    y = np.array([3., 4, 5, 6, 6, 8, 9, 9, 7])
    g = np.array(["c"] * 4 + ["t"] * 5)
    centred_x = x - np.array([x[g == level].mean() for level in g])
    centred_y = y - np.array([y[g == level].mean() for level in g])
    slope = (centred_x @ centred_y) / (centred_x @ centred_x)
    _, means, contrasts, _ = ancova.ancova(y, x, {"group": g}, {"group": ["c", "t"]})
    for row in means.itertuples():
        own = g == row.group
        assert row.adjusted_mean == pytest.approx(y[own].mean() - slope * (x[own].mean() - x.mean()),
                                                  rel=1e-12)
    assert contrasts.estimate.iloc[0] == pytest.approx(means.adjusted_mean[1] - means.adjusted_mean[0])


def test_ledger_populations_and_missing_covariates():
    scores = as_scores_wide(BAUMANN, "pre", "post", "group", covariates=["pretest2"])
    scores.loc[(scores.participant == "1") & (scores.wave == "outcome"), "y"] = np.nan
    scores.loc[(scores.participant == "2") & (scores.wave == "baseline"), "pretest2"] = np.nan
    scores["sessions"] = scores.participant.astype(int) % 4
    config = study(["Basal", "DRTA", "Strat"], covariates=["pretest2"])
    config["populations"] = {"completers": {"exclude": [{"variable": "sessions", "equals": 0}]}}
    config["analyses"]["ancova"]["populations"] = ["all", "completers"]
    result = ancova.for_study(scores, config)
    ledger = result.ledger.set_index(["population", "participant"])
    assert ledger.loc[("all", "1"), "reason"] == "value missing at outcome"
    assert ledger.loc[("all", "2"), "reason"] == "pretest2 missing at baseline"
    assert ledger.loc[("completers", "4"), "reason"] == "completers: sessions 0 = 0"
    n = result.ancova.drop_duplicates("population").set_index("population").n
    assert n["all"] == 61 - 2
    assert n["completers"] == sum(1 for p in BAUMANN.participant if p not in (1, 2) and p % 4 != 0)


def test_degenerate_data_give_notes():
    scores = as_scores_wide(BAUMANN, "pre", "post", "group")
    flat = scores.assign(y=5.0)
    result = ancova.for_study(flat, study(["Basal", "DRTA", "Strat"]))
    assert result.ancova.note.str.startswith("no variance").all()
    assert result.adjusted_means.empty
    one_group = scores[scores.group == "Basal"]
    result = ancova.for_study(one_group, study(["Basal", "DRTA", "Strat"]))
    assert result.ancova.note.iloc[0] == ("not estimable: group(s) DRTA, Strat have fewer than 2 "
                                          "participants with a score at baseline and outcome "
                                          "(ancova/ledger.csv lists why)")
    flat_baseline = scores.copy()
    flat_baseline.loc[flat_baseline.wave == "baseline", "y"] = 3.0
    result = ancova.for_study(flat_baseline, study(["Basal", "DRTA", "Strat"]))
    assert result.ancova.note.iloc[0] == "not estimable: baseline has the same value for everyone"


def test_live_r_reproduces_the_committed_values(tmp_path, rscript):
    path = rscript("the R cross-check of the ANCOVA", "r-base-core, r-cran-car, r-cran-emmeans and r-cran-effectsize")
    out = tmp_path / "baumann.csv"
    run = subprocess.run([path, str(R_SCRIPT), str(REFERENCE / "ancova_set_baumann.csv"), str(out),
                          "baumann", "post", "pre", "group", "-", "pretest2", "--levels=Basal,DRTA,Strat"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    committed = reference()
    pd.testing.assert_frame_equal(reference(out), committed[committed.dataset == "baumann"].reset_index(drop=True),
                                  check_exact=False, rtol=1e-12)
