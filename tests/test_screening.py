"""Careless-response screening (``wellbeing.screening``): each index against values worked out by
hand below and against R (base R and psych, written from the definitions of R's careless package:
tests/reference/screening_reference.R, values in screening_R.csv); the edge cases that must not
crash; exclusions reaching the ledger, the responses and the participant flow; careless.csv's
columns and pseudonyms; the config's keys."""

from __future__ import annotations

import math
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wellbeing import flow, ingest, io, screening
from wellbeing.config import validate
from wellbeing.errors import UserError
from wellbeing.exports import write_qualtrics_csv
from wellbeing.instruments import load_instrument

REFERENCE = Path(__file__).parent / "reference"
R_SCRIPT = REFERENCE / "screening_reference.R"
R_VALUES = REFERENCE / "screening_R.csv"
R_SET = REFERENCE / "screening_set.csv"
NAN = math.nan
DEFAULTS = {"longstring": 10, "mahalanobis_p": 0.001, "seconds_per_item": 2, "exclude": []}


# ------------------------------------------------------------------------------ hand-worked


def test_longstring_by_hand():
    rows = np.array([
        [3, 3, 3, 1, 1, NAN, 1, 1, 1, 1],   # runs 3 3 3 | 1 1 | (missing) | 1 1 1 1 -> 4
        [2, 2, 2, 2, 2, 2, 2, 2, 2, 2],     # a straight line of 10 -> 10
        [1, 2, 1, 2, 1, 2, 1, 2, 1, 2],     # alternating: every run 1 -> 1
        [NAN] * 10,                         # nothing answered -> empty
        [4, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN],   # one answer -> 1
    ])
    assert screening.longstring(rows).tolist()[:3] == [4, 10, 1]
    assert math.isnan(screening.longstring(rows)[3])
    assert screening.longstring(rows)[4] == 1


def test_irv_by_hand():
    rows = np.array([
        [1, 2, 3, 4, 5],            # mean 3, squares 4+1+0+1+4 = 10, / (5 - 1) = 2.5 -> sqrt 1.5811
        [2, NAN, 4, NAN, NAN],      # answered 2 and 4: mean 3, squares 1+1 = 2, / 1 -> sqrt 2
        [3, 3, 3, 3, 3],            # a straight line -> 0
        [5, NAN, NAN, NAN, NAN],    # one answer -> empty (an SD needs two)
    ])
    result = screening.irv(rows)
    assert result[0] == pytest.approx(math.sqrt(2.5), abs=1e-15)
    assert result[1] == pytest.approx(math.sqrt(2), abs=1e-15)
    assert result[2] == 0 and math.isnan(result[3])


def test_mahalanobis_by_hand():
    # Five complete rows of two items: means (3, 3); deviations (-2,-1), (-1,-2), (0,2), (1,0), (2,1).
    # var = (4+1+0+1+4)/4 = 2.5 for both items; cov = (2+2+0+0+2)/4 = 1.5; det = 2.5^2 - 1.5^2 = 4;
    # inverse = [[2.5, -1.5], [-1.5, 2.5]] / 4, so D^2 = (2.5 a^2 - 3 a b + 2.5 b^2) / 4:
    #   (-2,-1): (10 - 6 + 2.5) / 4 = 1.625;  (0, 2): 10 / 4 = 2.5;  (1, 0): 2.5 / 4 = 0.625.
    # p = P(chi-squared with 2 df > D^2) = exp(-D^2 / 2) (2 df).
    x = np.array([[1, 2], [2, 1], [3, 5], [4, 3], [5, 4], [NAN, 1]])
    result = screening.mahalanobis(x, ["i1", "i2"])
    assert result.d2[:5] == pytest.approx([1.625, 1.625, 2.5, 0.625, 1.625], abs=1e-12)
    assert result.p[:5] == pytest.approx(np.exp(-np.array([1.625, 1.625, 2.5, 0.625, 1.625]) / 2), abs=1e-12)
    assert math.isnan(result.d2[5]) and math.isnan(result.p[5])       # incomplete: not computed
    assert result.note == ""


def test_even_odd_by_hand():
    # Three 4-item scales; odd half = 1st and 3rd item, even half = 2nd and 4th (within the scale).
    # Row 1: a (1,1,2,2): odd 1.5, even 1.5; b (3,3,4,4): 3.5, 3.5; c (5,5,1,2): odd 3, even 3.5.
    #   odd (1.5, 3.5, 3), even (1.5, 3.5, 3.5): deviations (-7/6, 5/6, 2/6) and (-4/3, 2/3, 2/3);
    #   r = (14/9 + 5/9 + 2/9) / sqrt((78/36) (24/9)) = 0.970725; 2r / (1 + r) = 0.985150 -> -0.985150.
    # Row 2: a (5,1,1,5): 3, 3; b (3,3,2,5): 2.5, 4; c (1,4,4,4): 2.5, 4: odd (3, 2.5, 2.5), even
    #   (3, 4, 4): r = -1, corrected -1 (careless floors at -1) -> 1, as inconsistent as it gets.
    keyed = np.array([[1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 1, 2], [5, 1, 1, 5, 3, 3, 2, 5, 1, 4, 4, 4]])
    halves = [screening.ScaleHalves("a", (0, 2), (1, 3)), screening.ScaleHalves("b", (4, 6), (5, 7)),
              screening.ScaleHalves("c", (8, 10), (9, 11))]
    index, used = screening.even_odd(keyed, halves)
    r = (14 / 9 + 5 / 9 + 2 / 9) / math.sqrt((78 / 36) * (24 / 9))
    assert index[0] == pytest.approx(-(2 * r / (1 + r)), abs=1e-12)
    assert index[1] == 1.0
    assert used.tolist() == [3, 3]
    # two scales are a correlation of two points (careless gives -1 or 1): not computed here
    index, used = screening.even_odd(keyed[:, :8], halves[:2])
    assert np.isnan(index).all() and used.tolist() == [2, 2]


def test_even_odd_scales_follow_the_instruments_keys():
    brs = load_instrument("brs")               # one scale of 6 items: halves (1, 3, 5) and (2, 4, 6)
    assert screening.scale_halves(brs, {n: n for n in range(1, 7)}) == [
        screening.ScaleHalves("brs.total", (1, 3, 5), (2, 4, 6))]
    # SCS-SF: six 2-item subscales (one item a half) and a total made of them: none qualifies
    assert screening.scale_halves(load_instrument("scs_sf12"), {n: n for n in range(1, 13)}) == []
    # FFMQ-39: the five facets (7 or 8 items), not the total that combines them
    names = [h.name for h in screening.scale_halves(load_instrument("ffmq39"), {n: n for n in range(1, 40)})]
    assert names == ["ffmq39.observe", "ffmq39.describe", "ffmq39.act_aware", "ffmq39.nonjudge", "ffmq39.nonreact"]


# ------------------------------------------------------------------------------ against R


def r_reference(path: Path = R_VALUES) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"participant": str})


def python_indices() -> pd.DataFrame:
    data = pd.read_csv(R_SET, dtype={"participant": str})
    x = data.drop(columns="participant").to_numpy(dtype=float)
    distance = screening.mahalanobis(x)
    halves = [screening.ScaleHalves(s, (k, k + 2), (k + 1, k + 3)) for s, k in (("a", 0), ("b", 4), ("c", 8))]
    even_odd, _ = screening.even_odd(x, halves)
    return pd.DataFrame({"participant": data.participant, "longstring": screening.longstring(x),
                         "irv": screening.irv(x), "mahalanobis_d2": distance.d2,
                         "mahalanobis_p": distance.p, "even_odd": even_odd})


def compare_with_r(reference: pd.DataFrame) -> None:
    ours = python_indices()
    assert ours.participant.tolist() == reference.participant.tolist()
    for column in ("longstring", "irv", "mahalanobis_d2", "mahalanobis_p", "even_odd"):
        mine, theirs = ours[column].to_numpy(float), reference[column].to_numpy(float)
        assert (np.isnan(mine) == np.isnan(theirs)).all(), column
        assert mine[~np.isnan(mine)] == pytest.approx(theirs[~np.isnan(theirs)], rel=1e-10, abs=1e-12), column
    # careless::mahad calls psych::outlier: on complete data the same distances
    complete = ~np.isnan(reference.psych_outlier_d2.to_numpy(float))
    assert ours.mahalanobis_d2.to_numpy()[complete] == pytest.approx(
        reference.psych_outlier_d2.to_numpy(float)[complete], rel=1e-10)


def test_indices_agree_with_the_stored_r_values():
    reference = r_reference()
    assert len(reference) == 40 and reference.longstring.max() == 12      # r06 answers 4 throughout
    compare_with_r(reference)


def test_indices_agree_with_r_live(rscript, tmp_path):
    r = rscript("the live careless-index cross-check", "r-base-core and r-cran-psych", ["psych"])
    out = tmp_path / "screening_R.csv"
    done = subprocess.run([r, str(R_SCRIPT), str(R_SET), str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == R_VALUES.read_bytes()
    compare_with_r(r_reference(out))


# ------------------------------------------------------------------------------ the table


def brs_responses(rows, waves=None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[f"BRS_{n}" for n in range(1, 7)], dtype="Float64")
    frame.insert(0, "participant", [f"p{i + 1}" for i in range(len(rows))])
    frame.insert(1, "wave", waves or ["pre"] * len(rows))
    frame.insert(2, "group", "")
    return frame


BRS = [(load_instrument("brs"), "BRS_{n}")]


def test_table_columns_and_notes_for_a_small_study():
    responses = brs_responses([[1, 2, 3, 4, 5, 1], [3, 3, 3, 3, 3, 3], [NAN] * 6, [2, NAN, 4, 2, 4, 2]])
    table = screening.careless_table(responses, BRS, DEFAULTS, ["pre"])
    assert list(table.columns) == screening.CARELESS_COLUMNS
    assert table.longstring.tolist()[:2] == [1, 6] and pd.isna(table.longstring[2])
    assert table.irv[1] == 0                                    # all answers identical
    assert table.n_answered.tolist() == [6, 6, 0, 5] and (table.n_items == 6).all()
    notes = table.note.tolist()
    assert notes[2].startswith("no item answered: no index")
    # 2 complete responses for 6 items: the covariance is singular, D squared empty and why
    assert "mahalanobis at wave pre: 2 complete response(s) for 6 items: D squared needs at least 7" in notes[0]
    assert "mahalanobis: 1 of 6 items unanswered" in notes[3]
    # one instrument, one scale: even-odd needs three scales
    assert "even_odd: 1 scale(s) with both halves answered (needs 3)" in notes[0]
    assert all("no duration column" in note for note in notes)
    assert table["flags"].tolist() == ["", "", "", ""] and not table.excluded.any()


def test_one_respondent_and_a_study_without_instruments():
    one = screening.careless_table(brs_responses([[5, 5, 5, 5, 5, 5]]), BRS, dict(DEFAULTS, longstring=6), ["pre"])
    assert one.longstring.tolist() == [6] and one.irv.tolist() == [0.0] and one["flags"].tolist() == ["longstring"]
    assert "1 complete response(s) for 6 items" in one.note[0]
    measures = pd.DataFrame({"participant": ["p1", "p2"], "wave": ["pre", "pre"], "group": ["", ""],
                             "age": [30, 40]})
    table = screening.careless_table(measures, [], DEFAULTS, ["pre"])
    assert table.n_items.tolist() == [0, 0] and table.longstring.isna().all() and table.irv.isna().all()
    assert table.note.tolist() == ["no item column of any instrument has an answer at this wave (measures only): "
                                   "no index"] * 2


def test_scales_too_short_for_halves_leave_even_odd_empty_and_say_why():
    # SCS-SF: six subscales of two items (one item a half) and their total: no even-odd
    responses = pd.DataFrame([[1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]], columns=[f"SCS_{n}" for n in range(1, 13)],
                             dtype="Float64")
    responses.insert(0, "participant", ["p1"])
    responses.insert(1, "wave", ["pre"])
    table = screening.careless_table(responses, [(load_instrument("scs_sf12"), "SCS_{n}")], DEFAULTS, ["pre"])
    assert pd.isna(table.even_odd[0]) and table.even_odd_scales[0] == 0
    assert "even_odd: no scale has 2 or more items in each half (odd- and even-numbered items)" in table.note[0]
    assert table.longstring[0] == 1 and table.group[0] == ""        # no group column: blank


def test_a_constant_item_leaves_d_squared_empty_and_says_why():
    rng = np.random.default_rng(3)
    rows = rng.integers(1, 6, size=(30, 6)).astype(float)
    rows[:, 2] = 4                                   # BRS_3 answered 4 by everyone
    table = screening.careless_table(brs_responses(rows.tolist()), BRS, DEFAULTS, ["pre"])
    assert table.mahalanobis_d2.isna().all()
    assert table.note[0].startswith("mahalanobis at wave pre: no variance in BRS_3 among the complete responses")
    rows[:, 2] = rng.integers(1, 6, size=30)
    computed = screening.careless_table(brs_responses(rows.tolist()), BRS, DEFAULTS, ["pre"])
    assert computed.mahalanobis_d2.notna().all() and (computed.mahalanobis_p.between(0, 1)).all()


def test_each_wave_is_screened_on_its_own_items():
    # pre answers all 6 BRS items; post has a second instrument too: each wave its own item set
    responses = brs_responses([[1, 2, 3, 4, 5, 1], [2, 2, 2, 2, 2, 2]], waves=["pre", "post"])
    for n in range(1, 11):
        responses[f"PSS_{n}"] = pd.array([NAN, 2], dtype="Float64")
    both = BRS + [(load_instrument("pss10"), "PSS_{n}")]
    table = screening.careless_table(responses, both, DEFAULTS, ["pre", "post"])
    assert table.n_items.tolist() == [6, 16]
    assert table.longstring.tolist() == [1, 16] and table["flags"].tolist() == ["", "longstring"]


def test_seconds_per_item_from_the_duration_text_and_blank_cells():
    responses = brs_responses([[1, 2, 3, 4, 5, 1]] * 4)
    durations = pd.Series(["60", " 9 ", "about a minute", ""])
    table = screening.careless_table(responses, BRS, DEFAULTS, ["pre"], durations, "Duration (in seconds)")
    assert table.duration_seconds.tolist()[:2] == [60, 9]
    assert table.seconds_per_item.tolist()[:2] == [10, 1.5]          # 60 / 6 items; 9 / 6
    assert table["flags"].tolist()[:2] == ["", "seconds_per_item"]   # 1.5 < 2
    assert table.seconds_per_item[2:].isna().all()
    for note in table.note[2:]:
        assert "seconds_per_item: Duration (in seconds) is blank, not a number or not above 0" in note
    assert "about a minute" not in "".join(table.note)                # the text itself is never echoed


def test_thresholds_and_flags():
    indices = {"longstring": np.array([10, 9, NAN]), "mahalanobis_p": np.array([0.0009, 0.001, NAN]),
               "seconds_per_item": np.array([1.99, 2, NAN])}
    raised = screening.flag_responses(indices, DEFAULTS)
    assert raised["longstring"].tolist() == [True, False, False]      # at least 10
    assert raised["mahalanobis"].tolist() == [True, False, False]     # below .001
    assert raised["seconds_per_item"].tolist() == [True, False, False]  # below 2
    off = screening.flag_responses(indices, dict(DEFAULTS, longstring=None))
    assert not off["longstring"].any()


def test_vectorised_at_a_national_cohort():
    rng = np.random.default_rng(1)
    n, k = 100_000, 130
    latent = rng.normal(size=(n, 1))
    answers = np.clip(np.round(3 + latent + rng.normal(size=(n, k))), 1, 5)
    answers[rng.random((n, k)) < 0.01] = NAN
    start = time.perf_counter()
    longest, spread, distance = screening.longstring(answers), screening.irv(answers), screening.mahalanobis(answers)
    elapsed = time.perf_counter() - start
    assert elapsed < 30, elapsed
    assert np.isfinite(distance.d2).sum() == (~np.isnan(answers).any(axis=1)).sum()
    assert len(longest) == len(spread) == n


# ------------------------------------------------------------------------------ through ingest


def write_brs_csv(path: Path, rows) -> None:
    lines = ["pid,Age,BRS_1,BRS_2,BRS_3,BRS_4,BRS_5,BRS_6"]
    lines += [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")


def brs_study(root: Path, screening_settings=None, **extra) -> dict:
    study = {"title": "t", "design": "cross_sectional", "id_column": "pid", "waves": ["pre"],
             "sources": [{"path": "data.csv", "format": "csv", "wave": "pre"}],
             "instruments": [{"instrument": "brs", "items": "BRS_{n}"}],
             "measures": [{"column": "Age", "name": "age"}]}
    if screening_settings is not None:
        study["analyses"] = {"screening": screening_settings}
    study.update(extra)
    return validate({"studies": {"demo": study}}, root)["studies"]["demo"]


ROWS = [["A1", 30, 1, 2, 4, 2, 5, 1], ["A2", 41, 5, 5, 5, 5, 5, 5], ["A3", 52, 2, 4, 1, 3, 2, 5],
        ["A4", 35, 3, 3, 3, 3, 3, 3]]


def test_reported_by_default_excluded_only_when_configured(tmp_path):
    write_brs_csv(tmp_path / "data.csv", ROWS)
    reported = ingest.for_study(brs_study(tmp_path, {"longstring": 6}), tmp_path)
    assert reported.careless["flags"].tolist() == ["", "longstring", "", "longstring"]
    assert not reported.careless.excluded.any() and len(reported.responses) == 4
    assert (reported.ledger.status == "kept").all()

    result = ingest.for_study(brs_study(tmp_path, {"longstring": 6, "exclude": ["longstring"]}), tmp_path)
    assert result.careless.excluded.tolist() == [False, True, False, True]
    assert result.responses.participant.tolist() == ["A1", "A3"]
    assert result.ledger[["row", "participant", "status", "reason"]].values.tolist() == [
        [2, "A1", "kept", "kept"], [3, "A2", "excluded", "careless responding: longstring 6 >= 6"],
        [4, "A3", "kept", "kept"], [5, "A4", "excluded", "careless responding: longstring 6 >= 6"]]
    assert result.raw_manifest[["kept", "excluded"]].values.tolist() == [[2, 2]]
    # pseudonyms in careless.csv, as in every table of results/; the file keeps every response
    coded, key = ingest.pseudonymise(result, brs_study(tmp_path))
    assert coded.careless.participant.tolist() == ["P001", "P002", "P003", "P004"]
    io.write_table(coded.careless, tmp_path / "careless.csv")
    back = io.read_table(tmp_path / "careless.csv")
    assert list(back.columns) == screening.CARELESS_COLUMNS and back.participant.tolist()[0] == "P001"
    assert not set(back.participant) & {"A1", "A2", "A3", "A4"}


def test_excluding_everyone_stops_with_one_line(tmp_path):
    write_brs_csv(tmp_path / "data.csv", [ROWS[1], ROWS[3]])
    with pytest.raises(UserError) as error:
        ingest.for_study(brs_study(tmp_path, {"longstring": 6, "exclude": ["longstring"]}), tmp_path)
    assert str(error.value) == ("config.yaml: analyses.screening.exclude: all 2 responses are flagged by longstring "
                                "and excluded, so nothing is left to analyse; check the thresholds (see "
                                "docs/screening.md), or exclude fewer flags")


def test_qualtrics_duration_is_read_even_when_text_drops_the_column(tmp_path):
    items = [f"BRS_{n}" for n in range(1, 7)]
    frame = pd.DataFrame([
        {"Duration (in seconds)": "600", "Finished": 1, "pid": "A1", **dict(zip(items, [1, 2, 4, 2, 5, 1]))},
        {"Duration (in seconds)": "9", "Finished": 1, "pid": "A2", **dict(zip(items, [2, 4, 1, 3, 2, 5]))},
        {"Duration (in seconds)": "n/a", "Finished": 1, "pid": "A3", **dict(zip(items, [3, 1, 2, 4, 1, 3]))},
    ])
    write_qualtrics_csv(frame, tmp_path / "survey.csv")
    study = brs_study(tmp_path, {"exclude": ["seconds_per_item"]},
                      sources=[{"path": "survey.csv", "format": "qualtrics", "wave": "pre"}], measures=[])
    result = ingest.for_study(study, tmp_path)
    # the column holds a text, so privacy drops it from the responses; screening read it first
    assert "Duration (in seconds)" not in result.responses.columns
    careless = result.careless
    assert careless.seconds_per_item.tolist()[:2] == [100, 1.5] and pd.isna(careless.seconds_per_item[2])
    assert careless.excluded.tolist() == [False, True, False]
    assert result.ledger.reason.tolist()[1] == "careless responding: seconds_per_item 1.5 < 2"
    assert result.responses.participant.tolist() == ["A1", "A3"]


def test_a_named_duration_column_that_no_source_has_stops(tmp_path):
    write_brs_csv(tmp_path / "data.csv", ROWS)
    with pytest.raises(UserError, match=r"^config.yaml: analyses.screening.duration_column: 'Time' is not a column"):
        ingest.for_study(brs_study(tmp_path, {"duration_column": "Time"}), tmp_path)


def test_a_named_duration_column_is_used(tmp_path):
    (tmp_path / "data.csv").write_text("pid,Time,BRS_1,BRS_2,BRS_3,BRS_4,BRS_5,BRS_6\nA1,6,1,2,4,2,5,1\n"
                                       "A2,60,2,4,1,3,2,5\n")
    result = ingest.for_study(brs_study(tmp_path, {"duration_column": "Time"}, measures=[]), tmp_path)
    assert result.careless.seconds_per_item.tolist() == [1, 10]
    assert result.careless["flags"].tolist() == ["seconds_per_item", ""]


@pytest.mark.parametrize("settings, message", [
    ({"exclude": ["straightlining"]}, "studies.demo.analyses.screening.exclude[0]: 'straightlining' is not one of "
                                      "longstring, mahalanobis, seconds_per_item"),
    ({"longstring": 1}, "studies.demo.analyses.screening.longstring: 1 is less than the minimum of 2"),
    ({"mahalanobis_p": 1.5}, "studies.demo.analyses.screening.mahalanobis_p: 1.5 is greater than or equal to the "
                             "maximum of 1"),
    ({"longstring": None, "exclude": ["longstring"]},
     "studies.demo.analyses.screening.exclude[0]: 'longstring' raises no flag with longstring: null; give "
     "longstring a value, or remove it from exclude"),
    ({"speed": 2}, "studies.demo.analyses.screening.speed: unknown key 'speed' (allowed keys: duration_column, "
                   "exclude, longstring, mahalanobis_p, seconds_per_item)"),
])
def test_config_errors_name_the_key(tmp_path, settings, message):
    write_brs_csv(tmp_path / "data.csv", ROWS)
    with pytest.raises(UserError) as error:
        brs_study(tmp_path, settings)
    assert str(error.value) == f"config.yaml: {message}"


def test_defaults_come_from_the_schema(tmp_path):
    write_brs_csv(tmp_path / "data.csv", ROWS)
    assert brs_study(tmp_path)["analyses"]["screening"] == DEFAULTS
    assert screening.screening_settings({}) == dict(DEFAULTS, duration_column=None)


def test_flow_counts_a_response_excluded_as_careless_as_lost_for_that_reason():
    study = {"design": "mixed", "waves": ["pre", "post"], "groups": ["c", "t"]}
    ledger = pd.DataFrame({"participant": ["p1", "p2", "p3", "p1", "p2", "p3"], "wave": ["pre"] * 3 + ["post"] * 3,
                           "status": ["kept"] * 3 + ["kept", "excluded", "excluded"],
                           "reason": ["kept"] * 4 + ["careless responding: longstring 24 >= 10",
                                                     "careless responding: longstring 12 >= 10"]})
    responses = pd.DataFrame({"participant": ["p1", "p2", "p3", "p1"], "wave": ["pre"] * 3 + ["post"],
                              "group": ["c", "c", "t", "c"]})
    careless = pd.DataFrame({"participant": ["p1", "p2", "p3", "p1", "p2", "p3"], "wave": ["pre"] * 3 + ["post"] * 3,
                             "excluded": ["False"] * 4 + ["True", "True"]})
    table = flow.for_study(ledger, responses, study, careless=careless)
    lost = table[table.stage == "lost"][["group", "wave", "n", "reason"]].values.tolist()
    assert lost == [["c", "post", 1, "post response excluded as careless (analyses.screening.exclude)"],
                    ["c", "post", 0, "no post response"],
                    ["t", "post", 1, "post response excluded as careless (analyses.screening.exclude)"],
                    ["t", "post", 0, "no post response"]]
    # a participant all of whose responses were excluded is counted by the index, not each value
    only = flow.for_study(ledger[ledger.participant == "p3"].assign(status="excluded", reason=[
        "careless responding: longstring 24 >= 10, seconds_per_item 1 < 2", "careless responding: irv"]),
        responses[responses.participant != "p3"], study)
    assert only[only.stage == "excluded"].reason.tolist() == ["careless responding (longstring)"]


# ------------------------------------------------------------------------------ through Snakemake


@pytest.mark.pipeline
def test_an_exclusion_reaches_the_ledger_responses_and_flow_through_snakemake(tmp_path):
    """The bad-input case of a straight-liner excluded, built by the workflow: careless.csv by
    pseudonym, the ledger's reason, the responses without the row and the flow counting it."""
    import os
    import sys

    import yaml

    sys.path.insert(0, str(Path(__file__).parent / "bad_inputs"))
    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    import make_cases
    from workspace import WORKFLOW, copy_repository

    defaults, cases = make_cases.load_cases()
    case = next(case for case in cases if case["id"] == "csv_careless_straight_liner_excluded")
    copy_repository(tmp_path, WORKFLOW)
    make_cases.write_case(case, tmp_path)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(make_cases.case_config(defaults, case), sort_keys=False))
    study = make_cases.STUDY
    targets = [f"results/{study}/screening/careless.csv", f"results/{study}/flow/flow.csv"]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", *targets], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    results = tmp_path / "results" / study
    careless = io.read_table(results / "screening" / "careless.csv")
    assert careless.participant.tolist() == ["P001", "P002", "P003"]
    assert careless.longstring.tolist() == [1, 6, 1]
    assert careless["flags"].fillna("").tolist() == ["", "longstring", ""]
    assert careless.excluded.astype(str).tolist() == ["False", "True", "False"]
    ledger = io.read_table(results / "ingest" / "ledger.csv")
    assert ledger[["participant", "status", "reason"]].values.tolist()[1] == [
        "P002", "excluded", "careless responding: longstring 6 >= 6"]
    assert io.read_table(results / "ingest" / "responses.csv").participant.tolist() == ["P001", "P003"]
    flow_table = io.read_table(results / "flow" / "flow.csv", keep_default_na=False)
    excluded = flow_table[flow_table.stage == "excluded"][["n", "reason"]].values.tolist()
    assert excluded == [[1, "careless responding (longstring)"]]
    for path in results.rglob("*.csv"):
        assert "A2" not in path.read_text(), path          # raw codes never reach results/
