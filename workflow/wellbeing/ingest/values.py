"""Values: which columns the analyses read and how each is checked (column rules), how a cell's
text becomes a number, and the checks that set a value missing (listed) or stop the run."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import UserError
from .records import Candidate, RawSource, issue

@dataclass(frozen=True)
class ColumnRule:
    """How ingest checks one analysis column: an instrument item or a measure."""

    role: str           # "item:<instrument>" or "measure:<name>"
    low: float | None
    high: float | None
    whole: bool         # response codes must be whole numbers
    #: answer text (folded by :func:`fold_text`) -> response code, for exports holding texts
    labels: tuple[tuple[str, float], ...] = ()
    #: the export holds this item reversed (low + high - x): turned back on reading
    reversed_in_export: bool = False
    #: the labels are the study's own (instruments[].labels), not the instrument's defaults
    labels_given: bool = False

    def label_code(self, text: str) -> float | None:
        """The code of an answer text, or None when the labels do not name it."""
        return dict(self.labels).get(fold_text(text)) if self.labels else None


def fold_text(text: str) -> str:
    """An answer text as labels are matched: trimmed, inner blanks collapsed, case folded.

    >>> fold_text("  Szinte  SOHA ")
    'szinte soha'
    """
    return " ".join(str(text).split()).casefold()



NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: str) -> float | None:
    """A number written in the export, or None when the text is not a number.

    Leading and trailing blanks are ignored; nothing else is guessed.

    Examples
    --------
    >>> parse_number(" 4 "), parse_number("3.5"), parse_number("n/a"), parse_number("3 - Neutral")
    (4.0, 3.5, None, None)
    >>> parse_number("1e309") is None, parse_number("inf") is None
    (True, True)
    """
    text = text.strip()
    if not NUMBER.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None     # 1e309 is no answer anyone gave


@dataclass(frozen=True)
class ValueReading:
    """How a source writes numbers: its decimal mark and whether answers carry their label."""

    decimal: str = "."             # "," for exports written with decimal commas
    labelled_codes: bool = False   # read '3 - Neutral' as 3
    missing_codes: frozenset = frozenset()   # the study's sentinel codes (-99): missing


#: An answer written as its code and its label: '3 - Neutral', '3 = Neutral', '3: Neutral',
#: '3. Neutral', '3 (Neutral)'.
_LABELLED_CODE = re.compile(r"^([+-]?\d+)\s*(?:[-\u2013\u2014=:]|\.(?=\s)|(?=\())\s*\(?[^\d\s].*$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
#: Under ``decimal: ","``: a number whose dots group its thousands (1.234,5), and one whose
#: single dot before three digits could group thousands or mark decimals (1.234).
_GROUPED_DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,3}((\.\d{3}){2,}(,\d+)?|\.\d{3},\d+)$")
_AMBIGUOUS_POINT = re.compile(r"^[+-]?\d{1,3}\.\d{3}$")
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
    >>> [read_number(text, ValueReading(decimal=",")) for text in ("1.234,5", "1.234.567", "1.234", "3.5")]
    [1234.5, 1234567.0, None, 3.5]
    >>> read_number("3 - Neutral"), read_number("3 - Neutral", ValueReading(labelled_codes=True))
    (None, 3.0)
    """
    text = text.strip()
    if reading is not None and reading.decimal == ",":
        if _GROUPED_DECIMAL_COMMA.match(text):       # 1.234,5: dots group the thousands
            return parse_number(text.replace(".", "").replace(",", "."))
        if _AMBIGUOUS_POINT.match(text):             # 1.234: a thousand, or one and a bit?
            return None
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
    if reading is not None and reading.decimal == "," and _AMBIGUOUS_POINT.match(text):
        return " (under decimal ',' the dot could group thousands or mark decimals)"
    if NUMBER.match(text):
        return " (too large to be an answer)"
    if _DATE.match(text):
        return " (a date: Excel may have turned the answer into a date)"
    if _LABELLED_CODE.match(text):
        return " (a labelled answer; sources[].labelled_codes: true reads its code)"
    if _DECIMAL_COMMA.match(text):
        return " (a decimal comma; sources[].decimal: ',' reads it)"
    return ""


def distinct(values) -> tuple[np.ndarray, list[str]]:
    """The distinct texts of ``values`` in order of appearance, and for each cell its text's index.

    Questionnaire columns hold a handful of distinct texts ('1' to '5', '', a typo), so checking
    each distinct text once and broadcasting keeps ingest linear in cells with a tiny constant.
    """
    values = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(values)        # the readers hold text: no missing marker, fast
    if len(codes) and codes.min() < 0:           # else a missing marker counts as a text too
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, [str(text) for text in uniques]


def map_unique(values, function, dtype=object) -> np.ndarray:
    """``function`` applied to every value of ``values``, computed once per distinct text."""
    codes, uniques = distinct(values)
    mapped = np.empty(len(uniques), dtype=dtype)
    for index, value in enumerate(uniques):
        mapped[index] = function(value)
    return mapped[codes]


def strip(value) -> str:
    return str(value).strip()


def not_blank(value) -> bool:
    return bool(str(value).strip())



class RangeTally:
    """Counts, per instrument, the answered values and those outside the declared range.

    A few out-of-range values are typos (set missing, listed); many mean the export codes the
    responses differently from the definition (0-4 data for a 1-5 scale), which setting values
    missing would hide: that stops the run.
    """

    #: Share of an instrument's answered values that may be out of range before ingest stops.
    TOLERATED_SHARE = 0.05
    TOLERATED_COUNT = 3
    #: Share of an instrument's answers that may be texts no label names before ingest stops:
    #: more means the export holds answer texts the labels do not cover.
    TEXT_SHARE = 0.25

    def __init__(self) -> None:
        self.answered: dict[str, int] = {}
        self.outside: dict[str, int] = {}
        self.observed: dict[str, list[float]] = {}
        self.declared: dict[str, tuple] = {}
        self.filled: dict[str, int] = {}         # non-empty cells, numbers or not
        self.unmapped: dict[str, dict[str, int]] = {}  # texts the labels do not name -> cells

    def add_column(self, rule: ColumnRule, texts: Sequence[str], codes: np.ndarray,
                   problems: Sequence[str | None], reading: "ValueReading | None" = None) -> None:
        """Count one item column of one block: its distinct ``texts``, the text of each cell
        (``codes``) and the problem found with each text."""
        role = rule.role
        counts = np.bincount(codes, minlength=len(texts))
        for code, text in enumerate(texts):
            if counts[code] == 0 or not text.strip():
                continue
            n = int(counts[code])
            self.filled[role] = self.filled.get(role, 0) + n
            value = read_answer(text, rule, reading)
            if value is None:
                if text.strip().casefold() in NON_ANSWERS:
                    continue                # "n/a": no answer, whatever the labels
                unmapped = self.unmapped.setdefault(role, {})
                unmapped[text.strip()] = unmapped.get(text.strip(), 0) + n
                continue
            self.declared[role] = (rule.low, rule.high)
            self.answered[role] = self.answered.get(role, 0) + n
            low_high = self.observed.setdefault(role, [value, value])
            low_high[0], low_high[1] = min(low_high[0], value), max(low_high[1], value)
            if problems[code] and problems[code].startswith("out of range"):
                self.outside[role] = self.outside.get(role, 0) + n

    def check(self, labels: Sequence[str]) -> None:
        for role, texts in sorted(self.unmapped.items()):
            unmapped, filled = sum(texts.values()), self.filled[role]
            if unmapped > max(self.TOLERATED_COUNT, self.TEXT_SHARE * filled) or (
                    filled >= self.TOLERATED_COUNT and not self.answered.get(role)):
                ranked = sorted(texts.items(), key=lambda item: (-item[1], item[0]))
                # Shown to the analyst who must map them (the console, the log; never results/):
                # answer texts as written, a long one by its length.
                listed = ", ".join(f"'{text if len(text) <= 40 else shown_value(text, 1)}' ({count})"
                                   for text, count in ranked[:12])
                more = f" and {len(texts) - 12} more" if len(texts) > 12 else ""
                labelled = any(_LABELLED_CODE.match(text) for text in texts)
                raise UserError(
                    f"{', '.join(labels)}: instrument {role[5:]}: {unmapped} of {filled} answers are "
                    f"texts, not response codes, that its labels do not name: {listed}{more}; map "
                    "each text to its code in instruments[].labels, or export numeric values "
                    "(Qualtrics: 'Use numeric values')"
                    + ("; for answers written as '<code> - <label>', set sources[].labelled_codes: "
                       "true" if labelled else ""))
        for role, outside in sorted(self.outside.items()):
            answered = self.answered[role]
            if outside > max(self.TOLERATED_COUNT, self.TOLERATED_SHARE * answered):
                low, high = self.declared[role]
                seen_low, seen_high = self.observed[role]
                raise UserError(
                    f"{', '.join(labels)}: instrument {role[5:]}: {outside} of {answered} answers "
                    f"lie outside the declared response range {fmt(low)} to {fmt(high)} "
                    f"(observed {fmt(seen_low)} to {fmt(seen_high)}): the export codes the "
                    "responses differently from the definition; recode the export, or use a "
                    "definition file whose response range matches it")


def fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))



def strip_suffix(column: str, source: Mapping) -> str:
    for suffix in source.get("wave_suffixes", {}).values():
        if column.endswith(suffix):
            return column[: -len(suffix)]
    return column



def _check_value(text: str, rule: ColumnRule, user_missing: set[str],
                 reading: "ValueReading | None" = None, missing_ranges: Sequence[tuple] = ()):
    """(number or NA, problem or None) for one cell of an analysis column."""
    stripped = text.strip()
    if stripped == "":
        return pd.NA, None
    if stripped in user_missing:
        return pd.NA, f"user-missing code {stripped} (declared in the SPSS file)"
    value = read_answer(stripped, rule, reading)
    if value is not None and reading is not None and value in reading.missing_codes:
        return pd.NA, f"missing code {fmt(value)} (missing_codes)"
    for low, high in missing_ranges:
        if value is not None and low <= value <= high:
            return pd.NA, f"user-missing range {fmt(low)} to {fmt(high)} (declared in the SPSS file)"
    if value is None:
        if rule.labels_given and not NUMBER.match(stripped):
            return pd.NA, "answer text not in instruments[].labels"
        return pd.NA, "not a number" + _why_not_a_number(stripped, reading)
    if rule.whole and not value.is_integer():
        return pd.NA, "not a response code (whole number expected)"
    if rule.low is not None and rule.high is not None and not rule.low <= value <= rule.high:
        return pd.NA, f"out of range (valid {fmt(rule.low)} to {fmt(rule.high)})"
    if rule.low is not None and value < rule.low:
        return pd.NA, f"below the minimum {fmt(rule.low)}"
    if rule.high is not None and value > rule.high:
        return pd.NA, f"above the maximum {fmt(rule.high)}"
    if rule.reversed_in_export:
        return rule.low + rule.high - value, None
    return value, None


def read_answer(text: str, rule: ColumnRule, reading: ValueReading | None = None) -> float | None:
    """The code of one answer: its label's code when the rule has labels and names the text,
    else the number it is written as (:func:`read_number`), else None.

    >>> rule = ColumnRule("item:x", 1, 5, True, labels=(("never", 1.0), ("often", 4.0)))
    >>> read_answer(" Never ", rule), read_answer("4", rule), read_answer("always", rule)
    (1.0, 4.0, None)
    """
    code = rule.label_code(text)
    return code if code is not None else read_number(text, reading)



def check_values(kept: Sequence[Candidate], blocks: Sequence,
                  column_rules: Mapping[str, ColumnRule]):
    """Check every analysis cell of the kept responses (:func:`_check_value`, once per distinct
    text of a column). ``blocks`` are the rows layer's blocks: each gives its ``columns``, the
    ``distinct`` texts of a column (cached), its ``raw`` source and its ``reading``.

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
        indices, positions = by_block.setdefault(candidate.block, ([], []))
        indices.append(index)
        positions.append(candidate.position)
    rank = {column: order for order, column in enumerate(column_rules)}
    values: dict[tuple[int, str], np.ndarray] = {}
    found: list[tuple[int, int, str, str, str]] = []   # kept index, column rank, column, text, problem
    coding = RangeTally()
    for block_index, (indices, positions) in by_block.items():
        block = blocks[block_index]
        for column, rule in column_rules.items():
            if column not in block.columns:
                continue
            original = block.columns[column]
            user_missing = block.raw.user_missing.get(original, set())
            column_codes, column_texts = block.distinct(column)
            codes, present = pd.factorize(column_codes[positions])   # the kept rows' texts, in order met
            texts = [column_texts[code] for code in present]
            ranges = block.raw.missing_ranges.get(original, ())
            checked = [_check_value(text, rule, user_missing, block.reading, ranges) for text in texts]
            numbers = np.array([math.nan if value is pd.NA else value for value, _ in checked], dtype=float)
            values[(block_index, column)] = numbers[codes]
            for code, (_, problem) in enumerate(checked):
                if problem:
                    found.extend((indices[at], rank[column], original, texts[code], problem)
                                 for at in np.flatnonzero(codes == code))
            if rule.role.startswith("item:"):
                coding.add_column(rule, texts, codes, [problem for _, problem in checked],
                                  block.reading)
    found.sort(key=lambda item: (item[0], item[1]))
    counts: dict[str, int] = {}
    for *_, text, _problem in found:
        counts[text.strip()] = counts.get(text.strip(), 0) + 1
    problems = [issue(kept[index].source, kept[index].row, kept[index].participant,
                      kept[index].wave, original, shown_value(text, counts[text.strip()]), problem,
                      "set missing")
                for index, _, original, text, problem in found]
    return values, problems, coding


_FLOAT_WORD = re.compile(r"^[+-]?(inf|infinity|nan)$", re.IGNORECASE)
#: Texts people type for "no answer": shown in issues.csv as they are.
NON_ANSWERS = {"n/a", "na", "n.a.", "nan", "null", "none", "missing", "-", "--", ".", "?", "x",
               "dk", "don't know", "refused", "skip", "skipped", "#n/a", "#value!", "#div/0!",
               "#ref!", "#name?", "#num!", "#null!"}


def shown_value(text: str, count: int) -> str:
    """A value set missing as issues.csv shows it. Numbers, dates, labelled answers, the usual
    "no answer" tokens and short texts that recur are shown as written; a long or one-off text
    typed into a number cell may be a name or a comment, so only its length is shown.

    Examples
    --------
    >>> shown_value("n/a", 1), shown_value("3 - Neutral", 1), shown_value("Agree", 4)
    ('n/a', '3 - Neutral', 'Agree')
    >>> shown_value("Trudy", 1), shown_value("please call me back on my mobile", 2)
    ('text, 5 characters', 'text, 32 characters')
    """
    stripped = text.strip()
    structural = any(pattern.match(stripped) for pattern in (NUMBER, _DECIMAL_COMMA, _DATE, _LABELLED_CODE,
                                                             _FLOAT_WORD))
    if structural or stripped.casefold() in NON_ANSWERS or (count >= 2 and len(stripped) <= 20):
        return text
    return f"text, {len(stripped)} characters"



def column_rules_for(study: Mapping, instruments) -> dict[str, ColumnRule]:
    """The analysis columns of a study and how to check them.

    Item columns come from each instrument's items (pattern or list) and response range (whole
    response codes), with the answer labels (the study's ``labels``, else the instrument's
    response labels) and whether the export holds the item reversed; measure columns from
    ``measures`` with their optional ``min``/``max``.

    Examples
    --------
    >>> from wellbeing.instruments import load_instrument
    >>> rules = column_rules_for({"measures": [{"column": "Age", "name": "age", "min": 18}]},
    ...                          [(load_instrument("pss10"), "PSS_{n}")])
    >>> rules["Age"]  # doctest: +NORMALIZE_WHITESPACE
    ColumnRule(role='measure:age', low=18, high=None, whole=False, labels=(), reversed_in_export=False,
               labels_given=False)
    >>> rules["PSS_1"].role, rules["PSS_1"].low, rules["PSS_1"].high, rules["PSS_1"].label_code("Very often")
    ('item:pss10', 0, 4, 4.0)
    """
    rules: dict[str, ColumnRule] = {}
    uses = study.get("instruments") or [{}] * len(instruments)
    for (instrument, pattern), use in zip(instruments, uses):
        labels = use.get("labels") or {label: code for code, label in instrument.labels}
        folded = tuple(sorted((fold_text(text), float(code)) for text, code in labels.items()))
        reversed_items = set(use.get("reversed_in_export", []))
        for number, column in enumerate(instrument.item_columns(pattern), start=1):
            rules[column] = ColumnRule(f"item:{instrument.id}", instrument.response_min,
                                       instrument.response_max, True, folded,
                                       number in reversed_items, bool(use.get("labels")))
    for measure in study.get("measures", []):
        rules[measure["column"]] = ColumnRule(f"measure:{measure['name']}", measure.get("min"),
                                              measure.get("max"), False)
    return rules


def configured_columns(study: Mapping, instruments) -> dict[str, str]:
    """Every raw column the config names -> the key that names it."""
    named: dict[str, str] = {}
    for key in ("id_column", "group_column"):
        if study.get(key):
            named.setdefault(study[key], key)
    for index, source in enumerate(study.get("sources", [])):
        if source.get("wave_column"):
            named.setdefault(source["wave_column"], f"sources[{index}].wave_column")
    for index, (instrument, pattern) in enumerate(instruments):
        for column in instrument.item_columns(pattern):
            named.setdefault(column, f"instruments[{index}].items")
    for index, measure in enumerate(study.get("measures", [])):
        named.setdefault(measure["column"], f"measures[{index}].column")
    for index, factor in enumerate(study.get("factors", [])):
        named.setdefault(factor["column"], f"factors[{index}].column")
    for column in study.get("drop_columns", []):
        named.setdefault(column, "drop_columns")
    participants = study.get("analyses", {}).get("participants", {})
    for kind in ("continuous", "categorical"):
        for column in participants.get(kind, []):
            named.setdefault(column, f"analyses.participants.{kind}")
    return named


def check_unambiguous(raw_sources: Sequence[RawSource], study: Mapping, instruments) -> None:
    """Stop when the config names a column whose name the header repeats: the reader named each
    copy ``<name>@<position>``, and the config must say which one it means."""
    named = configured_columns(study, instruments)
    for raw in raw_sources:
        copies: dict[str, list[str]] = {}
        for column, written in raw.renamed.items():
            if written:
                copies.setdefault(written, []).append(column)
        for written, columns in copies.items():
            if written in named and written not in raw.frame.columns:
                positions = ", ".join(column.rsplit("@", 1)[1] for column in columns)
                raise UserError(f"{raw.label}: column '{written}' named in {named[written]} appears "
                                f"{len(columns)} times in the header (positions {positions}); name "
                                f"the one meant ({' or '.join(columns)}) in the config")


def check_columns_present(raw_sources: Sequence[RawSource], study: Mapping, instruments) -> None:
    """Stop when a column the config names is ambiguous in an export, or when an instrument's
    item columns or a measure's column appear in no source."""
    check_unambiguous(raw_sources, study, instruments)
    present: set[str] = set()
    for source, raw in zip(study["sources"], raw_sources):
        present |= {strip_suffix(column, source) for column in raw.frame.columns}
    labels = ", ".join(raw.label for raw in raw_sources)
    for instrument, pattern in instruments:
        if isinstance(pattern, str):
            numbered = re.compile("^" + re.escape(pattern).replace(r"\{n\}", r"(\d+)") + "$")
            extra = sorted((int(match.group(1)), column) for column in present
                           if (match := numbered.match(column))
                           and not 1 <= int(match.group(1)) <= instrument.n_items)
            if extra:
                raise UserError(f"{labels}: column {extra[-1][1]} matches the items pattern '{pattern}' "
                                f"of {instrument.id}, which has {instrument.n_items} items: the export "
                                "holds a different form of the questionnaire, or the pattern also "
                                "matches other columns; check instruments[].instrument and .items")
        missing = [c for c in instrument.item_columns(pattern) if c not in present]
        if missing:
            given = f"items '{pattern}'" if isinstance(pattern, str) else "items as listed"
            check = "the pattern in" if isinstance(pattern, str) else "the list in"
            raise UserError(f"{labels}: instrument {instrument.id} ({given}) has "
                            f"{len(missing)} of {instrument.n_items} item columns missing, e.g. "
                            f"{', '.join(missing[:5])}; check {check} instruments[].items")
    for measure in study.get("measures", []):
        if measure["column"] not in present:
            raise UserError(f"{labels}: measure '{measure['name']}' reads column "
                            f"'{measure['column']}', which no source has; check measures[].column")
