"""What ``wellbeing init`` finds in a folder of raw exports, and the study block it proposes.

Every decision is a general rule on what the files hold, never on a particular file name:

- **format**: ``.sav`` is spss, ``.xlsx`` excel (the visible sheet with the most item columns), a
  text file with Qualtrics' metadata columns (``StartDate``, ``ResponseId``, ``Finished`` ...) is
  qualtrics, one beside a REDCap data dictionary (or with REDCap's own columns) is redcap, any
  other is csv with its delimiter (``,`` ``;`` tab) and decimal mark;
- **layout**: one file per wave when file names carry wave words (pre, post, T1, baseline ...),
  long when a column holds such words (or REDCap events) and codes repeat over them, wide when
  the same column stems recur under two or more suffixes (``_T1``, ``_T2``);
- **id and group**: columns named like a participant code (unique per wave, shared by the
  waves' files) and like an arm (2 to 6 values, constant per participant);
- **instruments**: item columns grouped by stem and item number (``PSS_1``..``PSS_10``,
  ``pss1``, ``Q1_1``, ``1``..``15``, ``item<n>`` with ``Ritem<n>``), each group ranked against
  the bundled definitions and the study's own definition files by item count, observed response
  range and name hints (``column_hints``, the id, the file name for bare numbers).

Nothing is written here: :func:`propose` returns a :class:`Proposal`, :func:`render_block` the
commented YAML and :func:`render_report` what init prints.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import yaml

from .errors import UserError
from .instruments import Instrument, bundled_ids, instrument_from_dict, load_instrument

#: Qualtrics' own columns: three or more of them in a header make it a Qualtrics export.
QUALTRICS_METADATA = {"StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
                      "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
                      "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
                      "DistributionChannel", "UserLanguage", "ResponseID", "V1", "V8", "V9", "V10"}
REDCAP_COLUMNS = {"redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
                  "redcap_survey_identifier", "redcap_data_access_group"}
DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".dat", ".sav", ".xlsx", ".xlsm"}

#: Words a wave is written with, and where each falls in time (sorting the waves).
_WAVE_ORDER = {"baseline": 0, "base": 0, "pre": 0, "before": 0, "screening": 0, "enrollment": 0,
               "enrolment": 0, "intake": 0, "mid": 5, "during": 5, "post": 10, "after": 10, "end": 10,
               "final": 10, "completed": 10, "followup": 20, "fu": 20, "follow": 20}
_NUMBERED_WAVE = re.compile(r"^(t|w|wave|time|visit|session|month|week)_?(\d{1,2})$")
#: Column names that say a column holds the wave (long layout).
_WAVE_COLUMN_WORDS = {"wave", "time", "visit", "moment", "momento", "occasion", "timepoint", "session",
                      "event", "phase", "period", "measurement", "assessment", "tiempo", "zeitpunkt"}
_ID_WORDS = {"id", "code", "codigo", "subject", "participant", "record", "respondent", "pseudonym",
             "pid", "sid", "subjid", "subjectid", "participantid", "recordid", "responseid", "studyid",
             "identifier", "empleado", "employee", "person", "case"}
_GROUP_WORDS = {"group", "grupo", "groupe", "gruppe", "arm", "condition", "condicion", "cond",
                "intervention", "treatment", "allocation", "randomisation", "randomization", "trt"}
_REFERENCE_GROUP = re.compile(r"control|ctrl|wait|tau|usual|placebo|sham|comparison|kontroll|"
                              r"^cg$|^c$|^0$|^no", re.IGNORECASE)
#: Names of columns that identify a person or hold free text: dropped.
_IDENTIFYING_WORDS = {"name", "firstname", "lastname", "surname", "email", "mail", "ip", "ipaddress",
                      "address", "phone", "telephone", "mobile", "location", "latitude", "longitude",
                      "comment", "comments", "note", "notes", "feedback", "remarks", "dob", "birthdate",
                      "postcode", "zip", "street", "kin", "contact", "initials", "signature", "text",
                      "nombre", "correo", "comentarios", "observaciones"}
#: Stems that say nothing about the instrument: the file's name is taken as the hint instead.
_GENERIC_STEMS = {"", "item", "items", "q", "i", "v", "var", "question", "x", "p", "r", "it"}
_ITEM_COLUMN = re.compile(r"^(?P<stem>.*?)(?P<number>\d{1,3})$")
#: An item column whose name says it holds the item reversed after the number: pss_4_r, pss4rev.
_REVERSED_MARK = re.compile(r"^(?P<item>.*?\d{1,3})[_.]?(r|rev|reversed|recoded|inv)$", re.IGNORECASE)


# ----------------------------------------------------------------------------------- records


@dataclass(eq=False)
class Table:
    """One readable export (a file, or a sheet of a workbook) with the settings to read it."""

    path: str                           # relative to the repository root
    format: str
    frame: object                       # pandas DataFrame of text cells
    settings: dict = field(default_factory=dict)    # delimiter, sheet, header_row, dictionary ...
    identifiers: set = field(default_factory=set)   # dropped by the format's reader itself
    free_text: set = field(default_factory=set)
    dictionary_types: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    # decided later
    layout: str = "wave"                # wave | long | wide | per_participant
    wave: str | None = None
    wave_column: str | None = None
    wave_map: dict = field(default_factory=dict)
    wave_suffixes: dict = field(default_factory=dict)
    groups_of_items: list = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [str(column) for column in self.frame.columns]

    @property
    def name(self) -> str:
        return self.path + (f" [{self.settings['sheet']}]" if self.settings.get("sheet") else "")


@dataclass(eq=False)
class ItemGroup:
    """Columns that look like the items of one questionnaire."""

    stem: str
    columns: list[str]                  # in item order
    numbers: list[int]
    table: Table
    reversed_numbers: list[int] = field(default_factory=list)
    low: float | None = None
    high: float | None = None
    numeric: int = 0
    texts: Counter = field(default_factory=Counter)
    outliers: Counter = field(default_factory=Counter)
    labelled_codes: bool = False        # answers written '3 - Neutral': read by their code

    def describe(self) -> str:
        first, last = self.columns[0], self.columns[-1]
        answers = (f"{_fmt(self.low)}-{_fmt(self.high)}" if self.numeric else "answer texts")
        return f"{first}..{last} ({len(self.columns)} items, {answers})"


@dataclass
class Match:
    instrument: Instrument
    ref: str                            # as the config names it: bundled id or path
    score: float
    hint: str                           # exact | partial | file name | none
    why: str


@dataclass(eq=False)
class InstrumentDecision:
    group: ItemGroup
    candidates: list[Match]
    chosen: Match | None
    confidence: str                     # high | medium | low | undecided
    note: str
    labels: dict = field(default_factory=dict)
    labels_to_fill: list = field(default_factory=list)


@dataclass
class Proposal:
    study_id: str
    folder: str
    tables: list[Table]
    waves: list[str]
    design: str
    id_column: str | None
    id_note: str
    id_is_pseudonymous: bool
    group_column: str | None
    groups: list[str]
    group_note: str
    instruments: list[InstrumentDecision]
    measures: list[dict]
    drop_columns: list[str]
    duplicates: str | None
    left_out: list[str]
    checks: list[str]
    undecided: list[str]
    found: list[str]
    suggested_measures: list[dict] = field(default_factory=list)

    def used(self) -> list[InstrumentDecision]:
        return [decision for decision in self.instruments if decision.chosen and not decision.labels_to_fill]


# -------------------------------------------------------------------------------- helpers


def _fmt(number) -> str:
    if number is None:
        return "?"
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _norm(text: str) -> str:
    """A name as hints are compared: lower case letters only (no digits, separators, case)."""
    return re.sub(r"[^a-z]", "", str(text).lower())


def _words(name: str) -> list[str]:
    """``participantCode`` / ``N Empleado`` / ``record_id`` -> lower-case words."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [word for word in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if word]


def slug(text: str) -> str:
    """A name usable as a wave, measure or study id: lower case letters, digits, underscores.

    >>> slug("Before Course"), slug("baseline_arm_1"), slug("T0"), slug("2nd")
    ('before_course', 'baseline', 't0', 'x2nd')
    """
    text = re.sub(r"_arm_\d+$", "", str(text).strip())
    out = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not out or not out[0].isalpha():
        out = "x" + out
    return out


def _number(text: str) -> float | None:
    text = str(text).strip()
    if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return float(text)
    return None


def _wave_rank(word: str) -> float | None:
    """Where a wave word falls in time, or None when it is no wave word.

    >>> _wave_rank("PRE"), _wave_rank("T2"), _wave_rank("followup"), _wave_rank("group")
    (0, 102.0, 20, None)
    """
    key = slug(word).replace("_", "")
    if key in _WAVE_ORDER:
        return _WAVE_ORDER[key]
    words = slug(word).split("_")
    if any(w in _WAVE_ORDER for w in words) and len(words) <= 3:
        return min(_WAVE_ORDER[w] for w in words if w in _WAVE_ORDER)
    match = _NUMBERED_WAVE.match(slug(word))
    if match:
        return 100 + float(match.group(2))
    return None


def _nonblank(values) -> list[str]:
    return [str(value).strip() for value in values if str(value).strip()]


def flow(value) -> str:
    """A value in YAML flow style on one line."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6)
    return text.strip().removesuffix("...").strip()


# ------------------------------------------------------------------------------- reading


def _head_records(path: Path) -> tuple[str, list[list[str]]]:
    """The delimiter and the first records of a text file, decoded and sniffed as the readers do
    (the parse-time header check's own helpers)."""
    from .headers import _head_text, _sniffed, _text_records

    text = _head_text(path, None)
    if text is None:
        return ",", []
    delimiter = _sniffed(text)
    return delimiter, [record for _, record in (_text_records(text, delimiter) or [])][:5]


def _is_dictionary(records: Sequence[Sequence[str]]) -> bool:
    return bool(records) and {"Variable / Field Name", "Field Type"} <= {c.strip() for c in records[0]}


def _read(path: Path, rel: str, fmt: str, settings: Mapping, repo_root: Path):
    from .ingest.readers import read_source

    source = {"path": rel, "format": fmt, **settings}
    return read_source(source, repo_root)


def _fix_header_row(table_reader, raw, settings: dict):
    """A header row below a title or label row: the first row leaves most names blank and the
    next names nearly every column (Excel workbooks with a label row over blocks of columns)."""
    columns = [str(c) for c in raw.frame.columns]
    blank = sum(1 for c in columns if re.fullmatch(r"column_\d+", c))
    if not len(raw.frame) or blank * 2 < len(columns):
        return raw, None
    first = [str(v).strip() for v in raw.frame.iloc[0]]
    texts = [v for v in first if v and _number(v) is None]
    if len(texts) * 2 < len(columns) or len(texts) <= len(columns) - blank:
        return raw, None
    header_row = raw.rows[0]
    return table_reader({**settings, "header_row": header_row}), header_row


def read_folder(folder: Path, repo_root: Path) -> tuple[list[Table], list[tuple[str, Instrument]], list[str]]:
    """Every readable export in ``folder``, the study's own instrument definitions there, and
    what was not read (with why)."""
    tables: list[Table] = []
    definitions: list[tuple[str, Instrument]] = []
    skipped: list[str] = []
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    dictionaries: dict[str, set[str]] = {}
    text_files = {}
    for path in files:
        rel = path.relative_to(repo_root).as_posix()
        if path.suffix.lower() in (".yaml", ".yml"):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
                definitions.append((rel, instrument_from_dict(data, source=rel)))
            except (UserError, yaml.YAMLError, UnicodeDecodeError, OSError) as error:
                skipped.append(f"{rel}: not an instrument definition ({str(error).splitlines()[0][:120]})")
            continue
        if path.suffix.lower() in (".csv", ".tsv", ".txt", ".dat"):
            if path.stat().st_size == 0:
                skipped.append(f"{rel}: empty file")
                continue
            delimiter, records = _head_records(path)
            if _is_dictionary(records):
                from .ingest.readers import read_redcap_dictionary
                try:
                    dictionaries[rel] = set(read_redcap_dictionary(path, rel))
                except UserError as error:
                    skipped.append(f"{error}")
                continue
            if len(records) < 2 or len(records[0]) < 2:
                skipped.append(f"{rel}: not a table of responses (fewer than two columns or rows)")
                continue
            text_files[rel] = (path, delimiter, records)
        elif path.suffix.lower() not in DATA_SUFFIXES:
            skipped.append(f"{rel}: not an export ({path.suffix or 'no extension'}); not read")
    for rel, (path, delimiter, records) in text_files.items():
        header = [c.strip() for c in records[0]]
        settings: dict = {}
        if len(QUALTRICS_METADATA & set(header)) >= 3:
            fmt = "qualtrics"
        else:
            fields = {name: len(set(header) & columns) for name, columns in dictionaries.items()}
            best = max(fields, key=fields.get) if fields else None
            if best and fields[best] >= max(2, len(header) // 4) or REDCAP_COLUMNS & set(header):
                fmt = "redcap"
                if best and fields[best]:
                    settings["dictionary"] = best
            else:
                fmt = "csv"
                if delimiter != ",":
                    settings["delimiter"] = delimiter
        tables.extend(_read_table(path, rel, fmt, settings, repo_root, skipped))
    for path in files:
        rel = path.relative_to(repo_root).as_posix()
        if path.suffix.lower() == ".sav":
            tables.extend(_read_table(path, rel, "spss", {}, repo_root, skipped))
        elif path.suffix.lower() in (".xlsx", ".xlsm"):
            tables.extend(_read_workbook(path, rel, repo_root, skipped))
    used_dictionaries = {t.settings.get("dictionary") for t in tables}
    for rel in dictionaries:
        if rel not in used_dictionaries:
            skipped.append(f"{rel}: a REDCap data dictionary that no export here matches")
    return tables, definitions, skipped


def _read_table(path: Path, rel: str, fmt: str, settings: dict, repo_root: Path, skipped: list) -> list[Table]:
    try:
        raw = _read(path, rel, fmt, settings, repo_root)
        if fmt in ("csv", "excel"):
            raw, header_row = _fix_header_row(lambda s: _read(path, rel, fmt, s, repo_root), raw, settings)
            if header_row:
                settings = {**settings, "header_row": header_row}
    except UserError as error:
        skipped.append(f"{error}")
        return []
    if raw.frame.empty:
        skipped.append(f"{rel}: no data rows below the header")
        return []
    table = Table(rel, fmt, raw.frame, settings, set(raw.identifiers), set(raw.free_text))
    if fmt == "csv" and settings.get("delimiter") == ";":
        decimals = sum(bool(re.fullmatch(r"-?\d+,\d+", str(v).strip())) for c in raw.frame.columns
                       for v in raw.frame[c].head(200))
        if decimals:
            table.settings["decimal"] = ","
    if fmt == "redcap" and settings.get("dictionary"):
        from .ingest.readers import read_redcap_dictionary
        fields = read_redcap_dictionary(repo_root / settings["dictionary"], settings["dictionary"])
        table.dictionary_types = {name: entry["type"] for name, entry in fields.items()}
    if raw.renamed:
        table.notes.append(f"{table.name}: repeated or blank header cells renamed "
                           f"({', '.join(list(raw.renamed)[:4])}{' ...' if len(raw.renamed) > 4 else ''})")
    return [table]


def _read_workbook(path: Path, rel: str, repo_root: Path, skipped: list) -> list[Table]:
    """Each visible sheet with data; :func:`propose` keeps the one with the most item columns."""
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True)
        sheets = [ws.title for ws in workbook.worksheets if ws.sheet_state == "visible"]
        workbook.close()
    except Exception as error:      # a broken workbook: the reader says what is wrong
        try:
            _read(path, rel, "excel", {}, repo_root)
        except UserError as user_error:
            skipped.append(str(user_error))
            return []
        skipped.append(f"{rel}: not a readable .xlsx workbook ({type(error).__name__}); save it again as .xlsx")
        return []
    found = []
    for sheet in sheets:
        settings = {"sheet": sheet} if len(sheets) > 1 else {}
        found.extend(_read_table(path, rel, "excel", settings, repo_root, skipped))
    return found


# -------------------------------------------------------------------------------- layout


def _wave_suffixes(columns: Sequence[str]) -> dict[str, str]:
    """Wide layout: suffix -> the stems it follows, when two or more suffixes share stems.

    >>> _wave_suffixes(["id", "PSS_T1", "BRS_T1", "PSS_T2", "BRS_T2"])
    {'_T1': ['PSS', 'BRS'], '_T2': ['PSS', 'BRS']}
    """
    by_suffix: dict[str, list[str]] = {}
    for column in columns:
        for separator in (" - ", "_", "."):
            if separator in column:
                stem, suffix = column.rsplit(separator, 1)
                if stem and suffix and not suffix.isdigit():
                    by_suffix.setdefault(separator + suffix, []).append(stem)
                    break
    shared = {s: stems for s, stems in by_suffix.items() if len(set(stems)) >= 1}
    best: dict[str, list[str]] = {}
    for suffix, stems in shared.items():
        partners = [o for o, other in shared.items() if o != suffix and set(stems) & set(other)
                    and o[0] == suffix[0]]
        worded = _wave_rank(suffix.lstrip(" -_.")) is not None
        if partners and (worded or len(set(stems)) >= 1) and (worded or len(partners) >= 1):
            best[suffix] = stems
    # keep suffixes that say a wave, or that every other kept suffix shares most stems with
    waves = {s: stems for s, stems in best.items() if _wave_rank(s.lstrip(" -_.")) is not None}
    if len(waves) >= 2:
        # a suffix not worded as a wave ('One Month On') that follows the same stems is one too
        stem_sets = [set(stems) for stems in waves.values()]
        return {s: stems for s, stems in best.items() if s in waves or set(stems) in stem_sets}
    spaced = {s: stems for s, stems in best.items() if s.startswith(" - ")}
    return spaced if len(spaced) >= 2 else {}


def _long_wave_column(table: Table, id_column: str | None) -> str | None:
    """A column holding the wave: named so (or REDCap's events) or holding wave words, with
    participant codes repeated over its values."""
    frame = table.frame
    if "redcap_event_name" in frame.columns:
        return "redcap_event_name"
    best = None
    for column in table.columns:
        if column == id_column:
            continue
        values = _nonblank(frame[column])
        distinct = list(dict.fromkeys(values))
        if not 2 <= len(distinct) <= 8 or not values:
            continue
        words = _words(column)
        named = len(words) <= 2 and bool(set(words) & _WAVE_COLUMN_WORDS)
        worded = all(_wave_rank(v) is not None for v in distinct)
        if not (named or worded):
            continue
        if id_column is not None:
            pairs = [(i, w) for i, w in zip(frame[id_column], frame[column]) if str(i).strip() and str(w).strip()]
            repeats = len({i for i, _ in pairs}) < len(pairs)
            if not repeats or len(set(pairs)) < 0.95 * len(pairs):
                continue
        score = 2 * named + worded
        if best is None or score > best[0]:
            best = (score, column)
    return best[1] if best else None


def _wave_map(values: Sequence[str]) -> dict[str, str]:
    """Raw wave codes (in order of appearance) -> wave names, ordered in time where the words say.

    >>> _wave_map(["POST", "PRE"])
    {'PRE': 'pre', 'POST': 'post'}
    """
    distinct = list(dict.fromkeys(values))
    ranks = [_wave_rank(v) for v in distinct]
    if all(r is not None for r in ranks):
        distinct = [v for _, v in sorted(zip(ranks, distinct), key=lambda pair: pair[0])]
    return {value: slug(value) for value in distinct}


# ----------------------------------------------------------------------------- item groups


def item_groups(table: Table) -> list[ItemGroup]:
    """Columns grouped by stem and item number. Columns that say they hold an item reversed,
    by an ``R`` before the stem (``Ritem3`` beside ``item1``, ``item2``) or a mark after the number
    (``pss_4_r``, ``pss4rev``), join the group as items the export reversed when they fill its
    gaps; when the item is there too, they are computed copies and left out."""
    by_stem: dict[str, dict[int, str]] = {}
    marked: dict[str, dict[int, str]] = {}          # stem -> number -> column marked reversed
    for column in table.columns:
        if "@" in column:               # a repeated header renamed <name>@<position>: not an item
            continue
        if table.dictionary_types.get(column.split("___")[0]) == "checkbox" and "___" in column:
            continue
        match = _ITEM_COLUMN.match(column)
        target = by_stem
        if not match:
            reversed_match = _REVERSED_MARK.match(column)
            match = _ITEM_COLUMN.match(reversed_match.group("item")) if reversed_match else None
            target = marked
        if not match or match.group("stem").endswith("___"):        # REDCap checkbox choices
            continue
        target.setdefault(match.group("stem"), {})[int(match.group("number"))] = column
    for stem in list(by_stem):
        if len(stem) > 1 and stem[0] in "Rr" and stem[1:] in by_stem:
            for number, column in by_stem.pop(stem).items():
                marked.setdefault(stem[1:], {})[number] = column
    groups = []
    for stem, numbered in by_stem.items():
        filling = {n: c for n, c in marked.get(stem, {}).items() if n not in numbered}
        numbered = {**numbered, **filling}
        numbers = sorted(numbered)
        if len(numbers) < 3 or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
            continue                    # not a run of item numbers (years, codes)
        group = ItemGroup(stem, [numbered[n] for n in numbers], numbers, table, sorted(filling))
        _observe(group)
        if group.numeric or group.texts:
            groups.append(group)
    return groups


def _observe(group: ItemGroup) -> None:
    """The answers' range (numbers, or the codes of '3 - Neutral') and their texts."""
    from .ingest.values import ValueReading, read_number

    labelled = ValueReading(labelled_codes=True)
    values = []
    for column in group.columns:
        for cell in group.table.frame[column]:
            text = str(cell).strip()
            if not text:
                continue
            number = _number(text)
            if number is None:
                code = read_number(text, labelled)
                if code is not None:
                    group.labelled_codes = True
                    values.append(code)
                    continue
                group.texts[text] += 1
            else:
                values.append(number)
    group.numeric = len(values)
    if values:
        counts = Counter(values)
        # a rare typo (55 on a 1-5 scale) does not widen the range: values seen in under 0.5% of cells
        common = [v for v in counts if counts[v] >= max(1, 0.005 * len(values))] or list(counts)
        group.low, group.high = min(common), max(common)
        group.outliers = Counter({v: c for v, c in counts.items() if v < group.low or v > group.high})


# ------------------------------------------------------------------------- instrument matching


def hints_of(instrument: Instrument) -> list[str]:
    """Name stems of an instrument: its ``column_hints``, its id without the item count, and
    while a definition has no hints, the initials of its name (Perceived Stress Scale: pss)."""
    hints = [_norm(h) for h in instrument.column_hints]
    hints.append(_norm(instrument.id))
    if not instrument.column_hints:
        name = re.sub(r"\(.*?\)|,.*$", "", instrument.name)
        initials = "".join(word[0] for word in re.split(r"[^A-Za-z]+", name) if word and word[0].isupper())
        if len(initials) >= 2:
            hints.append(initials.lower())
    return [h for h in dict.fromkeys(hints) if h]


def _hint(group: ItemGroup, instrument: Instrument) -> str:
    stem = _norm(group.stem)
    hints = hints_of(instrument)
    if stem not in _GENERIC_STEMS:
        if stem in hints:
            return "exact"
        if len(stem) >= 2 and any(h.startswith(stem) or stem.startswith(h) for h in hints if len(h) >= 2):
            return "partial"
        return "none"
    words = {_norm(w) for w in re.split(r"[^A-Za-z0-9]+", Path(group.table.path).stem + " "
                                          + group.table.settings.get("sheet", "")) if w}
    return "file name" if words & set(hints) else "none"


def _labels_of(instrument: Instrument) -> dict[str, int]:
    return {" ".join(str(text).split()).casefold(): code for code, text in instrument.labels}


def rank(group: ItemGroup, candidates: Sequence[tuple[str, Instrument, bool]]) -> list[Match]:
    """Instruments this group could be, best first; each fits the item count and range."""
    found = []
    count = len(group.columns)
    for ref, instrument, own in candidates:
        if instrument.n_items != count:
            continue
        hint = _hint(group, instrument)
        score = {"exact": 4, "file name": 3, "partial": 2, "none": 0}[hint] + (1 if own else 0)
        if group.numeric:
            if group.low < instrument.response_min or group.high > instrument.response_max:
                continue
            ends = (group.low == instrument.response_min) + (group.high == instrument.response_max)
            score += ends
            why = f"{count} items, answers {_fmt(group.low)}-{_fmt(group.high)} within " \
                  f"{instrument.response_min}-{instrument.response_max}"
        else:
            labels = _labels_of(instrument)
            texts = {" ".join(t.split()).casefold() for t in group.texts}
            matched = len(texts & set(labels))
            score += 2 if texts and matched == len(texts) else 0
            why = f"{count} items, answer texts" + (" = its response labels" if matched == len(texts) else "")
        if hint != "none":
            why += f", named like it ({hint})"
        found.append(Match(instrument, ref, score, hint, why))
    return sorted(found, key=lambda m: -m.score)


def decide(group: ItemGroup, matches: list[Match],
           candidates: Sequence[tuple[str, Instrument, bool]] = ()) -> InstrumentDecision:
    chosen_refs = {m.ref for m in matches}
    named = [i for ref, i, _ in candidates if i.n_items == len(group.columns) and ref not in chosen_refs
             and _hint(group, i) in ("exact", "file name")]
    misfit = (f"named like {named[0].id}, but answered {_answers(group)} where {named[0].id} is coded "
              f"{named[0].response_min}-{named[0].response_max}: recode the export, or add a definition "
              "file with this response range beside it (README, 'A study's own instrument')") if named else ""
    if not matches:
        if misfit:
            return InstrumentDecision(group, [], None, "undecided", misfit)
        return InstrumentDecision(group, [], None, "undecided",
                                  f"no bundled instrument or definition here has {len(group.columns)} items "
                                  f"answered {_answers(group)}")
    top = matches[0]
    rivals = [m for m in matches[1:] if m.score == top.score]
    if top.hint == "none":
        fits = ", ".join(m.instrument.id for m in matches)
        return InstrumentDecision(group, matches, None, "undecided", (misfit + "; it also " if misfit else "")
                                  + f"fits {fits} by item count and range only; the column names give no "
                                  "hint, so none is scored: uncomment the right line, if any")
    if rivals:
        names = ", ".join(m.instrument.id for m in [top, *rivals])
        return InstrumentDecision(group, matches, None, "undecided",
                                  f"could be {names} (same item count, range and naming); name the right "
                                  "one in the commented line")
    full_range = group.numeric and group.low == top.instrument.response_min and \
        group.high == top.instrument.response_max
    if top.hint == "exact" and (full_range or not group.numeric or len(matches) == 1):
        confidence = "high"
    else:
        confidence = "medium"
    others = [m.instrument.id for m in matches[1:]]
    note = top.why + (f"; also possible: {', '.join(others)}" if others else "")
    decision = InstrumentDecision(group, matches, top, confidence, note)
    if group.texts and not group.numeric:
        labels = _labels_of(top.instrument)
        missing = [t for t in group.texts if " ".join(t.split()).casefold() not in labels]
        if missing:
            decision.labels_to_fill = list(group.texts)      # in order of first appearance
            decision.confidence = "low"
            decision.note += ("; its answers are texts that are not the instrument's response labels: "
                              "fill in the labels map (text: code) and uncomment it")
    return decision


def _answers(group: ItemGroup) -> str:
    return f"{_fmt(group.low)}-{_fmt(group.high)}" if group.numeric else "as texts"


# ----------------------------------------------------------------------------- id and group


def _id_candidates(table: Table, excluded: set[str]) -> list[tuple[float, str]]:
    frame = table.frame
    found = []
    for position, column in enumerate(table.columns):
        if column in excluded or column in table.free_text:
            continue
        words = set(_words(column))
        named = bool(words & _ID_WORDS or (position == 0 and words & {"n", "no", "nr", "num", "number"}))
        values = [str(v).strip() for v in frame[column]]
        filled = [v for v in values if v]
        if not filled or len(filled) < 0.8 * len(values) and len(filled) < 0.5 * len(frame):
            continue
        distinct = len(set(filled)) / len(filled)
        if not named and distinct < 1:
            continue
        if not named and (position > 2 or any(_number(v) is not None and "." in v for v in filled[:50])):
            continue
        metadata = column in QUALTRICS_METADATA
        score = 3 * named + 2 * distinct - 2 * metadata - 0.05 * position
        found.append((score, column))
    return sorted(found, reverse=True)


def _choose_id(wave_tables: Sequence[Table]) -> tuple[str | None, str]:
    """The participant-code column: in every response file, unique within a wave, shared
    across the waves' files."""
    if not wave_tables:
        return None, ""
    first = wave_tables[0]
    scored = []
    for score, column in _id_candidates(first, set()):
        if not all(column in t.frame.columns for t in wave_tables):
            continue
        codes = [set(_nonblank(t.frame[column])) for t in wave_tables]
        if len(codes) > 1:
            overlap = len(set.intersection(*codes)) / max(1, min(len(c) for c in codes))
            if overlap < 0.3:
                continue
            score += 2 * overlap
        scored.append((score, column))
    if not scored:
        return None, "no column holds one code per participant; each row is one participant"
    scored.sort(reverse=True)
    column = scored[0][1]
    note = "named like a participant code"
    if len(wave_tables) > 1:
        note += ", and the codes recur across the waves' files"
    return column, note


def _choose_group(tables: Sequence[Table], id_column: str | None, skip: set[str]) -> tuple[str | None, list, str]:
    best = None
    for table in tables:
        for position, column in enumerate(table.columns):
            if column in skip or column == id_column or column in table.free_text:
                continue
            words = set(_words(column))
            if not words & _GROUP_WORDS:
                continue
            values = _nonblank(table.frame[column])
            distinct = list(dict.fromkeys(values))
            filled_rows = sum(any(str(v).strip() for v in row) for row in table.frame.itertuples(index=False))
            if not 2 <= len(distinct) <= 6 or len(values) < 0.8 * filled_rows:
                continue
            if id_column and id_column in table.frame.columns:
                per_person = {}
                for code, value in zip(table.frame[id_column], table.frame[column]):
                    if str(code).strip() and str(value).strip():
                        per_person.setdefault(str(code).strip(), set()).add(str(value).strip())
                if any(len(v) > 1 for v in per_person.values()):
                    continue
            score = 2 * ("group" in words or "grupo" in words) + 1 - 0.01 * position
            if best is None or score > best[0]:
                best = (score, column, distinct)
    if best is None:
        return None, [], ""
    _, column, distinct = best
    ordered = sorted(distinct, key=lambda v: (not _REFERENCE_GROUP.search(v), _natural(v)))
    note = (f"'{ordered[0]}' is taken as the reference (named like a control arm)"
            if _REFERENCE_GROUP.search(ordered[0]) else
            f"no value is named like a control arm: '{ordered[0]}' is the reference only by sort order; "
            "put the control group first")
    return column, ordered, note


def _natural(text: str):
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text)]


# -------------------------------------------------------------------------------- proposal


def _candidates(definitions: Sequence[tuple[str, Instrument]]) -> list[tuple[str, Instrument, bool]]:
    found = [(ref, instrument, True) for ref, instrument in definitions]
    for ident in bundled_ids():
        try:
            found.append((ident, load_instrument(ident), False))
        except UserError:
            continue                    # a definition being edited: skipped, not fatal
    return found


def _identifying(table: Table, column: str) -> bool:
    """Named like a name, contact detail or comment and holding text, or long texts that
    differ from row to row."""
    values = _nonblank(table.frame[column])
    if values and all(_number(v) is not None for v in values):
        return False
    words = set(_words(column)) | {_norm(column)}
    if words & _IDENTIFYING_WORDS:
        return True
    if not values:
        return False
    long_unique = sum(len(v) > 25 for v in values) > 0.3 * len(values) and len(set(values)) > 0.8 * len(values)
    return long_unique


@dataclass
class _Notes:
    """What the report prints beside the block."""

    found: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)


def propose(folder: str | Path, repo_root: str | Path, study_id: str) -> Proposal:
    """Read the exports in ``folder`` (inside ``repo_root``) and decide the study's block.

    Raises
    ------
    UserError
        When nothing can be configured: no readable export, or no item column group matching
        an instrument and no wide scale scores; the message says what was found and what would
        fix it.
    """
    repo_root = Path(repo_root).resolve()
    folder = Path(folder).resolve()
    try:
        rel_folder = folder.relative_to(repo_root).as_posix()
    except ValueError:
        raise UserError(f"{folder}: is outside the repository ({repo_root}); put the exports under "
                        "data/raw/<study_id>/ and run init from the repository's root") from None
    if not folder.is_dir():
        raise UserError(f"{rel_folder}: no such folder; put the raw exports in data/raw/<study_id>/")
    tables, definitions, skipped = read_folder(folder, repo_root)
    if not tables:
        what = "; ".join(skipped) if skipped else "the folder is empty"
        raise UserError(f"{rel_folder}: no readable export ({what}); add the raw exports "
                        "(.csv, .sav, .xlsx) to the folder")
    notes = _Notes(left_out=list(skipped))
    for table in tables:
        _find_wide_layout(table)
    tables = _one_sheet_per_workbook(tables, notes)
    decisions, response_tables = _decide_instruments(tables, _candidates(definitions))
    response_tables += [t for t in tables if t.layout == "wide" and t not in response_tables]
    if not response_tables:
        raise _nothing_matched(rel_folder, decisions)

    _waves_from_file_names(response_tables, notes)
    id_column, id_note = _choose_id(response_tables)
    for table in response_tables:
        _find_long_layout(table, id_column, decisions, notes)
    waves = _order_waves(response_tables, notes)
    per_participant, suggested = _per_participant_file(tables, response_tables, id_column, notes)
    measures = _wide_scale_scores(response_tables, decisions, notes)

    group_column, groups, group_note = _choose_group(response_tables + per_participant, id_column,
                                                     {t.wave_column for t in response_tables if t.wave_column})
    if group_column and not any(group_column in t.frame.columns for t in response_tables):
        holder = next(t.name for t in per_participant if group_column in t.frame.columns)
        group_note += f"; the group is read from {holder}"
    if len(waves) >= 2:
        design = "mixed" if group_column else "repeated"
    else:
        design = "between" if group_column else "cross_sectional"

    id_is_pseudonymous, duplicates = False, None
    if id_column:
        id_is_pseudonymous = _codes_in_sequence(response_tables, id_column)
        id_note += ("; codes are numbers assigned in sequence, kept as they are (id_is_pseudonymous)"
                    if id_is_pseudonymous else "; codes look like raw codes: pseudonymised in results/ (P001 ...)")
        duplicates = _repeated_codes(response_tables, id_column, notes)

    used = {id_column, group_column} | {t.wave_column for t in response_tables}
    used |= {c for d in decisions if d.chosen for c in d.group.columns} | {m["column"] for m in measures}
    drop = _identifying_columns(response_tables + per_participant, used, notes)
    suggested += _other_numeric_columns(response_tables, used | set(drop), decisions, suggested)
    _instrument_notes(decisions, notes)
    for table in response_tables:
        notes.checks.extend(table.notes)
    if group_column:
        notes.checks.append(f"groups: {group_note}")
    if len(waves) > 1 and not all(_wave_rank(w) is not None for w in waves):
        notes.checks.append(f"waves {waves}: their order is the order found; the first is the baseline")
    return Proposal(study_id, rel_folder, response_tables + per_participant, waves, design, id_column, id_note,
                    id_is_pseudonymous, group_column, groups if group_column else [], group_note, decisions,
                    measures, drop, duplicates, notes.left_out, notes.checks, notes.undecided, notes.found,
                    suggested)


def _find_wide_layout(table: Table) -> None:
    """Wide layout: the waves' suffixes, in time order, come off before items are grouped."""
    suffixes = _wave_suffixes(table.columns)
    if suffixes:
        table.layout = "wide"

        def when(suffix: str):
            rank = _wave_rank(suffix.lstrip(" -_."))
            first = next(position for position, c in enumerate(table.columns) if c.endswith(suffix))
            return (rank is None, rank or 0, first)

        table.wave_suffixes = {slug(s.lstrip(" -_.")): s for s in sorted(suffixes, key=when)}
    table.groups_of_items = item_groups(_strip_suffix_view(table) if table.layout == "wide" else table)
    for group in table.groups_of_items:
        group.table = table


def _one_sheet_per_workbook(tables: list[Table], notes: _Notes) -> list[Table]:
    """Several sheets of one workbook: the one with the most item columns is read."""
    kept = []
    for table in tables:
        sheets = [t for t in tables if t.path == table.path]
        best = max(sheets, key=lambda t: sum(len(g.columns) for g in t.groups_of_items))
        if table is best:
            kept.append(table)
        else:
            notes.left_out.append(f"{table.name}: another sheet of the workbook, with fewer item columns "
                                  f"than sheet '{best.settings['sheet']}'; not read")
    return kept


def _decide_instruments(tables: Sequence[Table], candidates) -> tuple[list[InstrumentDecision], list[Table]]:
    """One decision per item group (the same stem in several wave files: one), each instrument
    used once, and the files holding the chosen groups."""
    decisions = [decide(group, rank(group, candidates), candidates)
                 for table in tables for group in table.groups_of_items]
    taken: dict[str, InstrumentDecision] = {}
    for decision in sorted(decisions, key=lambda d: -(d.chosen.score if d.chosen else -1)):
        if decision.chosen is None:
            continue
        other = taken.setdefault(decision.chosen.ref, decision)
        if other is not decision and other.group.stem != decision.group.stem:
            decision.note = (f"also fits {decision.chosen.ref}, which is taken for {other.group.describe()}; "
                             "left out")
            decision.chosen, decision.confidence = None, "undecided"
    response_tables = [t for t in tables if any(d.chosen for d in decisions if d.group.table is t)]
    unique, seen = [], set()
    for decision in decisions:
        key = (decision.group.stem, len(decision.group.columns), decision.chosen.ref if decision.chosen else None)
        if key not in seen:
            seen.add(key)
            unique.append(decision)
    return unique, response_tables


def _nothing_matched(rel_folder: str, decisions: list[InstrumentDecision]) -> UserError:
    decisions = sorted(decisions, key=lambda d: not d.note.startswith("named like"))   # nearest misses first
    listing = "; ".join(f"{d.group.describe()}: {d.note}" for d in decisions[:4])
    if len(decisions) > 4:
        listing += f"; and {len(decisions) - 4} more column groups"
    return UserError(f"{rel_folder}: no item columns match a bundled instrument or a definition file "
                     f"here ({listing or 'no numbered item columns found'}); add the instrument's "
                     "definition (*.yaml, see README 'A study's own instrument') to the folder, or "
                     "configure the study by hand")


def _waves_from_file_names(response_tables: Sequence[Table], notes: _Notes) -> None:
    """One file per wave when every response file's name carries a different wave word."""
    file_waves = {}
    for table in response_tables:
        worded = [w for w in re.split(r"[^A-Za-z0-9]+", Path(table.path).stem) if _wave_rank(w) is not None]
        if worded and table.layout != "wide":
            file_waves[table.path] = worded[-1]
    if len(response_tables) > 1 and len(file_waves) == len(response_tables) \
            and len(set(file_waves.values())) == len(response_tables):
        for table in response_tables:
            table.layout, table.wave = "wave", slug(file_waves[table.path])
        notes.found.append("layout: one file per wave, from the file names (" + ", ".join(
            f"{Path(t.path).name} = {t.wave}" for t in response_tables) + ")")


def _find_long_layout(table: Table, id_column: str | None, decisions, notes: _Notes) -> None:
    """Long layout: the wave column and its map; values whose rows hold no item answer are
    not waves."""
    if table.layout == "wide" or table.wave:
        return
    column = _long_wave_column(table, id_column)
    if not column:
        table.layout = "wave"
        return
    table.layout, table.wave_column = "long", column
    item_columns = [c for d in decisions if d.group.table is table for c in d.group.columns]
    values = _nonblank(table.frame[column])
    with_items = set(values)
    if item_columns:
        answered = [any(str(v).strip() for v in row) for row in table.frame[item_columns].itertuples(index=False)]
        with_items = {str(w).strip() for w, has in zip(table.frame[column], answered) if has}
    table.wave_map = _wave_map([v for v in values if v in with_items] or values)
    dropped = [v for v in dict.fromkeys(values) if v not in table.wave_map]
    if dropped:
        notes.left_out.append(f"{table.name}: {column} values {', '.join(dropped)} have no item answers; "
                              "not mapped to waves (their rows are excluded in the ledger)")
    notes.found.append(f"layout of {table.name}: long, the wave in column {column} ({', '.join(table.wave_map)})")


def _order_waves(response_tables: list[Table], notes: _Notes) -> list[str]:
    """The study's waves in time order (by their words when they have them), the files sorted
    by them."""
    waves: list[str] = []
    for table in response_tables:
        if table.layout == "wide":
            names = list(table.wave_suffixes)
            notes.found.append(f"layout of {table.name}: wide, waves as column suffixes "
                               f"({', '.join(repr(s) for s in table.wave_suffixes.values())})")
        else:
            names = [table.wave] if table.wave else list(dict.fromkeys(table.wave_map.values()))
        waves += [name for name in names if name and name not in waves]
    if all(_wave_rank(w) is not None for w in waves):
        waves.sort(key=_wave_rank)
    if not waves:
        waves = ["baseline"]
        notes.found.append("layout: one row per participant, one wave (named 'baseline')")
    for table in response_tables:
        if table.layout == "wave" and not table.wave:
            table.wave = waves[0]
    response_tables.sort(key=lambda t: waves.index(t.wave) if t.layout == "wave" else 0)
    return waves


def _per_participant_file(tables, response_tables, id_column, notes: _Notes) -> tuple[list[Table], list[dict]]:
    """A file without scored items, one row per code of the id column: joined to every wave.
    One at most (the ingest joins one row per code): the fullest."""
    chosen: list[Table] = []
    suggested: list[dict] = []
    others = sorted((t for t in tables if t not in response_tables),
                    key=lambda t: -sum(len(_nonblank(t.frame[c])) for c in t.columns if _is_numeric(t.frame[c])))
    for table in others:
        if chosen:
            notes.left_out.append(f"{table.name}: not used (another per-participant file, {chosen[0].name}, "
                                  "already joins one row per participant)")
            continue
        usable = bool(id_column) and id_column in table.frame.columns
        numeric = [c for c in table.columns if c != id_column and _is_numeric(table.frame[c])
                   and len(_nonblank(table.frame[c])) >= 0.5 * len(table.frame)]
        codes = _nonblank(table.frame[id_column]) if usable else []
        if usable and numeric and len(codes) == len(set(codes)):
            table.layout = "per_participant"
            chosen.append(table)
            suggested += [{"column": column, "name": slug(column)} for column in numeric]
            notes.found.append(f"{table.name}: one row per participant ({id_column}), no items: per_participant "
                               "(its columns join every wave)")
        else:
            why = ("its item columns matched no instrument (see above)" if table.groups_of_items else
                   f"no {id_column} column to join it by" if not usable else
                   "no numeric column filled in most rows" if not numeric else f"{id_column} repeats")
            notes.left_out.append(f"{table.name}: not used ({why})")
    return chosen, suggested


def _wide_scale_scores(response_tables, decisions, notes: _Notes) -> list[dict]:
    """Wide layout: numeric stems under every wave suffix that are not items (scale scores)."""
    measures: list[dict] = []
    for table in response_tables:
        if table.layout != "wide":
            continue
        items = {c for d in decisions if d.group.table is table for c in d.group.columns}
        suffixes = list(table.wave_suffixes.values())
        stems = set.intersection(*({c[: -len(s)] for c in table.columns if c.endswith(s)} for s in suffixes))
        found = []
        for stem in sorted(stems, key=lambda s: table.columns.index(s + suffixes[0])):
            if stem not in items and all(_is_numeric(table.frame[stem + s]) for s in suffixes):
                found.append({"column": stem, "name": slug(stem)})
        if found:
            notes.found.append(f"{table.name}: scale scores under each wave suffix, taken as measures "
                               f"({', '.join(m['column'] for m in found)})")
        measures += found
    return measures


def _codes_in_sequence(response_tables, id_column: str) -> bool:
    """Participant codes 1, 2, 3 ... assigned in sequence (REDCap record ids) identify nobody."""
    codes = [c for t in response_tables for c in _nonblank(t.frame[id_column])]
    numbers = sorted({int(float(c)) for c in codes if _number(c) is not None})
    return bool(numbers) and numbers == list(range(numbers[0], numbers[0] + len(numbers))) \
        and len(numbers) == len(set(codes))


def _repeated_codes(response_tables, id_column: str, notes: _Notes) -> str | None:
    """``separate`` when a code is on two rows at one wave of a format without attempt data."""
    duplicates = None
    for table in response_tables:
        if table.layout == "long":
            pairs = Counter((str(i).strip(), str(w).strip()) for i, w in
                            zip(table.frame[id_column], table.frame[table.wave_column]) if str(i).strip())
        else:
            pairs = Counter(_nonblank(table.frame[id_column]))
        repeated = sorted({str(k) for k, n in pairs.items() if n > 1})
        if repeated and table.format != "qualtrics":
            duplicates = "separate"
            notes.checks.append(f"{table.name}: code(s) {', '.join(repeated[:5])} appear on more than one row "
                                "at a wave: duplicates: separate treats them as different people; use "
                                "keep_most_complete if they are repeat attempts")
    return duplicates


def _identifying_columns(tables, used: set, notes: _Notes) -> list[str]:
    drop: list[str] = []
    for table in tables:
        for column in table.columns:
            if column in used or column in table.identifiers or column in table.free_text or "@" in column:
                continue
            if _identifying(table, column) and column not in drop:
                drop.append(column)
        if table.identifiers:
            notes.left_out.append(f"{table.name}: {', '.join(sorted(table.identifiers)[:6])}"
                                  f"{' ...' if len(table.identifiers) > 6 else ''} identify a person: "
                                  f"dropped by the {table.format} reader")
    if drop:
        notes.left_out.append(f"identifying or free-text columns dropped: {', '.join(drop)}")
    return drop


def _other_numeric_columns(response_tables, used: set, decisions, suggested) -> list[dict]:
    """Numeric columns beside the items (age, minutes of practice): suggested as measures."""
    items = {c for d in decisions for c in d.group.columns}
    taken = {m["column"] for m in suggested}
    found = []
    for table in response_tables:
        if table.layout == "wide":
            continue
        for column in table.columns:
            if (column in used or column in items or column in taken or column in QUALTRICS_METADATA
                    or column in REDCAP_COLUMNS or column.endswith(("_complete", "_timestamp")) or "@" in column
                    or column in table.identifiers):
                continue
            if _is_numeric(table.frame[column]):
                taken.add(column)
                found.append({"column": column, "name": slug(column)})
    return found


def _instrument_notes(decisions, notes: _Notes) -> None:
    for decision in decisions:
        group, chosen = decision.group, decision.chosen
        if chosen is None:
            notes.undecided.append(f"{group.describe()} in {group.table.name}: {decision.note}")
            continue
        if decision.labels_to_fill:
            notes.undecided.append(f"{chosen.instrument.id} ({group.describe()} in {group.table.name}): answers "
                                   "are texts that are not its response labels "
                                   f"({', '.join(decision.labels_to_fill[:6])}); fill in the labels map in the "
                                   "block and uncomment the instrument")
        if group.labelled_codes:
            notes.checks.append(f"{chosen.instrument.id}: answers are written as code and label ('3 - ...'): "
                                "read by their code (labelled_codes: true on the source)")
        if group.reversed_numbers:
            columns = [c for c, n in zip(group.columns, group.numbers) if n in group.reversed_numbers]
            notes.checks.append(f"{chosen.instrument.id}: columns {', '.join(columns)} are named as reversed: "
                                "taken as already reversed (reversed_in_export); check one against its answer scale")
        if group.numbers[0] != 1:
            notes.checks.append(f"{chosen.instrument.id}: its columns are numbered {group.numbers[0]} to "
                                f"{group.numbers[-1]}, listed as items 1 to {len(group.numbers)}; check the order")
        if group.outliers:
            notes.checks.append(f"{chosen.instrument.id}: {sum(group.outliers.values())} answer(s) outside "
                                f"{_fmt(group.low)}-{_fmt(group.high)} "
                                f"({', '.join(_fmt(v) for v in group.outliers)}): set missing and listed in "
                                "ingest/issues.csv")


def _is_numeric(values) -> bool:
    filled = _nonblank(values)
    return bool(filled) and all(_number(v) is not None for v in filled)


def _strip_suffix_view(table: Table) -> Table:
    """The table with wave suffixes taken off the column names (first wave's columns)."""
    first = next(iter(table.wave_suffixes.values()))
    columns = [c[: -len(first)] for c in table.columns if c.endswith(first)]
    frame = table.frame[[c + first for c in columns]].copy()
    frame.columns = columns
    view = Table(table.path, table.format, frame, table.settings)
    view.wave_suffixes = table.wave_suffixes
    return view


# --------------------------------------------------------------------------------- writing


def _source_entry(table: Table, labelled_codes: bool = False) -> dict:
    entry = {"path": table.path, "format": table.format}
    if labelled_codes:
        entry["labelled_codes"] = True
    entry.update({k: v for k, v in table.settings.items() if k in ("sheet", "header_row", "delimiter", "decimal",
                                                                   "dictionary")})
    if table.layout == "long":
        entry["wave_column"] = table.wave_column
        entry["wave_map"] = dict(table.wave_map)
    elif table.layout == "wide":
        entry["wave_suffixes"] = dict(table.wave_suffixes)
    elif table.layout == "per_participant":
        entry["per_participant"] = True
    else:
        entry["wave"] = table.wave
    return entry


def _source_comment(table: Table) -> str:
    what = {"qualtrics": "Qualtrics export (metadata columns)", "redcap": "REDCap export",
            "spss": "SPSS file", "excel": "workbook", "csv": "plain CSV"}[table.format]
    if table.settings.get("delimiter"):
        what += f", '{table.settings['delimiter']}'-separated"
    if table.settings.get("header_row"):
        what += f", header in row {table.settings['header_row']}"
    layout = {"long": "long: one row per participant and wave", "wide": "wide: waves as column suffixes",
              "per_participant": "one row per participant, joined to every wave",
              "wave": f"the whole file is wave {table.wave}"}[table.layout]
    return f"{what}; {layout}"


def _item_spec(group: ItemGroup):
    """``PSS_{n}`` when the columns follow a pattern from item 1, else the list of columns."""
    if group.numbers[0] == 1 and not group.reversed_numbers and "{" not in group.stem and "}" not in group.stem:
        return f"{group.stem}{{n}}"
    return list(group.columns)


def _instrument_entry(decision: InstrumentDecision, match: Match | None = None) -> dict:
    match = match or decision.chosen
    entry = {"instrument": match.ref, "items": _item_spec(decision.group)}
    if decision.group.reversed_numbers:
        entry["reversed_in_export"] = [decision.group.numbers.index(n) + 1 for n in decision.group.reversed_numbers]
    return entry


def _outcomes(decisions: Sequence[InstrumentDecision]) -> list[str]:
    outcomes = []
    for decision in decisions:
        instrument = decision.chosen.instrument
        names = ["total"] if "total" in instrument.scale_names else list(instrument.scale_names)
        outcomes.extend(f"{instrument.id}.{name}" for name in names)
    return outcomes


def study_mapping(proposal: Proposal) -> dict:
    """The block as data (what the YAML text says, without its comments)."""
    study: dict = {"title": f"{proposal.study_id} (set by wellbeing init: describe the study)",
                   "design": proposal.design,
                   "sources": [_source_entry(t, any(d.chosen and d.group.labelled_codes and d.group.table is t
                                                    for d in proposal.instruments))
                               for t in proposal.tables]}
    if proposal.id_column:
        study["id_column"] = proposal.id_column
    if proposal.id_is_pseudonymous:
        study["id_is_pseudonymous"] = True
    if proposal.group_column:
        study["group_column"] = proposal.group_column
    study["waves"] = list(proposal.waves)
    if proposal.group_column:
        study["groups"] = list(proposal.groups)
    if proposal.drop_columns:
        study["drop_columns"] = list(proposal.drop_columns)
    if proposal.duplicates:
        study["duplicates"] = proposal.duplicates
    used = proposal.used()
    if used:
        study["instruments"] = [_instrument_entry(d) for d in used]
    if proposal.measures:
        study["measures"] = [dict(m) for m in proposal.measures]
    analyses: dict = {}
    if used:
        analyses["reliability"] = {}
        outcomes = _outcomes(used)
        if proposal.design != "cross_sectional":
            analyses["anova"] = {"outcomes": outcomes}
        totals = [o for o in outcomes if o.endswith(".total")]
        if len(totals) >= 2:
            analyses["correlations"] = [{"name": "baseline", "variables": totals, "wave": proposal.waves[0]}]
    study["analyses"] = analyses
    return study


def render_block(proposal: Proposal) -> str:
    """The study as commented YAML, indented to sit under ``studies:``."""
    study = study_mapping(proposal)
    lines = [f"  # Written by `wellbeing init {proposal.folder}`: check the lines marked CHECK, then",
             "  # `wellbeing check` and `make run`. docs/init.md says how each key was decided.",
             f"  {proposal.study_id}:"]

    def add(text: str, comment: str = "") -> None:
        lines.append(f"    {text}" + (f"   # {comment}" if comment else ""))

    add(f"title: {flow(study['title'])}", "CHECK: a title for tables and the report")
    design_why = {"mixed": "groups x waves", "repeated": "one arm over waves",
                  "between": "groups at one wave", "cross_sectional": "one group, one wave"}[proposal.design]
    add(f"design: {proposal.design}", f"{design_why}, from the group column and waves found")
    add("sources:")
    for table, entry in zip(proposal.tables, study["sources"]):
        lines.append(f"      # {_source_comment(table)}")
        lines.append(f"      - {flow(entry)}")
    if "id_column" in study:
        add(f"id_column: {flow(study['id_column'])}", proposal.id_note.split(";")[0])
    else:
        lines.append("    # no id_column: no column holds a participant code, so each row is one participant")
    if study.get("id_is_pseudonymous"):
        add("id_is_pseudonymous: true", "CHECK: codes 1, 2, 3 ... assigned in sequence identify nobody")
    elif "id_column" in study:
        lines.append("    # codes are pseudonymised in results/ (P001 ...); the key goes to private/<study>/")
    if "group_column" in study:
        add(f"group_column: {flow(study['group_column'])}")
    add(f"waves: {flow(study['waves'])}", "in time order; the first is the baseline")
    if "groups" in study:
        add(f"groups: {flow(study['groups'])}", "CHECK: the first is the reference (control) group")
    if "drop_columns" in study:
        add(f"drop_columns: {flow(study['drop_columns'])}", "names, contact details or free text: never analysed")
    if "duplicates" in study:
        add(f"duplicates: {study['duplicates']}", "CHECK: a code on two rows at one wave (see init's report)")
    used = proposal.used()
    if used or any(d.chosen is None or d.labels_to_fill for d in proposal.instruments):
        add("instruments:" if used else "instruments: []")
    for decision in proposal.instruments:
        group = decision.group
        if decision.chosen and not decision.labels_to_fill:
            entry = _instrument_entry(decision)
            lines.append(f"      # {decision.confidence} confidence: {decision.note}")
            lines.append(f"      - {flow(entry)}")
        elif decision.chosen:
            entry = _instrument_entry(decision)
            lines.append(f"      # UNDECIDED: {group.describe()}: {decision.note}")
            lines.append(f"      # - {flow(entry)[:-1]},")
            lines.append("      #   labels: {" + ", ".join(f"{flow(t)}: ?" for t in decision.labels_to_fill) + "}}")
        else:
            lines.append(f"      # UNDECIDED: {group.describe()} in {group.table.name}: {decision.note}")
            for match in decision.candidates[:3]:
                lines.append(f"      # - {flow(_instrument_entry(decision, match))}   # {match.why}")
    if "measures" in study:
        add("measures:", "numeric columns taken as they are")
        for measure in study["measures"]:
            lines.append(f"      - {flow(measure)}")
    if proposal.suggested_measures:
        lines.append("    # other numeric columns, to analyse them as measures (add min/max checks):")
        lines.append("    # measures:" if "measures" not in study else "    #   (under measures:)")
        for measure in proposal.suggested_measures:
            lines.append(f"    #   - {flow(measure)}")
    analyses = study["analyses"]
    if not analyses:
        add("analyses: {}", "no instrument scored: add analyses once instruments or measures are set")
    else:
        add("analyses:")
        lines.append("      reliability: {}                 # Cronbach's alpha and omega of every scale")
        if "anova" in analyses:
            lines.append(f"      anova: {{outcomes: {flow(analyses['anova']['outcomes'])}}}")
        if "correlations" in analyses:
            lines.append(f"      correlations:                   # the scales' totals at {proposal.waves[0]}")
            lines.append(f"        - {flow(analyses['correlations'][0])}")
    return "\n".join(lines) + "\n"


def render_report(proposal: Proposal) -> str:
    """What init decided, how sure it is and what to check, for the console."""
    out = [f"Study {proposal.study_id} from {proposal.folder}/"]
    out.append("Files:")
    for table in proposal.tables:
        out.append(f"  {table.name}: {table.format} ({_source_comment(table)})")
    for line in proposal.found:
        out.append(f"  {line}")
    out.append(f"Design: {proposal.design}; waves {', '.join(proposal.waves)}"
               + (f"; groups {', '.join(proposal.groups)} ({proposal.group_column})" if proposal.group_column else
                  "; no group column"))
    out.append(f"Participant id: {proposal.id_column or 'none (each row is one participant)'}"
               + (f" ({proposal.id_note})" if proposal.id_column else ""))
    out.append("Instruments:")
    for decision in proposal.instruments:
        group = decision.group
        if decision.chosen and not decision.labels_to_fill:
            out.append(f"  {decision.chosen.instrument.id} <- {group.describe()} in {group.table.name}: "
                       f"{decision.confidence} confidence ({decision.note})")
    if not proposal.used():
        out.append("  none scored")
    for line in proposal.measures:
        out.append(f"  measure {line['name']} <- column {line['column']}")
    if proposal.undecided:
        out.append("Could not decide:")
        out.extend(f"  {line}" for line in proposal.undecided)
    if proposal.left_out:
        out.append("Left out:")
        out.extend(f"  {line}" for line in proposal.left_out)
    if proposal.checks:
        out.append("Check:")
        out.extend(f"  {line}" for line in proposal.checks)
    return "\n".join(out) + "\n"


def append_study(config_text: str | None, block: str, study_id: str, config_name: str = "config.yaml") -> str:
    """``config_text`` with the study block appended under ``studies:``, comments kept.

    An absent or empty config, or one whose ``studies`` is empty (``studies: {}``), gets a
    ``studies:`` key. A study id already configured is refused.

    >>> print(append_study("studies: {}\\n", "  a:\\n    title: x\\n", "a"), end="")
    studies:
      a:
        title: x
    """
    text = config_text or ""
    data = yaml.safe_load(text) if text.strip() else None
    if data is not None and not isinstance(data, dict):
        raise UserError(f"{config_name}: is not a mapping with a studies key; fix it or move it aside")
    studies = (data or {}).get("studies")
    if isinstance(studies, dict) and study_id in studies:
        raise UserError(f"{config_name}: study '{study_id}' is already configured; choose another id with "
                        f"--study NAME (or remove '{study_id}' from {config_name} first)")
    if text and not text.endswith("\n"):
        text += "\n"
    if data is None or "studies" not in data:
        text += "studies:\n"
    elif not studies:
        pattern = re.compile(r"^studies:[ \t]*(\{\s*\}|null|~)?[ \t]*(#.*)?$", re.MULTILINE)
        if not pattern.search(text):
            raise UserError(f"{config_name}: cannot find its 'studies:' line to add the study under; "
                            "add the block printed by --dry-run by hand")
        text = pattern.sub(lambda m: "studies:" + (f"  {m.group(2)}" if m.group(2) else ""), text, count=1)
    elif not re.search(r"^studies:[ \t]*(#.*)?$", text, re.MULTILINE):
        raise UserError(f"{config_name}: its studies are written in flow style ({{...}}); add the block "
                        "printed by --dry-run by hand")
    result = text + ("\n" if studies else "") + block
    merged = yaml.safe_load(result)
    if not isinstance(merged.get("studies"), dict) or study_id not in merged["studies"] \
            or any(merged["studies"].get(k) != v for k, v in (studies or {}).items()):
        raise UserError(f"{config_name}: the study could not be appended without changing the others; "
                        "add the block printed by --dry-run by hand")
    return result
