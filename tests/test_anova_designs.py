"""The Type III engine for every design against R: between factors crossed with the waves
(mixed), the waves alone (single arm) and between factors alone, on afex's unbalanced obk.long
(O'Brien & Kaiser 1985: treatment 3 levels x gender, three phases) and, live, on a real single-arm
export (Krusche et al. 2012, PSS at three waves).

Reference values: tests/reference/anova_factorial_R.csv, written by
tests/reference/anova_factorial_reference.R (afex::aov_ez type 3, car::Anova.mlm; the commands
are at the top and the end of the script). Tolerance: 1e-9 relative (the engine agrees to about
1e-13; p values of F near 0 to 1e-9 absolute).
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from wellbeing import anova

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference"
R_SCRIPT = REFERENCE / "anova_factorial_reference.R"
STATISTICS = ["df1", "df2", "F", "p", "pes", "ges", "SS", "SS_error", "eps_gg", "eps_hf",
              "mauchly_w", "mauchly_p"]


def obk() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "anova_set_obk.csv", dtype={"participant": str})


def wide(long: pd.DataFrame, factors: list[str], waves: list[str]):
    table = long.pivot(index="participant", columns="wave", values="score")[waves]
    people = long.drop_duplicates("participant").set_index("participant").loc[table.index]
    return table.to_numpy(), {name: people[name].to_numpy() for name in factors}


def reference(path: Path = REFERENCE / "anova_factorial_R.csv") -> pd.DataFrame:
    return pd.read_csv(path, na_values=["NA"])


def compare(table: pd.DataFrame, expected: pd.DataFrame, rtol: float = 1e-9) -> int:
    """Every statistic R gives for every effect equals the engine's; returns how many were compared."""
    rows = table.set_index("effect")
    assert sorted(rows.index) == sorted(expected.effect.unique())
    compared = 0
    for entry in expected.itertuples(index=False):
        got = rows.loc[entry.effect, entry.statistic]
        if math.isnan(entry.value):
            assert math.isnan(got), (entry.effect, entry.statistic, got)
        else:
            assert got == pytest.approx(entry.value, rel=rtol, abs=1e-12), (entry.effect, entry.statistic)
        compared += 1
    return compared


DESIGNS = {
    # dataset: (between factors, waves)
    "mixed": (["treatment", "gender"], ["pre", "post", "fup"]),
    "repeated": ([], ["pre", "post", "fup"]),
    "between": (["treatment", "gender"], ["pre"]),
}


@pytest.mark.parametrize("dataset", sorted(DESIGNS))
def test_every_design_matches_afex(dataset):
    factors, waves = DESIGNS[dataset]
    Y, coded = wide(obk(), factors, waves)
    table = anova.factorial_anova(Y, coded)
    expected = reference()
    expected = expected[(expected.dataset == dataset) & ~expected.effect.str.startswith("pair|")]
    assert compare(table, expected) == len(expected) > 0


def test_single_arm_pairwise_waves_match_r():
    """Paired t (t.test) and d_z with its CI (effectsize::cohens_d(paired = TRUE), whose
    optimiser finds the noncentral-t bounds to about 1e-6) of every wave pair of a single arm."""
    Y, _ = wide(obk(), [], ["pre", "post", "fup"])
    table = anova.followups(Y, [anova.SINGLE_ARM] * len(Y), [anova.SINGLE_ARM], ["pre", "post", "fup"])
    assert (table.comparison == "within").all() and len(table) == 3
    expected = reference()
    expected = expected[expected.effect.str.startswith("pair|")]
    assert len(expected) == 18
    rows = table.set_index("contrast")
    for entry in expected.itertuples(index=False):
        got = rows.loc[entry.effect.removeprefix("pair|"), entry.statistic]
        tolerance = 1e-6 if entry.statistic.startswith("d_z_ci") else 1e-9
        assert got == pytest.approx(entry.value, rel=tolerance), (entry.effect, entry.statistic)


def test_effect_names_and_order_follow_afex():
    Y, coded = wide(obk(), ["treatment", "gender"], ["pre", "post", "fup"])
    table = anova.factorial_anova(Y, {"group": coded["treatment"], "sex": coded["gender"]})
    assert table.effect.tolist() == ["group", "sex", "group:sex", "time", "group:time", "sex:time",
                                     "group:sex:time"]


def test_one_factor_is_the_mixed_anova():
    """The engine with one factor gives the mixed ANOVA's table, value for value."""
    Y, coded = wide(obk(), ["treatment"], ["pre", "post", "fup"])
    one = anova.factorial_anova(Y, {"group": coded["treatment"]})
    pd.testing.assert_frame_equal(one, anova.mixed_anova(Y, coded["treatment"]))


def test_live_r_on_obk_and_a_real_single_arm_export(tmp_path, rscript):
    """Rerun R: it reproduces the committed values; and on the real single-arm export (PSS at
    three waves, Krusche et al. 2012, read by the pipeline's ingest) the engine agrees with it."""
    path = rscript("the R cross-check of every design", "r-base-core and r-cran-afex")
    out = tmp_path / "obk.csv"
    run = subprocess.run([path, str(R_SCRIPT), str(REFERENCE / "anova_set_obk.csv"), str(out),
                          "treatment,gender", "wave"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    committed = reference()
    live = reference(out)
    pd.testing.assert_frame_equal(live, committed[committed.dataset == "mixed"].reset_index(drop=True),
                                  check_exact=False, rtol=1e-12)
    # (the single arm's pairs come from effectsize's optimiser: compared at 1e-6 above)

    spec = importlib.util.spec_from_file_location("real_exports", ROOT / "tests" / "test_real_exports.py")
    real_exports = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(real_exports)       # its reader of the folder, and of the workbook
    workbook = real_exports.real_file("krusche2012_bmo_pss.xlsx")
    responses = real_exports.krusche_responses(workbook, tmp_path / "krusche")
    long = responses.rename(columns={"PSS": "score"})[["participant", "wave", "score"]]
    long.to_csv(tmp_path / "krusche.csv", index=False)
    run = subprocess.run([path, str(R_SCRIPT), str(tmp_path / "krusche.csv"), str(tmp_path / "k.csv"),
                          "-", "wave"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    Y = long.pivot(index="participant", columns="wave", values="score")[["pre", "post", "followup"]]
    krusche = reference(tmp_path / "k.csv")
    assert compare(anova.factorial_anova(Y.to_numpy(dtype=float)),
                   krusche[~krusche.effect.str.startswith("pair|")]) == 12


# ------------------------------------------------- the stage: factors, designs and populations

OBK_STUDY = {"design": "mixed", "waves": ["pre", "post", "fup"], "groups": ["control", "A", "B"],
             "factors": [{"column": "gender", "name": "sex", "levels": ["F", "M"]}],
             "analyses": {"anova": {"outcomes": ["score"], "p_adjust": "none"}}}
AFEX_NAMES = {"treatment": "group", "gender": "sex"}


def obk_scores(drop: tuple = ()) -> pd.DataFrame:
    """obk.long as the score stage writes scores_wide: participant, wave, group, sex, score;
    ``drop``: (participant, wave) pairs whose score is missing."""
    data = obk().rename(columns={"treatment": "group", "gender": "sex"})
    for participant, wave in drop:
        data.loc[(data.participant == participant) & (data.wave == wave), "score"] = float("nan")
    return data


def afex_effects(expected: pd.DataFrame) -> pd.DataFrame:
    def rename(effect):
        return ":".join(AFEX_NAMES.get(part, part) for part in effect.split(":"))
    return expected.assign(effect=expected.effect.map(rename))


def test_the_stage_with_a_further_factor_matches_afex():
    """group (treatment) x sex (gender) x time through anova.for_study: the table afex gives."""
    result = anova.for_study(obk_scores(), OBK_STUDY)
    expected = reference()
    expected = afex_effects(expected[(expected.dataset == "mixed") & ~expected.effect.str.startswith("pair|")])
    assert compare(result.anova, expected) == len(expected) == 7 * 8 + 4 * 4
    assert result.anova.effect.tolist() == anova.effect_names(["group", "sex"], 3)
    assert result.anova.loc[result.anova.primary, "effect"].tolist() == ["group:time"]
    assert (result.anova.population == "all").all()


def test_cells_and_followups_per_factor_level_by_hand():
    """cells.csv has one row per group x sex x wave (pandas' own mean, SD and count); the
    between follow-ups compare the groups within each sex and the sexes within each group,
    each a Welch test as scipy computes it."""
    from scipy import stats as scipy_stats

    data = obk_scores()
    result = anova.for_study(data, OBK_STUDY)
    summary = data.groupby(["group", "sex", "wave"]).score.agg(["count", "mean", "std"])
    cells = result.cells.set_index(["group", "sex", "wave"])
    assert len(cells) == 3 * 2 * 3 == len(summary)
    for key, row in summary.iterrows():
        assert cells.loc[key, "n"] == row["count"]
        assert cells.loc[key, "mean"] == pytest.approx(row["mean"], rel=1e-12)
        assert cells.loc[key, "sd"] == pytest.approx(row["std"], rel=1e-12)
    between = result.followups[result.followups.comparison == "between"]
    # group pairs (3) within each sex (2), and the sex pair within each group (3), at 3 waves
    assert len(between) == (3 * 2 + 3) * 3
    row = between[(between.sex == "M") & (between.group == "") & (between.wave == "post")
                  & (between.contrast == "B - A")].iloc[0]
    post = data[(data.wave == "post") & (data.sex == "M")]
    test = scipy_stats.ttest_ind(post[post.group == "B"].score, post[post.group == "A"].score,
                                 equal_var=False)
    assert row.t == pytest.approx(test.statistic, rel=1e-12)
    assert row.p == pytest.approx(test.pvalue, rel=1e-10)
    row = between[(between.group == "control") & (between.sex == "") & (between.wave == "fup")].iloc[0]
    fup = data[(data.wave == "fup") & (data.group == "control")]
    test = scipy_stats.ttest_ind(fup[fup.sex == "M"].score, fup[fup.sex == "F"].score, equal_var=False)
    assert row.contrast == "M - F" and row.t == pytest.approx(test.statistic, rel=1e-12)
    # Holm across the three group pairs of one sex at one wave, as p.adjust(method = "holm")
    family = between[(between.sex == "M") & (between.group == "") & (between.wave == "post")]
    p = sorted(family.p)
    holm = [min(1, max(3 * p[0], 0)), max(3 * p[0], 2 * p[1]), max(3 * p[0], 2 * p[1], p[2])]
    assert sorted(family.p_holm_pairs) == pytest.approx([min(1, h) for h in holm], rel=1e-12)


def test_mixed_model_with_a_further_factor_matches_lmertest():
    """Two scores missing (kept in the model, out of the ANOVA); gender sum-coded: lmerTest's
    estimates, Satterthwaite df and the Type III F of wave x treatment
    (tests/reference/mixed_model_factors_reference.R)."""
    result = anova.for_study(obk_scores(drop=(("3", "fup"), ("10", "post"))), OBK_STUDY)
    model = result.mixed_model.set_index("term")
    expected = pd.read_csv(REFERENCE / "mixed_model_factors_R.csv")
    for entry in expected.itertuples(index=False):
        tolerance = 1e-4 if entry.statistic in ("df", "p") else 1e-6
        assert model.loc[entry.term, entry.statistic] == pytest.approx(entry.value, rel=tolerance), entry
    assert (model.n_participants == 16).all() and (model.n_observations == 46).all()
    assert (model.anova_n == 14).all()
    ledger = result.ledger.set_index("participant")
    assert ledger.loc["3", "reason"] == "value missing at fup" and ledger.loc["3", "in_mixed_model"]


def test_between_design_through_the_stage_matches_afex():
    """design: between (one wave): group x sex at pre, as afex::aov_ez without a within factor."""
    data = obk_scores()
    data = data[data.wave == "pre"]
    study = {**OBK_STUDY, "design": "between", "waves": ["pre"]}
    result = anova.for_study(data, study)
    expected = reference()
    expected = afex_effects(expected[expected.dataset == "between"])
    assert compare(result.anova, expected) == len(expected)
    assert result.anova.loc[result.anova.primary, "effect"].tolist() == ["group"]
    assert result.mixed_model.empty and (result.followups.comparison == "between").all()
    assert set(result.assumptions.test) == {"shapiro_wilk", "levene_mean", "levene_median"}


def test_populations_exclude_by_rule_and_each_block_is_its_own_anova():
    """per_protocol leaves out who attended fewer than 3 sessions or has no count; its block is
    the ANOVA of the others (the engine on that subset, chosen here by hand)."""
    data = obk_scores()
    sessions = {p: (int(p) % 5) for p in data.participant.unique()}   # 0..4 sessions
    sessions["7"] = float("nan")
    data["sessions"] = data.participant.map(sessions)
    study = {**OBK_STUDY, "factors": [],
             "populations": {"per_protocol": {"exclude": [{"variable": "sessions", "below": 3},
                                                          {"variable": "sessions", "missing": True}]}},
             "analyses": {"anova": {"outcomes": ["score"], "p_adjust": "none",
                                    "populations": ["all", "per_protocol"]}}}
    result = anova.for_study(data, study)
    assert result.anova.population.unique().tolist() == ["all", "per_protocol"]
    kept = sorted(p for p, s in sessions.items() if s == s and s >= 3)
    ledger = result.ledger[result.ledger.population == "per_protocol"].set_index("participant")
    assert sorted(ledger.index[ledger.status == "included"]) == kept
    assert ledger.loc["1", "reason"] == "per_protocol: sessions 1 < 3"
    assert ledger.loc["7", "reason"] == "per_protocol: sessions missing"
    assert not ledger.loc["1", "in_mixed_model"]
    subset = data[data.participant.isin(kept)]
    Y, coded = wide(subset, ["group"], ["pre", "post", "fup"])
    expected = anova.factorial_anova(Y, coded, {"group": ["control", "A", "B"]})
    got = result.anova[result.anova.population == "per_protocol"].reset_index(drop=True)
    pd.testing.assert_series_equal(got.F, expected.F, check_names=False)
    assert (got.n == len(kept)).all()
    everyone = result.ledger[result.ledger.population == "all"]
    assert (everyone.status == "included").all()
