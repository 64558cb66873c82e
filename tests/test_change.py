"""Reliable change (Jacobson & Truax 1991), checked by hand on a small study.

Six participants; first-wave scores 10, 12, 14, 16, 18, 20: mean 15, squared deviations
25 + 9 + 1 + 1 + 9 + 25 = 70, SD = sqrt(70 / 5) = 3.7417. With r = .80:
SE_diff = sqrt(2) * 3.7417 * sqrt(.20) = 2.3664 and the criterion 1.96 * SE_diff = 4.6381.
Changes (lower is better on the PSS): c1 -6 improved, c2 -2 unchanged, c3 +5 deteriorated;
t1 -6, t2 -5, t3 -7 all improved. Improved 1 of 3 against 3 of 3: Fisher's exact p = P(1) + P(3)
= 4/20 + 4/20 = .40 (hypergeometric, 4 improved of 6, 3 per group).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wellbeing import change
from wellbeing.instruments import load_instrument

FIRST = [10, 12, 14, 16, 18, 20]
CHANGES = [-6, -2, 5, -6, -5, -7]


def study(reliability="baseline_alpha", outcomes=("pss10.total",), **extra):
    return {"design": "mixed", "waves": ["pre", "post"], "groups": ["c", "t"],
            "measures": [{"name": "minutes"}], **extra,
            "analyses": {"reliable_change": {"outcomes": list(outcomes), "reliability": reliability}}}


def scores(column="pss10.total"):
    rows = []
    for index, (pre, diff) in enumerate(zip(FIRST, CHANGES)):
        participant, group = f"{'ct'[index // 3]}{index % 3 + 1}", "ct"[index // 3]
        rows += [{"participant": participant, "wave": "pre", "group": group, column: pre},
                 {"participant": participant, "wave": "post", "group": group, column: pre + diff}]
    return pd.DataFrame(rows)


RELIABILITY = pd.DataFrame({"instrument": ["pss10"], "scale": ["total"], "wave": ["pre"], "alpha": [0.8]})
INSTRUMENTS = {"pss10": load_instrument("pss10")}


def test_counts_se_and_criterion_by_hand():
    summary, people = change.for_study(scores(), RELIABILITY, study(), INSTRUMENTS)
    sd = math.sqrt(70 / 5)
    se = math.sqrt(2) * sd * math.sqrt(0.2)
    row = summary.set_index("group").loc["c"]
    assert row.sd_baseline == pytest.approx(sd, rel=1e-12) and row.n_baseline == 6
    assert row.se_difference == pytest.approx(se, rel=1e-12)
    assert row.criterion == pytest.approx(1.959963984540054 * se, rel=1e-12)
    assert row.better == "lower" and row.reliability == 0.8
    assert (row.improved, row.unchanged, row.deteriorated, row.n) == (1, 1, 1, 3)
    trained = summary.set_index("group").loc["t"]
    assert (trained.improved, trained.unchanged, trained.deteriorated) == (3, 0, 0)
    total = summary.set_index("group").loc["all"]
    assert (total.n, total.improved) == (6, 4)
    assert total.test == "Fisher exact" and total.p == pytest.approx(0.4, rel=1e-12)
    assert people.category.tolist() == ["improved", "unchanged", "deteriorated"] + ["improved"] * 3
    np.testing.assert_allclose(people.rci, np.array(CHANGES) / se, rtol=1e-12)


def test_direction_and_a_given_reliability():
    # a measure without a direction: increases and decreases, in the same columns
    summary, people = change.for_study(scores("minutes"), None, study(0.8, ("minutes",)), {})
    row = summary.set_index("group").loc["c"]
    assert row.better == "" and row.reliability_source == "given in the config"
    assert (row.improved, row.deteriorated) == (1, 1)          # +5 increased, -6 decreased
    assert set(people.category) == {"increased", "decreased", "unchanged"}
    # the same measure declared better when higher: c3's +5 improves
    declared = study(0.8, ("minutes",), measures=[{"name": "minutes", "better": "higher"}])
    summary, people = change.for_study(scores("minutes"), None, declared, {})
    assert people.category.tolist()[:3] == ["deteriorated", "unchanged", "improved"]


def test_undefined_reliability_gives_a_note_not_counts():
    undefined = RELIABILITY.assign(alpha=float("nan"))
    summary, people = change.for_study(scores(), undefined, study(), INSTRUMENTS)
    assert summary.note.str.startswith("not computed: the reliability").all()
    assert summary.improved.isna().all() and people.rci.isna().all()


def test_every_bundled_scale_declares_its_better_direction():
    from wellbeing.instruments import bundled_ids

    for instrument_id in bundled_ids():
        instrument = load_instrument(instrument_id)
        for name in instrument.scales:
            assert instrument.scale(name).better in ("higher", "lower"), (instrument_id, name)
    assert load_instrument("proqol5").scale("burnout").better == "lower"
    assert load_instrument("scs26").scale("isolation").better == "lower"      # scored unreversed
    assert load_instrument("scs26").scale("total").better == "higher"
