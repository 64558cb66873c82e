"""Ingest: raw survey exports -> one validated table of responses, with an audit trail.

Every raw data row ends in the ledger, kept or excluded with its reason; every value the
pipeline changes (set missing) is listed in the issues table; identifying columns are dropped on
reading and never reach an output.

Layers, each a module:

* :mod:`.records`: the raw source, the candidate response and the audit trail they pass around;
* :mod:`.readers`: one reader per format (``csv``, ``qualtrics``, ``redcap``, ``spss``, ``excel``),
  chosen from :data:`.readers.READERS`;
* :mod:`.values`: which columns the analyses read, how a cell becomes a number, value checks;
* :mod:`.rows`: one function per layout (one wave per file, long, wide), then participants,
  groups and duplicates, and the responses table;
* :mod:`.audit`: codebook, manifest, ledger and issues tables;
* :mod:`.pseudonyms`: participant codes replaced before anything is written.

Careless-response screening (:mod:`wellbeing.screening`) runs here, on the responses about to be
written: only ingest still holds every answer as given and the export's duration column (which
privacy may drop from the responses), and an exclusion it makes reaches the ledger and every later
stage, which all read ``responses.csv``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from .. import screening
from ..errors import UserError
from ..study import study_instruments
from . import audit as audit_tables
from .pseudonyms import PSEUDONYM_COLUMNS, pseudonymise
from .readers import QUALTRICS_IDENTIFIERS, READERS, read_source, source_labels
from .records import (CODEBOOK_COLUMNS, ISSUE_COLUMNS, LEDGER_COLUMNS, MANIFEST_COLUMNS, AuditTrail,
                      Candidate, IngestResult, RawSource)
from .rows import (PER_PARTICIPANT, Block, candidate_rows, identify, join_per_participant, joined_to_responses,
                   keep, link_codes, one_group_each, one_response_each, responses_frame, shared_codes)
from .values import (ColumnRule, RangeTally, ValueReading, check_columns_present, check_values,
                     column_rules_for, parse_number, read_number, strip_suffix)

__all__ = [
    "CODEBOOK_COLUMNS", "ISSUE_COLUMNS", "LEDGER_COLUMNS", "MANIFEST_COLUMNS", "PSEUDONYM_COLUMNS",
    "QUALTRICS_IDENTIFIERS", "READERS", "ColumnRule", "IngestResult", "RangeTally", "RawSource",
    "ValueReading", "UserError", "check_columns_present", "column_rules_for", "for_study",
    "ingest_study", "parse_number", "pseudonymise", "read_number", "read_source",
]


def read_sources(study: Mapping, repo_root: Path) -> list[RawSource]:
    """Every configured source of a study, read by the reader of its format."""
    return [read_source(source, repo_root, label)
            for source, label in zip(study["sources"], source_labels(study["sources"]))]


def _check_structure(raw: RawSource, source: Mapping, study: Mapping) -> None:
    """Stop when a source lacks the columns the study links rows by."""
    id_column = study.get("id_column")
    if id_column is not None and id_column not in raw.frame.columns:
        raise UserError(f"{raw.label}: id_column '{id_column}' is not a column of the file; "
                        f"columns are: {', '.join(list(raw.frame.columns)[:12])}...")
    group_column = study.get("group_column")
    if study["design"] == "mixed" and group_column not in raw.frame.columns and not source.get("per_participant"):
        raise UserError(f"{raw.label}: group_column '{group_column}' is not a column of the "
                        "file; every source of a mixed design needs the group")


def _duration_column(study: Mapping) -> str:
    """The column holding each response's duration: ``analyses.screening.duration_column``, else
    Qualtrics' ``Duration (in seconds)``."""
    return screening.screening_settings(study).get("duration_column") or screening.QUALTRICS_DURATION


def _candidates(study: Mapping, raw_sources: Sequence[RawSource], repo_root: Path,
                column_rules: Mapping[str, ColumnRule], blocks: list[Block],
                audit: AuditTrail) -> list[Candidate]:
    """Each source described in the codebook and manifest, its identifying columns dropped, its
    rows turned into candidate responses by its layout."""
    candidates: list[Candidate] = []
    duration = _duration_column(study)
    for order, (source, raw) in enumerate(zip(study["sources"], raw_sources)):
        audit.issues.extend(raw.notes)
        _check_structure(raw, source, study)
        removed = audit_tables.describe_columns(raw, source, study, column_rules, audit)
        # A duration column that holds text is dropped like any text column, but screening reads
        # it first (kept aside, never written).
        raw.held_back = {column: raw.frame[column].to_numpy(dtype=object) for column in removed
                         if strip_suffix(column, source) == duration}
        raw.frame = raw.frame.drop(columns=sorted(removed))
        candidates.extend(candidate_rows(raw, source, order, study["waves"], study.get("id_column"),
                                         blocks, audit, study.get("missing_codes", ())))
        audit_tables.register_files(raw, source, repo_root, audit)
    return candidates


def _durations(kept: Sequence[Candidate], blocks: Sequence[Block], column: str,
               responses: pd.DataFrame) -> pd.Series | None:
    """The duration of each response as the export writes it, aligned with ``responses``; None
    when no source has the column (a wide layout's per-wave copies count, ``Duration_T1``)."""
    cells: dict[tuple[int, str], object] = {}

    def texts(block_index: int, wave: str):
        if (block_index, wave) not in cells:
            block = blocks[block_index]
            suffix = (block.source.get("wave_suffixes") or {}).get(wave, "")
            names = [block.columns.get(column), column + suffix, column]
            found = None
            for name in names:
                if name is not None and name in block.raw.frame.columns:
                    found = block.raw.frame[name].to_numpy(dtype=object)
                    break
                if name is not None and name in block.raw.held_back:
                    found = block.raw.held_back[name]
                    break
            cells[(block_index, wave)] = found
        return cells[(block_index, wave)]

    by_response = {}
    for candidate in kept:
        found = texts(candidate.block, candidate.wave)
        by_response[(candidate.participant, candidate.wave)] = "" if found is None else found[candidate.position]
    if all(found is None for found in cells.values()):
        return None
    keys = zip(responses["participant"], responses["wave"])
    return pd.Series([by_response.get(key, "") for key in keys], index=responses.index, dtype=object)


def _screen(study: Mapping, responses: pd.DataFrame, durations: pd.Series | None,
            instruments: Sequence, audit: AuditTrail):
    """Careless-response screening of the responses (:mod:`wellbeing.screening`): the table of
    ``screening/careless.csv``, and the responses without those a flag in ``exclude`` excludes,
    each of them turned from kept to excluded in the ledger, its reason naming index and value.
    ``durations``: each response's duration as exported (:func:`_durations`), or None."""
    settings = screening.screening_settings(study)
    column = _duration_column(study)
    if durations is None and settings.get("duration_column"):
        raise UserError(f"config.yaml: analyses.screening.duration_column: '{column}' is not a column of "
                        "any source; name the column holding each response's duration in seconds, or "
                        "remove the key")
    table = screening.careless_table(responses, instruments, settings, study["waves"], durations, column)
    if not table["excluded"].any():
        return table, responses
    reasons = screening.exclusion_reasons(table, settings)
    excluded = {(table.at[row, "participant"], table.at[row, "wave"]): reason for row, reason in reasons.items()}
    for entry in audit.ledger:
        key = (entry["participant"], entry["wave"])
        if entry["status"] == "kept" and key in excluded:
            entry["status"], entry["reason"] = "excluded", excluded[key]
    remaining = responses[~table["excluded"].to_numpy()].reset_index(drop=True)
    if remaining.empty:
        raise UserError(f"config.yaml: analyses.screening.exclude: all {len(responses)} responses are "
                        f"flagged by {', '.join(settings['exclude'])} and excluded, so nothing is left to "
                        "analyse; check the thresholds (see docs/screening.md), or exclude fewer flags")
    return table, remaining


def ingest_study(study: Mapping, repo_root: str | Path,
                 column_rules: Mapping[str, ColumnRule] | None = None,
                 raw_sources: Sequence[RawSource] | None = None,
                 instruments: Sequence | None = None) -> IngestResult:
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
        Already-read sources (tests); by default each configured source is read. Their cells are
        released once the responses are built: each ``frame`` is left with its columns, no rows.
    instruments : sequence of (Instrument, items pattern), optional
        The study's instruments (:func:`wellbeing.study.study_instruments`), for the screening;
        by default loaded from the config.

    Returns
    -------
    IngestResult
        ``responses`` (participant x wave), ``ledger`` (every raw row), ``issues`` (every value
        changed), ``codebook``, ``raw_manifest`` and ``careless`` (the screening).
    """
    repo_root = Path(repo_root)
    column_rules = dict(column_rules or {})
    if raw_sources is None:
        raw_sources = read_sources(study, repo_root)
    audit = AuditTrail()
    blocks: list[Block] = []

    candidates = _candidates(study, raw_sources, repo_root, column_rules, blocks, audit)
    candidates = identify(candidates, blocks, study, audit)
    if study.get("id_matching", "lenient") == "lenient":
        candidates = link_codes(candidates, blocks, study, audit)
    per_person = [c for c in candidates if c.wave == PER_PARTICIPANT]
    candidates = [c for c in candidates if c.wave != PER_PARTICIPANT]
    candidates = shared_codes(candidates, blocks, study, audit)
    candidates = one_group_each(candidates, study, audit)
    kept = one_response_each(candidates, blocks, study, list(column_rules), audit)
    per_person = one_response_each(shared_codes(per_person, blocks, study, audit), blocks, study,
                                   list(column_rules), audit)
    per_person = joined_to_responses(per_person, kept, audit)
    values, problems, coding = check_values(kept + per_person, blocks, column_rules)
    if problems and study.get("on_invalid", "missing") == "error":
        first = problems[0]
        raise UserError(f"{first['source']}, row {first['row']}, column {first['column']}: value "
                        f"'{first['value'].strip()}' {first['rule']}; correct the export, or set "
                        "on_invalid: missing to set it missing")
    audit.issues.extend(problems)
    keep(kept, audit)
    if not kept:
        raise UserError(audit_tables.nothing_kept(audit, [raw.label for raw in raw_sources]))
    coding.check([raw.label for raw in raw_sources])

    wave_columns = [s.get("wave_column") for s in study["sources"]]
    responses = responses_frame(kept, blocks, values, study["waves"], study.get("id_column"),
                                study.get("group_column"), column_rules, wave_columns)
    if per_person:
        held = responses_frame(per_person, blocks, values, [PER_PARTICIPANT], study.get("id_column"),
                               study.get("group_column"), column_rules, wave_columns)
        responses = join_per_participant(responses, held)
    if instruments is None:
        instruments = study_instruments(study, repo_root) if study.get("instruments") else []
    durations = _durations(kept, blocks, _duration_column(study), responses)
    # The raw cells are read no more: the responses hold what is analysed, the audit trail what
    # was read. Freed before the screening's answer matrix is built beside the responses (with
    # them, ingest of 100,000 participants x 3 waves peaked at 3.3 GB instead of 2.7).
    for block in blocks:
        block.factorised.clear()
        block.raw.frame = block.raw.frame.iloc[:0].copy()   # a copy: a slice would keep the cells
    careless, responses = _screen(study, responses, durations, instruments, audit)
    ledger, issues, codebook, manifest = audit_tables.tables(audit, study)
    return IngestResult(responses, ledger, issues, codebook, manifest, careless)


def for_study(study: Mapping, repo_root: str | Path) -> IngestResult:
    """Ingest one study as configured: read its sources, check its columns, build the tables."""
    repo_root = Path(repo_root)
    instruments = study_instruments(study, repo_root)
    raw_sources = read_sources(study, repo_root)
    check_columns_present(raw_sources, study, instruments)
    return ingest_study(study, repo_root, column_rules_for(study, instruments), raw_sources, instruments)
