"""Readers: one per export format, each turning a raw file into a :class:`RawSource` of text
cells with the format's own knowledge (identifier columns, codebook, user-missing codes).

Row numbers are the row a spreadsheet shows when the file is opened in it: for a CSV the header
is row 1 (a Qualtrics export's data start at row 4, or 3 in the legacy format); for SPSS the case
number.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import UserError
from .records import RawSource, issue
from .values import NUMBER, fold_text, map_unique

#: Columns of a Qualtrics export that identify a person (current and legacy exports).
QUALTRICS_IDENTIFIERS = (
    "IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference",
    "LocationLatitude", "LocationLongitude",
    # legacy (pre-2017) export names
    "Name", "EmailAddress", "ExternalDataReference",
)

REDCAP_SURVEY_IDENTIFIER = "redcap_survey_identifier"

#: Byte-order marks of UTF-16 and UTF-32 and the encoding each announces; UTF-32's before
#: UTF-16's, whose mark begins UTF-32 LE's. (UTF-8's mark is dropped by the UTF-8 reading.)
_BYTE_ORDER_MARKS = (
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)


def _refuse_web_page(data: bytes, label: str) -> None:
    """Stop on a saved web page (a login page or the survey platform's report saved with the
    export's name), which would otherwise read as a table of markup."""
    start = data[:512].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").replace(b"\x00", b"").lower()
    if (start.startswith((b"<!doctype html", b"<html", b"<?xml"))
            and b"<html" in data[:4096].replace(b"\x00", b"").lower()):
        raise UserError(f"{label}: is a saved web page (HTML), not an export; download the data "
                        "again from the survey platform as CSV (or .xlsx / .sav)")


def _decode(path: Path, label: str, encoding: str | None, notes: list[dict]) -> str:
    with open(path, "rb") as handle:          # read-only, binary: raw files are never modified
        data = handle.read()
    if not data.strip():
        raise UserError(f"{label}: the file is empty; export the data again")
    _refuse_web_page(data, label)
    bom = next((name for mark, name in _BYTE_ORDER_MARKS if data.startswith(mark)), None)
    if bom and not encoding:
        # UTF-16/32 announce themselves (Qualtrics' TSV download, Excel's "Unicode text"):
        # decoded as what the mark says, the mark dropped.
        try:
            text = data.decode(bom)
        except UnicodeDecodeError as error:
            raise UserError(f"{label}: starts with a {bom.upper()} byte-order mark but is not "
                            f"{bom.upper()} ({error}); set sources[].encoding") from None
    elif encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise UserError(f"{label}: cannot be read as {encoding} ({error}); "
                            "fix sources[].encoding in the config") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            # Exports saved by Excel on Windows are often Windows-1252; say so rather than guess silently.
            notes.append(issue(label, "", "", "", "(file)", f"byte {error.start}",
                                "not UTF-8", "decoded as Windows-1252; set sources[].encoding to confirm"))
            text = data.decode("cp1252", errors="replace")
    if not text.lstrip("\ufeff").strip():          # a byte-order mark and nothing else
        raise UserError(f"{label}: the file is empty; export the data again")
    return text


def _records(text: str, delimiter: str, label: str = "") -> list[tuple[int, list[str]]]:
    """CSV records with their 1-based record number, blank lines skipped but counted."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [(number, record) for number, record in enumerate(reader, start=1) if record]
    except csv.Error as error:
        raise UserError(f"{label}, row {reader.line_num}: not readable as CSV ({error}); export "
                        "the file again") from None
    if not records:
        raise UserError(f"{label}: the file is empty; export the data again")
    return records


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if max(counts.values()) > 0 else ","


def unique_header(label: str, header: Sequence[str], header_row: int,
                  notes: list[dict]) -> tuple[list[str], dict[str, str]]:
    """Column names for a header as exported: blank cells named by position (``column_<n>``),
    every cell of a name that appears more than once named ``<name>@<position>`` (positions
    1-based). Each such column is listed in ``notes`` (issues.csv); the config refers to it by its
    new name, and naming the ambiguous original stops the run (:func:`values.check_columns_present`).

    Returns the names and, for each column renamed, its header as written.

    Examples
    --------
    >>> unique_header("x.csv", ["id", "Q1", "", "Q1"], 1, [])
    (['id', 'Q1@2', 'column_3', 'Q1@4'], {'Q1@2': 'Q1', 'column_3': '', 'Q1@4': 'Q1'})
    """
    names = [name.strip() for name in header]
    if not any(names):
        raise UserError(f"{label}: the header row (row {header_row}) is empty; it must name the "
                        "columns (set sources[].header_row to the row that does)")
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    taken = set(names)
    renamed: dict[str, str] = {}
    for position, name in enumerate(names, start=1):
        if name and counts[name] == 1:
            continue
        new = f"{name}@{position}" if name else f"column_{position}"
        while new in taken:             # a column already called that: say so by another mark
            new += "_"
        taken.add(new)
        names[position - 1] = new
        renamed[new] = name
        if name:
            where = ", ".join(str(p) for p, other in enumerate(header, start=1) if other.strip() == name)
            notes.append(issue(label, header_row, "", "", new, name,
                               f"duplicate column name (positions {where})", f"named {new}"))
        else:
            notes.append(issue(label, header_row, "", "", new, "", "blank header cell",
                               f"named {new}"))
    return names, renamed


def split_header(label: str, records: list, header_row: int | None) -> tuple[list[str], int, list]:
    """Take the header out of ``records`` (in place): the record of row ``header_row`` (default
    the first), with the rows above it. Returns (header cells, its row number, rows above)."""
    if header_row is None:
        number, header = records.pop(0)
        return header, number, []
    above = []
    while records and records[0][0] < header_row:
        above.append(records.pop(0))
    if not records or records[0][0] != header_row:
        raise UserError(f"{label}: header_row {header_row} is blank or past the end of the file; "
                        "set sources[].header_row to the row that names the columns")
    number, header = records.pop(0)
    return header, number, above


def _table(label: str, header: list[str], records: list, header_row: int = 1,
           notes: list[dict] | None = None) -> tuple[pd.DataFrame, list[int], dict[str, str]]:
    """The data rows as a frame of text cells (short rows padded with ''), their row numbers, and
    the columns :func:`unique_header` named. Empties ``records`` as it goes, so a large export is
    not held twice."""
    names, renamed = unique_header(label, header, header_row, notes if notes is not None else [])
    width = len(names)
    # column-major: every later step reads the frame a column at a time (factorising a column
    # laid out contiguously is about three times faster than one strided across rows)
    cells = np.full((len(records), width), "", dtype=object, order="F")
    rows = []
    for position, (number, record) in enumerate(records):
        if len(record) > width and any(value.strip() for value in record[width:]):
            raise UserError(f"{label}, row {number}: {len(record)} fields but the header has {width}; "
                            "the file is misaligned (an unquoted delimiter inside a value?)")
        cells[position, :min(len(record), width)] = record[:width]
        records[position] = None          # free each parsed row as soon as it is copied
        rows.append(number)
    return pd.DataFrame(cells, columns=names, dtype=object, copy=False), rows, renamed


def _above_header(columns: Sequence[str], above: Sequence[tuple[int, list[str]]]) -> dict[str, dict]:
    """Codebook labels from the rows above the header: per column, its cells there joined by ' | '
    (a label row such as a group name over a block of columns)."""
    codebook = {}
    for position, column in enumerate(columns):
        cells = [record[position].strip() for _, record in above
                 if position < len(record) and record[position].strip()]
        if cells:
            codebook[column] = {"label": " | ".join(cells)}
    return codebook


def read_csv_source(path: Path, label: str, encoding: str | None = None,
                    delimiter: str | None = None, header_row: int | None = None) -> RawSource:
    """A plain CSV with one header row (the first, or ``header_row``; rows above it are kept
    as codebook labels)."""
    notes: list[dict] = []
    text = _decode(path, label, encoding, notes)
    records = _records(text, delimiter or _sniff_delimiter(text), label)
    header, number, above = split_header(label, records, header_row)
    frame, rows, renamed = _table(label, header, records, number, notes)
    return RawSource(label, "csv", frame, rows, codebook=_above_header(frame.columns, above),
                     notes=notes, renamed=renamed)


def read_qualtrics(path: Path, label: str, encoding: str | None = None) -> RawSource:
    """A Qualtrics CSV export: column ids, question text, and (since 2017) an ImportId row."""
    notes: list[dict] = []
    text = _decode(path, label, encoding, notes)
    records = _records(text, _sniff_delimiter(text), label)     # CSV, or the TSV download
    if len(records) < 2:
        raise UserError(f"{label}: a Qualtrics export has at least two header rows (column ids, "
                        "question text); is this a plain CSV? Use format: csv")
    ids, questions = records[0][1], records[1][1]
    if _looks_like_response(ids, questions):
        raise UserError(f"{label}, row {records[1][0]}: holds a response, not Qualtrics' question-text "
                        "row: the export's extra header rows were removed; use format: csv for a "
                        "file with one header row, or export it again from Qualtrics")
    third = records[2][1] if len(records) > 2 else []
    has_import_ids = any(third) and all(cell.startswith('{"ImportId"') for cell in third if cell)
    del records[:3 if has_import_ids else 2]     # in place: _table frees each row it has copied
    frame, rows, renamed = _table(label, ids, records, 1, notes)
    codebook = {}
    for position, column in enumerate(frame.columns):
        import_id = ""
        if has_import_ids and position < len(third) and third[position]:
            match = re.search(r'"ImportId":"([^"]*)"', third[position])
            import_id = match.group(1) if match else ""
        label_text = questions[position] if position < len(questions) else ""
        codebook[column] = {"label": label_text, "import_id": import_id}
    written = {column: renamed.get(column, column) for column in frame.columns}
    identifiers = {column for column, name in written.items() if name in QUALTRICS_IDENTIFIERS}
    # "Other, please specify" and text-entry answers: free text, which may identify a person.
    free_text = {column for column, name in written.items() if name.endswith("_TEXT")}
    return RawSource(label, "qualtrics", frame, rows, identifiers, codebook, notes=notes,
                     free_text=free_text, renamed=renamed)


#: Cells of Qualtrics metadata columns whose value in a response row has a recognisable shape.
_RESPONSE_SHAPES = {
    "ResponseId": re.compile(r"^R_[A-Za-z0-9]+$"),
    "StartDate": re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}"),
    "EndDate": re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}"),
    "RecordedDate": re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}"),
}


def _looks_like_response(ids: Sequence[str], second: Sequence[str]) -> bool:
    """Whether the second row of a Qualtrics export is a response rather than question text
    (the header rows were deleted by hand): a response id or a date under the metadata columns,
    or, without those columns, nothing but numbers."""
    cells = dict(zip((name.strip() for name in ids), (value.strip() for value in second)))
    for column, shape in _RESPONSE_SHAPES.items():
        if cells.get(column) and shape.match(cells[column]):
            return True
    if any(column in cells for column in _RESPONSE_SHAPES):
        return False
    filled = [value for value in cells.values() if value]
    return len(filled) >= 3 and all(NUMBER.match(value) for value in filled)


def read_redcap_dictionary(path: Path, label: str) -> dict[str, dict]:
    """Parse a REDCap data dictionary into field name -> label, type, choices, range, identifier."""
    notes: list[dict] = []
    records = _records(_decode(path, label, None, notes), ",", label)
    header = [name.strip() for name in records[0][1]]
    needed = {"Variable / Field Name", "Field Type", "Field Label"}
    if not needed <= set(header):
        raise UserError(f"{label}: not a REDCap data dictionary (columns {sorted(needed - set(header))} "
                        "missing); download it from Project Setup > Data Dictionary")
    fields = {}
    for _, record in records[1:]:
        entry = dict(zip(header, record + [""] * (len(header) - len(record))))
        name = entry["Variable / Field Name"].strip()
        choices = entry.get("Choices, Calculations, OR Slider Labels", "")
        values = {}
        if entry["Field Type"] in ("radio", "dropdown", "checkbox", "yesno", "truefalse"):
            for part in choices.split("|"):
                if "," in part:
                    code, text = part.split(",", 1)
                    values[code.strip()] = text.strip()
            if entry["Field Type"] == "yesno":
                values = {"1": "Yes", "0": "No"}
            if entry["Field Type"] == "truefalse":
                values = {"1": "True", "0": "False"}
        fields[name] = {
            "label": entry["Field Label"], "type": entry["Field Type"],
            "form": entry.get("Form Name", ""), "values": values,
            "min": entry.get("Text Validation Min", "").strip(),
            "max": entry.get("Text Validation Max", "").strip(),
            "identifier": entry.get("Identifier?", "").strip().lower() == "y",
        }
    return fields


def read_redcap(path: Path, label: str, dictionary: Path | None = None,
                dictionary_label: str = "", encoding: str | None = None) -> RawSource:
    """A REDCap raw (coded) CSV export, with the data dictionary when given."""
    notes: list[dict] = []
    records = _records(_decode(path, label, encoding, notes), ",", label)
    header = records.pop(0)[1]            # in place: _table frees each row it has copied
    fields = read_redcap_dictionary(dictionary, dictionary_label) if dictionary is not None else {}
    labels_export = bool(fields) and _is_labels_export(header, fields)
    if labels_export:
        header = _names_of_labels(header, fields)
    frame, rows, renamed = _table(label, header, records, 1, notes)
    if labels_export:
        _codes_of_labels(frame, fields)
        notes.append(issue(label, 1, "", "", "(file)", "", "REDCap labels export",
                           "column labels and answer labels read back as variable names and codes "
                           "through the data dictionary"))
    codebook, identifiers, value_labels = {}, set(), {}
    if fields:
        for column in frame.columns:
            base = column.split("___")[0]          # checkbox fields export as field___code
            entry = fields.get(base)
            if entry is None:
                continue
            codebook[column] = {
                "label": entry["label"], "type": entry["type"],
                "values": "; ".join(f"{code}={text}" for code, text in entry["values"].items()),
                "min": entry["min"], "max": entry["max"],
            }
            if entry["type"] == "checkbox" and "___" in column:
                # One column per choice: its label names the choice, its values are ticked or not.
                code = column.split("___", 1)[1]
                choice = next((text for key, text in entry["values"].items()
                               if key.casefold() == code.casefold()), code)
                codebook[column].update(label=f"{entry['label']}: {choice}",
                                        values="0=unchecked; 1=checked", min="0", max="1")
            if entry["identifier"]:
                identifiers.add(column)
            if entry["values"] and entry["type"] != "checkbox":
                value_labels[column] = dict(entry["values"])
    # Survey metadata that identifies a person or says when they answered: the survey
    # identifier (a name or e-mail address from the participant list) and the timestamps.
    identifiers |= {column for column in frame.columns
                    if column == REDCAP_SURVEY_IDENTIFIER or column.endswith("_timestamp")}
    return RawSource(label, "redcap", frame, rows, identifiers, codebook, notes=notes, renamed=renamed,
                     value_labels=value_labels)


#: Columns REDCap adds to every export, as its "CSV (labels)" export heads them.
REDCAP_LABEL_HEADERS = {
    "event name": "redcap_event_name", "repeat instrument": "redcap_repeat_instrument",
    "repeat instance": "redcap_repeat_instance", "survey identifier": REDCAP_SURVEY_IDENTIFIER,
    "data access group": "redcap_data_access_group",
}


def _plain(text: str) -> str:
    """A REDCap label as its labels export writes it: no HTML tags, then folded as answer
    labels are matched (:func:`values.fold_text`)."""
    return fold_text(re.sub(r"<[^>]+>", " ", str(text)))


def _is_labels_export(header: Sequence[str], fields: Mapping[str, dict]) -> bool:
    """A "CSV (labels)" export: its first column is headed by the record id field's label, not
    by its name (both exports start with the record id)."""
    first = next(iter(fields))
    return bool(header) and header[0].strip() != first and _plain(header[0]) == _plain(fields[first]["label"])


def _names_of_labels(header: Sequence[str], fields: Mapping[str, dict]) -> list[str]:
    """The variable name of each column of a labels export: a field by its label (a checkbox's
    columns by 'Label (choice=Choice)'), REDCap's own columns by their fixed headings, a form's
    timestamp and completion columns by the form of the fields around them. A label that names
    no field, or several, keeps its heading (and is listed as other in the codebook)."""
    by_label: dict[str, list[str]] = {}
    for name, entry in fields.items():
        by_label.setdefault(_plain(entry["label"]), []).append(name)
    names, form = [], ""
    for position, heading in enumerate(header):
        plain = _plain(heading)
        choice = re.fullmatch(r"(.*) \(choice=(.*)\)", plain)
        candidates = by_label.get(plain, [])
        if choice and not candidates:
            field = next((n for n in by_label.get(choice.group(1), []) if fields[n]["type"] == "checkbox"), None)
            code = next((c for c, text in fields[field]["values"].items() if _plain(text) == choice.group(2)),
                        None) if field else None
            names.append(f"{field}___{code}" if code is not None else heading)
            if field:
                form = fields[field]["form"]
            continue
        if plain in REDCAP_LABEL_HEADERS:
            names.append(REDCAP_LABEL_HEADERS[plain])
        elif len(candidates) == 1:
            names.append(candidates[0])
            form = fields[candidates[0]]["form"]
        elif plain == "complete?" and form:
            names.append(f"{form}_complete")
        elif plain == "survey timestamp":
            following = next((n for h in header[position + 1:] for n in by_label.get(_plain(h), [])), None)
            names.append(f"{fields[following]['form']}_timestamp" if following else heading)
        else:
            names.append(heading)
    return names


def _codes_of_labels(frame: pd.DataFrame, fields: Mapping[str, dict]) -> None:
    """Answer labels of a labels export back to their codes, in place: a choice field's labels
    by the dictionary's choices, a checkbox's Checked / Unchecked as 1 / 0. A text no choice
    names stays as written (and the value checks list it)."""
    for column in frame.columns:
        base, _, code = column.partition("___")
        entry = fields.get(base)
        if column.endswith("_complete") and entry is None:
            mapping = {"incomplete": "0", "unverified": "1", "complete": "2"}
            frame[column] = map_unique(frame[column], lambda text: mapping.get(_plain(text), text))
            continue
        if entry is None:
            continue
        if entry["type"] == "checkbox" and code:
            mapping = {"checked": "1", "unchecked": "0"}
        elif entry["values"]:
            mapping = {_plain(text): code for code, text in entry["values"].items()}
        else:
            continue
        frame[column] = map_unique(frame[column], lambda text: mapping.get(_plain(text), text))


def _reason(error: Exception, limit: int = 160) -> str:
    """A library's error message on one line, short, without the temporary paths it may name."""
    text = " ".join(str(error).split())
    text = re.sub(r"(/[^\s/]+)+/([^\s/]+)", r"\2", text)        # /tmp/x/data.xlsx -> data.xlsx
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _cell_text(value) -> str:
    """A value read from a binary format, as the text a CSV would hold."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (pd.Timestamp, datetime.datetime)):
        return value.isoformat(sep=" ")
    return str(value)


def read_spss(path: Path, label: str) -> RawSource:
    """An SPSS .sav file: codes kept, value labels and user-missing codes to the codebook."""
    import pyreadstat

    try:
        data, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    except Exception as error:  # pyreadstat raises its own ReadstatError for a broken file
        with open(path, "rb") as handle:
            _refuse_web_page(handle.read(4096), label)
        raise UserError(f"{label}: not a readable SPSS .sav file ({_reason(error)}); export it again "
                        "from SPSS") from None
    frame = data.map(_cell_text).astype(object)
    frame.columns = [str(column) for column in frame.columns]
    codebook, user_missing, ranges, value_labels = {}, {}, {}, {}
    for column in frame.columns:
        labels = meta.variable_value_labels.get(column, {})
        if labels:
            value_labels[column] = {_cell_text(code): str(text) for code, text in labels.items()}
        codes = set()
        for value in meta.missing_user_values.get(column, []) if meta.missing_user_values else []:
            codes.add(_cell_text(value))
        for missing_range in meta.missing_ranges.get(column, []) if meta.missing_ranges else []:
            low, high = missing_range.get("lo"), missing_range.get("hi")
            if low == high:
                codes.add(_cell_text(low))
            else:                       # "90 thru 99": every value between, not only the ends
                ranges.setdefault(column, []).append((float(low), float(high)))
        if codes:
            user_missing[column] = codes
        codebook[column] = {
            "label": (meta.column_names_to_labels or {}).get(column) or "",
            "type": meta.readstat_variable_types.get(column, ""),
            "values": "; ".join(f"{_cell_text(code)}={text}" for code, text in labels.items()),
        }
    rows = list(range(1, len(frame) + 1))
    return RawSource(label, "spss", frame, rows, codebook=codebook, user_missing=user_missing,
                     missing_ranges=ranges, value_labels=value_labels)


def _sheet_records(worksheet) -> list[tuple[int, list]]:
    """Every row of a sheet with its row number, as the cells' values."""
    return [(number, list(values))
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)]


def read_excel(path: Path, label: str, sheet: str | None = None,
               header_row: int | None = None) -> RawSource:
    """An .xlsx workbook: the named sheet (default the first visible one), its first row (or
    ``header_row``) the header; rows above the header are kept as codebook labels.

    Rows keep the number the sheet shows; rows without any cell are not data rows. A formula
    cell read without the value Excel saved for it (a file written by a program that does not
    calculate) is blank and listed in issues.csv. Hidden sheets are read only when named.
    """
    import openpyxl

    def unreadable(error: Exception) -> UserError:
        return UserError(f"{label}: not a readable .xlsx workbook ({_reason(error)}); save it "
                         "again as .xlsx")

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile/KeyError variants for broken files
        with open(path, "rb") as handle:
            _refuse_web_page(handle.read(4096), label)
        raise unreadable(error) from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise UserError(f"{label}: Worksheet named '{sheet}' not found (sheets: "
                            f"{', '.join(workbook.sheetnames)}); check sources[].sheet")
        visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
        if not workbook.worksheets:
            raise UserError(f"{label}: the workbook has no worksheet; save it again as .xlsx")
        # (Excel keeps at least one sheet visible; a file that does not is read from its first.)
        worksheet = workbook[sheet] if sheet is not None else (visible or workbook.worksheets)[0]
        try:    # read_only workbooks parse a sheet's XML only now, while iterating
            values = _sheet_records(worksheet)
        except Exception as error:  # broken XML, bad cell references, unknown cell types
            raise UserError(f"{label}: not a readable .xlsx workbook ({type(error).__name__}: "
                            f"{_reason(error)}); save it again as .xlsx") from None
        title = worksheet.title
    finally:
        workbook.close()
    notes: list[dict] = []
    unsaved = (_unsaved_formulas(path, title, values)
               if any(value is None for _, row in values for value in row) else [])
    records = [(number, [_cell_text(value) for value in row]) for number, row in values]
    records = [(number, record) for number, record in records if any(record)]
    if not records:
        raise UserError(f"{label}: the sheet is empty; export the data again")
    header, number, above = split_header(label, records, header_row)
    frame, rows, renamed = _table(label, header, records, number, notes)
    for row, position, formula in unsaved:
        if row > number and position <= len(frame.columns):
            notes.append(issue(label, row, "", "", frame.columns[position - 1], formula,
                               "formula without a saved value", "read as blank; open and save the "
                               "workbook in Excel to store its values"))
    return RawSource(label, "excel", frame, rows, codebook=_above_header(frame.columns, above),
                     notes=notes, renamed=renamed)


def _unsaved_formulas(path: Path, sheet: str, values: Sequence[tuple[int, list]]) -> list[tuple]:
    """Formula cells without a saved value (``values`` holds None there): (row, column position,
    formula) of each."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        formulas = _sheet_records(workbook[sheet])
    finally:
        workbook.close()
    found = []
    for (number, saved), (_, written) in zip(values, formulas):
        for position, (value, formula) in enumerate(zip(saved, written), start=1):
            if value is None and isinstance(formula, str) and formula.startswith("="):
                found.append((number, position, formula))
    return found


#: The reader of each format: (path, label, source settings, repository root) -> RawSource.
READERS: dict[str, Callable[[Path, str, Mapping, Path], RawSource]] = {
    "csv": lambda path, label, source, root: read_csv_source(
        path, label, source.get("encoding"), source.get("delimiter"), source.get("header_row")),
    "qualtrics": lambda path, label, source, root: read_qualtrics(path, label, source.get("encoding")),
    "redcap": lambda path, label, source, root: read_redcap(
        path, label, root / source["dictionary"] if source.get("dictionary") else None,
        source.get("dictionary") or "", source.get("encoding")),
    "spss": lambda path, label, source, root: read_spss(path, label),
    "excel": lambda path, label, source, root: read_excel(path, label, source.get("sheet"),
                                                          source.get("header_row")),
}


def source_labels(sources: Sequence[Mapping]) -> list[str]:
    """How the ledger and issues name each source: its path, and, for a workbook read for
    several sheets (a sheet per wave), the path with the sheet, ``data.xlsx [post]``.

    >>> source_labels([{"path": "a.xlsx", "sheet": "pre"}, {"path": "a.xlsx", "sheet": "post"},
    ...                {"path": "b.csv"}])
    ['a.xlsx [pre]', 'a.xlsx [post]', 'b.csv']
    """
    paths = [source["path"] for source in sources]
    return [f"{source['path']} [{source['sheet']}]" if paths.count(source["path"]) > 1 and source.get("sheet")
            else source["path"] for source in sources]


def read_source(source: Mapping, repo_root: Path, label: str | None = None) -> RawSource:
    """Read one configured source with the reader of its format (``label``: how the audit names
    it, by default its path)."""
    path = repo_root / source["path"]
    label = label or source["path"]
    if not path.is_file():
        raise UserError(f"{label}: file not found; check sources[].path in the config")
    reader = READERS.get(source["format"])
    if reader is None:
        raise UserError(f"{label}: unknown format '{source['format']}'")
    raw = reader(path, label, source, repo_root)
    if not raw.rows:
        raise UserError(f"{label}: no data rows below the header; export the responses again "
                        "(or remove the source from the config until there are some)")
    return raw
