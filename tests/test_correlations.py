"""Tests of the correlation stage: ``wellbeing.correlations``.

Reference values: ``tests/reference/correlations_reference_R.csv``, produced by
``tests/reference/correlations_reference.R`` (R 4.2.2, psych 2.2.9: ``psych::corr.test``,
``psych::partial.r``/``corr.p``, ``stats::cor.test``, base-R ANCOVA for rmcorr) from the simulated
input ``tests/reference/correlations_input.csv`` (fixed seed; unequal pairwise n, dropouts,
measures recorded at a single wave). Tolerances: 1e-10 absolute for r and the CI, 1e-8 relative
for p and adjusted p; n exactly. How the files were produced: tests/reference/README.md.

Also: independent checks against scipy, statsmodels and pingouin 0.7.0; the published results of
the two example studies (design.md); the rule for measures in change sets; user-facing errors.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from wellbeing import correlations, ingest, score
from wellbeing.config import validate
from wellbeing.errors import UserError
from wellbeing.io import read_table

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "tests" / "reference"
R_SCRIPT = REFERENCE_DIR / "correlations_reference.R"
R_INPUT = REFERENCE_DIR / "correlations_input.csv"
R_OUTPUT = REFERENCE_DIR / "correlations_reference_R.csv"
ABS_TOL = 1e-10
REL_TOL = 1e-8

SCORED = ["ffmq39.total", "scs26.total", "brs.total", "pss10.total", "flourishing.total"]
STUDY = {"waves": ["pre", "mid", "post"]}
#: R analysis -> the correlation set that reproduces it (the rmcorr analysis is separate).
SETS = {
    "pearson_pairwise": {"variables": SCORED + ["age"], "wave": "pre"},
    "pearson_listwise": {"variables": SCORED + ["age"], "wave": "pre", "missing": "listwise"},
    "pearson_bh_mid": {"variables": SCORED + ["age", "home_practice"], "wave": "mid",
                       "p_adjust": "fdr_bh"},
    "spearman_pairwise": {"variables": SCORED + ["age"], "wave": "pre", "method": "spearman"},
    "change_pearson": {"variables": ["home_practice"] + SCORED + ["age"], "change": True},
    "partial_pearson": {"variables": SCORED[:4], "wave": "pre", "covariates": ["age"]},
}
RM_VARIABLES = SCORED[:4]


# --------------------------------------------------------------------------------------------
# Agreement with R
# --------------------------------------------------------------------------------------------

def read_reference(path: Path = R_OUTPUT) -> pd.DataFrame:
    frame = pd.read_csv(path)
    expected = ["analysis", "var1", "var2", "n", "dof", "r", "ci_low", "ci_high", "p", "p_adjusted"]
    assert list(frame.columns) == expected, f"{path}: columns {list(frame.columns)}"
    return frame


def pipeline_results(wide: pd.DataFrame) -> pd.DataFrame:
    """The library's values for every analysis of the R script, in the reference's shape."""
    parts = []
    for analysis, spec in SETS.items():
        long, _matrix = correlations.for_set(wide, STUDY, {"name": analysis, **spec})
        k = len(spec.get("covariates", []))
        parts.append(long.assign(analysis=analysis, dof=long["n"] - 2 - k))
    rm = correlations.repeated_measures(wide, STUDY, {"name": "rmcorr", "variables": RM_VARIABLES})
    parts.append(rm.assign(analysis="rmcorr", n=rm["n_observations"]))
    columns = ["analysis", "var1", "var2", "n", "dof", "r", "ci_low", "ci_high", "p", "p_adjusted"]
    return pd.concat([part[columns] for part in parts], ignore_index=True)


def compare_with_r(ours: pd.DataFrame, reference: pd.DataFrame) -> dict[str, float]:
    """Assert agreement; return the largest differences found."""
    key = ["analysis", "var1", "var2"]
    merged = reference.merge(ours, on=key, how="outer", suffixes=("_R", ""), indicator=True)
    unmatched = merged[merged["_merge"] != "both"]
    assert unmatched.empty, f"pairs only on one side:\n{unmatched[key + ['_merge']]}"
    assert (merged["n"] == merged["n_R"]).all(), merged.loc[merged["n"] != merged["n_R"], key + ["n", "n_R"]]
    assert (merged["dof"] == merged["dof_R"]).all()
    worst = {}
    for column in ("r", "ci_low", "ci_high"):
        diff = (merged[column] - merged[f"{column}_R"]).abs()
        worst[column] = float(diff.max())
        assert worst[column] <= ABS_TOL, merged.loc[diff.idxmax(), key + [column, f"{column}_R"]]
    for column in ("p", "p_adjusted"):
        rel = ((merged[column] - merged[f"{column}_R"]).abs() / merged[f"{column}_R"].abs())
        worst[column] = float(rel.max())
        assert worst[column] <= REL_TOL, merged.loc[rel.idxmax(), key + [column, f"{column}_R"]]
    return worst


@pytest.fixture(scope="module")
def reference_input() -> pd.DataFrame:
    return read_table(R_INPUT)


def test_reference_input_has_unequal_pairwise_n(reference_input):
    reference = read_reference()
    pairwise = reference[reference["analysis"] == "pearson_pairwise"]
    assert pairwise["n"].nunique() > 2
    assert len(reference) == len(pipeline_results(reference_input))


def test_agrees_with_committed_r_reference(reference_input):
    worst = compare_with_r(pipeline_results(reference_input), read_reference())
    assert set(worst) == {"r", "ci_low", "ci_high", "p", "p_adjusted"}


def test_live_r_cross_check(tmp_path, reference_input, rscript):
    """Run the R script now: same input from the seed, same output as committed, and agreement."""
    rscript_path = rscript("the R cross-check of the correlations", "r-base-core and r-cran-psych")
    made = tmp_path / "input.csv"
    subprocess.run([rscript_path, str(R_SCRIPT), "make-input", str(made)], check=True,
                   capture_output=True, timeout=120)
    assert made.read_bytes() == R_INPUT.read_bytes(), "the seeded input no longer reproduces"
    out = tmp_path / "out.csv"
    subprocess.run([rscript_path, str(R_SCRIPT), str(made), str(out)], check=True,
                   capture_output=True, timeout=120)
    assert out.read_bytes() == R_OUTPUT.read_bytes(), "R output differs from the committed CSV"
    compare_with_r(pipeline_results(read_table(made)), read_reference(out))


# --------------------------------------------------------------------------------------------
# Independent Python implementations
# --------------------------------------------------------------------------------------------

def test_p_adjust_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(7)
    for size in (1, 2, 5, 21):
        p = rng.uniform(0, 0.2, size) ** 2
        p[: size // 3] = p[0]                           # ties
        for method in ("holm", "fdr_bh"):
            expected = multipletests(p, method=method)[1]
            np.testing.assert_allclose(correlations.p_adjust(p, method), expected, rtol=1e-14)
    assert np.isnan(correlations.p_adjust([0.01, np.nan], "holm")[1])
    assert correlations.p_adjust([0.01, np.nan], "holm")[0] == 0.01   # NaN is no comparison


def test_pearson_and_spearman_match_scipy(reference_input):
    pre = reference_input[reference_input["wave"] == "pre"]
    for method, function in (("pearson", stats.pearsonr), ("spearman", stats.spearmanr)):
        long, _ = correlations.for_set(reference_input, STUDY, {"name": "s", "variables": SCORED,
                                                                "method": method})
        for row in long.itertuples():
            pair = pre[[row.var1, row.var2]].dropna()
            expected = function(pair[row.var1], pair[row.var2])
            assert row.n == len(pair)
            assert row.r == pytest.approx(expected.statistic, abs=1e-12)
            assert row.p == pytest.approx(expected.pvalue, rel=1e-8)


def test_partial_correlations_match_pingouin(reference_input):
    import pingouin

    pre = reference_input[reference_input["wave"] == "pre"]
    for method in ("pearson", "spearman"):
        long, _ = correlations.for_set(reference_input, STUDY, {
            "name": "partial", "variables": SCORED[:3], "covariates": ["age", "pss10.total"],
            "method": method})
        assert (long["covariates"] == "age; pss10.total").all()
        for row in long.itertuples():
            data = pre[[row.var1, row.var2, "age", "pss10.total"]].dropna()
            expected = pingouin.partial_corr(data, row.var1, row.var2, ["age", "pss10.total"],
                                             method=method)
            assert row.n == expected["n"].iloc[0]
            assert row.r == pytest.approx(expected["r"].iloc[0], abs=1e-12)
            assert row.p == pytest.approx(expected["p_val"].iloc[0], rel=1e-8)


def test_rm_corr_matches_pingouin(reference_input):
    import pingouin

    table = correlations.repeated_measures(reference_input, STUDY,
                                           {"name": "rm", "variables": RM_VARIABLES})
    for row in table.itertuples():
        data = reference_input[["participant", row.var1, row.var2]].dropna()
        rounding = pingouin.options["round"]
        pingouin.options["round"] = None
        try:
            expected = pingouin.rm_corr(data, row.var1, row.var2, "participant")
        finally:
            pingouin.options["round"] = rounding
        assert row.dof == expected["dof"].iloc[0]
        assert row.r == pytest.approx(expected["r"].iloc[0], abs=1e-12)
        assert row.p == pytest.approx(expected["pval"].iloc[0], rel=1e-8)
        low, high = expected["CI95"].iloc[0]
        # pingouin rounds its CI to two decimals (compute_esci); R's check is exact.
        assert (row.ci_low, row.ci_high) == pytest.approx((low, high), abs=0.005 + 1e-12)


def test_rm_corr_rejects_single_wave_measure(reference_input):
    with pytest.raises(UserError, match=r"set 'rm'.*'age' is recorded at \['pre'\] only"):
        correlations.repeated_measures(reference_input, STUDY,
                                       {"name": "rm", "variables": ["age", "brs.total"]})


# --------------------------------------------------------------------------------------------
# The set's data: waves, change scores, measures, deletion, matrix
# --------------------------------------------------------------------------------------------

def test_change_rule_for_scores_and_measures(reference_input):
    frame, sources, data = correlations.analysis_frame(
        reference_input, STUDY, {"name": "c", "variables": ["home_practice", "brs.total", "age"],
                                 "change": True})
    assert data == "change"
    assert sources == {"home_practice": "post", "brs.total": "post - pre", "age": "pre"}
    assert len(frame) == reference_input["participant"].nunique()       # everybody counted
    by_wave = {w: g.set_index("participant") for w, g in reference_input.groupby("wave")}
    expected = by_wave["post"]["brs.total"] - by_wave["pre"]["brs.total"]
    pd.testing.assert_series_equal(frame["brs.total"], expected.reindex(frame.index),
                                   check_names=False)
    assert frame.loc["P07", "brs.total"] != frame.loc["P07", "brs.total"]   # no post row: NaN
    pd.testing.assert_series_equal(frame["home_practice"],
                                   by_wave["post"]["home_practice"].reindex(frame.index),
                                   check_names=False)


def test_measure_recorded_at_several_waves_is_taken_at_the_set_wave():
    wide = pd.DataFrame({"participant": ["a", "a", "b", "b", "c", "c", "d", "d"],
                         "wave": ["pre", "post"] * 4, "group": "imp",
                         "pss10.total": [20, 15, 22, 21, 25, 18, 14, 16],
                         "minutes": [10, 60, 20, 30, 30, 10, 40, 20]})
    study = {"waves": ["pre", "post"]}
    frame, sources, _ = correlations.analysis_frame(
        wide, study, {"name": "w", "variables": ["minutes", "pss10.total"], "wave": "post"})
    assert frame["minutes"].tolist() == [60, 30, 10, 20] and sources["minutes"] == "post"
    frame, sources, _ = correlations.analysis_frame(
        wide, study, {"name": "c", "variables": ["minutes", "pss10.total"], "change": True})
    assert frame["minutes"].tolist() == [10, 20, 30, 40] and sources["minutes"] == "pre"
    assert frame["pss10.total"].tolist() == [-5, -1, -7, 2]


def test_long_and_matrix_shape(reference_input):
    spec = {"name": "shape", "variables": SCORED, "wave": "mid"}
    long, matrix = correlations.for_set(reference_input, STUDY, spec)
    assert list(long.columns) == correlations.LONG_COLUMNS
    assert len(long) == len(SCORED) * (len(SCORED) - 1) // 2
    assert (long["data"] == "mid").all() and (long["set"] == "shape").all()
    participants = (reference_input["wave"] == "mid").sum()
    assert (long["n_participants"] == participants).all()
    assert (long["n"] + long["n_excluded"] == participants).all()
    assert list(matrix.columns) == ["variable"] + SCORED
    assert matrix["variable"].tolist() == SCORED
    values = matrix[SCORED].to_numpy()
    np.testing.assert_array_equal(values, values.T)
    np.testing.assert_array_equal(np.diag(values), 1.0)
    first = long.iloc[0]
    assert matrix.set_index("variable").loc[first["var1"], first["var2"]] == first["r"]


def test_listwise_uses_one_n(reference_input):
    long, _ = correlations.for_set(reference_input, STUDY, {**SETS["pearson_listwise"], "name": "l"})
    pre = reference_input[reference_input["wave"] == "pre"]
    assert (long["n"] == len(pre[SCORED + ["age"]].dropna())).all()
    assert (long["deletion"] == "listwise").all()


def test_degenerate_pairs_are_reported_not_raised():
    wide = pd.DataFrame({"participant": list("abcde"), "wave": "pre", "group": "",
                         "x.total": [1, 2, 3, None, None], "y.total": [2, 1, 4, 5, None],
                         "z.total": [3, 3, 3, 3, 3]})
    long, _ = correlations.for_set(wide, {"waves": ["pre"]},
                                   {"name": "d", "variables": ["x.total", "y.total", "z.total"]})
    xy, xz, yz = long.itertuples()
    assert xy.n == 3 and np.isfinite(xy.r) and np.isnan(xy.ci_low) and "confidence" in xy.note
    assert np.isnan(xz.r) and "constant" in xz.note and np.isnan(yz.p)
    assert xy.p_adjusted == xy.p          # the undefined pairs are not counted as comparisons


@pytest.mark.parametrize("spec, message", [
    ({"variables": ["brs.total", "brs.totl"]}, r"set 'bad': variable 'brs.totl' is not a column"),
    ({"variables": ["brs.total", "pss10.total"], "covariates": ["sex"]},
     r"set 'bad': covariate 'sex' is not a column"),
    ({"variables": ["brs.total", "pss10.total"], "covariates": ["brs.total"]},
     r"set 'bad': covariate 'brs.total' is also one of the variables"),
    ({"variables": ["brs.total", "pss10.total"], "wave": "follow_up"},
     r"set 'bad': wave 'follow_up' is not one of the study's waves"),
    ({"variables": ["brs.total", "empty.total"], "wave": "pre"},
     r"set 'bad': variable 'empty.total' has no values at wave 'pre'"),
    ({"variables": ["brs.total", "text"], "wave": "pre"},
     r"set 'bad': variable 'text' has a non-numeric value 'n/a' at wave 'pre' \(participant 'P01'\)"),
    ({"variables": ["brs.total", "pss10.total"], "method": "kendall"},
     r"set 'bad': method 'kendall' is not one of pearson, spearman"),
])
def test_user_errors_name_the_set_and_variable(reference_input, spec, message):
    wide = reference_input.assign(**{"empty.total": np.nan, "text": "n/a"})
    with pytest.raises(UserError, match=message):
        correlations.for_set(wide, STUDY, {"name": "bad", **spec})


# --------------------------------------------------------------------------------------------
# The example studies reproduce the published results (design.md)
# --------------------------------------------------------------------------------------------

def study_scores(study_id: str) -> tuple[dict, pd.DataFrame]:
    with open(ROOT / "config.yaml", encoding="utf-8") as handle:
        config = validate(yaml.safe_load(handle), ROOT)
    study = config["studies"][study_id]
    responses = ingest.for_study(study, ROOT).responses
    _long, wide = score.for_study(responses, study, ROOT)
    return study, wide


def configured_set(study: dict, name: str) -> dict:
    return next(s for s in study["analyses"]["correlations"] if s["name"] == name)


def test_trainee_wellbeing_reproduces_published_correlations():
    study, wide = study_scores("trainee_wellbeing")
    long, _ = correlations.for_set(wide, study, configured_set(study, "wellbeing"))
    pairs = {frozenset((row.var1, row.var2)): row for row in long.itertuples()}

    def pair(a, b):
        return pairs[frozenset((a, b))]

    published = {
        ("maas15.total", "confidence_care.total"): 0.91,
        ("scs_sf12.total", "confidence_care.total"): 0.81,
        ("brs.total", "mental_health"): 0.83,
        ("pss10.total", "flourishing.total"): -0.62,
        ("pss10.total", "confidence_care.total"): -0.92,
    }
    for (a, b), r in published.items():
        assert pair(a, b).r == pytest.approx(r, abs=0.05), (a, b)
    for a in ("maas15.total", "scs_sf12.total"):               # p < .01 (unadjusted, as published)
        assert pair(a, "confidence_care.total").p < 0.01
        assert pair(a, "brs.total").p < 0.01
    others = [v for v in configured_set(study, "wellbeing")["variables"] if v != "pss10.total"]
    stress = [pair("pss10.total", v) for v in others]
    assert all(row.r < 0 and row.p < 0.05 for row in stress)  # negative with every measure
    assert min(row.r for row in stress) == pytest.approx(-0.92, abs=0.05)
    assert max(row.r for row in stress) == pytest.approx(-0.62, abs=0.05)
    assert (long["n"] == 12).all()


def test_imp_feasibility_practice_not_related_to_change():
    study, wide = study_scores("imp_feasibility")
    spec = configured_set(study, "practice_vs_change")
    long, _ = correlations.for_set(wide, study, spec)
    practice = long[(long["var1"] == "home_practice") | (long["var2"] == "home_practice")]
    outcomes = [v for v in spec["variables"] if v != "home_practice"]
    assert sorted(practice["var2"]) == sorted(outcomes)          # every outcome's change
    assert (practice["var1_data"] == "post").all()
    assert (practice["var2_data"] == "post - pre").all()
    assert (practice["n"] >= 20).all() and (practice["n"] <= 25).all()   # the trained group
    assert (practice["p"] > 0.05).all() and (practice["p_adjusted"] > 0.05).all()


def test_imp_feasibility_within_person_correlations_over_two_waves():
    """With two waves, each participant's values centred on their own mean are +-d/2 (d = post -
    pre), so r_rm = sum(d_x d_y) / sqrt(sum(d_x^2) sum(d_y^2)): the correlation of the changes
    through the origin, over participants with both variables at both waves; df = n - 1."""
    study, wide = study_scores("imp_feasibility")
    spec = configured_set(study, "baseline")
    assert spec["repeated_measures"]
    table = correlations.repeated_measures(wide, study, spec)
    pre = wide[wide["wave"] == "pre"].set_index("participant")
    post = wide[wide["wave"] == "post"].set_index("participant")
    everyone = wide["participant"].nunique()
    for row in table.itertuples():
        change = (post[[row.var1, row.var2]] - pre[[row.var1, row.var2]]).dropna()
        dx, dy = change[row.var1].to_numpy(), change[row.var2].to_numpy()
        n = len(change)
        expected = (dx @ dy) / np.sqrt((dx @ dx) * (dy @ dy))
        assert (row.n_participants, row.n_observations, row.dof) == (n, 2 * n, n - 1)
        assert row.n_excluded == everyone - n
        assert row.r == pytest.approx(expected, abs=1e-12)
        t = expected * np.sqrt((n - 1) / (1 - expected ** 2))
        assert row.p == pytest.approx(2 * stats.t.sf(abs(t), n - 1), rel=1e-10)
    assert table["waves"].eq("pre; post").all()
    # The within-person links have the expected signs: mindfulness and self-compassion rise as
    # compassion fatigue falls.
    by_pair = {(row.var1, row.var2): row.r for row in table.itertuples()}
    assert by_pair[("ffmq39.total", "scs26.total")] > 0
    assert by_pair[("ffmq39.total", "proqol5.compassion_fatigue")] < 0


def test_repeated_measures_counts_who_is_left_out():
    """Participant c has one wave and d misses y at post: neither says anything within a person.
    Hand calculation: a (x 1,3; y 2,6) and b (x 2,3; y 5,4) centred: a x -1,1 y -2,2; b x -.5,.5
    y .5,-.5; sum xy = 4 - .5 = 3.5, sum x^2 = 2.5, sum y^2 = 8.5, r = 3.5 / sqrt(21.25)."""
    wide = pd.DataFrame({"participant": ["a", "a", "b", "b", "c", "d", "d", "e", "e", "e"],
                         "wave": ["pre", "post", "pre", "post", "pre", "pre", "post", "pre", "mid", "post"],
                         "group": "",
                         "x": [1, 3, 2, 3, 4, 5, 6, 1, 2, 3],
                         "y": [2, 6, 5, 4, 1, 2, None, 1, 1, 1]})
    # e is constant on y, so the centred y adds nothing but e still counts (3 observations).
    table = correlations.repeated_measures(wide[wide["participant"] != "e"], {"waves": ["pre", "post"]},
                                           {"name": "hand", "variables": ["x", "y"]})
    row = table.iloc[0]
    assert (row.n_participants, row.n_observations, row.n_excluded, row.dof) == (2, 4, 2, 1)
    assert row.r == pytest.approx(3.5 / np.sqrt(2.5 * 8.5), abs=1e-15)
    three = correlations.repeated_measures(wide, {"waves": ["pre", "mid", "post"]},
                                           {"name": "hand", "variables": ["x", "y"]})
    row = three.iloc[0]
    # e: x centred -1, 0, 1 and y centred 0, 0, 0 -> sum xy and sum y^2 unchanged, sum x^2 + 2.
    assert (row.n_participants, row.n_observations, row.n_excluded, row.dof) == (3, 7, 2, 3)
    assert row.r == pytest.approx(3.5 / np.sqrt(4.5 * 8.5), abs=1e-15)


def test_shared_items_mark_a_total_and_its_own_subscale():
    # FFMQ-39's non-reactivity facet is items 4, 9, 19, 21, 24, 29, 33 (Baer et al. 2006): all
    # seven are in the total; the observing facet shares none with it.
    from wellbeing.instruments import load_instrument

    instruments = {"ffmq39": load_instrument("ffmq39"), "pss10": load_instrument("pss10")}
    rng = np.random.default_rng(11)
    wide = pd.DataFrame({"participant": [f"p{i}" for i in range(30)], "wave": "pre", "group": "",
                         "ffmq39.total": rng.normal(130, 15, 30), "ffmq39.nonreact": rng.normal(23, 4, 30),
                         "ffmq39.observe": rng.normal(26, 5, 30), "pss10.total": rng.normal(17, 6, 30)})
    variables = ["ffmq39.total", "ffmq39.nonreact", "ffmq39.observe", "pss10.total"]
    long, _ = correlations.for_set(wide, {"waves": ["pre"]}, {"name": "demo", "variables": variables},
                                   instruments)
    shared = {(row.var1, row.var2): row.shared_items for row in long.itertuples()}
    assert shared[("ffmq39.total", "ffmq39.nonreact")] == 7
    assert shared[("ffmq39.total", "ffmq39.observe")] == 8
    assert shared[("ffmq39.nonreact", "ffmq39.observe")] == 0
    assert shared[("ffmq39.total", "pss10.total")] == 0
    without, _ = correlations.for_set(wide, {"waves": ["pre"]}, {"name": "demo", "variables": variables})
    assert (without.shared_items == 0).all()
