"""Ingest: raw survey exports -> one validated table of responses, with an audit trail.

Every raw data row ends in the ledger, kept or excluded with its reason; every value the
pipeline changes (set missing) is listed in the issues table; identifying columns are dropped on
reading and never reach an output.

Formats: ``csv``, ``qualtrics`` (CSV export, three header rows or the legacy two), ``redcap`` (raw
CSV export, with its data dictionary), ``spss`` (.sav through pyreadstat, codes kept) and
``excel`` (.xlsx). Layouts: one wave per file (``wave``), long (``wave_column`` and optional
``wave_map``) and wide (``wave_suffixes``).

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import UserError
from .io import sha256_file
from .study import study_instruments

#: Columns of a Qualtrics export that identify a person (current and legacy exports).
QUALTRICS_IDENTIFIERS = (
    "IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference",
    "LocationLatitude", "LocationLongitude",
    # legacy (pre-2017) export names
    "Name", "EmailAddress", "ExternalDataReference",
)
QUALTRICS_FINISHED = "Finished"
REDCAP_REPEAT = "redcap_repeat_instrument"
REDCAP_REPEAT_INSTANCE = "redcap_repeat_instance"

LEDGER_COLUMNS = ["source", "row", "participant", "wave", "status", "reason"]
ISSUE_COLUMNS = ["source", "row", "participant", "wave", "column", "value", "rule", "action"]
CODEBOOK_COLUMNS = ["source", "column", "role", "label", "type", "values", "min", "max", "import_id"]
MANIFEST_COLUMNS = ["source", "role", "format", "sha256", "bytes", "data_rows", "kept", "excluded"]


# --------------------------------------------------------------------------------------------
# Reading raw files


@dataclass
class RawSource:
    """One raw file read as text cells, before any study rule is applied."""

    label: str                      # the path as written in the config
    format: str
    frame: pd.DataFrame             # every cell a string ('' = empty), columns as in the file
    rows: list[int]                 # spreadsheet row number of each frame row
    identifiers: set[str] = field(default_factory=set)
    codebook: dict[str, dict] = field(default_factory=dict)   # column -> label, type, values, ...
    user_missing: dict[str, set[str]] = field(default_factory=dict)  # SPSS user-missing codes
    notes: list[dict] = field(default_factory=list)           # file-level issues
    free_text: set[str] = field(default_factory=set)          # free-text answers, dropped on reading


def _decode(path: Path, label: str, encoding: str | None, notes: list[dict]) -> str:
    with open(path, "rb") as handle:          # read-only, binary: raw files are never modified
        data = handle.read()
    if not data.strip():
        raise UserError(f"{label}: the file is empty; export the data again")
    if encoding:
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
            notes.append(_issue(label, "", "", "", "(file)", f"byte {error.start}",
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


def _table(label: str, header: list[str], records: list) -> tuple[pd.DataFrame, list[int]]:
    """The data rows as a frame of text cells (short rows padded with ''), and their row numbers.
    Empties ``records`` as it goes, so a large export is not held twice."""
    header = [name.strip() for name in header]
    if not any(header):
        raise UserError(f"{label}: the header row is empty; the first row must name the columns")
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise UserError(f"{label}: column '{name}' appears twice in the header (position "
                            f"{position}); rename one of them in the export")
        seen.add(name)
    width = len(header)
    cells = np.full((len(records), width), "", dtype=object)
    rows = []
    for position, (number, record) in enumerate(records):
        if len(record) > width and any(value.strip() for value in record[width:]):
            raise UserError(f"{label}, row {number}: {len(record)} fields but the header has {width}; "
                            "the file is misaligned (an unquoted delimiter inside a value?)")
        cells[position, :min(len(record), width)] = record[:width]
        records[position] = None          # free each parsed row as soon as it is copied
        rows.append(number)
    return pd.DataFrame(cells, columns=header, dtype=object, copy=False), rows


def read_csv_source(path: Path, label: str, encoding: str | None = None,
                    delimiter: str | None = None) -> RawSource:
    """A plain CSV with one header row."""
    notes: list[dict] = []
    text = _decode(path, label, encoding, notes)
    records = _records(text, delimiter or _sniff_delimiter(text), label)
    header = records.pop(0)[1]            # in place: _table frees each row it has copied
    frame, rows = _table(label, header, records)
    return RawSource(label, "csv", frame, rows, notes=notes)


def read_qualtrics(path: Path, label: str, encoding: str | None = None) -> RawSource:
    """A Qualtrics CSV export: column ids, question text, and (since 2017) an ImportId row."""
    notes: list[dict] = []
    text = _decode(path, label, encoding, notes)
    records = _records(text, ",", label)
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
    frame, rows = _table(label, ids, records)
    codebook = {}
    for position, column in enumerate(frame.columns):
        import_id = ""
        if has_import_ids and position < len(third) and third[position]:
            match = re.search(r'"ImportId":"([^"]*)"', third[position])
            import_id = match.group(1) if match else ""
        label_text = questions[position] if position < len(questions) else ""
        codebook[column] = {"label": label_text, "import_id": import_id}
    identifiers = {column for column in frame.columns if column in QUALTRICS_IDENTIFIERS}
    # "Other, please specify" and text-entry answers: free text, which may identify a person.
    free_text = {column for column in frame.columns if column.endswith("_TEXT")}
    return RawSource(label, "qualtrics", frame, rows, identifiers, codebook, notes=notes,
                     free_text=free_text)


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
    return len(filled) >= 3 and all(_NUMBER.match(value) for value in filled)


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
    frame, rows = _table(label, header, records)
    codebook, identifiers = {}, set()
    if dictionary is not None:
        fields = read_redcap_dictionary(dictionary, dictionary_label)
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
            if entry["identifier"]:
                identifiers.add(column)
    return RawSource(label, "redcap", frame, rows, identifiers, codebook, notes=notes)


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
        raise UserError(f"{label}: not a readable SPSS .sav file ({_reason(error)}); export it again "
                        "from SPSS") from None
    frame = data.map(_cell_text).astype(object)
    frame.columns = [str(column) for column in frame.columns]
    codebook, user_missing = {}, {}
    for column in frame.columns:
        labels = meta.variable_value_labels.get(column, {})
        codes = set()
        for value in meta.missing_user_values.get(column, []) if meta.missing_user_values else []:
            codes.add(_cell_text(value))
        for missing_range in meta.missing_ranges.get(column, []) if meta.missing_ranges else []:
            low, high = missing_range.get("lo"), missing_range.get("hi")
            if low == high:
                codes.add(_cell_text(low))
            else:
                codes.add(f"{_cell_text(low)}..{_cell_text(high)}")
        if codes:
            user_missing[column] = codes
        codebook[column] = {
            "label": (meta.column_names_to_labels or {}).get(column) or "",
            "type": meta.readstat_variable_types.get(column, ""),
            "values": "; ".join(f"{_cell_text(code)}={text}" for code, text in labels.items()),
        }
    rows = list(range(1, len(frame) + 1))
    return RawSource(label, "spss", frame, rows, codebook=codebook, user_missing=user_missing)


def read_excel(path: Path, label: str, sheet: str | None = None) -> RawSource:
    """An .xlsx workbook: the named sheet (default the first), first row the header.

    Rows keep the number the sheet shows; rows without any cell are not data rows.
    """
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile/KeyError variants for broken files
        raise UserError(f"{label}: not a readable .xlsx workbook ({_reason(error)}); save it again "
                        "as .xlsx") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise UserError(f"{label}: Worksheet named '{sheet}' not found (sheets: "
                            f"{', '.join(workbook.sheetnames)}); check sources[].sheet")
        if not workbook.worksheets:
            raise UserError(f"{label}: the workbook has no worksheet; save it again as .xlsx")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        try:    # read_only workbooks parse a sheet's XML only now, while iterating
            records = [(number, [_cell_text(value) for value in values])
                       for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)]
        except Exception as error:  # broken XML, bad cell references, unknown cell types
            raise UserError(f"{label}: not a readable .xlsx workbook ({type(error).__name__}: "
                            f"{_reason(error)}); save it again as .xlsx") from None
    finally:
        workbook.close()
    records = [(number, record) for number, record in records if any(record)]
    if not records:
        raise UserError(f"{label}: the sheet is empty; export the data again")
    header = records.pop(0)[1]            # in place: _table frees each row it has copied
    frame, rows = _table(label, header, records)
    return RawSource(label, "excel", frame, rows)


def read_source(source: Mapping, repo_root: Path) -> RawSource:
    """Read one configured source with the reader of its format."""
    path = repo_root / source["path"]
    label = source["path"]
    fmt = source["format"]
    if not path.is_file():
        raise UserError(f"{label}: file not found; check sources[].path in the config")
    if fmt == "csv":
        raw = read_csv_source(path, label, source.get("encoding"), source.get("delimiter"))
    elif fmt == "qualtrics":
        raw = read_qualtrics(path, label, source.get("encoding"))
    elif fmt == "redcap":
        dictionary = source.get("dictionary")
        raw = read_redcap(path, label, repo_root / dictionary if dictionary else None,
                          dictionary or "", source.get("encoding"))
    elif fmt == "spss":
        raw = read_spss(path, label)
    elif fmt == "excel":
        raw = read_excel(path, label, source.get("sheet"))
    else:
        raise UserError(f"{label}: unknown format '{fmt}'")
    if not raw.rows:
        raise UserError(f"{label}: no data rows below the header; export the responses again "
                        "(or remove the source from the config until there are some)")
    return raw


# --------------------------------------------------------------------------------------------
# Study rules: layout, identifiers, exclusions, duplicates, value checks


@dataclass(frozen=True)
class ColumnRule:
    """How ingest checks one analysis column: an instrument item or a measure."""

    role: str           # "item:<instrument>" or "measure:<name>"
    low: float | None
    high: float | None
    whole: bool         # response codes must be whole numbers


def _issue(source, row, participant, wave, column, value, rule, action) -> dict:
    return {"source": source, "row": row, "participant": participant, "wave": wave,
            "column": column, "value": value, "rule": rule, "action": action}


def _ledger(source, row, participant, wave, status, reason) -> dict:
    return {"source": source, "row": row, "participant": participant, "wave": wave,
            "status": status, "reason": reason}


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: str) -> float | None:
    """A number written in the export, or None when the text is not a number.

    Leading and trailing blanks are ignored; nothing else is guessed.

    Examples
    --------
    >>> parse_number(" 4 "), parse_number("3.5"), parse_number("n/a"), parse_number("3 - Neutral")
    (4.0, 3.5, None, None)
    """
    text = text.strip()
    if not _NUMBER.match(text):
        return None
    return float(text)


@dataclass(frozen=True)
class ValueReading:
    """How a source writes numbers: its decimal mark and whether answers carry their label."""

    decimal: str = "."             # "," for exports written with decimal commas
    labelled_codes: bool = False   # read '3 - Neutral' as 3


#: An answer written as its code and its label: '3 - Neutral', '3 = Neutral', '3: Neutral',
#: '3. Neutral', '3 (Neutral)'.
_LABELLED_CODE = re.compile(r"^([+-]?\d+)\s*(?:[-\u2013\u2014=:]|\.(?=\s)|(?=\())\s*\(?[^\d\s].*$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
#: What Excel makes of an entry it took for a date (read from .xlsx as an ISO date, or
#: written back to CSV as 04-Mar, 3/4/2024, Mar-04).
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?|\d{1,2}[-/][A-Za-z]{3}([-/]\d{2,4})?|"
                   r"[A-Za-z]{3}[-/]\d{1,4}|\d{1,2}/\d{1,2}/\d{2,4})$")


def read_number(text: str, reading: ValueReading | None = None) -> float | None:
    """A number as the source writes it, or None: :func:`parse_number`, plus a decimal comma
    (``decimal: ","``) and the leading code of a labelled answer (``labelled_codes: true``).

    Examples
    --------
    >>> read_number("3,5"), read_number("3,5", ValueReading(decimal=","))
    (None, 3.5)
    >>> read_number("3 - Neutral"), read_number("3 - Neutral", ValueReading(labelled_codes=True))
    (None, 3.0)
    """
    text = text.strip()
    value = parse_number(text)
    if value is not None or reading is None:
        return value
    if reading.decimal == "," and _DECIMAL_COMMA.match(text):
        return parse_number(text.replace(",", "."))
    if reading.labelled_codes and not _DATE.match(text):      # 04-Mar is a date, not code 4
        match = _LABELLED_CODE.match(text)
        if match:
            return float(match.group(1))
    return None


def _why_not_a_number(text: str, reading: ValueReading | None) -> str:
    """A hint, in the issue's rule, when a value that is not a number looks like a known mistake."""
    if _DATE.match(text):
        return " (a date: Excel may have turned the answer into a date)"
    if _LABELLED_CODE.match(text):
        return " (a labelled answer; sources[].labelled_codes: true reads its code)"
    if _DECIMAL_COMMA.match(text):
        return " (a decimal comma; sources[].decimal: ',' reads it)"
    return ""


def _distinct(values) -> tuple[np.ndarray, list[str]]:
    """The distinct texts of ``values`` in order of appearance, and for each cell its text's index.

    Questionnaire columns hold a handful of distinct texts ('1' to '5', '', a typo), so checking
    each distinct text once and broadcasting keeps ingest linear in cells with a tiny constant.
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    return codes, [str(text) for text in uniques]


def _map_unique(values, function, dtype=object) -> np.ndarray:
    """``function`` applied to every value of ``values``, computed once per distinct text."""
    codes, uniques = _distinct(values)
    mapped = np.empty(len(uniques), dtype=dtype)
    for index, value in enumerate(uniques):
        mapped[index] = function(value)
    return mapped[codes]


def _strip(value) -> str:
    return str(value).strip()


def _not_blank(value) -> bool:
    return bool(str(value).strip())


@dataclass
class _Block:
    """Candidate responses of one source that share their columns: the rows of a one-wave file or
    of a long file, or one wave's columns of a wide file (wave suffixes removed)."""

    raw: RawSource
    source: Mapping
    order: int                      # the source's position in the config
    columns: dict[str, str]         # column as the analysis sees it -> its name in the raw file
    reading: ValueReading
    blank: dict[str, np.ndarray] = field(default_factory=dict)   # raw column -> cell is blank

    def texts(self, column: str) -> np.ndarray:
        return self.raw.frame[self.columns[column]].to_numpy(dtype=object)

    def not_blank(self, column: str) -> np.ndarray:
        original = self.columns[column]
        if original not in self.blank:
            self.blank[original] = _map_unique(self.raw.frame[original], _not_blank, bool)
        return self.blank[original]


def _wave_rows(raw: RawSource, source: Mapping, order: int, waves: Sequence[str], ledger: list[dict],
               id_column: str, blocks: list[_Block]) -> list[dict]:
    """Apply the source's layout: candidate responses (one per participant x wave), each naming
    its block (appended to ``blocks``) and its position there."""
    candidates = []
    frame = raw.frame
    if "wave_column" in source and source["wave_column"] not in frame.columns:
        raise UserError(f"{raw.label}: wave_column '{source['wave_column']}' is not a column of the "
                        f"file; columns are: {', '.join(list(frame.columns)[:12])}...")
    reading = ValueReading(source.get("decimal", "."), bool(source.get("labelled_codes", False)))
    suffixes = source.get("wave_suffixes", {})
    whole = _Block(raw, source, order, {column: column for column in frame.columns}, reading)
    empty_row = ~np.logical_or.reduce([whole.not_blank(c) for c in frame.columns]) if len(frame.columns) \
        else np.ones(len(frame), dtype=bool)
    participants = (_map_unique(frame[id_column], _strip) if id_column in frame.columns
                    else np.full(len(frame), "", dtype=object))
    repeating = (_map_unique(frame[REDCAP_REPEAT], _strip) if raw.format == "redcap" and REDCAP_REPEAT in frame.columns
                 else np.full(len(frame), "", dtype=object))
    instances = (_map_unique(frame[REDCAP_REPEAT_INSTANCE], _strip) if REDCAP_REPEAT_INSTANCE in frame.columns
                 else np.full(len(frame), "", dtype=object))
    if "wave" in source or "wave_column" in source:
        blocks.append(whole)
        block = len(blocks) - 1
        if "wave_column" in source:
            wave_values = _map_unique(frame[source["wave_column"]], _strip)
            mapping = source.get("wave_map")
            known = list(mapping) if mapping is not None else list(waves)
    else:
        shared = {c: c for c in frame.columns if not any(c.endswith(sfx) for sfx in suffixes.values())}
        wave_blocks = []
        for wave in waves:
            if wave not in suffixes:
                continue
            suffix = suffixes[wave]
            origin = {c[: -len(suffix)]: c for c in frame.columns if c.endswith(suffix)}
            own_answers = np.logical_or.reduce([whole.not_blank(c) for c in origin.values()]) if origin \
                else np.zeros(len(frame), dtype=bool)
            columns = dict(shared)
            columns.update(origin)      # a wave's own column wins over a shared one of that name
            blocks.append(_Block(raw, source, order, columns, reading, whole.blank))
            wave_blocks.append((wave, len(blocks) - 1, own_answers))
    for position, row in enumerate(raw.rows):
        participant = participants[position]
        if empty_row[position]:
            ledger.append(_ledger(raw.label, row, "", "", "excluded", "empty row (no value in any column)"))
            continue
        if repeating[position]:
            # One row per participant x wave is analysed; repeating instruments are other data.
            ledger.append(_ledger(raw.label, row, participant, "", "excluded",
                                  f"repeating instrument '{repeating[position]}' instance "
                                  f"{instances[position]}: not part of the one-row-per-participant-and-wave data"))
            continue
        if "wave" in source:
            candidates.append({"row": row, "wave": source["wave"], "block": block, "position": position})
        elif "wave_column" in source:
            value = wave_values[position]
            wave = mapping.get(value) if mapping is not None else (value if value in waves else None)
            if wave is None:
                ledger.append(_ledger(raw.label, row, participant, "", "excluded",
                                      f"wave value '{value}' in column {source['wave_column']} is not "
                                      f"in {'wave_map' if mapping is not None else 'waves'} ({', '.join(known)})"))
                continue
            candidates.append({"row": row, "wave": wave, "block": block, "position": position})
        else:
            produced, empty = [], []
            for wave, block, own_answers in wave_blocks:
                if not own_answers[position]:
                    empty.append(wave)
                    continue
                produced.append(wave)
                candidates.append({"row": row, "wave": wave, "block": block, "position": position})
            if not produced:
                ledger.append(_ledger(raw.label, row, participant, "", "excluded",
                                      "no answers in any wave's columns"))
            elif empty:
                # Kept rows are written to the ledger later; remember the waves without answers.
                candidates[-1]["empty_waves"] = empty
    return candidates


def _block_strings(block: _Block, column: str | None) -> np.ndarray:
    """The stripped text of ``column`` for every row of the block ('' when it has no such column)."""
    if column is None or column not in block.columns:
        return np.full(len(block.raw.frame), "", dtype=object)
    return _map_unique(block.texts(column), _strip)


def _finished_flags(block: _Block) -> np.ndarray:
    """Qualtrics' Finished flag per row (True for other formats or without the column)."""
    if block.raw.format == "qualtrics" and QUALTRICS_FINISHED in block.columns:
        return _map_unique(block.texts(QUALTRICS_FINISHED),
                           lambda value: str(value).strip().lower() in ("1", "true"), bool)
    return np.ones(len(block.raw.frame), dtype=bool)


def _answered_counts(block: _Block, analysis_columns: Sequence[str]) -> np.ndarray:
    """Answered analysis columns per row (every non-blank cell when the study has none)."""
    columns = [c for c in analysis_columns if c in block.columns] if analysis_columns else list(block.columns)
    counts = np.zeros(len(block.raw.frame), dtype=np.int64)
    for column in columns:
        counts += block.not_blank(column)
    return counts


@dataclass
class IngestResult:
    responses: pd.DataFrame
    ledger: pd.DataFrame
    issues: pd.DataFrame
    codebook: pd.DataFrame
    raw_manifest: pd.DataFrame


def ingest_study(study: Mapping, repo_root: str | Path,
                 column_rules: Mapping[str, ColumnRule] | None = None,
                 raw_sources: Sequence[RawSource] | None = None) -> IngestResult:
    """Read every source of a study and produce the validated responses with their audit trail.

    Parameters
    ----------
    study : mapping
        One study's config, validated (defaults filled) by :func:`wellbeing.config.validate`.
    repo_root : path
        Repository root; source paths are relative to it.
    column_rules : mapping, optional
        Analysis column -> :class:`ColumnRule` (instrument items and measures), as built by
        :func:`column_rules_for`. Values in these columns are checked and converted to numbers.
    raw_sources : sequence of RawSource, optional
        Already-read sources (tests); by default each configured source is read.

    Returns
    -------
    IngestResult
        ``responses`` (participant x wave), ``ledger`` (every raw row), ``issues`` (every value
        changed), ``codebook`` and ``raw_manifest``.
    """
    repo_root = Path(repo_root)
    column_rules = dict(column_rules or {})
    waves = list(study["waves"])
    groups = list(study.get("groups") or [])
    id_column = study["id_column"]
    group_column = study.get("group_column")
    mixed = study["design"] == "mixed"
    drop = set(study.get("drop_columns", []))
    ledger: list[dict] = []
    issues: list[dict] = []
    codebook: list[dict] = []
    manifest: list[dict] = []
    candidates: list[dict] = []
    blocks: list[_Block] = []
    if raw_sources is None:
        raw_sources = [read_source(source, repo_root) for source in study["sources"]]

    for order, (source, raw) in enumerate(zip(study["sources"], raw_sources)):
        issues.extend(raw.notes)
        if id_column not in raw.frame.columns:
            raise UserError(f"{raw.label}: id_column '{id_column}' is not a column of the file; "
                            f"columns are: {', '.join(list(raw.frame.columns)[:12])}...")
        if mixed and group_column not in raw.frame.columns:
            raise UserError(f"{raw.label}: group_column '{group_column}' is not a column of the "
                            "file; every source of a mixed design needs the group")
        removed = (raw.identifiers | drop) & set(raw.frame.columns)
        for column in raw.frame.columns:
            entry = raw.codebook.get(column, {})
            role = _role(column, study, column_rules, source)
            if column in raw.identifiers:
                role = "identifier (dropped)"
            elif column in raw.free_text and role == "other":
                role = "free text (dropped)"
                removed.add(column)
            elif column in drop:
                role = "dropped (drop_columns)"
            rule = column_rules.get(_strip_suffix(column, source))
            codebook.append({
                "source": raw.label, "column": column, "role": role,
                "label": entry.get("label", ""), "type": entry.get("type", ""),
                "values": entry.get("values", ""),
                "min": entry.get("min", "" if rule is None or rule.low is None else _fmt(rule.low)),
                "max": entry.get("max", "" if rule is None or rule.high is None else _fmt(rule.high)),
                "import_id": entry.get("import_id", ""),
            })
        raw.frame = raw.frame.drop(columns=sorted(removed))
        for candidate in _wave_rows(raw, source, order, waves, ledger, id_column, blocks):
            candidate.update(source=raw.label, order=order)
            candidates.append(candidate)
        manifest.append({"source": raw.label, "role": "data", "format": raw.format,
                         "sha256": sha256_file(repo_root / source["path"]),
                         "bytes": (repo_root / source["path"]).stat().st_size,
                         "data_rows": len(raw.rows), "kept": 0, "excluded": 0})
        if source.get("dictionary"):
            path = repo_root / source["dictionary"]
            manifest.append({"source": source["dictionary"], "role": "dictionary",
                             "format": "redcap-dictionary", "sha256": sha256_file(path),
                             "bytes": path.stat().st_size, "data_rows": "", "kept": "", "excluded": ""})

    # Participant and group of each candidate.
    ids = [_block_strings(block, id_column) for block in blocks]
    group_values = [_block_strings(block, group_column) if group_column else None for block in blocks]
    valid = []
    for candidate in candidates:
        participant = ids[candidate["block"]][candidate["position"]]
        candidate["participant"] = participant
        if not participant:
            ledger.append(_ledger(candidate["source"], candidate["row"], "", candidate["wave"],
                                  "excluded", f"participant id ({id_column}) is empty"))
            continue
        group = group_values[candidate["block"]][candidate["position"]] if group_column else ""
        if group_column and group and groups and group not in groups:
            ledger.append(_ledger(candidate["source"], candidate["row"], participant, candidate["wave"],
                                  "excluded", f"group '{group}' is not one of groups ({', '.join(groups)})"))
            continue
        candidate["group"] = group
        valid.append(candidate)

    # Group: one per participant; fill a blank group from the participant's other rows.
    if group_column:
        by_participant: dict[str, set[str]] = {}
        for candidate in valid:
            if candidate["group"]:
                by_participant.setdefault(candidate["participant"], set()).add(candidate["group"])
        for participant, found in by_participant.items():
            if len(found) > 1:
                rows = [f"{c['source']} row {c['row']} ({c['group']})" for c in valid
                        if c["participant"] == participant]
                raise UserError(f"participant '{participant}' is in more than one group: "
                                f"{'; '.join(rows)}; correct the group in the export")
        still_valid = []
        for candidate in valid:
            if not candidate["group"]:
                found = by_participant.get(candidate["participant"])
                if not found:
                    if mixed or groups:
                        ledger.append(_ledger(candidate["source"], candidate["row"], candidate["participant"],
                                              candidate["wave"], "excluded",
                                              f"group ({group_column}) is empty in every row of this participant"))
                        continue
                else:
                    candidate["group"] = next(iter(found))
                    issues.append(_issue(candidate["source"], candidate["row"], candidate["participant"],
                                         candidate["wave"], group_column, "", "group empty",
                                         f"set to '{candidate['group']}' from the participant's other rows"))
            still_valid.append(candidate)
        valid = still_valid

    # Duplicates: one response per participant x wave.
    analysis_columns = list(column_rules)
    finished = [_finished_flags(block) for block in blocks]
    answered = [_answered_counts(block, analysis_columns) for block in blocks]
    for candidate in valid:
        candidate["finished"] = bool(finished[candidate["block"]][candidate["position"]])
        candidate["answered"] = int(answered[candidate["block"]][candidate["position"]])
    cells_by_key: dict[tuple[str, str], list[dict]] = {}
    for candidate in valid:
        cells_by_key.setdefault((candidate["participant"], candidate["wave"]), []).append(candidate)
    kept = []
    for (participant, wave), group_rows in cells_by_key.items():
        if len(group_rows) == 1:
            kept.append(group_rows[0])
            continue
        if study.get("duplicates", "keep_most_complete") == "error":
            where = "; ".join(f"{c['source']} row {c['row']}" for c in group_rows)
            raise UserError(f"participant '{participant}' has {len(group_rows)} responses at wave "
                            f"'{wave}' ({where}); remove all but one, or set duplicates: keep_most_complete")
        # Most complete finished response; on a tie the later one (later source, later row).
        ranked = sorted(group_rows, key=lambda c: (c["finished"], c["answered"], c["order"], c["row"]))
        keeper = ranked[-1]
        keeper["duplicates"] = len(ranked) - 1
        kept.append(keeper)
        for other in ranked[:-1]:
            ledger.append(_ledger(other["source"], other["row"], participant, wave, "excluded",
                                  f"duplicate response at wave {wave}: kept {keeper['source']} row "
                                  f"{keeper['row']} ({_describe_attempt(keeper)}) over this one "
                                  f"({_describe_attempt(other)})"))

    # Values of analysis columns: numbers within range, else missing (listed) or a stop.
    values, problems, coding = _check_values(kept, blocks, column_rules)
    if problems and study.get("on_invalid", "missing") == "error":
        first = problems[0]
        raise UserError(f"{first['source']}, row {first['row']}, column {first['column']}: value "
                        f"'{first['value'].strip()}' {first['rule']}; correct the export, or set "
                        "on_invalid: missing to set it missing")
    issues.extend(problems)
    for candidate in kept:
        reason = "kept"
        if candidate.get("duplicates"):
            reason = f"kept; preferred over {candidate['duplicates']} other response(s) at this wave"
        if candidate.get("empty_waves"):
            reason = f"kept; no answers for wave(s) {', '.join(candidate['empty_waves'])}"
        ledger.append(_ledger(candidate["source"], candidate["row"], candidate["participant"],
                              candidate["wave"], "kept", reason))

    coding.check([raw.label for raw in raw_sources])
    responses = _responses_frame(kept, blocks, values, waves, id_column, group_column, column_rules,
                                 [s.get("wave_column") for s in study["sources"]])
    ledger_frame = _ledger_frame(ledger, study)
    counts = ledger_frame.groupby(["source", "status"]).size()
    for entry in manifest:
        if entry["role"] == "data":
            entry["kept"] = int(counts.get((entry["source"], "kept"), 0))
            entry["excluded"] = int(counts.get((entry["source"], "excluded"), 0))
    issues_frame = pd.DataFrame(issues, columns=ISSUE_COLUMNS)
    return IngestResult(responses, ledger_frame, issues_frame,
                        pd.DataFrame(codebook, columns=CODEBOOK_COLUMNS),
                        pd.DataFrame(manifest, columns=MANIFEST_COLUMNS))


class RangeTally:
    """Counts, per instrument, the answered values and those outside the declared range.

    A few out-of-range values are typos (set missing, listed); many mean the export codes the
    responses differently from the definition (0-4 data for a 1-5 scale), which setting values
    missing would hide: that stops the run.
    """

    #: Share of an instrument's answered values that may be out of range before ingest stops.
    TOLERATED_SHARE = 0.05
    TOLERATED_COUNT = 3

    def __init__(self) -> None:
        self.answered: dict[str, int] = {}
        self.outside: dict[str, int] = {}
        self.observed: dict[str, list[float]] = {}
        self.declared: dict[str, tuple] = {}
        self.filled: dict[str, int] = {}         # non-empty cells, numbers or not
        self.example: dict[str, str] = {}        # the first cell that is not a number
        self.example_at: dict[str, tuple[int, int]] = {}   # (response, column) of that cell

    def add_column(self, rule: ColumnRule, texts: Sequence[str], codes: np.ndarray,
                   indices: np.ndarray, rank: int, problems: Sequence[str | None],
                   reading: "ValueReading | None" = None) -> None:
        """Count one item column of one block: its distinct ``texts``, the text of each cell
        (``codes``), each cell's response index (``indices``) and the column's ``rank`` among
        the study's columns (the example of a non-number is the first in that order)."""
        role = rule.role
        counts = np.bincount(codes, minlength=len(texts))
        for code, text in enumerate(texts):
            if counts[code] == 0 or not text.strip():
                continue
            n = int(counts[code])
            self.filled[role] = self.filled.get(role, 0) + n
            value = read_number(text, reading)
            if value is None:
                at = (int(indices[int(np.argmax(codes == code))]), rank)
                if role not in self.example_at or at < self.example_at[role]:
                    self.example[role], self.example_at[role] = text.strip(), at
                continue
            self.declared[role] = (rule.low, rule.high)
            self.answered[role] = self.answered.get(role, 0) + n
            low_high = self.observed.setdefault(role, [value, value])
            low_high[0], low_high[1] = min(low_high[0], value), max(low_high[1], value)
            if problems[code] and problems[code].startswith("out of range"):
                self.outside[role] = self.outside.get(role, 0) + n

    def check(self, labels: Sequence[str]) -> None:
        for role, filled in sorted(self.filled.items()):
            if filled >= self.TOLERATED_COUNT and not self.answered.get(role):
                raise UserError(
                    f"{', '.join(labels)}: instrument {role[5:]}: none of its {filled} answers is a "
                    f"number (e.g. '{self.example[role]}'): the export holds the answer text instead "
                    "of the codes; export numeric values (Qualtrics: 'Use numeric values'), or, for "
                    "answers written as '<code> - <label>', set sources[].labelled_codes: true")
        for role, outside in sorted(self.outside.items()):
            answered = self.answered[role]
            if outside > max(self.TOLERATED_COUNT, self.TOLERATED_SHARE * answered):
                low, high = self.declared[role]
                seen_low, seen_high = self.observed[role]
                raise UserError(
                    f"{', '.join(labels)}: instrument {role[5:]}: {outside} of {answered} answers "
                    f"lie outside the declared response range {_fmt(low)} to {_fmt(high)} "
                    f"(observed {_fmt(seen_low)} to {_fmt(seen_high)}): the export codes the "
                    "responses differently from the definition; recode the export, or use a "
                    "definition file whose response range matches it")


def _describe_attempt(candidate: dict) -> str:
    state = "finished" if candidate["finished"] else "unfinished"
    return f"{state}, {candidate['answered']} answers"


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def _strip_suffix(column: str, source: Mapping) -> str:
    for suffix in source.get("wave_suffixes", {}).values():
        if column.endswith(suffix):
            return column[: -len(suffix)]
    return column


def _original_column(column: str, candidate: dict) -> str:
    """The column's name in the raw file (with its wave suffix in the wide layout)."""
    return candidate.get("origin", {}).get(column, column)


def _role(column: str, study: Mapping, rules: Mapping[str, ColumnRule], source: Mapping) -> str:
    base = _strip_suffix(column, source)
    if base == study["id_column"]:
        return "participant id"
    if base == study.get("group_column"):
        return "group"
    if column == source.get("wave_column"):
        return "wave"
    if base in rules:
        return rules[base].role
    return "other"


def _check_value(text: str, rule: ColumnRule, user_missing: set[str],
                 reading: "ValueReading | None" = None):
    """(number or NA, problem or None) for one cell of an analysis column."""
    stripped = text.strip()
    if stripped == "":
        return pd.NA, None
    if stripped in user_missing:
        return pd.NA, f"user-missing code {stripped} (declared in the SPSS file)"
    value = read_number(stripped, reading)
    if value is None:
        return pd.NA, "not a number" + _why_not_a_number(stripped, reading)
    if rule.whole and not value.is_integer():
        return pd.NA, "not a response code (whole number expected)"
    if rule.low is not None and rule.high is not None and not rule.low <= value <= rule.high:
        return pd.NA, f"out of range (valid {_fmt(rule.low)} to {_fmt(rule.high)})"
    if rule.low is not None and value < rule.low:
        return pd.NA, f"below the minimum {_fmt(rule.low)}"
    if rule.high is not None and value > rule.high:
        return pd.NA, f"above the maximum {_fmt(rule.high)}"
    return value, None


def _natural_key(text: str):
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", text) if part]


def _check_values(kept: Sequence[dict], blocks: Sequence[_Block],
                  column_rules: Mapping[str, ColumnRule]):
    """Check every analysis cell of the kept responses (:func:`_check_value`, once per distinct
    text of a column).

    Returns
    -------
    values : dict
        (block, column) -> the numbers (NaN = missing) of the block's kept rows, in the order of
        ``kept`` restricted to the block.
    problems : list of dict
        One issue per value set missing, ordered as the responses are (kept order), then as the
        columns are in ``column_rules``.
    coding : RangeTally
        The instruments' answered and out-of-range counts.
    """
    by_block: dict[int, tuple[list[int], list[int]]] = {}
    for index, candidate in enumerate(kept):
        indices, positions = by_block.setdefault(candidate["block"], ([], []))
        indices.append(index)
        positions.append(candidate["position"])
    rank = {column: order for order, column in enumerate(column_rules)}
    values: dict[tuple[int, str], np.ndarray] = {}
    found: list[tuple[int, int, str, str, str]] = []   # kept index, column rank, column, text, problem
    coding = RangeTally()
    for block_index, (indices, positions) in by_block.items():
        block = blocks[block_index]
        indices_array = np.asarray(indices)
        for column, rule in column_rules.items():
            if column not in block.columns:
                continue
            original = block.columns[column]
            user_missing = block.raw.user_missing.get(original, set())
            codes, texts = _distinct(block.texts(column)[positions])
            checked = [_check_value(text, rule, user_missing, block.reading) for text in texts]
            numbers = np.array([math.nan if value is pd.NA else value for value, _ in checked], dtype=float)
            values[(block_index, column)] = numbers[codes]
            for code, (_, problem) in enumerate(checked):
                if problem:
                    found.extend((indices[at], rank[column], original, texts[code], problem)
                                 for at in np.flatnonzero(codes == code))
            if rule.role.startswith("item:"):
                coding.add_column(rule, texts, codes, indices_array, rank[column],
                                  [problem for _, problem in checked], block.reading)
    found.sort(key=lambda item: (item[0], item[1]))
    problems = [_issue(kept[index]["source"], kept[index]["row"], kept[index]["participant"],
                       kept[index]["wave"], original, text, problem, "set missing")
                for index, _, original, text, problem in found]
    return values, problems, coding


def _responses_frame(kept: Sequence[dict], blocks: Sequence[_Block], values: dict,
                     waves: Sequence[str], id_column: str, group_column: str | None,
                     rules: Mapping[str, ColumnRule], wave_columns: Sequence[str | None]) -> pd.DataFrame:
    """One row per kept response, sorted by participant (natural order) and wave: participant,
    wave, group, then every kept raw column (analysis columns as numbers)."""
    skip = {id_column, group_column} | {c for c in wave_columns if c}
    # Columns in the order a reader meets them: by the first response of each block.
    first_seen: dict[int, int] = {}
    for index, candidate in enumerate(kept):
        first_seen.setdefault(candidate["block"], index)
    columns: list[str] = []
    seen: set[str] = set()
    for block_index in sorted(first_seen, key=first_seen.get):
        for column in blocks[block_index].columns:
            if column not in seen and column not in skip:
                seen.add(column)
                columns.append(column)
    if not kept:
        return pd.DataFrame(columns=["participant", "wave", "group"] + columns)
    wave_rank = {wave: index for index, wave in enumerate(waves)}
    natural = {p: _natural_key(p) for p in {candidate["participant"] for candidate in kept}}
    order = sorted(range(len(kept)), key=lambda i: (natural[kept[i]["participant"]],
                                                    wave_rank.get(kept[i]["wave"], -1)))
    # Where each sorted row comes from: its block and its place among the block's kept rows.
    row_block = np.empty(len(kept), dtype=np.int64)
    row_position = np.empty(len(kept), dtype=np.int64)
    row_in_block = np.empty(len(kept), dtype=np.int64)
    seen_in_block: dict[int, int] = {}
    for index, candidate in enumerate(kept):
        block_index = candidate["block"]
        row_block[index], row_position[index] = block_index, candidate["position"]
        row_in_block[index] = seen_in_block.get(block_index, 0)
        seen_in_block[block_index] = row_in_block[index] + 1
    order = np.asarray(order)
    row_block, row_position, row_in_block = row_block[order], row_position[order], row_in_block[order]
    data = {"participant": [kept[i]["participant"] for i in order],
            "wave": [kept[i]["wave"] for i in order],
            "group": [kept[i].get("group", "") for i in order]}
    for column in columns:
        if column in rules:
            cells = np.full(len(kept), math.nan)
        else:
            cells = np.full(len(kept), "", dtype=object)
        for block_index in first_seen:
            block = blocks[block_index]
            if column not in block.columns:
                continue
            rows = np.flatnonzero(row_block == block_index)
            if column in rules:
                cells[rows] = values.pop((block_index, column))[row_in_block[rows]]   # freed as used
            else:
                cells[rows] = block.texts(column)[row_position[rows]]
        if column in rules:
            answered = cells[~np.isnan(cells)]
            whole = bool(np.all(np.isfinite(answered) & (answered == np.floor(answered))))
            data[column] = pd.Series(cells).astype("Int64" if whole else "Float64")
        else:
            data[column] = pd.Series(cells, dtype=object).map(lambda v: "" if v is None else str(v))
    return pd.DataFrame(data, columns=["participant", "wave", "group"] + columns)


def _ledger_frame(entries: list[dict], study: Mapping) -> pd.DataFrame:
    """One ledger row per raw data row, in file order.

    In the wide layout a raw row yields one response per wave; its entries are merged into one
    row: kept if any wave was kept, ``wave`` lists the kept waves, and the reason names each wave.
    """
    frame = pd.DataFrame(entries, columns=LEDGER_COLUMNS)
    source_order = {source["path"]: index for index, source in enumerate(study["sources"])}
    wave_order = {wave: index for index, wave in enumerate(study["waves"])}
    frame = frame.assign(_s=frame["source"].map(source_order), _r=frame["row"].astype(int),
                         _w=frame["wave"].map(wave_order).fillna(-1))
    frame = frame.sort_values(["_s", "_r", "_w"], kind="mergesort").drop(columns=["_s", "_r", "_w"])
    frame = frame.reset_index(drop=True)
    shared = frame.duplicated(["source", "row"], keep=False)
    if not shared.any():
        return frame
    groups: dict[tuple, list[dict]] = {}
    for record in frame[shared].to_dict("records"):
        groups.setdefault((record["source"], record["row"]), []).append(record)
    merged = []
    for group in groups.values():
        kept = [entry for entry in group if entry["status"] == "kept"]
        first = dict(group[0])
        first["status"] = "kept" if kept else "excluded"
        first["participant"] = next((entry["participant"] for entry in group if entry["participant"]), "")
        first["wave"] = ";".join(entry["wave"] for entry in (kept or group))
        first["reason"] = "; ".join(f"{entry['wave']}: {entry['reason']}" for entry in group)
        merged.append(first)
    first_rows = shared & ~frame.duplicated(["source", "row"], keep="first")
    frame = frame[~shared | first_rows].copy()
    frame.loc[first_rows[first_rows].index, LEDGER_COLUMNS] = pd.DataFrame(
        merged, columns=LEDGER_COLUMNS, index=first_rows[first_rows].index)
    return frame.reset_index(drop=True)


def column_rules_for(study: Mapping, instruments) -> dict[str, ColumnRule]:
    """The analysis columns of a study and how to check them.

    Item columns come from each instrument's pattern and response range (whole response codes);
    measure columns from ``measures`` with their optional ``min``/``max``.

    Examples
    --------
    >>> from wellbeing.instruments import load_instrument
    >>> rules = column_rules_for({"measures": [{"column": "Age", "name": "age", "min": 18}]},
    ...                          [(load_instrument("pss10"), "PSS_{n}")])
    >>> rules["PSS_1"], rules["Age"]
    (ColumnRule(role='item:pss10', low=0, high=4, whole=True), ColumnRule(role='measure:age', low=18, high=None, whole=False))
    """
    rules: dict[str, ColumnRule] = {}
    for instrument, pattern in instruments:
        for column in instrument.item_columns(pattern):
            rules[column] = ColumnRule(f"item:{instrument.id}", instrument.response_min,
                                       instrument.response_max, True)
    for measure in study.get("measures", []):
        rules[measure["column"]] = ColumnRule(f"measure:{measure['name']}", measure.get("min"),
                                              measure.get("max"), False)
    return rules


def check_columns_present(raw_sources: Sequence[RawSource], study: Mapping, instruments) -> None:
    """Stop when an instrument's item columns or a measure's column appear in no source."""
    present: set[str] = set()
    for source, raw in zip(study["sources"], raw_sources):
        present |= {_strip_suffix(column, source) for column in raw.frame.columns}
    labels = ", ".join(raw.label for raw in raw_sources)
    for instrument, pattern in instruments:
        numbered = re.compile("^" + re.escape(pattern).replace(r"\{n\}", r"(\d+)") + "$")
        extra = sorted((int(match.group(1)), column) for column in present
                       if (match := numbered.match(column)) and not 1 <= int(match.group(1)) <= instrument.n_items)
        if extra:
            raise UserError(f"{labels}: column {extra[-1][1]} matches the items pattern '{pattern}' of "
                            f"{instrument.id}, which has {instrument.n_items} items: the export holds "
                            "a different form of the questionnaire, or the pattern also matches other "
                            "columns; check instruments[].instrument and .items")
        missing = [c for c in instrument.item_columns(pattern) if c not in present]
        if missing:
            raise UserError(f"{labels}: instrument {instrument.id} (items '{pattern}') has "
                            f"{len(missing)} of {instrument.n_items} item columns missing, e.g. "
                            f"{', '.join(missing[:5])}; check the pattern in instruments[].items")
    for measure in study.get("measures", []):
        if measure["column"] not in present:
            raise UserError(f"{labels}: measure '{measure['name']}' reads column "
                            f"'{measure['column']}', which no source has; check measures[].column")


PSEUDONYM_COLUMNS = ["participant_code", "pseudonym"]


def pseudonymise(result: IngestResult, study: Mapping) -> tuple[IngestResult, pd.DataFrame]:
    """Replace participant codes by pseudonyms in every ingest table, unless the study's
    ``id_is_pseudonymous`` says the codes already are pseudonyms.

    Pseudonyms are ``P001``, ``P002``, ... (more digits past 999) in order of the code's first
    appearance in the ledger, that is in the sources as configured, row by row: a rebuild gives
    the same pseudonyms, and appending rows to an export does not renumber earlier participants.
    Every table downstream reads the pseudonymised responses, so no code reaches ``results/``.

    Returns
    -------
    (IngestResult, DataFrame)
        The tables with pseudonyms, and the key (``participant_code, pseudonym``) that links
        them back, to be kept out of ``results/`` (the pipeline writes it to
        ``private/<study>/pseudonyms.csv``, git-ignored). Empty when the codes are kept.

    Examples
    --------
    >>> result = IngestResult(
    ...     responses=pd.DataFrame({"participant": ["KG1608", "AB0101"], "wave": ["pre", "pre"],
    ...                             "group": ["", ""]}),
    ...     ledger=pd.DataFrame({"source": ["a.csv"] * 3, "row": [2, 3, 4],
    ...                          "participant": ["KG1608", "", "AB0101"], "wave": ["pre"] * 3,
    ...                          "status": ["kept", "excluded", "kept"], "reason": ["kept"] * 3}),
    ...     issues=pd.DataFrame(columns=ISSUE_COLUMNS), codebook=pd.DataFrame(),
    ...     raw_manifest=pd.DataFrame())
    >>> coded, key = pseudonymise(result, {"waves": ["pre"]})
    >>> coded.ledger.participant.tolist(), coded.responses.participant.tolist()
    (['P001', '', 'P002'], ['P001', 'P002'])
    >>> key.values.tolist()
    [['KG1608', 'P001'], ['AB0101', 'P002']]
    """
    if study.get("id_is_pseudonymous", False):
        return result, pd.DataFrame(columns=PSEUDONYM_COLUMNS)
    order: dict[str, None] = {}
    for frame in (result.ledger, result.issues, result.responses):
        for code in frame["participant"]:
            if isinstance(code, str) and code:
                order.setdefault(code, None)
    width = max(3, len(str(len(order))))
    mapping = {code: f"P{index:0{width}d}" for index, code in enumerate(order, start=1)}

    def coded(frame: pd.DataFrame) -> pd.DataFrame:
        # assign, not copy: the other columns are shared until written (copy on write)
        return frame.assign(participant=frame["participant"].map(lambda code: mapping.get(code, code)))

    responses = coded(result.responses)
    if not responses.empty:
        wave_rank = {wave: index for index, wave in enumerate(study["waves"])}
        responses = (responses.assign(_w=responses["wave"].map(wave_rank))
                     .sort_values(["participant", "_w"], kind="mergesort")
                     .drop(columns="_w").reset_index(drop=True))
    key = pd.DataFrame(list(mapping.items()), columns=PSEUDONYM_COLUMNS)
    return IngestResult(responses, coded(result.ledger), coded(result.issues), result.codebook,
                        result.raw_manifest), key


def for_study(study: Mapping, repo_root: str | Path) -> IngestResult:
    """Ingest one study as configured: read its sources, check its columns, build the tables."""
    repo_root = Path(repo_root)
    instruments = study_instruments(study, repo_root)
    raw_sources = [read_source(source, repo_root) for source in study["sources"]]
    check_columns_present(raw_sources, study, instruments)
    return ingest_study(study, repo_root, column_rules_for(study, instruments), raw_sources)
