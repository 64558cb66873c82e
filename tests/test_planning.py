"""Sample-size planning (``wellbeing.planning``) against R: effectsize 0.8.3 for d and its
interval, pwr 1.3 for the power and the n (tests/reference/planning_reference.R, on the committed
unbalanced 2 x 2 set; rerun live when R has effectsize and pwr)."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from wellbeing import anova, planning

REFERENCE = Path(__file__).parent / "reference"
R_SCRIPT = REFERENCE / "planning_reference.R"
R_VALUES = REFERENCE / "planning_R.csv"
ANOVA_SET = REFERENCE / "anova_set_unbalanced.csv"


def reference(path: Path = R_VALUES) -> dict:
    return {(row.test, row.statistic): float(row.value)
            for row in pd.read_csv(path, dtype=str).itertuples(index=False)}


def stage(design: str = "mixed"):
    data = pd.read_csv(ANOVA_SET, dtype={"participant": str, "group": str, "wave": str})
    data = data.rename(columns={"score": "set.score"})
    config = {"design": design, "waves": ["pre", "post"], "groups": ["control", "trained"],
              "analyses": {"anova": {"outcomes": ["set.score"], "p_adjust": "none", "ci_level": 0.9,
                                     "planning": {"power": 0.8, "alpha": 0.05}}}}
    if design == "repeated":
        data = data[data.group == "control"].assign(group="")
        config.pop("groups")
    result = anova.for_study(data, config)
    return planning.for_anova(data, result.ledger, config).iloc[0]


@pytest.mark.parametrize("design, test", [("mixed", "two_sample"), ("repeated", "paired")])
def test_d_its_interval_and_n_match_effectsize_and_pwr(design, test):
    values = reference()
    row = stage(design)
    for column in ("d", "d_ci_low", "d_ci_high"):
        assert row[column] == pytest.approx(values[(test, column)], rel=1e-6), column
    # pwr's n is uniroot's (tolerance about 1e-4 in n); the power at our n is exact
    assert row.n_exact == pytest.approx(values[(test, "n")], abs=2e-4)
    two = test == "two_sample"
    assert planning.power_t(row.d, row.n_exact, 0.05, two) == pytest.approx(0.8, abs=1e-12)
    assert planning.power_t(row.d, 50, 0.05, two) == pytest.approx(values[(test, "power_at_n")], rel=1e-9)
    assert row.n_per_group == math.ceil(row.n_exact)


def test_the_bound_nearer_zero_and_the_pilot_note():
    two = stage("mixed")                  # d = 1.24 [0.28, 2.17]: excludes zero
    assert two.bound == pytest.approx(two.d_ci_low)
    assert two.n_per_group_at_bound == math.ceil(planning.n_for_power(two.d_ci_low))
    assert two.n_per_group_at_bound > two.n_per_group
    assert "imprecise" in two.note
    paired = stage("repeated")            # d_z = 0.09 [-0.43, 0.62]: includes zero
    assert math.isnan(paired.bound) and math.isnan(paired.n_per_group_at_bound)
    assert "includes 0" in paired.note


def test_hand_checked_sample_sizes():
    # The classic: d = 0.5, power .80, alpha .05 two-sided needs 64 per group (Cohen 1988,
    # Table 2.4.1); d = 0.8 needs 26; a paired test of d_z = 0.5 needs 34 pairs.
    assert math.ceil(planning.n_for_power(0.5)) == 64
    assert math.ceil(planning.n_for_power(0.8)) == 26
    assert math.ceil(planning.n_for_power(0.5, two_sample=False)) == 34
    assert math.isnan(planning.n_for_power(0.0))


def test_r_script_reproduces_the_committed_values(tmp_path, rscript):
    r = rscript("the live effectsize and pwr cross-check", "r-base-core, r-cran-effectsize and r-cran-pwr",
                ["pwr", "effectsize"])
    out = tmp_path / "planning_R.csv"
    done = subprocess.run([r, str(R_SCRIPT), str(ANOVA_SET), str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    fresh, committed = reference(out), reference()
    assert fresh.keys() == committed.keys()
    for key, value in committed.items():
        assert fresh[key] == pytest.approx(value, rel=1e-9), key
