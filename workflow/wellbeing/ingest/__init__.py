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
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

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
                     column_rules_for, parse_number, read_number)

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


def _candidates(study: Mapping, raw_sources: Sequence[RawSource], repo_root: Path,
                column_rules: Mapping[str, ColumnRule], blocks: list[Block],
                audit: AuditTrail) -> list[Candidate]:
    """Each source described in the codebook and manifest, its identifying columns dropped, its
    rows turned into candidate responses by its layout."""
    candidates: list[Candidate] = []
    for order, (source, raw) in enumerate(zip(study["sources"], raw_sources)):
        audit.issues.extend(raw.notes)
        _check_structure(raw, source, study)
        removed = audit_tables.describe_columns(raw, source, study, column_rules, audit)
        raw.frame = raw.frame.drop(columns=sorted(removed))
        candidates.extend(candidate_rows(raw, source, order, study["waves"], study.get("id_column"),
                                         blocks, audit, study.get("missing_codes", ())))
        audit_tables.register_files(raw, source, repo_root, audit)
    return candidates


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
    ledger, issues, codebook, manifest = audit_tables.tables(audit, study)
    return IngestResult(responses, ledger, issues, codebook, manifest)


def for_study(study: Mapping, repo_root: str | Path) -> IngestResult:
    """Ingest one study as configured: read its sources, check its columns, build the tables."""
    repo_root = Path(repo_root)
    instruments = study_instruments(study, repo_root)
    raw_sources = read_sources(study, repo_root)
    check_columns_present(raw_sources, study, instruments)
    return ingest_study(study, repo_root, column_rules_for(study, instruments), raw_sources)
