"""Bayes factors (``wellbeing.bayes``) against R's BayesFactor 0.9.12.

The R values come from tests/reference/bayes_reference.R (run on the committed data sets beside
it: the unbalanced 2 x 2 ANOVA set and the correlations input), which computes t, r and the Bayes
factors from the raw data itself. The live test reruns it when Rscript with BayesFactor is there.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from wellbeing import anova, bayes, correlations

REFERENCE = Path(__file__).parent / "reference"
R_SCRIPT = REFERENCE / "bayes_reference.R"
R_VALUES = REFERENCE / "bayes_R.csv"
ANOVA_SET = REFERENCE / "anova_set_unbalanced.csv"
CORRELATION_SET = REFERENCE / "correlations_input.csv"


def reference(path: Path = R_VALUES) -> dict:
    table = pd.read_csv(path, dtype=str)
    return {(row.test, row.statistic): float(row.value) for row in table.itertuples(index=False)}


def study(**anova_settings) -> dict:
    return {"design": "mixed", "waves": ["pre", "post"], "groups": ["control", "trained"],
            "analyses": {"anova": {"outcomes": ["set.score"], "p_adjust": "none", "ci_level": 0.9,
                                   "bayes": True, **anova_settings}}}


def unbalanced_stage():
    data = pd.read_csv(ANOVA_SET, dtype={"participant": str, "group": str, "wave": str})
    wide = data.rename(columns={"score": "set.score"})
    config = study()
    result = anova.for_study(wide, config)
    return wide, config, result


def test_interaction_is_the_two_sample_jzs_test_of_the_change_scores():
    values = reference()
    wide, config, result = unbalanced_stage()
    table = bayes.for_anova(wide, result.ledger, config)
    row = table.iloc[0]
    assert (row.n1, row.n2) == (values[("interaction", "n1")], values[("interaction", "n2")])
    assert row.t == pytest.approx(values[("interaction", "t")], rel=1e-12)
    assert row.bf10 == pytest.approx(values[("interaction", "bf10")], rel=1e-6)
    assert row.bf01 == pytest.approx(1 / values[("interaction", "bf10")], rel=1e-6)
    # the same participants as the ANOVA: t squared is the interaction's F
    interaction = result.anova.set_index("effect").loc["group:time"]
    assert row.t ** 2 == pytest.approx(interaction["F"], rel=1e-10)
    assert row.evidence == "moderate evidence for a difference in change between the groups"   # 4.72


def test_single_arm_is_the_paired_jzs_test():
    values = reference()
    data = pd.read_csv(ANOVA_SET, dtype={"participant": str, "group": str, "wave": str})
    arm = data[data.group == "control"].rename(columns={"score": "set.score"})
    config = {"design": "repeated", "waves": ["pre", "post"],
              "analyses": {"anova": {"outcomes": ["set.score"], "p_adjust": "none", "ci_level": 0.9,
                                     "bayes": True}}}
    result = anova.for_study(arm.assign(group=""), config)
    row = bayes.for_anova(arm.assign(group=""), result.ledger, config).iloc[0]
    assert row.n == values[("single_arm", "n")]
    assert row.t == pytest.approx(values[("single_arm", "t")], rel=1e-12)
    assert row.bf10 == pytest.approx(values[("single_arm", "bf10")], rel=1e-6)
    assert row.evidence == "moderate evidence for no change"                 # BF01 = 3.5


def test_correlation_bayes_factors_match_correlationbf():
    values = reference()
    data = pd.read_csv(CORRELATION_SET, dtype={"participant": str, "wave": str, "group": str})
    # the scales (a measure recorded at another wave only would be taken from there)
    variables = [c for c in data.columns if "." in c]
    long, _ = correlations.for_set(data, {"waves": sorted(set(data.wave))},
                                   {"name": "demo", "variables": variables, "wave": data.wave.iloc[0],
                                    "bayes": True})
    checked = 0
    for row in long.itertuples():
        key = f"correlation|{row.var1}|{row.var2}"
        if (key, "bf10") not in values:
            assert row.n < 3
            continue
        assert row.n == values[(key, "n")]
        assert row.r == pytest.approx(values[(key, "r")], rel=1e-10)
        assert row.bf10 == pytest.approx(values[(key, "bf10")], rel=1e-6), key
        assert row.bf01 == pytest.approx(1 / values[(key, "bf10")], rel=1e-6)
        checked += 1
    assert checked == len(variables) * (len(variables) - 1) // 2 == 10
    plain, _ = correlations.for_set(data, {"waves": sorted(set(data.wave))},
                                    {"name": "demo", "variables": variables, "wave": data.wave.iloc[0]})
    assert plain.bf10.isna().all()          # only when asked


def test_designs_without_a_t_test_get_a_note():
    wide, config, result = unbalanced_stage()
    three = dict(config, waves=["pre", "post", "follow"])
    table = bayes.for_anova(wide, result.ledger, three)
    assert table.bf10.isna().all()
    assert table.note.iloc[0].startswith("not computed: 3 waves")
    with_factor = dict(config, factors=[{"column": "sex", "name": "sex", "levels": ["f", "m"]}])
    assert "further between factor" in bayes.for_anova(wide, result.ledger, with_factor).note.iloc[0]


def test_hand_checked_limits():
    # With t = 0 the likelihood ratio at the null is largest: BF10 < 1, and it shrinks as n grows
    # (the evidence for no effect accumulates).
    small, large = bayes.jzs_t_bf10(0.0, 10), bayes.jzs_t_bf10(0.0, 1000)
    assert 0 < large < small < 1
    # Unit-information limit (Rouder et al. 2009): with large n and t = 0, BF01 grows like sqrt(n);
    # quadrupling n about doubles BF01.
    assert bayes.jzs_t_bf10(0.0, 4000) / large == pytest.approx(0.5, rel=0.02)
    # r = 0 against a uniform prior: BF10 < 1; r = 1 is infinite evidence
    assert bayes.correlation_bf10(0.0, 50) < 1
    assert bayes.correlation_bf10(1.0, 10) == math.inf
    assert math.isnan(bayes.correlation_bf10(0.3, 2))


def test_r_script_reproduces_the_committed_values(tmp_path, rscript):
    r = rscript("the live BayesFactor cross-check", "r-base-core and r-cran-bayesfactor", ["BayesFactor"])
    out = tmp_path / "bayes_R.csv"
    done = subprocess.run([r, str(R_SCRIPT), str(ANOVA_SET), str(CORRELATION_SET), str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    fresh, committed = reference(out), reference()
    assert fresh.keys() == committed.keys()
    for key, value in committed.items():
        assert fresh[key] == pytest.approx(value, rel=1e-9), key
