"""Real public exports, read by config only.

The files are third-party data that may not be redistributed, so the repository holds none of
them: they are read from the folder ``$REAL_EXPORTS`` names (by default the team's shared data
folder beside the checkout) and every test skips, saying why, when it is absent. Each is copied
into a temporary project folder, configured as an analyst would, ingested (and scored) by the
library, and compared with values computed here independently: from the authors' own numeric
file, from the raw cells read with the csv module or openpyxl, or from the instrument's
published key.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wellbeing import ingest, score
from wellbeing.io import write_table
from wellbeing.study import validated_config

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("REAL_EXPORTS", ROOT.parent / "shared" / "data" / "real-exports"))


def real_file(name: str) -> Path:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"real export {name} not found in {REAL} (set REAL_EXPORTS to its folder)")
    return path


def project(tmp_path: Path, files: dict[str, bytes | Path]) -> Path:
    """A project folder holding the named files under data/raw/real/."""
    folder = tmp_path / "data" / "raw" / "real"
    folder.mkdir(parents=True)
    for name, content in files.items():
        if isinstance(content, Path):
            shutil.copyfile(content, folder / name)
        else:
            (folder / name).write_bytes(content)
    return tmp_path


def study_settings(root: Path, **study) -> dict:
    base = {"title": "real export", "design": "cross_sectional", "waves": ["session"]}
    base.update(study)
    return validated_config({"studies": {"real": base}}, root)["studies"]["real"]


# ------------------------------------------------------------------ Nagy et al. (2023), Qualtrics

#: SCS-SF answer texts of the Hungarian export and their codes (the authors' codebook).
NAGY_LABELS = {"Szinte soha": 1, "Ritkán": 2, "Körülbelül az esetek felében": 3, "Gyakran": 4,
               "Szinte mindig": 5}
#: SCS-SF total: the mean of the 12 items, items 1, 4, 8, 9, 11 and 12 reversed (6 - x);
#: Raes, Pommier, Neff & Van Gucht (2011), Clin Psychol Psychother 18, 250-255.
SCS_SF_REVERSED = (1, 4, 8, 9, 11, 12)


def nagy_study(root: Path, name: str = "nagy.csv") -> dict:
    return study_settings(
        root, id_column="ResponseId", id_is_pseudonymous=True,
        sources=[{"path": f"data/raw/real/{name}", "format": "qualtrics", "wave": "session",
                  "unfinished": "exclude"}],
        instruments=[{"instrument": "scs_sf12", "items": "sc_{n}", "labels": NAGY_LABELS}])


@pytest.fixture(scope="module")
def nagy(tmp_path_factory):
    root = project(tmp_path_factory.mktemp("nagy"),
                   {"nagy.csv": real_file("nagy2023_qualtrics_raw_labels.csv")})
    study = nagy_study(root)
    return root, study, ingest.for_study(study, root)


def test_nagy_every_row_in_the_ledger_previews_and_unfinished_excluded(nagy):
    _, _, result = nagy
    with open(real_file("nagy2023_qualtrics_raw_labels.csv"), encoding="utf-8-sig", newline="") as f:
        records = [r for r in csv.reader(f) if r]
    header, data = records[0], records[3:]
    status = [r[header.index("Status")] for r in data]
    finished = [r[header.index("Finished")] for r in data]
    ledger = result.ledger
    assert len(data) == 511 and len(ledger) == 511
    reasons = ledger.reason
    previews = reasons.str.startswith("Qualtrics Status Survey Preview")
    assert previews.sum() == status.count("Survey Preview") == 8
    unfinished = reasons.str.startswith("unfinished Qualtrics response")
    expected_unfinished = sum(s != "Survey Preview" and f == "False" for s, f in zip(status, finished))
    assert unfinished.sum() == expected_unfinished == 30
    assert (ledger.status == "kept").sum() == 511 - 8 - 30


def test_nagy_answer_texts_give_the_authors_scores(nagy):
    """For the 383 responses the authors analysed, the SCS-SF total scored from the Hungarian
    answer texts equals the total computed here from the authors' numeric file."""
    root, study, result = nagy
    numeric = pd.read_csv(real_file("nagy2023_items_numeric.csv"), encoding="utf-8-sig")
    assert len(numeric) == 383
    items = numeric[[f"sc_{n}" for n in range(1, 13)]].to_numpy(dtype=float)
    keyed = items.copy()
    for item in SCS_SF_REVERSED:
        keyed[:, item - 1] = 6 - keyed[:, item - 1]
    expected = pd.Series(keyed.mean(axis=1), index=numeric["response_id"])
    long, _ = score.for_study(result.responses, study, root)
    total = long[(long.instrument == "scs_sf12") & (long.scale == "total")].set_index("participant").score
    assert set(expected.index) <= set(total.index)
    np.testing.assert_allclose(total[expected.index].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-12)
    # item by item too: every answer text became the authors' code
    responses = result.responses.set_index("participant").loc[numeric["response_id"]]
    assert (responses[[f"sc_{n}" for n in range(1, 13)]].to_numpy(dtype=float) == items).all()


def test_nagy_repeated_headers_named_and_identifiers_dropped(nagy):
    _, _, result = nagy
    repeated = result.issues[result.issues.rule.str.startswith("duplicate column name")]
    assert len(repeated) == 28                       # 14 names, each twice
    assert set(repeated.column) >= {"iq_easy_3@131", "iq_easy_3@210"}
    roles = dict(zip(result.codebook.column, result.codebook.role))
    for column in ("IPAddress", "LocationLatitude", "LocationLongitude", "RecipientEmail"):
        assert roles[column] == "identifier (dropped)"
        assert column not in result.responses.columns
    with open(real_file("nagy2023_qualtrics_raw_labels.csv"), encoding="utf-8-sig", newline="") as f:
        records = [r for r in csv.reader(f) if r]
    addresses = {r[records[0].index("IPAddress")] for r in records[3:]} - {""}
    assert addresses
    text = "\n".join(frame.to_csv(index=False) for frame in
                     (result.responses, result.ledger, result.issues, result.codebook))
    assert not any(address in text for address in addresses)


def test_nagy_utf16_tab_separated_copy_gives_identical_responses(nagy, tmp_path):
    """Qualtrics' TSV download (UTF-16 with a byte-order mark, tabs) of the same export."""
    root, study, result = nagy
    with open(real_file("nagy2023_qualtrics_raw_labels.csv"), encoding="utf-8-sig", newline="") as f:
        records = list(csv.reader(f))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows(records)
    other = project(tmp_path, {"nagy16.csv": buffer.getvalue().encode("utf-16")})
    again = ingest.for_study(nagy_study(other, "nagy16.csv"), other)
    write_table(result.responses, tmp_path / "a.csv")
    write_table(again.responses, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


# ------------------------------------------------------- Siraji: FFMQ-39, item<n> and Ritem<n>

#: FFMQ-39 facets (Baer, Smith, Hopkins, Krietemeyer & Toney, 2006, Assessment 13, 27-45).
FFMQ_FACETS = {
    "observe": (1, 6, 11, 15, 20, 26, 31, 36),
    "describe": (2, 7, 12, 16, 22, 27, 32, 37),
    "act_aware": (5, 8, 13, 18, 23, 28, 34, 38),
    "nonjudge": (3, 10, 14, 17, 25, 30, 35, 39),
    "nonreact": (4, 9, 19, 21, 24, 29, 33),
}


def test_siraji_facets_score_from_item_and_ritem_columns(tmp_path):
    """The Ritem columns hold the reverse-keyed items already reversed: turned back on reading,
    keyed again by the instrument, each facet sum is the plain sum of the exported columns."""
    import openpyxl

    path = real_file("siraji_ffmq39_teachers.xlsx")
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook["Validity FSS"].iter_rows(values_only=True))
    workbook.close()
    header = [str(cell) for cell in rows[0]]
    item_columns = [c for c in header if re.fullmatch(r"R?item\d+", c)]
    assert len(item_columns) == 39
    reversed_items = [int(c[5:]) for c in item_columns if c.startswith("R")]
    root = project(tmp_path, {"ffmq.xlsx": path})
    study = study_settings(
        root, id_column="id", id_is_pseudonymous=True,
        sources=[{"path": "data/raw/real/ffmq.xlsx", "format": "excel", "sheet": "Validity FSS",
                  "wave": "session"}],
        instruments=[{"instrument": "ffmq39", "items": item_columns,
                      "reversed_in_export": reversed_items}])
    result = ingest.for_study(study, root)
    assert (result.ledger.status == "kept").sum() == len(rows) - 1 == 255
    long, _ = score.for_study(result.responses, study, root)
    data = pd.DataFrame(rows[1:], columns=header)
    data["participant"] = data["id"].astype(str)
    for facet, items in FFMQ_FACETS.items():
        columns = [next(c for c in item_columns if int(re.sub(r"\D", "", c)) == n) for n in items]
        expected = data.set_index("participant")[columns].astype(float).sum(axis=1)
        got = long[(long.scale == facet)].set_index("participant").score
        np.testing.assert_allclose(got[expected.index].to_numpy(), expected.to_numpy(), atol=1e-12)


# ------------------------------------------------ Krusche et al. (2012): label row, no id column

KRUSCHE_WAVES = {"pre": " - Before Course", "post": " - Course Completed", "followup": " - One Month On"}


def krusche_result(path: Path, folder: Path):
    """The Krusche workbook ingested by config only: header_row 2, no id column, PSS totals at
    three waves under suffixes."""
    root = project(folder, {"bmo.xlsx": path})
    study = study_settings(
        root, waves=list(KRUSCHE_WAVES),
        sources=[{"path": "data/raw/real/bmo.xlsx", "format": "excel", "header_row": 2,
                  "wave_suffixes": KRUSCHE_WAVES}],
        measures=[{"column": "PSS", "name": "pss", "min": 0, "max": 40}])
    return ingest.for_study(study, root)


def krusche_responses(path: Path, folder: Path) -> pd.DataFrame:
    return krusche_result(path, folder).responses


def test_krusche_reads_with_header_row_and_no_id_column(tmp_path):
    import openpyxl

    path = real_file("krusche2012_bmo_pss.xlsx")
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    suffixes = KRUSCHE_WAVES
    result = krusche_result(path, tmp_path)
    data = [row for row in rows[2:] if any(cell is not None for cell in row)]
    assert len(result.ledger) == len(data) == 100
    assert (result.ledger.status == "kept").all()
    header = list(rows[1])
    for wave, suffix in suffixes.items():
        expected = [float(row[header.index("PSS" + suffix)]) for row in data]
        got = result.responses[result.responses.wave == wave].set_index("participant")
        got = [float(got.loc[f"row{number}", "PSS"]) for number in range(3, 103)]
        assert got == expected
    issues = result.issues
    blank = issues[issues.rule == "blank header cell"]
    assert blank.column.tolist() == ["column_3", "column_24", "column_25", "column_26", "column_27"]
    repeated = issues[issues.rule.str.startswith("duplicate column name")]
    assert repeated.value.tolist() == ["a_1191", "a_1191", "a_1192", "a_1192", "a_1193", "a_1193"]
    labels = dict(zip(result.codebook.column, result.codebook.label))
    assert labels["a_1191@9"] == "Weekly Practice" and labels["a_1191@10"] == "Week One"


# ----------------------------------------------------------------- REDCap projects: identifiers

REDCAP_PROJECTS = {
    "redcap_simple": {"id_column": "record_id", "wave": "session"},
    "redcap_survey": {"id_column": "participant_id", "wave": "session"},
    "redcap_longitudinal": {"id_column": "study_id",
                            "wave_column": "redcap_event_name",
                            "wave_map": {"enrollment_arm_1": "session", "enrollment_arm_2": "session"}},
}


@pytest.mark.parametrize("name", sorted(REDCAP_PROJECTS))
def test_redcap_identifiers_never_reach_the_tables(name, tmp_path):
    data, dictionary = real_file(f"{name}.csv"), real_file(f"{name}_dictionary.csv")
    root = project(tmp_path, {"export.csv": data, "dictionary.csv": dictionary})
    settings = dict(REDCAP_PROJECTS[name])
    source = {"path": "data/raw/real/export.csv", "format": "redcap",
              "dictionary": "data/raw/real/dictionary.csv"}
    source.update({k: v for k, v in settings.items() if k in ("wave", "wave_column", "wave_map")})
    study = study_settings(root, id_column=settings["id_column"], sources=[source])
    result = ingest.for_study(study, root)
    with open(dictionary, encoding="utf-8", newline="") as f:
        fields = list(csv.DictReader(f))
    flagged = {row["Variable / Field Name"] for row in fields if row["Identifier?"].strip() == "y"}
    flagged -= {settings["id_column"]}
    frame = pd.read_csv(data, dtype=str, keep_default_na=False)
    survey = [c for c in frame.columns if c == "redcap_survey_identifier" or c.endswith("_timestamp")]
    secret = {value for column in flagged | set(survey) if column in frame
              for value in frame[column] if len(value.strip()) > 3 and value.strip() != "[not completed]"}
    assert flagged and all(column not in result.responses for column in flagged | set(survey))
    tables = "\n".join(t.to_csv(index=False) for t in (result.responses, result.ledger, result.issues,
                                                       result.codebook))
    leaked = sorted(value for value in secret if value in tables)
    assert not leaked, leaked
    # every raw row is in the ledger
    assert len(result.ledger) == len(frame)


def test_redcap_checkboxes_named_by_their_choices(tmp_path):
    data, dictionary = real_file("redcap_checkboxes_1.csv"), real_file("redcap_checkboxes_1_dictionary.csv")
    root = project(tmp_path, {"export.csv": data, "dictionary.csv": dictionary})
    study = study_settings(root, id_column="record_id", id_is_pseudonymous=True,
                           sources=[{"path": "data/raw/real/export.csv", "format": "redcap",
                                     "dictionary": "data/raw/real/dictionary.csv", "wave": "session"}])
    result = ingest.for_study(study, root)
    with open(dictionary, encoding="utf-8", newline="") as f:
        fields = {row["Variable / Field Name"]: row for row in csv.DictReader(f)}
    codebook = result.codebook.set_index("column")
    for column in ("check_one___1", "check_two___a", "check_two___e"):
        field, code = column.split("___")
        choices = dict(part.split(",", 1) for part in
                       fields[field]["Choices, Calculations, OR Slider Labels"].split("|"))
        choices = {key.strip(): text.strip() for key, text in choices.items()}
        assert codebook.loc[column, "label"] == f"{fields[field]['Field Label']}: {choices[code]}"
        assert codebook.loc[column, "values"] == "0=unchecked; 1=checked"
    frame = pd.read_csv(data, dtype=str)
    assert result.responses.set_index("participant").loc["1", "check_two___c"] == frame.check_two___c[0]
    # the free-text field is no analysis column: dropped, privacy by default
    assert "desired_result" not in result.responses


# ------------------------------------------------ ESEM 2023: long layout and attendance per person

def esem_study(root: Path, **study) -> dict:
    """The ESEM 2023 exports as an analyst configures them: MAAS-15 in a long layout and
    attendance (FIRMAS) per participant."""
    return study_settings(
        root, design="mixed", id_column="N Empleado", group_column="GRUPO", groups=["G2", "G1"],
        waves=["pre", "post"], id_is_pseudonymous=True,
        sources=[{"path": "data/raw/real/maas.csv", "format": "csv", "wave_column": "MOMENTO",
                  "wave_map": {"PRE": "pre", "POST": "post"}},
                 {"path": "data/raw/real/people.csv", "format": "csv", "per_participant": True}],
        instruments=[{"instrument": "maas15", "items": "{n}"}],
        measures=[{"column": "FIRMAS", "name": "sessions", "min": 0}], **study)


def test_esem_long_items_with_attendance_per_participant(tmp_path):
    maas, people = real_file("esem2023_maas_long.csv"), real_file("esem2023_demographics.csv")
    root = project(tmp_path, {"maas.csv": maas, "people.csv": people})
    study = esem_study(root)
    result = ingest.for_study(study, root)
    long = pd.read_csv(maas, sep=";", dtype=str, keep_default_na=False)
    attendance = pd.read_csv(people, sep=";", dtype=str, keep_default_na=False)
    assert len(result.responses) == len(long) == 102
    sessions = dict(zip(attendance["N Empleado"], attendance["FIRMAS"]))
    for row in result.responses.itertuples():
        expected = sessions[row.participant]
        assert (pd.isna(row.FIRMAS) if expected == "" else row.FIRMAS == int(expected))
    # the two answers of 22 on a 1-6 scale are set missing, each listed with its file row
    wrong = [(int(i) + 2, "6") for i in np.flatnonzero(long["6"] == "22")]
    listed = result.issues[result.issues.rule.str.startswith("out of range")]
    assert sorted(zip(listed.row, listed.column)) == sorted(wrong) and len(wrong) == 2
    people_rows = result.ledger[result.ledger.source == "data/raw/real/people.csv"]
    assert len(people_rows) == 51 and (people_rows.status == "kept").all()


# --------------------------------------------------------- Pallant: SPSS, one id for two people

def test_pallant_spss_totals_and_a_code_shared_by_two_people(tmp_path):
    """PSS-10 as this file codes it (1-5, items 4, 5, 7, 8 reversed, summed): the totals equal
    the author's own tpstress; id 242 is two people (duplicates: separate)."""
    import pyreadstat

    path = real_file("pallant_survey.sav")
    definition = tmp_path / "data" / "raw" / "real" / "pss10_1to5.yaml"
    root = project(tmp_path, {"survey.sav": path})
    definition.write_text("id: pss10_1to5\nname: PSS-10 coded 1-5\nitems: 10\n"
                          "response: {min: 1, max: 5}\nmissing: {min_answered: 1.0}\n"
                          "scales:\n  total: {items: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "
                          "reverse: [4, 5, 7, 8], score: sum}\n")
    study = study_settings(
        root, id_column="id", id_is_pseudonymous=True, duplicates="separate",
        sources=[{"path": "data/raw/real/survey.sav", "format": "spss", "wave": "session"}],
        instruments=[{"instrument": "data/raw/real/pss10_1to5.yaml", "items": "pss{n}"}])
    result = ingest.for_study(study, root)
    data, _ = pyreadstat.read_sav(str(path))
    assert len(result.responses) == len(data) == 439
    assert set(result.responses.participant) >= {"242", "242#2"}
    long, _ = score.for_study(result.responses, study, root)
    totals = long[long.scale == "total"].set_index("participant").score
    authors = data.assign(participant=data["id"].map(lambda v: str(int(v))))
    authors.loc[authors.duplicated("participant"), "participant"] += "#2"
    expected = authors.set_index("participant")["tpstress"].dropna()
    assert len(expected) == 433
    np.testing.assert_allclose(totals[expected.index].to_numpy(), expected.to_numpy(), atol=1e-12)


def test_pallant_errors_file_out_of_range_values_listed(tmp_path):
    path = real_file("pallant_survey_errors.sav")
    root = project(tmp_path, {"errors.sav": path})
    (root / "data" / "raw" / "real" / "pss.yaml").write_text(
        "id: pss10_1to5\nname: PSS-10 coded 1-5\nitems: 10\nresponse: {min: 1, max: 5}\n"
        "scales:\n  total: {items: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], reverse: [4, 5, 7, 8], score: sum}\n")
    study = study_settings(
        root, id_column="id", duplicates="separate",
        sources=[{"path": "data/raw/real/errors.sav", "format": "spss", "wave": "session"}],
        instruments=[{"instrument": "data/raw/real/pss.yaml", "items": "pss{n}"}],
        measures=[{"column": "age", "name": "age", "min": 18, "max": 99}])
    result = ingest.for_study(study, root)
    values = result.issues[result.issues.action == "set missing"].set_index("participant")
    # the author's deliberate errors (id 205: pss1 = 6; id 103: age 2), matched by id
    assert values.loc["205", ["column", "value"]].tolist() == ["pss1", "6"]
    assert values.loc["103", ["column", "value"]].tolist() == ["age", "2"]
    assert len(values) == 2
    assert result.issues.participant.tolist().count("242#2") == 1   # the second person of id 242


# ----------------------------------------------------- Nadler et al. (2020): wide scale scores

def nadler_study(root: Path, **study) -> dict:
    """Nadler et al.'s wide export as an analyst configures it: PSS and BRS scale scores at T1/T2."""
    return study_settings(
        root, design="mixed", id_column="SubjectID", group_column="Group",
        groups=["Control", "Particip"], waves=["t1", "t2"], id_is_pseudonymous=True,
        sources=[{"path": "data/raw/real/nadler.csv", "format": "csv",
                  "wave_suffixes": {"t1": "_T1", "t2": "_T2"}}],
        measures=[{"column": "PSS", "name": "pss", "min": 1, "max": 5},
                  {"column": "BRS_TOT", "name": "brs", "min": 1, "max": 5}], **study)


def test_nadler_wide_scores_blank_rows_and_groups(tmp_path):
    path = real_file("nadler2020.csv")
    root = project(tmp_path, {"nadler.csv": path})
    study = nadler_study(root)
    result = ingest.for_study(study, root)
    raw = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    data = raw[raw.SubjectID.str.strip() != ""]
    assert len(data) == 102 and len(raw) - len(data) == 102
    ledger = result.ledger
    assert len(ledger) == len(raw)
    assert (ledger.status == "kept").sum() == 102
    assert (ledger.reason == "empty row (no value in any column)").sum() == 102
    responses = result.responses.set_index(["participant", "wave"])
    for row in data.itertuples():
        assert responses.loc[(row.SubjectID, "t1"), "PSS"] == float(row.PSS_T1)
        assert responses.loc[(row.SubjectID, "t2"), "BRS_TOT"] == float(row.BRS_TOT_T2)
    assert result.responses.groupby("group").participant.nunique().to_dict() == {"Control": 65, "Particip": 37}


# ---------------------------------------------------- Caudek et al.: SCS-26 items of 1,068 people

def test_caudek_scs26_subscales_match_the_authors_sums(tmp_path):
    path = real_file("caudek_scs26.csv")
    root = project(tmp_path, {"scs.csv": path})
    study = study_settings(
        root, id_column="id", id_is_pseudonymous=True,
        sources=[{"path": "data/raw/real/scs.csv", "format": "csv", "wave": "session"}],
        instruments=[{"instrument": "scs26", "items": "scs_{n}"}])
    result = ingest.for_study(study, root)
    long, _ = score.for_study(result.responses, study, root)
    authors = pd.read_csv(path).set_index("id")
    assert len(result.responses) == len(authors) == 1068
    # the authors' subscale sums (negative subscales unreversed) / item count = the SCS means
    for scale, column, n_items in (("self_kindness", "sk", 5), ("self_judgment", "sj", 5),
                                   ("common_humanity", "ch", 4), ("isolation", "is", 4),
                                   ("mindfulness", "mi", 4), ("over_identification", "oi", 4)):
        got = long[long.scale == scale].set_index("participant").score
        np.testing.assert_allclose(got[authors.index].to_numpy(), authors[column].to_numpy() / n_items,
                                   atol=1e-12)


# -------------------------------------------------------- qualtRics' sample export (one response)

def test_qualtrics_sample_numeric_status_and_free_text(tmp_path):
    path = real_file("qualtrics_sample.csv")
    root = project(tmp_path, {"sample.csv": path})
    study = study_settings(
        root, id_column="ResponseId",
        sources=[{"path": "data/raw/real/sample.csv", "format": "qualtrics", "wave": "session"}],
        measures=[{"column": "Q1", "name": "q1"}])
    result = ingest.for_study(study, root)
    assert result.ledger.status.tolist() == ["kept"]
    assert result.responses.Q1.tolist() == [2]
    roles = dict(zip(result.codebook.column, result.codebook.role))
    assert roles["IPAddress"] == "identifier (dropped)"
    assert roles["Q2"] == "text (dropped; keep_columns keeps it)"      # "Hello World!"
    text = result.responses.to_csv(index=False)
    assert "130.92.34.66" not in text and "Hello World" not in text
