"""Tests of vectorised scoring: hand-worked respondents, bounds, reverse keys, missing items.

Every expected value is worked out by hand in the comment beside it, from the keys in
published scoring keys (repeated in tests/test_instruments.py), not from the code.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from wellbeing import instruments as inst
from wellbeing.errors import UserError
from wellbeing.instruments import bundled_ids, load_instrument
from wellbeing.score import LONG_COLUMNS, scale_item_values, score_instrument, score_study

PATTERN = "Q{n}"


def responses(instrument_id: str, *answers, pattern: str = PATTERN, waves=None,
              participants=None) -> pd.DataFrame:
    """One row per answer list (item 1 first; None = unanswered)."""
    instrument = load_instrument(instrument_id)
    rows = []
    for index, values in enumerate(answers):
        assert len(values) == instrument.n_items
        row = {"participant": participants[index] if participants else f"p{index + 1:02d}",
               "wave": waves[index] if waves else "pre", "group": "imp"}
        row.update({pattern.format(n=n): (np.nan if v is None else v)
                    for n, v in enumerate(values, start=1)})
        rows.append(row)
    return pd.DataFrame(rows)


def scores(instrument_id: str, *answers) -> dict:
    """Scale -> score for a single respondent."""
    long = score_instrument(responses(instrument_id, *answers), load_instrument(instrument_id),
                            PATTERN)
    assert len(answers) == 1
    return dict(zip(long["scale"], long["score"]))


def by_item(n_items: int, values: dict[int, float], default: float) -> list:
    return [values.get(n, default) for n in range(1, n_items + 1)]


# ------------------------------------------------------------------------------------------
# A hand-worked respondent for every bundled instrument
# ------------------------------------------------------------------------------------------


def test_ffmq39_hand_worked():
    # Everyone answers 4. Reversed items count 1 + 5 - 4 = 2.
    #   observe   8 x 4                 = 32
    #   describe  5 x 4 + 3 x 2 (12,16,22 reversed) = 26
    #   act_aware 8 x 2                 = 16
    #   nonjudge  8 x 2                 = 16
    #   nonreact  7 x 4                 = 28
    #   total     32 + 26 + 16 + 16 + 28 = 118
    assert scores("ffmq39", [4] * 39) == {"observe": 32, "describe": 26, "act_aware": 16,
                                          "nonjudge": 16, "nonreact": 28, "total": 118}
    # Same, but item 12 = 1 (reversed: 6 - 1 = 5) and item 4 = 5:
    #   describe 5 x 4 + 5 + 2 + 2 = 29; nonreact 5 + 6 x 4 = 29; total 118 + 3 + 1 = 122
    result = scores("ffmq39", by_item(39, {12: 1, 4: 5}, 4))
    assert (result["describe"], result["nonreact"], result["total"]) == (29, 29, 122)


def test_ffmq15_hand_worked():
    # Everyone answers 2; reversed items (3,4,7,8,9,13,14) count 6 - 2 = 4.
    #   observe 1,6,11 -> 2+2+2 = 6; describe 2, 7R, 12 -> 2+4+2 = 8; act_aware 3R,8R,13R -> 12
    #   nonjudge 4R,9R,14R -> 12; nonreact 5,10,15 -> 6; total 6+8+12+12+6 = 44
    assert scores("ffmq15", [2] * 15) == {"observe": 6, "describe": 8, "act_aware": 12,
                                          "nonjudge": 12, "nonreact": 6, "total": 44}


SCS26_GROUPS = {"self_kindness": [5, 12, 19, 23, 26], "self_judgment": [1, 8, 11, 16, 21],
                "common_humanity": [3, 7, 10, 15], "isolation": [4, 13, 18, 25],
                "mindfulness": [9, 14, 17, 22], "over_identification": [2, 6, 20, 24]}


def test_scs26_hand_worked():
    # Each subscale answered uniformly: SK 4, SJ 2, CH 5, IS 1, MI 3, OI 2.
    # Subscales are unreversed means: 4, 2, 5, 1, 3, 2.
    # Total: negatives reversed (6 - x): SJ 4, IS 5, OI 4 -> mean(4, 4, 5, 5, 3, 4) = 25 / 6.
    # (The mean of all 26 reversed items would be (20+20+20+20+12+16)/26 = 108/26 = 4.1538...:
    #  the file declares the mean of subscale means instead, Neff's current guidance.)
    level = {"self_kindness": 4, "self_judgment": 2, "common_humanity": 5, "isolation": 1,
             "mindfulness": 3, "over_identification": 2}
    answers = by_item(26, {i: level[s] for s, items in SCS26_GROUPS.items() for i in items}, None)
    result = scores("scs26", answers)
    assert {k: v for k, v in result.items() if k != "total"} == level
    assert result["total"] == pytest.approx(25 / 6)
    assert result["total"] != pytest.approx(108 / 26)


def test_scs_sf12_hand_worked():
    # answers by item:  1:5 2:4 3:4 4:2 5:3 6:5 7:4 8:1 9:4 10:3 11:2 12:2
    # subscales (raw means): SK (2,6) 4.5; SJ (11,12) 2; CH (5,10) 3; IS (4,8) 1.5;
    #                        MI (3,7) 4; OI (1,9) 4.5
    # total: reverse 1,4,8,9,11,12 -> 1, 4, 5, 2, 4, 4 (= 20) ; others 2,3,5,6,7,10 -> 4, 4, 3,
    #        5, 4, 3 (= 23); (20 + 23) / 12 = 43 / 12
    answers = [5, 4, 4, 2, 3, 5, 4, 1, 4, 3, 2, 2]
    result = scores("scs_sf12", answers)
    assert result == pytest.approx({"self_kindness": 4.5, "self_judgment": 2, "common_humanity": 3,
                                    "isolation": 1.5, "mindfulness": 4, "over_identification": 4.5,
                                    "total": 43 / 12})


def test_pss10_hand_worked():
    # answers [3, 3, 2, 1, 0, 3, 1, 2, 4, 3]; reverse 4, 5, 7, 8 (4 - x): 1->3, 0->4, 1->3, 2->2
    # sum 3 + 3 + 2 + 3 + 4 + 3 + 3 + 2 + 4 + 3 = 30
    assert scores("pss10", [3, 3, 2, 1, 0, 3, 1, 2, 4, 3]) == {"total": 30}


def test_proqol5_hand_worked():
    # All 3, except item 1 = 5, item 8 = 4, item 3 = 5, item 2 = 1.
    #   compassion_satisfaction: item 3 = 5, nine items 3 -> 5 + 27 = 32
    #   burnout: 1R -> 6 - 5 = 1, 8 -> 4, eight more items 3 (4R, 10, 15R, 17R, 19, 21, 26, 29R
    #            all 3 either way) -> 1 + 4 + 24 = 29
    #   secondary_trauma: item 2 = 1, nine items 3 -> 1 + 27 = 28
    #   compassion_fatigue: burnout items + STS items = 29 + 28 = 57
    result = scores("proqol5", by_item(30, {1: 5, 8: 4, 3: 5, 2: 1}, 3))
    assert result == {"compassion_satisfaction": 32, "burnout": 29, "secondary_trauma": 28,
                      "compassion_fatigue": 57}


EQ_AGREE = [1, 6, 19, 22, 25, 26, 35, 36, 37, 38, 41, 42, 43, 44, 52, 54, 55, 57, 58, 59, 60]
EQ_DISAGREE = [4, 8, 10, 11, 12, 14, 15, 18, 21, 27, 28, 29, 32, 34, 39, 46, 48, 49, 50]


def test_eq60_hand_worked_recode():
    # Coding 1 strongly agree, 2 slightly agree, 3 slightly disagree, 4 strongly disagree.
    # Agreement items (21) answered 1 -> 2 points each = 42; disagreement items (19) answered 3
    # -> 1 point each = 19; fillers answered 4 -> not scored. Total 42 + 19 = 61.
    answers = by_item(60, {**{i: 1 for i in EQ_AGREE}, **{i: 3 for i in EQ_DISAGREE}}, 4)
    assert scores("eq60", answers) == {"total": 61}
    # Everyone "slightly agree" (2): 21 agreement items x 1 + 19 disagreement items x 0 = 21.
    assert scores("eq60", [2] * 60) == {"total": 21}
    # Everyone "strongly disagree" (4): 21 x 0 + 19 x 2 = 38.
    assert scores("eq60", [4] * 60) == {"total": 38}
    # Everyone "slightly disagree" (3): 0 + 19 x 1 = 19; "strongly agree" (1): 21 x 2 = 42.
    assert scores("eq60", [3] * 60) == {"total": 19}
    assert scores("eq60", [1] * 60) == {"total": 42}


def test_eq60_fillers_do_not_count_and_may_be_absent():
    eq = load_instrument("eq60")
    answers = by_item(60, {**{i: 1 for i in EQ_AGREE}, **{i: 4 for i in EQ_DISAGREE}}, 1)
    frame = responses("eq60", answers)
    full = score_instrument(frame, eq, PATTERN)
    assert full["score"].tolist() == [80.0]  # 21 x 2 + 19 x 2
    no_fillers = frame.drop(columns=[f"Q{n}" for n in eq.filler_items])
    assert score_instrument(no_fillers, eq, PATTERN).equals(full)
    # a filler answered out of range is still a data error
    frame.loc[0, "Q2"] = 7
    with pytest.raises(UserError, match=r"eq60: .*Q2 has 7\.\.7"):
        score_instrument(frame, eq, PATTERN)


def test_brs_hand_worked():
    # [4, 2, 5, 1, 3, 2]; reverse 2, 4, 6 (6 - x): 2->4, 1->5, 2->4; mean (4+4+5+5+3+4)/6 = 25/6
    assert scores("brs", [4, 2, 5, 1, 3, 2])["total"] == pytest.approx(25 / 6)


def test_cdrisc10_hand_worked():
    # no reversal; 0+1+2+3+4+4+3+2+1+0 = 20
    assert scores("cdrisc10", [0, 1, 2, 3, 4, 4, 3, 2, 1, 0]) == {"total": 20}


def test_cdrisc25_hand_worked():
    # item n answered n % 5: five cycles of 1+2+3+4+0 = 10 -> 50
    assert scores("cdrisc25", [n % 5 for n in range(1, 26)]) == {"total": 50}


def test_maas15_hand_worked():
    # 1..6, 1..6, 1, 2, 3 -> (21 + 21 + 6) / 15 = 48 / 15 = 3.2 ; no reversal (6 = almost never)
    assert scores("maas15", [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3])["total"] == \
        pytest.approx(3.2)


def test_flourishing_hand_worked():
    # 7+6+5+4+3+2+1+7 = 35
    assert scores("flourishing", [7, 6, 5, 4, 3, 2, 1, 7]) == {"total": 35}


def test_mbi_hss_hand_worked():
    # item n answered n % 7: 1 2 3 4 5 6 0 1 2 3 4 5 6 0 1 2 3 4 5 6 0 1
    #   EE 1,2,3,6,8,13,14,16,20 -> 1+2+3+6+1+6+0+2+6 = 27
    #   DP 5,10,11,15,22         -> 5+3+4+1+1 = 14
    #   PA 4,7,9,12,17,18,19,21  -> 4+0+2+5+3+4+5+0 = 23 ; no total
    assert scores("mbi_hss", [n % 7 for n in range(1, 23)]) == \
        {"emotional_exhaustion": 27, "depersonalisation": 14, "personal_accomplishment": 23}


def test_every_bundled_instrument_has_a_hand_worked_test():
    """A test here, or a case file of hand-worked respondents that tests/test_instruments.py
    scores (tests/instruments/<id>.yaml)."""
    names = {name for name in globals() if name.startswith("test_") and "hand_worked" in name}
    cases = Path(__file__).resolve().parent / "instruments"
    for instrument_id in bundled_ids():
        assert any(name.startswith(f"test_{instrument_id}_hand_worked") for name in names) \
            or (cases / f"{instrument_id}.yaml").is_file(), instrument_id


# ------------------------------------------------------------------------------------------
# Bounds and reverse keying
# ------------------------------------------------------------------------------------------

BOUNDS = {
    "ffmq39": {"observe": (8, 40), "describe": (8, 40), "act_aware": (8, 40),
               "nonjudge": (8, 40), "nonreact": (7, 35), "total": (39, 195)},
    "ffmq15": {"observe": (3, 15), "describe": (3, 15), "act_aware": (3, 15),
               "nonjudge": (3, 15), "nonreact": (3, 15), "total": (15, 75)},
    "scs26": {s: (1, 5) for s in ["self_kindness", "self_judgment", "common_humanity",
                                  "isolation", "mindfulness", "over_identification", "total"]},
    "scs_sf12": {s: (1, 5) for s in ["self_kindness", "self_judgment", "common_humanity",
                                     "isolation", "mindfulness", "over_identification", "total"]},
    "pss10": {"total": (0, 40)},
    "proqol5": {"compassion_satisfaction": (10, 50), "burnout": (10, 50),
                "secondary_trauma": (10, 50), "compassion_fatigue": (20, 100)},
    "eq60": {"total": (0, 80)},
    "brs": {"total": (1, 5)},
    "cdrisc10": {"total": (0, 40)},
    "cdrisc25": {"total": (0, 100)},
    "maas15": {"total": (1, 6)},
    "flourishing": {"total": (8, 56)},
    "mbi_hss": {"emotional_exhaustion": (0, 54), "depersonalisation": (0, 30),
                "personal_accomplishment": (0, 48)},
}


def extreme_answers(instrument, scale: str, lowest: bool) -> list:
    """The answers giving a scale its lowest (or highest) score: for each item the response
    code whose scored value (after recode and this scale's reverse key) is least (greatest)."""
    reverse = set(instrument.reverse_items(scale))
    answers = []
    for item in range(1, instrument.n_items + 1):
        def scored(code, item=item):
            mapping = instrument.recode_map(item)
            value = mapping[code] if mapping else code
            if item in reverse:
                value = instrument.response_min + instrument.response_max - value
            return value
        pick = min if lowest else max
        answers.append(pick(instrument.response_values, key=scored))
    return answers


@pytest.mark.parametrize("instrument_id", sorted(BOUNDS))
def test_bounds_every_scale(instrument_id):
    instrument = load_instrument(instrument_id)
    assert list(instrument.scale_names) == list(BOUNDS[instrument_id])
    for scale, (low, high) in BOUNDS[instrument_id].items():
        assert scores(instrument_id, extreme_answers(instrument, scale, True))[scale] == \
            pytest.approx(low), scale
        assert scores(instrument_id, extreme_answers(instrument, scale, False))[scale] == \
            pytest.approx(high), scale
        assert instrument.score_range(scale) == (low, high)


def test_bounds_with_plain_minimum_and_maximum_answers():
    # No reversed item: answering the lowest code everywhere gives the lowest score.
    assert scores("pss10", [0, 0, 0, 4, 4, 0, 4, 4, 0, 0]) == {"total": 0}
    assert scores("pss10", [4, 4, 4, 0, 0, 4, 0, 0, 4, 4]) == {"total": 40}
    assert scores("cdrisc25", [0] * 25) == {"total": 0}
    assert scores("cdrisc25", [4] * 25) == {"total": 100}
    assert scores("flourishing", [1] * 8) == {"total": 8}
    assert scores("flourishing", [7] * 8) == {"total": 56}
    assert scores("maas15", [1] * 15) == {"total": 1}
    assert scores("maas15", [6] * 15) == {"total": 6}
    # FFMQ: all 1 -> 20 unreversed items x 1 + 19 reversed x 5 = 115 (not the minimum, 39)
    assert scores("ffmq39", [1] * 39)["total"] == 115
    # SCS: all 3 (the midpoint) stays 3 whichever way the items point
    assert set(scores("scs26", [3] * 26).values()) == {3}


def with_reversed_at(instrument_id: str, scale: str, on_reversed: int, elsewhere: int) -> list:
    instrument = load_instrument(instrument_id)
    reverse = set(instrument.reverse_items(scale))
    return [on_reversed if n in reverse else elsewhere for n in range(1, instrument.n_items + 1)]


REVERSED_SCALES = [(i, s) for i in sorted(BOUNDS) for s in BOUNDS[i]
                   if load_instrument(i).reverse_items(s)]


@pytest.mark.parametrize("instrument_id, scale", REVERSED_SCALES)
def test_reverse_keying_both_ways(instrument_id, scale):
    instrument = load_instrument(instrument_id)
    low, high = instrument.response_min, instrument.response_max
    # max on the reversed items and min elsewhere -> the lowest score ...
    answers = with_reversed_at(instrument_id, scale, on_reversed=high, elsewhere=low)
    assert scores(instrument_id, answers)[scale] == pytest.approx(BOUNDS[instrument_id][scale][0])
    # ... and the other way round -> the highest
    answers = with_reversed_at(instrument_id, scale, on_reversed=low, elsewhere=high)
    assert scores(instrument_id, answers)[scale] == pytest.approx(BOUNDS[instrument_id][scale][1])


def test_reverse_keying_concrete_cases():
    # PSS: 4 on items 4,5,7,8 (reversed to 0) and 0 elsewhere -> 0; the opposite -> 40
    assert scores("pss10", with_reversed_at("pss10", "total", 4, 0)) == {"total": 0}
    assert scores("pss10", with_reversed_at("pss10", "total", 0, 4)) == {"total": 40}
    # BRS: 5 on items 2,4,6 and 1 elsewhere -> all six count 1 -> mean 1
    assert scores("brs", [1, 5, 1, 5, 1, 5]) == {"total": 1}
    # SCS-26: 5 on the negative items, 1 elsewhere -> negative subscales 5 (unreversed),
    # positive subscales 1, total 1 (negatives reversed to 1)
    result = scores("scs26", with_reversed_at("scs26", "total", 5, 1))
    assert result["self_judgment"] == result["isolation"] == result["over_identification"] == 5
    assert result["self_kindness"] == result["common_humanity"] == result["mindfulness"] == 1
    assert result["total"] == 1
    # ProQOL burnout: 5 on 1,4,15,17,29 and 1 elsewhere -> 10; CS unaffected by burnout keys
    result = scores("proqol5", with_reversed_at("proqol5", "burnout", 5, 1))
    assert result["burnout"] == 10 and result["compassion_fatigue"] == 20
    assert result["compassion_satisfaction"] == 10


# ------------------------------------------------------------------------------------------
# Missing items: prorating and the rule
# ------------------------------------------------------------------------------------------


def long_for(instrument_id: str, *answers) -> pd.DataFrame:
    return score_instrument(responses(instrument_id, *answers), load_instrument(instrument_id),
                            PATTERN)


def test_sum_scale_prorated_at_80_percent():
    # PSS, item 1 missing: 9/10 answered >= 80%. Answered (reversed) values 3 (item 2),
    # 2, 3, 4, 3, 3, 2, 4, 3 = 27; mean 27 / 9 = 3; prorated sum 3 x 10 = 30
    row = long_for("pss10", [None, 3, 2, 1, 0, 3, 1, 2, 4, 3]).iloc[0]
    assert row["score"] == pytest.approx(30)
    assert (row["n_items"], row["n_answered"]) == (10, 9)
    assert row["rule"] == "prorated: 9/10 answered >= 80%"


def test_exactly_at_the_threshold_and_just_below():
    # PSS 8/10 = 80% -> prorated; answered all 2 -> mean 2 (reversed 2 stays 2) -> 20
    row = long_for("pss10", [None, None, 2, 2, 2, 2, 2, 2, 2, 2]).iloc[0]
    assert (row["score"], row["rule"]) == (20, "prorated: 8/10 answered >= 80%")
    # 7/10 = 70% -> missing
    row = long_for("pss10", [None, None, None, 2, 2, 2, 2, 2, 2, 2]).iloc[0]
    assert math.isnan(row["score"])
    assert (row["n_answered"], row["rule"]) == (7, "missing: 7/10 answered < 80%")


def test_ffmq_facet_of_eight_needs_seven():
    # observe has 8 items: ceil(0.8 x 8) = 7. Items 1 missing -> 7/8; answers 2 -> 2 x 8 = 16
    long = long_for("ffmq39", by_item(39, {1: None}, 2))
    row = long.set_index("scale").loc["observe"]
    assert (row["score"], row["rule"]) == (16, "prorated: 7/8 answered >= 80%")
    # items 1 and 6 missing -> 6/8 = 75% -> missing; the total (37/39) is still prorated:
    # answered: 18 unreversed x 2 + 19 reversed x (6 - 2 = 4) = 112 over 37 items -> x 39
    long = long_for("ffmq39", by_item(39, {1: None, 6: None}, 2)).set_index("scale")
    assert math.isnan(long.loc["observe", "score"])
    assert long.loc["observe", "rule"] == "missing: 6/8 answered < 80%"
    assert long.loc["total", "score"] == pytest.approx(112 / 37 * 39)
    assert long.loc["total", "rule"] == "prorated: 37/39 answered >= 80%"


def test_mean_scale_prorated_is_mean_of_answered():
    # MAAS 13/15 answered: mean of answered (13 x 4) / 13 = 4, not rescaled
    row = long_for("maas15", by_item(15, {1: None, 2: None}, 4)).iloc[0]
    assert (row["score"], row["rule"]) == (4, "prorated: 13/15 answered >= 80%")


def test_brs_is_the_mean_of_answered_items_whatever_their_number():
    # only item 2 answered (1 -> reversed 5): mean 5
    row = long_for("brs", [None, 1, None, None, None, None]).iloc[0]
    assert (row["score"], row["n_answered"]) == (5, 1)
    assert row["rule"] == "prorated: 1/6 answered >= 1 item"
    row = long_for("brs", [None] * 6).iloc[0]
    assert math.isnan(row["score"]) and row["rule"] == "missing: 0/6 answered < 1 item"


def test_mean_of_subscales_prorates_each_group_and_fails_on_any():
    # SCS-26 all 4, item 5 (self-kindness) missing: SK 4/5 = 80% -> mean 4.
    # Total: SK 4, SJ (6-4)=2, CH 4, IS 2, MI 4, OI 2 -> 18 / 6 = 3
    long = long_for("scs26", by_item(26, {5: None}, 4)).set_index("scale")
    assert long.loc["self_kindness", "rule"] == "prorated: 4/5 answered >= 80%"
    assert long.loc["total", "score"] == pytest.approx(3)
    assert long.loc["total", "rule"] == "prorated: 25/26 answered, each subscale >= 80%"
    assert long.loc["total", "n_answered"] == 25
    # isolation item 4 missing: 3/4 = 75% < 80% -> isolation and total missing, though 25/26
    # items (96%) are answered
    long = long_for("scs26", by_item(26, {4: None}, 4)).set_index("scale")
    assert math.isnan(long.loc["isolation", "score"]) and math.isnan(long.loc["total", "score"])
    assert long.loc["total", "rule"] == "missing: isolation 3/4 answered < 80%"
    # two groups failing are both named
    long = long_for("scs26", by_item(26, {4: None, 2: None}, 4)).set_index("scale")
    assert long.loc["total", "rule"] == \
        "missing: isolation 3/4; over_identification 3/4 answered < 80%"


def test_complete_rule_and_columns():
    long = long_for("pss10", [1] * 10)
    assert list(long.columns) == LONG_COLUMNS
    assert long.iloc[0]["rule"] == "complete"
    assert long["n_items"].dtype == np.int64 and long["n_answered"].dtype == np.int64


def test_missing_rule_is_declared_in_the_file(tmp_path):
    # the same PSS key with min_answered 1.0 (every item required)
    text = (inst.BUNDLED_DIR / "pss10.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["id"], data["missing"] = "pss_strict", {"min_answered": 1.0}
    path = tmp_path / "pss_strict.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    strict = load_instrument(path)
    row = score_instrument(responses("pss10", [None] + [2] * 9), strict, PATTERN).iloc[0]
    assert math.isnan(row["score"]) and row["rule"] == "missing: 9/10 answered < 100%"


# ------------------------------------------------------------------------------------------
# Data errors
# ------------------------------------------------------------------------------------------


def test_missing_item_columns_are_listed_with_the_pattern():
    frame = responses("pss10", [1] * 10).drop(columns=["Q3", "Q7"])
    with pytest.raises(UserError) as raised:
        score_instrument(frame, load_instrument("pss10"), PATTERN)
    message = str(raised.value)
    assert "pss10" in message and "'Q{n}'" in message and "Q3, Q7" in message
    with pytest.raises(UserError, match=r"'PSS_\{n\}': PSS_1, PSS_2, PSS_3, PSS_4, PSS_5 \.\.\. "
                                        r"\(10 in all\); no column starts like the pattern"):
        score_instrument(frame, load_instrument("pss10"), "PSS_{n}")


def test_values_outside_the_declared_range_name_instrument_column_and_range():
    # 0-4 data for a 1-5 scale
    frame = responses("brs", [0, 1, 2, 3, 4, 4])
    with pytest.raises(UserError) as raised:
        score_instrument(frame, load_instrument("brs"), PATTERN)
    message = str(raised.value)
    assert message.startswith("brs: values outside the declared response range 1-5")
    assert "Q1 has 0..0" in message and "observed 0-4" in message
    # a 1-5 export for a 0-4 scale
    frame = responses("pss10", [5, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    with pytest.raises(UserError, match=r"pss10: .* 0-4: Q1 has 5\.\.5; observed 1-5"):
        score_instrument(frame, load_instrument("pss10"), PATTERN)


def test_non_numeric_and_non_integer_values():
    frame = responses("brs", [1, 2, 3, 4, 5, 1])
    frame["Q2"] = frame["Q2"].astype(object)
    frame.loc[0, "Q2"] = "agree"
    with pytest.raises(UserError, match=r"brs: column Q2 holds non-numeric value\(s\) such as 'agree'"):
        score_instrument(frame, load_instrument("brs"), PATTERN)
    frame = responses("eq60", [2.5] + [1] * 59)
    with pytest.raises(UserError, match=r"eq60: column Q1 holds 2\.5, not a whole response code"):
        score_instrument(frame, load_instrument("eq60"), PATTERN)


def test_numbers_stored_as_text_and_nullable_dtypes_are_accepted():
    frame = responses("brs", [4, 2, 5, 1, 3, 2])
    frame["Q1"] = frame["Q1"].astype(str)
    frame["Q2"] = frame["Q2"].astype("Int64")
    frame.loc[0, "Q2"] = pd.NA
    row = score_instrument(frame, load_instrument("brs"), PATTERN).iloc[0]
    # items 1,3,4,5,6: 4, 5, (6-1)=5, 3, (6-2)=4 -> 21 / 5
    assert row["score"] == pytest.approx(21 / 5) and row["n_answered"] == 5


def test_id_problems():
    frame = responses("brs", [1] * 6, [2] * 6, participants=["a", "a"])
    with pytest.raises(UserError, match=r"participant x wave is not unique \(a/pre\)"):
        score_instrument(frame, load_instrument("brs"), PATTERN)
    with pytest.raises(UserError, match="column\\(s\\) wave missing"):
        score_instrument(frame.drop(columns="wave"), load_instrument("brs"), PATTERN)


# ------------------------------------------------------------------------------------------
# A user's own definition
# ------------------------------------------------------------------------------------------


def test_user_definition_in_a_temp_folder_scores_like_a_bundled_one(tmp_path):
    calm = {
        "id": "calm", "name": "Confidence in calm care", "items": 4,
        "response": {"min": 1, "max": 7},
        "scales": {"total": {"items": [1, 2, 3, 4], "reverse": [3], "score": "sum"}},
    }
    (tmp_path / "defs").mkdir()
    (tmp_path / "defs" / "calm.yaml").write_text(yaml.safe_dump(calm), encoding="utf-8")
    instrument = load_instrument("defs/calm.yaml", base_dir=tmp_path)
    frame = pd.DataFrame({"participant": ["p1", "p2"], "wave": "pre", "group": "all",
                          "calm_1": [7, 7], "calm_2": [6, np.nan], "calm_3": [1, 2],
                          "calm_4": [5, 4]})
    long = score_instrument(frame, instrument, "calm_{n}")
    # p1: 7 + 6 + (8 - 1) + 5 = 25 ; p2: 3/4 = 75% < 80% (the default rule) -> missing
    assert long["score"].iloc[0] == 25
    assert math.isnan(long["score"].iloc[1])
    assert long["rule"].tolist() == ["complete", "missing: 3/4 answered < 80%"]
    assert long["instrument"].unique().tolist() == ["calm"]
    # a copy of a bundled file under another id scores identically
    text = (inst.BUNDLED_DIR / "ffmq15.yaml").read_text(encoding="utf-8")
    (tmp_path / "ffmq_copy.yaml").write_text(text.replace("id: ffmq15", "id: ffmq_copy"),
                                             encoding="utf-8")
    copy = load_instrument(str(tmp_path / "ffmq_copy.yaml"))
    frame = responses("ffmq15", [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, None, 2, 3, 4, 5])
    mine = score_instrument(frame, copy, PATTERN).drop(columns="instrument")
    theirs = score_instrument(frame, load_instrument("ffmq15"), PATTERN).drop(columns="instrument")
    pd.testing.assert_frame_equal(mine, theirs)


# ------------------------------------------------------------------------------------------
# The study: long and wide tables, order, measures
# ------------------------------------------------------------------------------------------


def study_frame() -> pd.DataFrame:
    rows = []
    # participants out of order, waves out of order
    for participant, wave, group, pss, brs, minutes in [
        ("p2", "post", "control", 1, 3, 0.0),
        ("p1", "post", "imp", 2, 4, 60.0),
        ("p2", "pre", "control", 3, 2, 0.0),
        ("p1", "pre", "imp", 4, 5, np.nan),
    ]:
        row = {"participant": participant, "wave": wave, "group": group, "Practice_min": minutes}
        row.update({f"PSS_{n}": pss for n in range(1, 11)})
        row.update({f"BRS{n}": brs for n in range(1, 7)})
        rows.append(row)
    return pd.DataFrame(rows)


def test_labels_as_categories_hold_the_same_table_and_write_the_same_file(tmp_path):
    # what the score job asks for: the label columns as categories, the same values and bytes
    from wellbeing import io

    pss, brs = load_instrument("pss10"), load_instrument("brs")
    arguments = (study_frame(), [(pss, "PSS_{n}"), (brs, "BRS{n}")],
                 [{"column": "Practice_min", "name": "home_practice"}])
    text, text_wide = score_study(*arguments, waves=["pre", "post"])
    coded, coded_wide = score_study(*arguments, waves=["pre", "post"], labels_as_categories=True)
    labels = ["participant", "wave", "group", "instrument", "scale", "rule"]
    assert all(isinstance(coded[name].dtype, pd.CategoricalDtype) for name in labels)
    pd.testing.assert_frame_equal(coded.astype({name: text[name].dtype for name in labels}), text)
    pd.testing.assert_frame_equal(coded_wide, text_wide)
    io.write_table(text, tmp_path / "text.csv")
    io.write_table(coded, tmp_path / "coded.csv")
    assert (tmp_path / "text.csv").read_bytes() == (tmp_path / "coded.csv").read_bytes()


def test_score_study_long_and_wide():
    pss, brs = load_instrument("pss10"), load_instrument("brs")
    long, wide = score_study(study_frame(), [(pss, "PSS_{n}"), (brs, "BRS{n}")],
                             [{"column": "Practice_min", "name": "home_practice"}],
                             waves=["pre", "post"])
    assert list(long.columns) == LONG_COLUMNS
    # sorted by participant, wave in study order, instrument in configured order
    assert list(zip(long["participant"], long["wave"], long["instrument"])) == [
        ("p1", "pre", "pss10"), ("p1", "pre", "brs"), ("p1", "post", "pss10"),
        ("p1", "post", "brs"), ("p2", "pre", "pss10"), ("p2", "pre", "brs"),
        ("p2", "post", "pss10"), ("p2", "post", "brs")]
    assert list(wide.columns) == ["participant", "wave", "group", "pss10.total", "brs.total",
                                  "home_practice"]
    assert list(zip(wide["participant"], wide["wave"])) == [
        ("p1", "pre"), ("p1", "post"), ("p2", "pre"), ("p2", "post")]
    # PSS all x: six items x + four reversed (4 - x) = 2x + 16 ; BRS all y: mean = (3y + 3(6-y))/6 = 3
    assert wide["pss10.total"].tolist() == [4 * 2 + 16, 2 * 2 + 16, 3 * 2 + 16, 1 * 2 + 16]
    assert wide["brs.total"].tolist() == [3.0] * 4
    assert wide["home_practice"].tolist()[1:] == [60.0, 0.0, 0.0]
    assert math.isnan(wide["home_practice"].iloc[0])
    assert wide["group"].tolist() == ["imp", "imp", "control", "control"]
    # the wide scores are the long scores
    pivot = long.assign(variable=long["instrument"] + "." + long["scale"])
    for row in pivot.itertuples():
        match = wide[(wide.participant == row.participant) & (wide.wave == row.wave)]
        assert match[row.variable].item() == row.score


def test_score_study_is_deterministic_whatever_the_row_order():
    pss, brs = load_instrument("pss10"), load_instrument("brs")
    config = [(brs, "BRS{n}"), (pss, "PSS_{n}")]
    frame = study_frame()
    first = score_study(frame, config, [], waves=["pre", "post"])
    second = score_study(frame.sample(frac=1, random_state=3).reset_index(drop=True), config, [],
                         waves=["pre", "post"])
    for a, b in zip(first, second):
        pd.testing.assert_frame_equal(a, b)
    # configured instrument order is kept (brs before pss10)
    assert first[0]["instrument"].tolist()[:2] == ["brs", "pss10"]
    assert list(first[1].columns)[3:] == ["brs.total", "pss10.total"]


def test_wave_order_without_a_list_and_with_categories():
    pss = load_instrument("pss10")
    frame = study_frame()
    long = score_instrument(frame, pss, "PSS_{n}")
    assert long["wave"].tolist() == ["post", "pre", "post", "pre"]  # order of first appearance
    frame["wave"] = pd.Categorical(frame["wave"], categories=["pre", "post"])
    long = score_instrument(frame, pss, "PSS_{n}")
    assert long["wave"].astype(str).tolist() == ["pre", "post", "pre", "post"]
    with pytest.raises(UserError, match=r"wave value\(s\) post not among the study's waves \(pre\)"):
        score_instrument(study_frame(), pss, "PSS_{n}", waves=["pre"])


def test_score_study_errors():
    pss = load_instrument("pss10")
    frame = study_frame()
    with pytest.raises(UserError, match=r"measure 'practice': column 'Practice' not found"):
        score_study(frame, [(pss, "PSS_{n}")], [{"column": "Practice", "name": "practice"}])
    with pytest.raises(UserError, match=r"measure 'pss10.total': the name is already used"):
        score_study(frame, [(pss, "PSS_{n}")], [{"column": "Practice_min", "name": "pss10.total"}])
    with pytest.raises(UserError, match=r"instrument 'pss10' is configured twice"):
        score_study(frame, [(pss, "PSS_{n}"), (pss, "PSS_{n}")], [])


def test_cross_sectional_without_group_column():
    frame = study_frame().drop(columns="group")
    long, wide = score_study(frame, [(load_instrument("brs"), "BRS{n}")], [])
    assert list(long.columns) == LONG_COLUMNS
    assert wide["group"].isna().all()


def test_scale_item_values_for_reliability():
    # SCS-26: the self_judgment items unreversed, the total's copy of them reversed
    frame = responses("scs26", [2] * 26)
    scs = load_instrument("scs26")
    raw = scale_item_values(frame, scs, PATTERN, "self_judgment")
    assert list(raw.columns) == ["Q1", "Q8", "Q11", "Q16", "Q21"]
    assert raw.iloc[0].tolist() == [2.0] * 5
    total = scale_item_values(frame, scs, PATTERN, "total")
    assert total["Q1"].item() == 4.0 and total["Q5"].item() == 2.0
    eq = scale_item_values(responses("eq60", [1] * 60), load_instrument("eq60"), PATTERN, "total")
    assert eq.shape == (1, 40) and eq.sum(axis=1).item() == 42
