"""The column names of the raw exports, read from their headers alone, so that a config whose
instrument ``items`` match no column stops when the workflow starts (``snakemake -n`` included)
rather than when the ingest job runs.

Only the top of each file is read: the first mebibyte of a text export, the metadata of an SPSS
file (``pyreadstat`` with ``metadataonly``), the first rows of a workbook (``openpyxl`` read-only).
The names are taken generously (every cell of the rows down to the header, every delimiter the
readers might use, duplicates under both names, wave suffixes with and without), so that a
column the ingest would find is never reported missing here. Whatever cannot be read this way (a
broken file, an unusual encoding, a header past the first mebibyte, a reader library missing)
is left to the ingest, which reads the whole file and says what is wrong with it.

Nothing here imports pandas: it runs at parse time, in Snakemake's own Python.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from pathlib import Path
from typing import Mapping, Sequence

from .errors import UserError
from .instruments import load_instrument

#: How much of a text export is read for its header.
HEAD_BYTES = 1 << 20

#: As the ingest's readers: the byte-order marks of UTF-16 and UTF-32 and what each announces.
_BYTE_ORDER_MARKS = (
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)
_DELIMITERS = (",", ";", "\t")


class Header:
    """The names of one source's columns: ``names`` as its header row gives them (for messages)
    and ``candidates``, every name the ingest could give one of them."""

    def __init__(self, names: Sequence[str], candidates: set[str]):
        self.names = list(names)
        self.candidates = set(candidates) | set(self.names)


def _head_text(path: Path, encoding: str | None) -> str | None:
    """The first :data:`HEAD_BYTES` of a text export, decoded as the readers decode it and cut
    after its last complete line; None when that is not possible."""
    with open(path, "rb") as handle:        # read-only, binary, as the ingest opens raw files
        data = handle.read(HEAD_BYTES + 1)
    whole = len(data) <= HEAD_BYTES
    data = data[:HEAD_BYTES]
    start = data[:512].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").replace(b"\x00", b"").lower()
    if not data.strip() or start.startswith((b"<!doctype html", b"<html", b"<?xml")):
        return None                         # empty or a web page: the ingest says so
    bom = next((name for mark, name in _BYTE_ORDER_MARKS if data.startswith(mark)), None)
    choices = [encoding] if encoding else ([bom] if bom else ["utf-8-sig", "cp1252"])
    for name in choices:
        try:
            text = codecs.getincrementaldecoder(name)().decode(data, final=whole)
        except (UnicodeDecodeError, LookupError):
            continue
        text = text.lstrip("\ufeff")
        if not whole:
            text = text[: text.rfind("\n") + 1]
        return text
    return None


def _text_records(text: str, delimiter: str) -> list[tuple[int, list[str]]] | None:
    """CSV records with their 1-based number (blank lines counted, as the readers count them)."""
    try:
        return [(number, record) for number, record in
                enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)
                if record]
    except csv.Error:
        return None


def _sniffed(text: str) -> str:
    """The delimiter the readers choose for a csv or Qualtrics file without one configured."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in _DELIMITERS}
    return max(counts, key=counts.get) if max(counts.values()) > 0 else ","


def _header_rows(records, header_row: int | None) -> tuple[list[str], list[list[str]]] | None:
    """The header record (row ``header_row``, default the first that is not blank) and every
    record down to it."""
    if not records:
        return None
    if header_row is None:
        return records[0][1], [records[0][1]]
    rows = [record for number, record in records if number <= header_row]
    header = [record for number, record in records if number == header_row]
    return (header[0], rows) if header else None


def _names(cells: Sequence) -> list[str]:
    return ["" if cell is None else str(cell).strip() for cell in cells]


def _candidates(rows: Sequence[Sequence[str]]) -> set[str]:
    """Every name a column could get from these rows: as written, and as the readers rename a
    repeated or blank name (``<name>@<position>``, ``column_<position>``)."""
    found = set()
    for row in rows:
        for position, name in enumerate(_names(row), start=1):
            found |= {name, f"{name}@{position}", f"column_{position}"}
    return found


def _text_header(path: Path, source: Mapping, repo_root: Path) -> Header | None:
    text = _head_text(path, source.get("encoding"))
    if text is None:
        return None
    fmt = source["format"]
    delimiter = source.get("delimiter") if fmt == "csv" else None
    own = delimiter or ("," if fmt == "redcap" else _sniffed(text))
    header_row = source.get("header_row") if fmt == "csv" else None
    found = _header_rows(_text_records(text, own), header_row)
    if found is None:
        return None
    header, rows = found
    candidates = _candidates(rows)
    for other in ([] if delimiter else _DELIMITERS):      # generous: any delimiter the file may use
        more = _header_rows(_text_records(text, other), header_row)
        if more:
            candidates |= _candidates(more[1])
    if fmt == "redcap" and source.get("dictionary"):
        # A "CSV (labels)" export heads its columns with the fields' labels; the ingest names
        # them by the data dictionary's fields.
        fields = _dictionary_fields(repo_root / source["dictionary"])
        if fields is None:
            return None
        candidates |= fields
    return Header(_names(header), candidates)


#: Columns REDCap adds to an export (a labels export heads them with words; the ingest names them so).
_REDCAP_COLUMNS = {"redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
                   "redcap_survey_identifier", "redcap_data_access_group"}


def _dictionary_fields(path: Path) -> set[str] | None:
    """Every column name a REDCap export of this data dictionary's project can have: its fields,
    a checkbox's ``field___code`` per choice, each form's ``_complete`` and ``_timestamp``, and
    REDCap's own columns (the dictionary is small: read whole)."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8-sig", errors="replace")
        records = [record for record in csv.reader(io.StringIO(text, newline="")) if record]
        header = [name.strip() for name in records[0]]
        columns = {key: header.index(key) if key in header else None for key in (
            "Variable / Field Name", "Form Name", "Field Type", "Choices, Calculations, OR Slider Labels")}
    except (OSError, csv.Error, IndexError):
        return None
    if columns["Variable / Field Name"] is None:
        return None

    def cell(record, key):
        position = columns[key]
        return record[position].strip() if position is not None and position < len(record) else ""

    names = set(_REDCAP_COLUMNS)
    for record in records[1:]:
        field = cell(record, "Variable / Field Name")
        names.add(field)
        if cell(record, "Form Name"):
            names |= {f"{cell(record, 'Form Name')}_complete", f"{cell(record, 'Form Name')}_timestamp"}
        if cell(record, "Field Type") == "checkbox":
            names |= {f"{field}___{choice.split(',', 1)[0].strip()}"
                      for choice in cell(record, "Choices, Calculations, OR Slider Labels").split("|")
                      if "," in choice}
    return names


def _spss_header(path: Path) -> Header | None:
    try:
        import pyreadstat

        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception:       # not installed here (conda runs), or a file the ingest will refuse
        return None
    return Header(_names(meta.column_names), set())


def _cell_name(value) -> str:
    """A header cell of a workbook as the readers name it (1.0 -> '1')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _excel_header(path: Path, source: Mapping) -> Header | None:
    header_row = source.get("header_row")
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:       # not installed here, or a file the ingest will refuse
        return None
    try:
        sheet = source.get("sheet")
        if sheet is not None and sheet not in workbook.sheetnames or not workbook.worksheets:
            return None
        visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
        worksheet = workbook[sheet] if sheet is not None else (visible or workbook.worksheets)[0]
        records = []
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            record = [_cell_name(value) for value in values]
            if any(record):
                records.append((number, record))
            if records and (header_row is None or number >= header_row):
                break
    except Exception:
        return None
    finally:
        workbook.close()
    found = _header_rows(records, header_row)
    return Header(_names(found[0]), _candidates(found[1])) if found else None


def source_header(source: Mapping, repo_root: str | Path) -> Header | None:
    """The column names one configured source's header gives, or None when they cannot be read
    from the top of the file (the ingest then reads the whole file and reports the problem)."""
    repo_root = Path(repo_root)
    path = repo_root / source["path"]
    try:
        if not path.is_file():
            return None
        if source["format"] in ("csv", "qualtrics", "redcap"):
            header = _text_header(path, source, repo_root)
        elif source["format"] == "spss":
            header = _spss_header(path)
        elif source["format"] == "excel":
            header = _excel_header(path, source)
        else:
            return None
    except OSError:
        return None
    if header is None:
        return None
    for suffix in source.get("wave_suffixes", {}).values():     # wide layout: PSS_1_T1 -> PSS_1
        header.candidates |= {name[: -len(suffix)] for name in header.candidates
                              if suffix and name.endswith(suffix)}
    return header


def _pattern_regex(pattern: str) -> re.Pattern:
    """A column name the items pattern gives for some item number (``FFMQ_{n}``, ``Q{n:02d}``)."""
    parts = re.split(r"\{n(?::[^}]*)?\}", pattern)
    return re.compile("^" + r"\d+".join(re.escape(part) for part in parts) + "$")


def closest_names(wanted: Sequence[str], names: Sequence[str], count: int = 3) -> list[str]:
    """The columns most like the first item columns wanted, in item order (case ignored).

    >>> closest_names(["maas_item_1", "maas_item_2", "maas_item_3"],
    ...               ["record_id", "maas_1", "maas_2", "maas_3", "brs_1"])
    ['maas_1', 'maas_2', 'maas_3']
    >>> closest_names(["FFMQ_1"], ["pid", "age"])
    []
    """
    folded: dict[str, str] = {}
    for name in names:
        if name:
            folded.setdefault(name.casefold(), name)
    found: list[str] = []
    for target in wanted:
        for match in difflib.get_close_matches(target.casefold(), list(folded), n=count, cutoff=0.6):
            if folded[match] not in found:
                found.append(folded[match])
                break
        if len(found) == count:
            break
    return found


def source_labels(sources: Sequence[Mapping]) -> list[str]:
    """How the ingest names each source in its messages (as :func:`ingest.readers.source_labels`,
    which needs pandas): its path, with the sheet when a workbook is listed once per sheet."""
    paths = [source["path"] for source in sources]
    return [f"{source['path']} [{source['sheet']}]" if paths.count(source["path"]) > 1 and source.get("sheet")
            else source["path"] for source in sources]


def check_items_in_headers(config: Mapping, repo_root: str | Path,
                           source_name: str = "config.yaml") -> None:
    """Stop when an instrument's ``items`` (pattern or list) match no column of any of the study's
    sources, read from their headers, or when ``analyses.screening.duration_column`` names none.
    The message begins as the ingest's own for the same problem, then names the config key and the
    closest column names.

    Raises
    ------
    UserError
        ``data/raw/x/export.csv: instrument maas15 (items 'maas_item_{n}') has 15 of 15 item
        columns missing, e.g. ...; check the pattern in studies.x.instruments[0].items of
        config.yaml: the closest columns are maas_1, maas_2, maas_3``.
    """
    repo_root = Path(repo_root)
    for study_id, study in config["studies"].items():
        if not study.get("instruments"):
            continue
        headers = [source_header(source, repo_root) for source in study["sources"]]
        if any(header is None for header in headers):
            continue            # a source unreadable from its top: the ingest checks the study
        present = set().union(*(header.candidates for header in headers))
        names = list(dict.fromkeys(name for header in headers for name in header.names if name))
        labels = ", ".join(source_labels(study["sources"]))
        duration = ((study.get("analyses") or {}).get("screening") or {}).get("duration_column")
        if duration and duration not in present:
            near = closest_names([duration], names)
            raise UserError(f"{labels}: no column {duration!r}; check studies.{study_id}.analyses.screening."
                            f"duration_column of {source_name}: it names the column holding each "
                            f"response's duration in seconds"
                            + (f" (the closest columns are {', '.join(near)})" if near else
                               ", or remove the key when the exports record none"))
        for index, use in enumerate(study["instruments"]):
            items = use["items"]
            instrument = load_instrument(use["instrument"], repo_root)
            wanted = instrument.item_columns(items)
            if any(column in present for column in wanted):
                continue
            if isinstance(items, str) and any(map(_pattern_regex(items).match, present)):
                continue        # other item numbers (another form of the scale): the ingest says so
            given = f"items '{items}'" if isinstance(items, str) else "items as listed"
            check = "the pattern in" if isinstance(items, str) else "the list in"
            near = closest_names(wanted, names)
            hint = (f"the closest columns are {', '.join(near)}" if near else
                    f"no column is named like them; the columns begin {', '.join(names[:8])}")
            raise UserError(f"{labels}: instrument {instrument.id} ({given}) has {len(wanted)} of "
                            f"{instrument.n_items} item columns missing, e.g. {', '.join(wanted[:5])}; "
                            f"check {check} studies.{study_id}.instruments[{index}].items of "
                            f"{source_name}: {hint}")
