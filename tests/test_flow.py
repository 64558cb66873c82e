"""The participant flow (``wellbeing.flow``): its counts add up whatever the ledgers hold (a
property test), and on a small study they are those counted by hand."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from wellbeing import flow

STUDY = {"design": "mixed", "waves": ["pre", "post", "followup"], "groups": ["c", "t"]}


def by_hand():
    # p1-p4 in c, p5-p7 in t; p8 only a duplicate-and-excluded row; one row without a code.
    ledger = pd.DataFrame({
        "participant": ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "", "p1"],
        "wave": ["pre"] * 8 + ["pre", "post"],
        "status": ["kept"] * 7 + ["excluded", "excluded", "kept"],
        "reason": ["kept"] * 7 + ["wave 'screening' is not one of the study's waves", "empty participant code", "kept"],
    })
    responses = pd.DataFrame({
        "participant": ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p1", "p2", "p5", "p1", "p5", "p6"],
        "wave": ["pre"] * 7 + ["post"] * 3 + ["followup"] * 3,
        "group": ["c"] * 4 + ["t"] * 3 + ["c", "c", "t", "c", "t", "t"],
    })
    anova_ledger = pd.DataFrame({
        "outcome": "pss10.total", "population": "all",
        "participant": ["p1", "p2", "p3", "p4", "p5", "p6", "p7"],
        "group": ["c"] * 4 + ["t"] * 3,
        "status": ["included", "excluded", "excluded", "excluded", "included", "excluded", "excluded"],
        "reason": ["", "no followup wave", "no post wave; no followup wave", "no post wave; no followup wave",
                   "", "no post wave", "no post wave; no followup wave"],
    })
    return flow.for_study(ledger, responses, STUDY, anova_ledger)


def count(table, stage, **where) -> int:
    rows = table[table.stage == stage]
    for key, value in where.items():
        rows = rows[rows[key] == value]
    return int(rows.n.sum())


def test_counts_by_hand():
    table = by_hand()
    assert count(table, "assessed") == 8                     # p1-p8; the codeless row is no person
    assert count(table, "records without a code") == 1
    assert count(table, "excluded") == 1                     # p8, its only row excluded
    assert table[table.stage == "excluded"].reason.tolist() == ["wave 'screening' is not one of the study's waves"]
    assert (count(table, "allocated", group="c"), count(table, "allocated", group="t")) == (4, 3)
    assert (count(table, "responded", group="c", wave="post"), count(table, "lost", group="c", wave="post")) == (2, 2)
    assert (count(table, "responded", group="t", wave="followup"),
            count(table, "lost", group="t", wave="followup")) == (2, 1)
    assert count(table, "analysed", group="c") == 1 and count(table, "analysed", group="t") == 1
    out = table[(table.stage == "excluded from analysis") & (table.group == "c")].set_index("reason").n.to_dict()
    assert out == {"no followup wave": 1, "no post wave": 2}  # the first reason of each


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.sampled_from(["pre", "post", "x"]), st.booleans(),
                          st.sampled_from(["c", "t", ""])), min_size=1, max_size=40))
def test_the_counts_add_up(rows):
    """assessed = excluded + allocated + not allocated; per group and later wave,
    allocated = responded + lost."""
    ledger = pd.DataFrame([{"participant": f"p{p}", "wave": w, "status": "kept" if keep else "excluded",
                            "reason": "kept" if keep else "some rule"} for p, w, keep, _ in rows])
    kept = {(f"p{p}", w, g) for p, w, keep, g in rows if keep and w != "x"}
    first_group = {}
    for participant, wave, group in sorted(kept):
        first_group.setdefault(participant, group)
    responses = pd.DataFrame([{"participant": p, "wave": w, "group": first_group[p] or None}
                              for p, w, _ in sorted(kept)], columns=["participant", "wave", "group"])
    study = {"design": "mixed", "waves": ["pre", "post"], "groups": ["c", "t"]}
    table = flow.for_study(ledger, responses, study)
    entered = count(table, "allocated") + count(table, "not allocated")
    assert count(table, "assessed") == count(table, "excluded") + entered
    for group in ("c", "t"):
        allocated = count(table, "allocated", group=group)
        for wave in ("pre", "post"):
            assert count(table, "responded", group=group, wave=wave) + count(table, "lost", group=group, wave=wave) \
                == allocated
