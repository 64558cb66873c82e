"""Rows: which raw rows are responses of whom at which wave.

One function per layout turns a source's rows into candidate responses (one wave per file, long,
wide); then each candidate gets its participant and group, duplicates are resolved, and the kept
responses become one table. Every row left out is written to the ledger with its reason.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import UserError
from .records import AuditTrail, Candidate, RawSource
from .values import ColumnRule, ValueReading, distinct, map_unique, not_blank, strip

QUALTRICS_FINISHED = "Finished"
#: The wave of a row of a per-participant source (attendance, demographics): every wave.
PER_PARTICIPANT = ""
QUALTRICS_STATUS = "Status"
#: Qualtrics' Status (Response Type) of responses that are no participant's: previews, tests,
#: spam, as numeric codes and as the texts of a "choice text" export.
QUALTRICS_NOT_RESPONSES = {
    "1": "Survey Preview", "2": "Survey Test", "8": "Spam", "9": "Survey Preview Spam",
    "12": "Imported Spam", "17": "Offline Survey Preview",
}
REDCAP_REPEAT = "redcap_repeat_instrument"
REDCAP_REPEAT_INSTANCE = "redcap_repeat_instance"


def metadata_columns(raw: RawSource) -> set[str]:
    """The format's own columns that say whether and how a row counts (Qualtrics' Status and
    Finished, REDCap's repeating instrument): read by the layouts below, never personal data."""
    if raw.format == "qualtrics":
        return {QUALTRICS_STATUS, QUALTRICS_FINISHED} & set(raw.frame.columns)
    if raw.format == "redcap":
        return {REDCAP_REPEAT, REDCAP_REPEAT_INSTANCE} & set(raw.frame.columns)
    return set()


@dataclass
class Block:
    """Candidate responses of one source that share their columns: the rows of a one-wave file or
    of a long file, or one wave's columns of a wide file (wave suffixes removed)."""

    raw: RawSource
    source: Mapping
    order: int                      # the source's position in the config
    columns: dict[str, str]         # column as the analysis sees it -> its name in the raw file
    reading: ValueReading
    # raw column -> its distinct texts and each cell's index among them, shared by the blocks of
    # one source: a column is factorised once for the row layout and the value checks alike.
    factorised: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)

    def texts(self, column: str) -> np.ndarray:
        return self.raw.frame[self.columns[column]].to_numpy(dtype=object)

    def distinct(self, column: str) -> tuple[np.ndarray, list[str]]:
        """:func:`values.distinct` of ``column``, computed once per raw column."""
        original = self.columns[column]
        if original not in self.factorised:
            codes, texts = distinct(self.raw.frame[original])
            # the smallest integer type keeps 300 cached columns of 300,000 rows small
            self.factorised[original] = (codes.astype(np.min_scalar_type(max(len(texts) - 1, 0))), texts)
        return self.factorised[original]

    def not_blank(self, column: str) -> np.ndarray:
        codes, texts = self.distinct(column)
        return np.array([not_blank(text) for text in texts], dtype=bool)[codes]

    def strings(self, column: str | None) -> np.ndarray:
        """The stripped text of ``column`` for every row ('' when the block has no such column)."""
        if column is None or column not in self.columns:
            return np.full(len(self.raw.frame), "", dtype=object)
        return map_unique(self.texts(column), strip)

    def finished(self) -> np.ndarray:
        """Qualtrics' Finished flag per row (True for other formats or without the column)."""
        if self.raw.format == "qualtrics" and QUALTRICS_FINISHED in self.columns:
            return map_unique(self.texts(QUALTRICS_FINISHED),
                              lambda value: str(value).strip().lower() in ("1", "true"), bool)
        return np.ones(len(self.raw.frame), dtype=bool)

    def answered(self, analysis_columns: Sequence[str]) -> np.ndarray:
        """Answered analysis columns per row (every non-blank cell when the study has none)."""
        columns = ([c for c in analysis_columns if c in self.columns] if analysis_columns
                   else list(self.columns))
        counts = np.zeros(len(self.raw.frame), dtype=np.int64)
        for column in columns:
            counts += self.not_blank(column)
        return counts


# --------------------------------------------------------------------------------------------
# Layouts: raw rows -> candidate responses


@dataclass
class _RowFacts:
    """What every layout needs to know of each raw row before it decides its waves."""

    empty: np.ndarray               # no value in any column
    participant: np.ndarray         # the id as written (stripped), for the ledger
    repeating: np.ndarray           # REDCap repeating instrument ('' for none)
    instance: np.ndarray
    status: np.ndarray              # Qualtrics Status of a preview, test or spam response, else ''
    summary: np.ndarray             # the label of a summary row under the data ('Mean'), else ''
    unfinished: np.ndarray          # Qualtrics Finished is false and the source excludes those

    def named(self, position: int) -> str:
        """The participant a ledger row names: none for an empty or a summary row."""
        return "" if self.empty[position] or self.summary[position] else self.participant[position]


def _row_facts(raw: RawSource, source: Mapping, whole: Block, id_column: str | None) -> _RowFacts:
    frame = raw.frame
    if len(frame.columns):
        empty = ~np.logical_or.reduce([whole.not_blank(c) for c in frame.columns])
    else:
        empty = np.ones(len(frame), dtype=bool)
    nothing = np.full(len(frame), "", dtype=object)
    participants = (map_unique(frame[id_column], strip) if id_column in frame.columns else
                    np.array([row_participant(row) for row in raw.rows], dtype=object) if id_column is None
                    else nothing)
    redcap = raw.format == "redcap" and REDCAP_REPEAT in frame.columns
    repeating = map_unique(frame[REDCAP_REPEAT], strip) if redcap else nothing
    instances = (map_unique(frame[REDCAP_REPEAT_INSTANCE], strip)
                 if REDCAP_REPEAT_INSTANCE in frame.columns else nothing)
    qualtrics = raw.format == "qualtrics"
    status = (map_unique(frame[QUALTRICS_STATUS], _not_a_participant)
              if qualtrics and QUALTRICS_STATUS in frame.columns else nothing)
    unfinished = (~whole.finished() if qualtrics and source.get("unfinished") == "exclude"
                  else np.zeros(len(frame), dtype=bool))
    return _RowFacts(empty, participants, repeating, instances, status, _summary_labels(frame),
                     unfinished)


#: First cells of the rows a spreadsheet user adds under the data.
SUMMARY_LABELS = {"mean", "means", "average", "avg", "total", "totals", "sum", "sd", "std",
                  "std. deviation", "standard deviation", "median", "min", "max", "minimum",
                  "maximum", "n", "count", "variance", "se"}


def _summary_labels(frame: pd.DataFrame) -> np.ndarray:
    """For each row, its first non-blank cell when that names a summary ('Mean', 'Total:'),
    else ''. Such rows are statistics a spreadsheet user added under the data, not responses."""
    labels = np.full(len(frame), "", dtype=object)
    undecided = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        if not undecided.any():
            break
        cells = map_unique(frame[column], strip)
        filled = undecided & (cells != "")
        if filled.any():
            words = map_unique(cells[filled], lambda text: str(text).rstrip(":").strip().casefold())
            labels[np.flatnonzero(filled)] = np.where(np.isin(words, list(SUMMARY_LABELS)),
                                                      cells[filled], "")
            undecided &= ~filled
    return labels


def _not_a_participant(status: str) -> str:
    """The Qualtrics Status of a preview, test or spam response ('' for a participant's)."""
    status = str(status).strip()
    if status in QUALTRICS_NOT_RESPONSES:
        return f"{status} ({QUALTRICS_NOT_RESPONSES[status]})"
    folded = status.casefold()
    return status if any(word in folded for word in ("preview", "test", "spam")) else ""


def _not_a_response(facts: _RowFacts, position: int) -> str | None:
    """Why a raw row is no response at all, whatever the layout (None when it may be one)."""
    if facts.empty[position]:
        return "empty row (no value in any column)"
    if facts.repeating[position]:
        # One row per participant x wave is analysed; repeating instruments are other data.
        return (f"repeating instrument '{facts.repeating[position]}' instance "
                f"{facts.instance[position]}: not part of the one-row-per-participant-and-wave data")
    if facts.summary[position]:
        return f"summary row ('{facts.summary[position]}') under the data, not a response"
    if facts.status[position]:
        return f"Qualtrics Status {facts.status[position]}: not a participant's response"
    if facts.unfinished[position]:
        return "unfinished Qualtrics response (Finished is false; sources[].unfinished: exclude)"
    return None


def _response_rows(raw: RawSource, facts: _RowFacts, audit: AuditTrail):
    """(position, row number) of each raw row that may be a response; the others (empty,
    summary, preview, repeating-instrument rows...) go to the ledger with their reason."""
    for position, row in enumerate(raw.rows):
        reason = _not_a_response(facts, position)
        if reason:
            audit.exclude(raw.label, row, facts.named(position), "", reason)
        else:
            yield position, row


def _one_wave_rows(raw: RawSource, source: Mapping, facts: _RowFacts, block: int,
                   audit: AuditTrail, order: int) -> list[Candidate]:
    """The whole file is one wave (``wave``), or holds for every wave (``per_participant``)."""
    wave = PER_PARTICIPANT if source.get("per_participant") else source["wave"]
    candidates = []
    for position, row in _response_rows(raw, facts, audit):
        candidates.append(Candidate(raw.label, order, row, wave, block, position))
    return candidates


def _long_rows(raw: RawSource, source: Mapping, facts: _RowFacts, block: int, waves: Sequence[str],
               audit: AuditTrail, order: int) -> list[Candidate]:
    """One row per participant and wave; ``wave_column`` (through ``wave_map``) names the wave."""
    column = source["wave_column"]
    wave_values = map_unique(raw.frame[column], strip)
    mapping = source.get("wave_map")
    known = list(mapping) if mapping is not None else list(waves)
    candidates = []
    for position, row in _response_rows(raw, facts, audit):
        value = wave_values[position]
        wave = mapping.get(value) if mapping is not None else (value if value in waves else None)
        if wave is None:
            audit.exclude(raw.label, row, facts.participant[position], "",
                          f"wave value '{value}' in column {column} is not in "
                          f"{'wave_map' if mapping is not None else 'waves'} ({', '.join(known)})")
            continue
        candidates.append(Candidate(raw.label, order, row, wave, block, position))
    return candidates


def _wide_rows(raw: RawSource, source: Mapping, facts: _RowFacts, whole: Block, waves: Sequence[str],
               blocks: list[Block], audit: AuditTrail, order: int) -> list[Candidate]:
    """One row per participant; ``wave_suffixes`` name each wave's columns. A row yields a
    response for every wave with at least one answer in that wave's own columns."""
    frame = raw.frame
    suffixes = source["wave_suffixes"]
    shared = {c: c for c in frame.columns if not any(c.endswith(sfx) for sfx in suffixes.values())}
    wave_blocks = []
    for wave in waves:
        if wave not in suffixes:
            continue
        suffix = suffixes[wave]
        origin = {c[: -len(suffix)]: c for c in frame.columns if c.endswith(suffix)}
        own_answers = (np.logical_or.reduce([whole.not_blank(c) for c in origin.values()]) if origin
                       else np.zeros(len(frame), dtype=bool))
        columns = dict(shared)
        columns.update(origin)      # a wave's own column wins over a shared one of that name
        blocks.append(Block(raw, source, order, columns, whole.reading, whole.factorised))
        wave_blocks.append((wave, len(blocks) - 1, own_answers))
    candidates = []
    for position, row in _response_rows(raw, facts, audit):
        produced, empty = [], []
        for wave, block, own_answers in wave_blocks:
            if not own_answers[position]:
                empty.append(wave)
                continue
            produced.append(wave)
            candidates.append(Candidate(raw.label, order, row, wave, block, position))
        if not produced:
            audit.exclude(raw.label, row, facts.participant[position], "",
                          "no answers in any wave's columns")
        elif empty:
            # Kept rows are written to the ledger later; remember the waves without answers.
            candidates[-1].empty_waves = tuple(empty)
    return candidates


def candidate_rows(raw: RawSource, source: Mapping, order: int, waves: Sequence[str], id_column: str | None,
                   blocks: list[Block], audit: AuditTrail, missing_codes: Sequence[float] = ()) -> list[Candidate]:
    """Apply the source's layout: candidate responses (one per participant x wave), each naming
    its block (appended to ``blocks``) and its position there; rows that are no response go to
    the ledger."""
    if "wave_column" in source and source["wave_column"] not in raw.frame.columns:
        raise UserError(f"{raw.label}: wave_column '{source['wave_column']}' is not a column of the "
                        f"file; columns are: {', '.join(list(raw.frame.columns)[:12])}...")
    reading = ValueReading(source.get("decimal", "."), bool(source.get("labelled_codes", False)),
                           frozenset(float(code) for code in missing_codes))
    whole = Block(raw, source, order, {column: column for column in raw.frame.columns}, reading)
    facts = _row_facts(raw, source, whole, id_column)
    if "wave" in source or "wave_column" in source or source.get("per_participant"):
        blocks.append(whole)
        if "wave_column" not in source:
            return _one_wave_rows(raw, source, facts, len(blocks) - 1, audit, order)
        return _long_rows(raw, source, facts, len(blocks) - 1, waves, audit, order)
    return _wide_rows(raw, source, facts, whole, waves, blocks, audit, order)


# --------------------------------------------------------------------------------------------
# Participants, groups, duplicates


def row_participant(row: int) -> str:
    """The participant of a raw row in a study without an id column (one row, one person).

    >>> row_participant(12)
    'row12'
    """
    return f"row{row}"


def _groups_as_named(block: Block, group_column: str, groups: Sequence[str],
                     audit: AuditTrail) -> np.ndarray:
    """The group of each row of a block: the cell, or, when the config names groups by the value
    labels the file declares for that column (SPSS, a REDCap dictionary: 1 = control), the label
    of its code. The translation is listed once per code in issues.csv."""
    values = block.strings(group_column)
    labels = block.raw.value_labels.get(block.columns.get(group_column, ""), {})
    if not labels or not groups:
        return values
    named = {code: label for code, label in labels.items() if code not in groups and label in groups}
    if not named:
        return values
    for code, label in named.items():
        entry = (block.raw.label, "", "", "", group_column, code, "group code named by its value label",
                 f"read as group '{label}'")
        if (values == code).any() and not any(tuple(issue.values()) == entry for issue in audit.issues):
            audit.note(*entry)        # once per file and code (a wide file has a block per wave)
    return np.array([named.get(value, value) for value in values], dtype=object)


def identify(candidates: Sequence[Candidate], blocks: Sequence[Block], study: Mapping,
             audit: AuditTrail) -> list[Candidate]:
    """Name each candidate's participant and group; exclude those without an id or whose group is
    not one of the study's ``groups``."""
    id_column = study.get("id_column")
    group_column = study.get("group_column")
    groups = list(study.get("groups") or [])
    # Without an id column each row is one participant, named by its row.
    ids = [block.strings(id_column) if id_column else
           np.array([row_participant(row) for row in block.raw.rows], dtype=object) for block in blocks]
    group_values = [_groups_as_named(block, group_column, groups, audit) if group_column else None
                    for block in blocks]
    valid = []
    for candidate in candidates:
        participant = ids[candidate.block][candidate.position]
        candidate.participant = participant
        if not participant:
            audit.exclude(candidate.source, candidate.row, "", candidate.wave,
                          f"participant id ({id_column}) is empty")
            continue
        group = group_values[candidate.block][candidate.position] if group_column else ""
        if group_column and group and groups and group not in groups:
            audit.exclude(candidate.source, candidate.row, participant, candidate.wave,
                          f"group '{group}' is not one of groups ({', '.join(groups)})")
            continue
        candidate.group = group
        valid.append(candidate)
    return valid


def one_group_each(candidates: Sequence[Candidate], study: Mapping, audit: AuditTrail) -> list[Candidate]:
    """One group per participant: a blank group is filled from the participant's other rows
    (listed in issues); a participant in two groups stops the run; one with no group at all is
    excluded when the design needs groups."""
    group_column = study.get("group_column")
    if not group_column:
        return list(candidates)
    needs_group = study["design"] == "mixed" or bool(study.get("groups"))
    by_participant: dict[str, set[str]] = {}
    for candidate in candidates:
        if candidate.group:
            by_participant.setdefault(candidate.participant, set()).add(candidate.group)
    for participant, found in by_participant.items():
        if len(found) > 1:
            rows = [f"{c.source} row {c.row} ({c.group})" for c in candidates if c.participant == participant]
            raise UserError(f"participant '{participant}' is in more than one group: "
                            f"{'; '.join(rows)}; correct the group in the export")
    valid = []
    for candidate in candidates:
        if not candidate.group:
            found = by_participant.get(candidate.participant)
            if not found:
                if needs_group:
                    audit.exclude(candidate.source, candidate.row, candidate.participant, candidate.wave,
                                  f"group ({group_column}) is empty in every row of this participant")
                    continue
            else:
                candidate.group = next(iter(found))
                audit.note(candidate.source, candidate.row, candidate.participant, candidate.wave,
                           group_column, "", "group empty",
                           f"set to '{candidate.group}' from the participant's other rows")
        valid.append(candidate)
    return valid


def code_key(code: str) -> str:
    """A participant code as codes are matched: blanks around it, letter case, a trailing
    ``.0`` (a number read as a decimal) and the leading zeros a spreadsheet drops do not count.

    >>> [code_key(c) for c in (" ab12 ", "AB12", "007", "7", "7.0", "0")]
    ['ab12', 'ab12', '7', '7', '7', '0']
    """
    text = str(code).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    text = text.casefold()
    if text.isdigit():
        text = text.lstrip("0") or "0"
    return text


def _how_written(first: str, other: str) -> str:
    """What differs between two spellings of one code, in words."""
    differences = []
    if first != first.strip() or other != other.strip():
        differences.append("blanks around it")
    a, b = first.strip(), other.strip()
    if re.fullmatch(r"\d+\.0+", a) or re.fullmatch(r"\d+\.0+", b):
        differences.append("a trailing .0")
        a, b = a.split(".")[0] if "." in a else a, b.split(".")[0] if "." in b else b
    if a.isdigit() and b.isdigit() and a != b:
        differences.append("leading zeros")
    elif a != b and a.casefold() == b.casefold():
        differences.append("letter case")
    return ", ".join(differences) or "blanks around it"


def link_codes(candidates: Sequence[Candidate], blocks: Sequence[Block], study: Mapping,
               audit: AuditTrail) -> list[Candidate]:
    """One participant for codes written differently in different rows ('007' at pre, '7' at
    post; 'ab12' and 'AB12'; '12.0' and '12'; a blank typed after it): the first spelling met (in
    source and row order) names the participant, and each row written otherwise is listed in
    issues (without the code). Two spellings of one code at the same wave would merge two rows
    into one participant: that stops the run, naming them."""
    id_column = study.get("id_column")
    if not id_column:
        return list(candidates)
    written = [block.texts(id_column) if id_column in block.columns else None for block in blocks]
    spellings = {str(text) for texts in written if texts is not None for text in set(texts)}
    stripped = {text.strip() for text in spellings}
    if len(stripped) == len(spellings) and len({code_key(text) for text in stripped}) == len(stripped):
        return list(candidates)         # every code written one way only: nothing to link
    first: dict[str, tuple[str, Candidate]] = {}
    seen_at: dict[tuple[str, str], tuple[str, Candidate]] = {}
    for candidate in candidates:        # in source and row order
        raw = str(written[candidate.block][candidate.position])
        key = code_key(raw)
        spelling = raw.strip()
        at_wave = seen_at.setdefault((key, candidate.wave), (spelling, candidate))
        if at_wave[0] != spelling:
            other = at_wave[1]
            raise UserError(f"participant codes '{at_wave[0]}' ({other.source} row {other.row}) and "
                            f"'{spelling}' ({candidate.source} row {candidate.row}) differ only by "
                            f"{_how_written(at_wave[0], raw)} but both appear at wave "
                            f"'{candidate.wave}': they may be two people; set id_matching: exact to "
                            "keep codes apart unless written the same")
        name, origin = first.setdefault(key, (spelling, candidate))
        candidate.participant = name
        if raw != name:
            audit.note(candidate.source, candidate.row, name, candidate.wave, id_column, "",
                       f"participant code written differently ({_how_written(name, raw)})",
                       f"linked to the code as written in {origin.source} row {origin.row}")
    return list(candidates)


#: Formats whose repeated rows are attempts of one person (told apart by Finished and answers).
ATTEMPT_FORMATS = {"qualtrics"}


def shared_codes(candidates: Sequence[Candidate], blocks: Sequence[Block], study: Mapping,
                 audit: AuditTrail) -> list[Candidate]:
    """Codes used by several rows at one wave, before groups are checked (two people given one
    code may sit in two groups). With ``duplicates: separate`` each later row becomes a
    participant of its own (``<code>#2``, ``#3`` ...: the k-th row with a code at every wave is
    that code's k-th participant), listed in issues; without a policy, rows of an export without
    attempt metadata stop the run naming them; otherwise they are left to
    :func:`one_response_each`."""
    policy = study.get("duplicates")
    if len({(c.participant, c.wave) for c in candidates}) == len(candidates):
        return list(candidates)         # one row per participant and wave: nothing shared
    by_key: dict[tuple[str, str], list[Candidate]] = {}
    for candidate in candidates:
        by_key.setdefault((candidate.participant, candidate.wave), []).append(candidate)
    for (participant, wave), rows in by_key.items():
        if len(rows) == 1:
            continue
        attempts = all(blocks[c.block].raw.format in ATTEMPT_FORMATS for c in rows)
        if policy is None and not attempts:
            where = "; ".join(f"{c.source} row {c.row}" for c in rows)
            raise UserError(f"participant '{participant}' has {len(rows)} rows at wave '{wave}' ({where}) "
                            "in an export without attempt metadata: most likely two people given one "
                            "code; set duplicates: separate to keep them as two participants, or "
                            "duplicates: keep_most_complete to keep one")
        if policy == "separate":
            rows.sort(key=lambda c: (c.order, c.row))
            for number, candidate in enumerate(rows[1:], start=2):
                candidate.participant = f"{participant}#{number}"
                audit.note(candidate.source, candidate.row, candidate.participant, wave,
                           study.get("id_column") or "", "",
                           f"participant code used by {len(rows)} rows at wave {wave}",
                           f"kept as a participant of its own, the code's number {number} "
                           "(duplicates: separate)")
    return list(candidates)


def _describe_attempt(candidate: Candidate) -> str:
    state = "finished" if candidate.finished else "unfinished"
    return f"{state}, {candidate.answered} answers"


def one_response_each(candidates: Sequence[Candidate], blocks: Sequence[Block], study: Mapping,
                      analysis_columns: Sequence[str], audit: AuditTrail) -> list[Candidate]:
    """One response per participant and wave: with ``duplicates: keep_most_complete`` the most
    complete finished response (on a tie the later one: later source, later row), the others
    excluded in the ledger naming the one kept; with ``duplicates: error`` a stop."""
    finished = [block.finished() for block in blocks]
    answered = [block.answered(analysis_columns) for block in blocks]
    for candidate in candidates:
        candidate.finished = bool(finished[candidate.block][candidate.position])
        candidate.answered = int(answered[candidate.block][candidate.position])
    cells_by_key: dict[tuple[str, str], list[Candidate]] = {}
    for candidate in candidates:
        cells_by_key.setdefault((candidate.participant, candidate.wave), []).append(candidate)
    kept = []
    for (participant, wave), group_rows in cells_by_key.items():
        if len(group_rows) == 1:
            kept.append(group_rows[0])
            continue
        if study.get("duplicates") == "error":
            where = "; ".join(f"{c.source} row {c.row}" for c in group_rows)
            raise UserError(f"participant '{participant}' has {len(group_rows)} responses at wave "
                            f"'{wave}' ({where}); remove all but one, or set duplicates: keep_most_complete")
        ranked = sorted(group_rows, key=lambda c: (c.finished, c.answered, c.order, c.row))
        keeper = ranked[-1]
        keeper.duplicates = len(ranked) - 1
        kept.append(keeper)
        for other in ranked[:-1]:
            audit.exclude(other.source, other.row, participant, wave,
                          f"duplicate response at wave {wave}: kept {keeper.source} row "
                          f"{keeper.row} ({_describe_attempt(keeper)}) over this one "
                          f"({_describe_attempt(other)})")
    return kept


def joined_to_responses(per_person: Sequence[Candidate], kept: Sequence[Candidate],
                        audit: AuditTrail) -> list[Candidate]:
    """Rows of per-participant sources whose participant has a response are joined to every
    response of that participant (kept in the ledger, saying to how many); the others are
    excluded, since nothing would hold them."""
    responses: dict[str, int] = {}
    for candidate in kept:
        responses[candidate.participant] = responses.get(candidate.participant, 0) + 1
    joined = []
    for candidate in per_person:
        count = responses.get(candidate.participant, 0)
        if count:
            audit.keep(candidate, f"kept; per-participant data joined to the participant's {count} "
                                  "response(s)")
            joined.append(candidate)
        else:
            audit.exclude(candidate.source, candidate.row, candidate.participant, "",
                          "per-participant data of a participant without any kept response")
    return joined


def join_per_participant(responses: pd.DataFrame, held: pd.DataFrame) -> pd.DataFrame:
    """The per-participant columns (``held``: one row per participant) beside every response of
    that participant; a column a wave source also has keeps the wave's value where it has one."""
    held = held.drop(columns=["wave", "group"])
    shared = [c for c in held.columns if c != "participant" and c in responses.columns]
    joined = responses.merge(held, on="participant", how="left", suffixes=("", "@per_participant"),
                             validate="many_to_one")
    for column in shared:
        other = f"{column}@per_participant"
        joined[column] = joined[column].mask(_blank(joined[column]), joined[other])
        joined = joined.drop(columns=other)
    for column in held.columns:
        if joined[column].dtype == object:
            joined[column] = joined[column].fillna("")
    return joined


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype(str).str.strip() == "") if values.dtype == object else values.isna()


def keep(kept: Sequence[Candidate], audit: AuditTrail) -> None:
    """Write each kept response to the ledger, saying what else it stands for."""
    for candidate in kept:
        reason = "kept"
        if candidate.duplicates:
            reason = f"kept; preferred over {candidate.duplicates} other response(s) at this wave"
        if candidate.empty_waves:
            reason = f"kept; no answers for wave(s) {', '.join(candidate.empty_waves)}"
        audit.keep(candidate, reason)


# --------------------------------------------------------------------------------------------
# The responses table


def natural_key(text: str):
    """Sort key that orders 'P2' before 'P10'."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", text) if part]


def responses_frame(kept: Sequence[Candidate], blocks: Sequence[Block], values: dict,
                    waves: Sequence[str], id_column: str | None, group_column: str | None,
                    rules: Mapping[str, ColumnRule], wave_columns: Sequence[str | None]) -> pd.DataFrame:
    """One row per kept response, sorted by participant (natural order) and wave: participant,
    wave, group, then every kept raw column (analysis columns as numbers)."""
    skip = {id_column, group_column} | {c for c in wave_columns if c}
    # Columns in the order a reader meets them: by the first response of each block.
    first_seen: dict[int, int] = {}
    for index, candidate in enumerate(kept):
        first_seen.setdefault(candidate.block, index)
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
    natural = {p: natural_key(p) for p in {candidate.participant for candidate in kept}}
    order = sorted(range(len(kept)), key=lambda i: (natural[kept[i].participant],
                                                    wave_rank.get(kept[i].wave, -1)))
    # Where each sorted row comes from: its block and its place among the block's kept rows.
    row_block = np.empty(len(kept), dtype=np.int64)
    row_position = np.empty(len(kept), dtype=np.int64)
    row_in_block = np.empty(len(kept), dtype=np.int64)
    seen_in_block: dict[int, int] = {}
    for index, candidate in enumerate(kept):
        block_index = candidate.block
        row_block[index], row_position[index] = block_index, candidate.position
        row_in_block[index] = seen_in_block.get(block_index, 0)
        seen_in_block[block_index] = row_in_block[index] + 1
    order = np.asarray(order)
    row_block, row_position, row_in_block = row_block[order], row_position[order], row_in_block[order]
    data = {"participant": [kept[i].participant for i in order],
            "wave": [kept[i].wave for i in order],
            "group": [kept[i].group for i in order]}
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
