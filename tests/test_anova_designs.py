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
