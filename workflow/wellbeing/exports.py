"""Writers of the raw export formats that survey platforms produce.

These functions turn a DataFrame into a file laid out exactly as Qualtrics or REDCap would
export it, so that the simulated example studies (``scripts/make_example_data.py``) and the
tests can produce realistic raw files. They never write item wording: question texts and field
labels are whatever the caller passes (the example studies use neutral labels such as
``"FFMQ-39 item 1"``, since several instruments are copyrighted).

Every writer is deterministic: the same frame gives the same bytes.

Formats
-------
Qualtrics CSV ("Export data", CSV, numeric values), the current layout:

* UTF-8 with a byte-order mark, CRLF line ends, every field in double quotes;
* row 1: column ids (``StartDate``, ..., ``ResponseId``, ..., then question export tags);
* row 2: question text (``"Start Date"``, ..., the item's text);
* row 3: one JSON object per column, e.g. ``{"ImportId":"QID12_1"}`` or, for dates,
  ``{"ImportId":"startDate","timeZone":"Europe/London"}``;
* then one row per response.

The legacy layout (``legacy=True``, exports made before 2017) has only rows 1 and 2.

REDCap "CSV (raw data)": one header row of variable names, coded values, plain CSV (UTF-8,
minimal quoting, ``\\n`` line ends). The data dictionary is REDCap's 18-column CSV.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from pathlib import Path

import pandas as pd

#: The 17 metadata columns Qualtrics puts before the questions, in export order, with the
#: question text (row 2) and ImportId object (row 3) that Qualtrics writes for each.
QUALTRICS_METADATA: dict[str, tuple[str, dict]] = {
    "StartDate": ("Start Date", {"ImportId": "startDate", "timeZone": None}),
    "EndDate": ("End Date", {"ImportId": "endDate", "timeZone": None}),
    "Status": ("Response Type", {"ImportId": "status"}),
    "IPAddress": ("IP Address", {"ImportId": "ipAddress"}),
    "Progress": ("Progress", {"ImportId": "progress"}),
    "Duration (in seconds)": ("Duration (in seconds)", {"ImportId": "duration"}),
    "Finished": ("Finished", {"ImportId": "finished"}),
    "RecordedDate": ("Recorded Date", {"ImportId": "recordedDate", "timeZone": None}),
    "ResponseId": ("Response ID", {"ImportId": "_recordId"}),
    "RecipientLastName": ("Recipient Last Name", {"ImportId": "recipientLastName"}),
    "RecipientFirstName": ("Recipient First Name", {"ImportId": "recipientFirstName"}),
    "RecipientEmail": ("Recipient Email", {"ImportId": "recipientEmail"}),
    "ExternalReference": ("External Data Reference", {"ImportId": "externalDataReference"}),
    "LocationLatitude": ("Location Latitude", {"ImportId": "locationLatitude"}),
    "LocationLongitude": ("Location Longitude", {"ImportId": "locationLongitude"}),
    "DistributionChannel": ("Distribution Channel", {"ImportId": "distributionChannel"}),
    "UserLanguage": ("User Language", {"ImportId": "userLanguage"}),
}

#: REDCap's data-dictionary columns, in the order REDCap writes them.
REDCAP_DICTIONARY_COLUMNS: tuple[str, ...] = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)

# Short keys accepted by write_redcap_dictionary, mapped to REDCap's column names.
_DICTIONARY_KEYS: dict[str, str] = dict(zip(
    ("field_name", "form_name", "section_header", "field_type", "field_label", "choices",
     "field_note", "validation", "validation_min", "validation_max", "identifier",
     "branching_logic", "required", "custom_alignment", "question_number",
     "matrix_group_name", "matrix_ranking", "field_annotation"),
    REDCAP_DICTIONARY_COLUMNS,
))


def format_value(value) -> str:
    """Format one cell the way survey platforms export it.

    Missing values (``None``, ``NaN``, ``pd.NA``) become the empty string; whole floats lose
    their ``.0`` (platforms export codes as integers); other numbers use Python's shortest
    round-trip representation; text is kept as it is.

    Examples
    --------
    >>> [format_value(v) for v in (3, 3.0, 2.5, None, float("nan"), "Female", True)]
    ['3', '3', '2.5', '', '', 'Female', '1']
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        value = float(value)
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def _rows(frame: pd.DataFrame) -> list[list[str]]:
    columns = [frame[c].tolist() for c in frame.columns]
    return [[format_value(column[i]) for column in columns] for i in range(len(frame))]


def _write_bytes(path: str | os.PathLike, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _quote_all(fields: Sequence[str]) -> str:
    return ",".join('"' + field.replace('"', '""') + '"' for field in fields)


def qualtrics_import_id(spec, time_zone: str = "Europe/London") -> str:
    """The row-3 JSON cell for one column: compact JSON, as Qualtrics writes it.

    ``spec`` is an ImportId string or a mapping; a ``timeZone`` of ``None`` in a mapping is
    filled with ``time_zone``.

    Examples
    --------
    >>> qualtrics_import_id("QID12_1")
    '{"ImportId":"QID12_1"}'
    >>> qualtrics_import_id({"ImportId": "startDate", "timeZone": None})
    '{"ImportId":"startDate","timeZone":"Europe/London"}'
    """
    if isinstance(spec, str):
        spec = {"ImportId": spec}
    spec = {key: (time_zone if key == "timeZone" and value is None else value)
            for key, value in spec.items()}
    return json.dumps(spec, separators=(",", ":"), ensure_ascii=False)


def write_qualtrics_csv(frame: pd.DataFrame, path: str | os.PathLike,
                        question_text: Mapping[str, str] | None = None,
                        import_ids: Mapping[str, object] | None = None,
                        legacy: bool = False, time_zone: str = "Europe/London",
                        trailing_blank_lines: int = 0) -> None:
    """Write ``frame`` as a Qualtrics CSV export (numeric values).

    Parameters
    ----------
    frame : DataFrame
        One row per response; the column names become row 1 (Qualtrics' column ids).
    path : path-like
        The file to write (parent folders are created).
    question_text : mapping, optional
        Column -> row-2 text. Metadata columns default to Qualtrics' own labels
        (:data:`QUALTRICS_METADATA`), any other column to its name.
    import_ids : mapping, optional
        Column -> ImportId string (``"QID12_1"``) or JSON object (a dict). Metadata columns
        default to Qualtrics' own objects, any other column to ``{"ImportId": <column>}``
        (what Qualtrics writes for embedded data).
    legacy : bool
        Write the legacy two-row header (ids, question text) without the ImportId row.
    time_zone : str
        The time zone named in the date columns' ImportId objects.
    trailing_blank_lines : int
        Extra empty lines at the end of the file (hand-edited exports often have one).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "q.csv"
    >>> f = pd.DataFrame({"ResponseId": ["R_abc"], "FFMQ_1": [3.0]})
    >>> write_qualtrics_csv(f, p, {"FFMQ_1": "FFMQ-39 item 1"}, {"FFMQ_1": "QID5_1"})
    >>> p.read_bytes().decode("utf-8-sig").splitlines()  # doctest: +NORMALIZE_WHITESPACE
    ['"ResponseId","FFMQ_1"', '"Response ID","FFMQ-39 item 1"',
     '"{""ImportId"":""_recordId""}","{""ImportId"":""QID5_1""}"', '"R_abc","3"']
    >>> p.read_bytes()[:3] == b"\\xef\\xbb\\xbf" and b"\\r\\n" in p.read_bytes()
    True
    """
    question_text = dict(question_text or {})
    import_ids = dict(import_ids or {})
    columns = [str(c) for c in frame.columns]
    header_text, header_ids = [], []
    for column in columns:
        default_text, default_id = QUALTRICS_METADATA.get(column, (column, {"ImportId": column}))
        header_text.append(question_text.get(column, default_text))
        header_ids.append(qualtrics_import_id(import_ids.get(column, default_id), time_zone))
    lines = [_quote_all(columns), _quote_all(header_text)]
    if not legacy:
        lines.append(_quote_all(header_ids))
    lines.extend(_quote_all(row) for row in _rows(frame))
    text = "\r\n".join(lines) + "\r\n" + "\r\n" * trailing_blank_lines
    _write_bytes(path, b"\xef\xbb\xbf" + text.encode("utf-8"))


def _plain_csv(rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_plain_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` as a plain CSV as survey platforms and spreadsheets save one: UTF-8
    without BOM, quotes only where needed, ``\\n`` line ends, values by :func:`format_value`
    (whole numbers without ``.0``, missing values empty).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> write_plain_csv(pd.DataFrame({"code": ["MP1"], "PSS_1": [3.0], "PSS_2": [None]}), p)
    >>> p.read_text()
    'code,PSS_1,PSS_2\\nMP1,3,\\n'
    """
    rows = [[str(c) for c in frame.columns], *_rows(frame)]
    _write_bytes(path, _plain_csv(rows))


def write_redcap_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` as a REDCap "CSV (raw data)" export.

    One header row of variable names, then coded values; columns in the order given. Plain
    CSV: UTF-8 without BOM, quotes only where a value needs them, ``\\n`` line ends.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> write_redcap_csv(pd.DataFrame({"record_id": [1], "comments": ["ok, thanks"]}), p)
    >>> p.read_text()
    'record_id,comments\\n1,"ok, thanks"\\n'
    """
    write_plain_csv(frame, path)


def redcap_choices(choices) -> str:
    """Format a value -> label mapping as REDCap's choices cell.

    Examples
    --------
    >>> redcap_choices({1: "Almost always", 2: "Very frequently"})
    '1, Almost always | 2, Very frequently'
    >>> redcap_choices("1, Yes | 0, No")
    '1, Yes | 0, No'
    """
    if choices is None:
        return ""
    if isinstance(choices, str):
        return choices
    return " | ".join(f"{format_value(code)}, {label}" for code, label in choices.items())


def write_redcap_dictionary(fields: Sequence[Mapping[str, object]],
                            path: str | os.PathLike) -> None:
    """Write a REDCap data dictionary (the 18-column CSV REDCap downloads and uploads).

    Parameters
    ----------
    fields : sequence of mappings
        One mapping per field, keyed by REDCap's column names
        (:data:`REDCAP_DICTIONARY_COLUMNS`) or by the short keys ``field_name``, ``form_name``,
        ``section_header``, ``field_type``, ``field_label``, ``choices`` (a string or a
        value -> label mapping), ``field_note``, ``validation``, ``validation_min``,
        ``validation_max``, ``identifier``, ``branching_logic``, ``required``,
        ``custom_alignment``, ``question_number``, ``matrix_group_name``, ``matrix_ranking``,
        ``field_annotation``. Missing keys are written empty.
    path : path-like

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "dd.csv"
    >>> write_redcap_dictionary([{"field_name": "mh_rating", "form_name": "mental_health",
    ...     "field_type": "radio", "field_label": "Mental health rating",
    ...     "choices": {1: "Poor", 2: "Fair"}}], p)
    >>> p.read_text().splitlines()[1]
    'mh_rating,mental_health,,radio,Mental health rating,"1, Poor | 2, Fair",,,,,,,,,,,,'
    """
    rows = [list(REDCAP_DICTIONARY_COLUMNS)]
    for field in fields:
        cells = {}
        for key, value in field.items():
            column = _DICTIONARY_KEYS.get(key, key)
            if column not in REDCAP_DICTIONARY_COLUMNS:
                raise ValueError(f"write_redcap_dictionary: unknown dictionary key {key!r}")
            cells[column] = value
        choices = cells.get("Choices, Calculations, OR Slider Labels")
        if choices is not None and not isinstance(choices, str):
            cells["Choices, Calculations, OR Slider Labels"] = redcap_choices(choices)
        rows.append([format_value(cells.get(column)) for column in REDCAP_DICTIONARY_COLUMNS])
    _write_bytes(path, _plain_csv(rows))
