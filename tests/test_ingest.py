"""Ingest: every format and layout, the ledger, the issues, identifiers and policies.

Expected values are worked out by hand from the small exports each test writes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from wellbeing import ingest
from wellbeing.config import validate
from wellbeing.errors import UserError
from wellbeing.exports import write_qualtrics_csv, write_redcap_csv, write_redcap_dictionary

PSS_ITEMS = [f"PSS_{n}" for n in range(1, 11)]


def pss_row(values):
    return dict(zip(PSS_ITEMS, values))


def study(root: Path, sources, **extra) -> dict:
    base = {
        "title": "test", "design": "mixed", "id_column": "pid", "group_column": "grp",
        "waves": ["pre", "post"], "groups": ["ctl", "trt"], "sources": sources,
        "instruments": [{"instrument": "pss10", "items": "PSS_{n}"}],
        "measures": [{"column": "Age", "name": "age", "min": 18, "max": 90}],
    }
    base.update(extra)
    return validate({"studies": {"demo": base}}, root)["studies"]["demo"]


def qualtrics_frame(rows):
    """Qualtrics-like rows: metadata with identifiers, the code, group, age and PSS items."""
    records = []
    for index, (pid, group, finished, age, items) in enumerate(rows):
        records.append({"StartDate": f"2020-01-0{index + 1} 10:00:00", "IPAddress": f"203.0.113.{index}",
                        "Finished": finished, "RecipientEmail": f"person{index}@example.org",
                        "RecipientFirstName": f"Firstname{index}", "pid": pid, "grp": group,
                        "Age": age, **pss_row(items)})
    return pd.DataFrame(records)


FULL = [1, 2, 3, 4, 0, 1, 2, 3, 4, 0]


@pytest.fixture
def two_wave_qualtrics(tmp_path):
    pre = qualtrics_frame([
        ("A1", "ctl", 1, 33, FULL),
        ("A2", "trt", 1, 200, [1, 2, 3, 9, 0, 1, 2, 3, "n/a", 0]),   # 9 out of range, n/a text, 200 too old
        ("A3", "zzz", 1, 40, FULL),                                 # unknown group
    ])
    post = qualtrics_frame([
        ("A2", "trt", 0, "", [1, 2, "", "", "", "", "", "", "", ""]),  # unfinished first attempt
        ("A2", "trt", 1, "", FULL),
        ("A1", "ctl", 1, "", FULL),
    ])
    write_qualtrics_csv(pre, tmp_path / "pre.csv")
    write_qualtrics_csv(post, tmp_path / "post.csv", legacy=True, trailing_blank_lines=1)
    return study(tmp_path, [{"path": "pre.csv", "format": "qualtrics", "wave": "pre"},
                            {"path": "post.csv", "format": "qualtrics", "wave": "post"}])


def test_qualtrics_two_waves_ledger_issues_and_responses(tmp_path, two_wave_qualtrics):
    result = ingest.for_study(two_wave_qualtrics, tmp_path)
    ledger = result.ledger
    # pre.csv: 3 data rows from spreadsheet row 4 (3 header rows); post.csv legacy: from row 3.
    assert ledger[ledger.source == "pre.csv"].row.tolist() == [4, 5, 6]
    assert ledger[ledger.source == "post.csv"].row.tolist() == [3, 4, 5]
    assert ledger.status.tolist() == ["kept", "kept", "excluded", "excluded", "kept", "kept"]
    assert "group 'zzz' is not one of groups (ctl, trt)" in ledger.reason[2]
    assert ledger.reason[3].startswith("duplicate response at wave post: kept post.csv row 4 "
                                       "(finished, 10 answers) over this one (unfinished, 2 answers)")
    assert ledger.reason[4] == "kept; preferred over 1 other response(s) at this wave"
    # A2's pre row: three values set missing, each listed.
    issues = result.issues
    assert issues[["row", "column", "value", "rule"]].values.tolist() == [
        [5, "PSS_4", "9", "out of range (valid 0 to 4)"],
        [5, "PSS_9", "n/a", "not a number"],
        [5, "Age", "200", "out of range (valid 18 to 90)"],
    ]
    assert set(issues.action) == {"set missing"}
    responses = result.responses
    assert responses[["participant", "wave", "group"]].values.tolist() == [
        ["A1", "pre", "ctl"], ["A1", "post", "ctl"], ["A2", "pre", "trt"], ["A2", "post", "trt"]]
    a2_pre = responses.iloc[2]
    assert pd.isna(a2_pre.PSS_4) and pd.isna(a2_pre.PSS_9) and pd.isna(a2_pre.Age)
    assert a2_pre.PSS_3 == 3
    # Identifiers never reach the responses; the codebook says they were dropped.
    assert not {"IPAddress", "RecipientEmail", "RecipientFirstName"} & set(responses.columns)
    roles = result.codebook.set_index(["source", "column"]).role
    assert roles[("pre.csv", "IPAddress")] == "identifier (dropped)"
    assert roles[("pre.csv", "PSS_1")] == "item:pss10"
    manifest = result.raw_manifest.set_index("source")
    assert manifest.loc["pre.csv", ["data_rows", "kept", "excluded"]].tolist() == [3, 2, 1]
    assert manifest.loc["post.csv", ["data_rows", "kept", "excluded"]].tolist() == [3, 2, 1]
    assert len(manifest.loc["pre.csv", "sha256"]) == 64


def test_the_raw_cells_are_released_once_the_responses_are_built(tmp_path, two_wave_qualtrics):
    # a large export's cells would otherwise sit beside the screening's answer matrix
    instruments = ingest.study_instruments(two_wave_qualtrics, tmp_path)
    sources = ingest.read_sources(two_wave_qualtrics, tmp_path)
    assert [len(raw.frame) for raw in sources] == [3, 3]
    result = ingest.ingest_study(two_wave_qualtrics, tmp_path,
                                 ingest.column_rules_for(two_wave_qualtrics, instruments), sources, instruments)
    assert [len(raw.frame) for raw in sources] == [0, 0]
    assert "PSS_1" in sources[0].frame.columns          # the columns stay, for what names them
    assert len(result.responses) == 4


def test_qualtrics_import_ids_and_question_text_go_to_the_codebook(tmp_path, two_wave_qualtrics):
    codebook = ingest.for_study(two_wave_qualtrics, tmp_path).codebook
    start = codebook[(codebook.source == "pre.csv") & (codebook.column == "StartDate")].iloc[0]
    assert (start.label, start.import_id) == ("Start Date", "startDate")
    legacy = codebook[(codebook.source == "post.csv") & (codebook.column == "StartDate")].iloc[0]
    assert legacy.import_id == ""


def test_on_invalid_error_names_file_row_column_and_value(tmp_path, two_wave_qualtrics):
    settings = dict(two_wave_qualtrics, on_invalid="error")
    with pytest.raises(UserError, match=r"pre.csv, row 5, column PSS_4: value '9' out of range"):
        ingest.for_study(settings, tmp_path)


def test_duplicates_error_policy(tmp_path, two_wave_qualtrics):
    settings = dict(two_wave_qualtrics, duplicates="error")
    with pytest.raises(UserError, match=r"participant 'A2' has 2 responses at wave 'post' "
                                        r"\(post.csv row 3; post.csv row 4\)"):
        ingest.for_study(settings, tmp_path)


def test_participant_in_two_groups_stops(tmp_path):
    write_qualtrics_csv(qualtrics_frame([("A1", "ctl", 1, 30, FULL)]), tmp_path / "pre.csv")
    write_qualtrics_csv(qualtrics_frame([("A1", "trt", 1, 30, FULL)]), tmp_path / "post.csv")
    settings = study(tmp_path, [{"path": "pre.csv", "format": "qualtrics", "wave": "pre"},
                                {"path": "post.csv", "format": "qualtrics", "wave": "post"}])
    with pytest.raises(UserError, match=r"participant 'A1' is in more than one group"):
        ingest.for_study(settings, tmp_path)


def test_group_blank_at_one_wave_is_filled_and_listed(tmp_path):
    write_qualtrics_csv(qualtrics_frame([("A1", "ctl", 1, 30, FULL)]), tmp_path / "pre.csv")
    write_qualtrics_csv(qualtrics_frame([("A1", "", 1, "", FULL)]), tmp_path / "post.csv")
    settings = study(tmp_path, [{"path": "pre.csv", "format": "qualtrics", "wave": "pre"},
                                {"path": "post.csv", "format": "qualtrics", "wave": "post"}])
    result = ingest.for_study(settings, tmp_path)
    assert result.responses.group.tolist() == ["ctl", "ctl"]
    assert result.issues[["source", "column", "action"]].values.tolist() == [
        ["post.csv", "grp", "set to 'ctl' from the participant's other rows"]]


def test_missing_item_columns_stop_with_the_pattern_named(tmp_path):
    frame = qualtrics_frame([("A1", "ctl", 1, 30, FULL)]).drop(columns=["PSS_10"])
    write_qualtrics_csv(frame, tmp_path / "pre.csv")
    settings = study(tmp_path, [{"path": "pre.csv", "format": "qualtrics", "wave": "pre"}])
    with pytest.raises(UserError, match=r"instrument pss10 \(items 'PSS_\{n\}'\) has 1 of 10 item "
                                        r"columns missing, e.g. PSS_10"):
        ingest.for_study(settings, tmp_path)


def test_csv_long_layout_with_wave_map_and_semicolons(tmp_path):
    text = ("pid;grp;visit;Age;" + ";".join(PSS_ITEMS) + "\n"
            "1;ctl;T1;30;" + ";".join(map(str, FULL)) + "\n"
            "1;ctl;T2;30;" + ";".join(map(str, FULL)) + "\n"
            "2;trt;T9;31;" + ";".join(map(str, FULL)) + "\n"
            "10;trt;T1; 41 ;" + ";".join(map(str, FULL)) + "\n")
    (tmp_path / "long.csv").write_text(text, encoding="utf-8")
    settings = study(tmp_path, [{"path": "long.csv", "format": "csv", "wave_column": "visit",
                                 "wave_map": {"T1": "pre", "T2": "post"}}])
    result = ingest.for_study(settings, tmp_path)
    assert result.ledger.status.tolist() == ["kept", "kept", "excluded", "kept"]
    assert result.ledger.reason[2] == "wave value 'T9' in column visit is not in wave_map (T1, T2)"
    # Natural order of participant codes: 1 before 10.
    assert result.responses[["participant", "wave"]].values.tolist() == [["1", "pre"], ["1", "post"], ["10", "pre"]]
    assert result.responses.Age.tolist() == [30, 30, 41]      # blanks around a number are fine
    assert "visit" not in result.responses.columns


def test_wide_layout_with_wave_suffixes(tmp_path):
    columns = ["pid", "grp", "Age"] + [f"{c}_T1" for c in PSS_ITEMS] + [f"{c}_T2" for c in PSS_ITEMS]
    rows = [["1", "ctl", "30"] + [str(v) for v in FULL] + [str(v) for v in FULL],
            ["2", "trt", "40"] + [str(v) for v in FULL] + [""] * 10,
            ["3", "trt", "50"] + ["7"] + [str(v) for v in FULL[1:]] + [str(v) for v in FULL]]
    pd.DataFrame(rows, columns=columns).to_csv(tmp_path / "wide.csv", index=False)
    settings = study(tmp_path, [{"path": "wide.csv", "format": "csv",
                                 "wave_suffixes": {"pre": "_T1", "post": "_T2"}}])
    result = ingest.for_study(settings, tmp_path)
    assert result.responses[["participant", "wave"]].values.tolist() == [
        ["1", "pre"], ["1", "post"], ["2", "pre"], ["3", "pre"], ["3", "post"]]
    assert result.responses.Age.tolist() == [30, 30, 40, 50, 50]
    ledger = result.ledger
    assert len(ledger) == 3          # one row per raw row, naming the waves it gave
    assert ledger.wave.tolist() == ["pre;post", "pre", "pre;post"]
    assert ledger.reason[0] == "pre: kept; post: kept"
    assert ledger[ledger.participant == "2"].reason.tolist() == ["kept; no answers for wave(s) post"]
    # The issue names the column as the raw file spells it, with its suffix.
    assert result.issues[["row", "column", "value"]].values.tolist() == [[4, "PSS_1_T1", "7"]]
    assert "PSS_1_T1" not in result.responses.columns and "PSS_1" in result.responses.columns


def test_redcap_events_repeating_rows_dictionary_identifiers(tmp_path):
    frame = pd.DataFrame([
        {"record_id": 1, "redcap_event_name": "baseline_arm_1", "redcap_repeat_instrument": "",
         "redcap_repeat_instance": "", "email": "one@example.org", "grp": "ctl", "Age": 30,
         **pss_row(FULL), "pss_complete": 2},
        {"record_id": 1, "redcap_event_name": "followup_arm_1", "redcap_repeat_instrument": "",
         "redcap_repeat_instance": "", "email": "", "grp": "ctl", "Age": "",
         **pss_row(FULL), "pss_complete": 2},
        {"record_id": 1, "redcap_event_name": "baseline_arm_1", "redcap_repeat_instrument": "diary",
         "redcap_repeat_instance": 1, "email": "", "grp": "", "Age": "",
         **pss_row([""] * 10), "pss_complete": ""},
        {"record_id": 2, "redcap_event_name": "screening_arm_1", "redcap_repeat_instrument": "",
         "redcap_repeat_instance": "", "email": "two@example.org", "grp": "trt", "Age": 50,
         **pss_row(FULL), "pss_complete": 2},
    ])
    write_redcap_csv(frame, tmp_path / "export.csv")
    write_redcap_dictionary(
        [{"field_name": "record_id", "form_name": "demographics", "field_type": "text", "field_label": "Record ID"},
         {"field_name": "email", "form_name": "demographics", "field_type": "text", "field_label": "Email",
          "identifier": "y"},
         {"field_name": "grp", "form_name": "demographics", "field_type": "radio", "field_label": "Group",
          "choices": {"ctl": "Control", "trt": "Trained"}},
         {"field_name": "Age", "form_name": "demographics", "field_type": "text", "field_label": "Age",
          "validation": "integer", "validation_min": 18, "validation_max": 80}]
        + [{"field_name": c, "form_name": "pss", "field_type": "radio", "field_label": f"PSS item {c[4:]}",
            "choices": {0: "Never", 4: "Very often"}} for c in PSS_ITEMS],
        tmp_path / "dictionary.csv")
    settings = study(tmp_path, [{"path": "export.csv", "format": "redcap", "dictionary": "dictionary.csv",
                                 "wave_column": "redcap_event_name",
                                 "wave_map": {"baseline_arm_1": "pre", "followup_arm_1": "post"}}],
                     id_column="record_id")
    result = ingest.for_study(settings, tmp_path)
    assert result.ledger.status.tolist() == ["kept", "kept", "excluded", "excluded"]
    assert result.ledger.reason[2].startswith("repeating instrument 'diary' instance 1")
    assert "screening_arm_1" in result.ledger.reason[3]
    assert "email" not in result.responses.columns
    codebook = result.codebook.set_index("column")
    assert codebook.loc["email", "role"] == "identifier (dropped)"
    assert codebook.loc["grp", "values"] == "ctl=Control; trt=Trained"
    assert (codebook.loc["Age", "min"], codebook.loc["Age", "max"]) == ("18", "80")
    assert result.responses.pss_complete.tolist() == ["2", "2"]
    dictionary_entry = result.raw_manifest[result.raw_manifest.role == "dictionary"]
    assert dictionary_entry.source.tolist() == ["dictionary.csv"]


def test_spss_codes_kept_user_missing_listed_value_labels_in_codebook(tmp_path):
    frame = pd.DataFrame({"pid": ["A", "B"], "grp": ["ctl", "trt"], "Age": [30.0, 99.0],
                          **{c: [float(v), float(v)] for c, v in zip(PSS_ITEMS, FULL)}})
    frame.loc[1, "PSS_2"] = 99.0
    pyreadstat.write_sav(frame, str(tmp_path / "data.sav"),
                         column_labels={"Age": "Age in years"},
                         variable_value_labels={"PSS_1": {0.0: "Never", 4.0: "Very often"}},
                         missing_ranges={"PSS_2": [99.0], "Age": [99.0]})
    settings = study(tmp_path, [{"path": "data.sav", "format": "spss", "wave": "pre"}])
    result = ingest.for_study(settings, tmp_path)
    assert result.ledger.row.tolist() == [1, 2]       # SPSS case numbers
    assert result.issues[["row", "column", "value", "rule"]].values.tolist() == [
        [2, "PSS_2", "99", "user-missing code 99 (declared in the SPSS file)"],
        [2, "Age", "99", "user-missing code 99 (declared in the SPSS file)"]]
    codebook = result.codebook.set_index("column")
    assert codebook.loc["PSS_1", "values"] == "0=Never; 4=Very often"
    assert codebook.loc["Age", "label"] == "Age in years"
    assert result.responses.PSS_1.tolist() == [1, 1]


def test_excel_sheet(tmp_path):
    frame = pd.DataFrame([{"pid": "A", "grp": "trt", "Age": 44, **pss_row(FULL)}])
    with pd.ExcelWriter(tmp_path / "data.xlsx") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="notes", index=False)
        frame.to_excel(writer, sheet_name="wave1", index=False)
    settings = study(tmp_path, [{"path": "data.xlsx", "format": "excel", "wave": "pre", "sheet": "wave1"}])
    result = ingest.for_study(settings, tmp_path)
    assert result.ledger[["row", "status"]].values.tolist() == [[2, "kept"]]
    assert result.responses.PSS_4.tolist() == [4]
    with pytest.raises(UserError, match="data.xlsx: Worksheet named 'nosheet' not found"):
        ingest.for_study(dict(settings, sources=[dict(settings["sources"][0], sheet="nosheet")]), tmp_path)


def test_empty_file_and_misaligned_row_are_user_errors(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    settings = study(tmp_path, [{"path": "empty.csv", "format": "csv", "wave": "pre"}])
    with pytest.raises(UserError, match="empty.csv: the file is empty"):
        ingest.for_study(settings, tmp_path)
    (tmp_path / "bad.csv").write_text("pid,grp\nA,ctl,extra\n")
    settings = study(tmp_path, [{"path": "bad.csv", "format": "csv", "wave": "pre"}])
    with pytest.raises(UserError, match=r"bad.csv, row 2: 3 fields but the header has 2"):
        ingest.for_study(settings, tmp_path)


def test_latin1_file_is_read_and_said(tmp_path):
    text = "pid,grp,Age," + ",".join(PSS_ITEMS) + "\nJosé,ctl,30," + ",".join(map(str, FULL)) + "\n"
    (tmp_path / "latin.csv").write_bytes(text.encode("latin-1"))
    settings = study(tmp_path, [{"path": "latin.csv", "format": "csv", "wave": "pre"}])
    result = ingest.for_study(settings, tmp_path)
    assert result.responses.participant.tolist() == ["José"]
    assert result.issues.rule.tolist() == ["not UTF-8"]


def test_raw_files_are_not_modified(tmp_path, two_wave_qualtrics):
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    ingest.for_study(two_wave_qualtrics, tmp_path)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert before == after


def test_systematic_range_mismatch_stops_instead_of_blanking(tmp_path):
    # Five respondents answering PSS coded 1-5 instead of 0-4: every '5' (15 of 50 answers) is
    # outside 0..4, far beyond a typo (more than 3 and more than 5% of answers).
    rows = [(f"P{i}", "ctl", 1, 30, [1, 2, 3, 5, 5, 1, 2, 5, 4, 1]) for i in range(5)]
    write_qualtrics_csv(qualtrics_frame(rows), tmp_path / "pre.csv")
    settings = study(tmp_path, [{"path": "pre.csv", "format": "qualtrics", "wave": "pre"}])
    with pytest.raises(UserError, match=r"instrument pss10: 15 of 50 answers lie outside the declared "
                                        r"response range 0 to 4 \(observed 1 to 5\)"):
        ingest.for_study(settings, tmp_path)


def test_more_item_columns_than_the_instrument_has_stop(tmp_path):
    frame = qualtrics_frame([("A1", "ctl", 1, 30, FULL)]).assign(PSS_11="2", PSS_12="1")
    write_qualtrics_csv(frame, tmp_path / "pre.csv")
    settings = study(tmp_path, [{"path": "pre.csv", "format": "qualtrics", "wave": "pre"}])
    with pytest.raises(UserError, match=r"column PSS_12 matches the items pattern 'PSS_\{n\}' of pss10, "
                                        r"which has 10 items"):
        ingest.for_study(settings, tmp_path)
