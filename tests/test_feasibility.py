"""Feasibility (``wellbeing.feasibility``), counted by hand on a small two-group study.

Five participants: c1, c2, t1 answer both waves, c3 and t2 only the first. BRS has 6 items and
is scored from any answered item (Smith et al.); c1 skips one item at post (a score), t1 opens the
post survey and answers none (no score). Sessions attended (one value per participant): c 3, 5,
missing; t 8, 6.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from wellbeing import feasibility, score
from wellbeing.instruments import load_instrument

ITEMS = [f"BRS_{n}" for n in range(1, 7)]


def study() -> dict:
    return {"design": "mixed", "waves": ["pre", "post"], "groups": ["c", "t"],
            "instruments": [{"instrument": "brs", "items": "BRS_{n}"}],
            "measures": [{"column": "sessions", "name": "sessions"}],
            "analyses": {"feasibility": {"adherence": ["sessions"]}}}


def responses() -> pd.DataFrame:
    rows = []
    full = dict.fromkeys(ITEMS, 3)
    sessions = {"c1": 3, "c2": 5, "c3": None, "t1": 8, "t2": 6}
    for participant in sessions:
        group = participant[0]
        rows.append({"participant": participant, "wave": "pre", "group": group, **full,
                     "sessions": sessions[participant]})
    rows.append({"participant": "c1", "wave": "post", "group": "c", **full, "BRS_6": None, "sessions": 3})
    rows.append({"participant": "c2", "wave": "post", "group": "c", **full, "sessions": 5})
    rows.append({"participant": "t1", "wave": "post", "group": "t", **dict.fromkeys(ITEMS), "sessions": 8})
    return pd.DataFrame(rows)


def table() -> pd.DataFrame:
    config = study()
    long, wide = score.for_study(responses(), config, ".")
    return feasibility.for_study(responses(), long, wide, config, {"brs": load_instrument("brs")})


def test_retention_by_hand():
    rows = table()
    retention = rows[rows.section == "retention"].set_index(["group", "wave"])
    assert (retention.loc[("c", "post"), "n"], retention.loc[("c", "post"), "of"]) == (2, 3)
    assert (retention.loc[("t", "post"), "n"], retention.loc[("t", "post"), "of"]) == (1, 2)
    assert retention.loc[("all", "post"), "percent"] == pytest.approx(60.0)        # 3 of 5
    assert retention.loc[("all", "pre"), "percent"] == pytest.approx(100.0)


def test_completion_by_hand():
    rows = table().set_index(["section", "group", "wave"])
    # post: c1 5 + c2 6 + t1 0 answers of 3 x 6 = 18
    assert (rows.loc[("items answered", "all", "post"), "n"],
            rows.loc[("items answered", "all", "post"), "of"]) == (11, 18)
    assert rows.loc[("items answered", "t", "post"), "percent"] == 0
    # scores: c1 from 5 items, c2 complete, t1 missing: 2 of 3
    assert (rows.loc[("scores computed", "all", "post"), "n"],
            rows.loc[("scores computed", "all", "post"), "of"]) == (2, 3)
    assert rows.loc[("scores computed", "all", "pre"), "percent"] == pytest.approx(100.0)


def test_adherence_once_per_participant_by_hand():
    rows = table()
    adherence = rows[rows.section == "adherence"].set_index("group")
    assert set(adherence.wave) == {""}                          # one value per participant
    everyone = adherence.loc["all"]
    assert (everyone.n, everyone["of"]) == (4, 5)               # c3 has no value
    assert everyone["mean"] == pytest.approx((3 + 5 + 8 + 6) / 4)
    assert everyone["sd"] == pytest.approx(math.sqrt(((3 - 5.5) ** 2 + 0.25 + 6.25 + 0.25) / 3))
    assert (everyone["median"], everyone["min"], everyone["max"]) == (5.5, 3, 8)
    assert adherence.loc["c", "mean"] == 4 and adherence.loc["t", "median"] == 7
