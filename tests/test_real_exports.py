"""Real public exports, read by config only.

The files are third-party data that may not be redistributed: they are read from the shared
folder beside the project (``../shared/data/real-exports/``, or ``$REAL_EXPORTS``) and every test
skips, saying why, when it is absent. Each is copied into a temporary project folder, configured
as an analyst would, ingested (and scored) by the library, and compared with values computed
here independently: from the authors' own numeric file, from the raw cells read with the csv
module or openpyxl, or from the instrument's published key.
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

def test_krusche_reads_with_header_row_and_no_id_column(tmp_path):
    import openpyxl

    path = real_file("krusche2012_bmo_pss.xlsx")
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    suffixes = {"pre": " - Before Course", "post": " - Course Completed", "followup": " - One Month On"}
    root = project(tmp_path, {"bmo.xlsx": path})
    study = study_settings(
        root, waves=list(suffixes),
        sources=[{"path": "data/raw/real/bmo.xlsx", "format": "excel", "header_row": 2,
                  "wave_suffixes": suffixes}],
        measures=[{"column": "PSS", "name": "pss", "min": 0, "max": 40}])
    result = ingest.for_study(study, root)
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
