"""The records ingest passes between its layers: a raw source read as text, a candidate
response, and the audit trail (ledger, issues, codebook, manifest) every layer writes to."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

LEDGER_COLUMNS = ["source", "row", "participant", "wave", "status", "reason"]
ISSUE_COLUMNS = ["source", "row", "participant", "wave", "column", "value", "rule", "action"]
CODEBOOK_COLUMNS = ["source", "column", "role", "label", "type", "values", "min", "max", "import_id"]
MANIFEST_COLUMNS = ["source", "role", "format", "sha256", "bytes", "data_rows", "kept", "excluded"]


@dataclass
class RawSource:
    """One raw file read as text cells, before any study rule is applied."""

    label: str                      # the path as written in the config
    format: str
    frame: pd.DataFrame             # every cell a string ('' = empty), columns unique
    rows: list[int]                 # row number (as a spreadsheet shows it) of each frame row
    identifiers: set[str] = field(default_factory=set)
    codebook: dict[str, dict] = field(default_factory=dict)   # column -> label, type, values, ...
    user_missing: dict[str, set[str]] = field(default_factory=dict)  # SPSS user-missing codes
    #: SPSS user-missing ranges (low, high) per column, e.g. 90 thru 99
    missing_ranges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    #: code -> label per column, as the file declares them (SPSS value labels, REDCap choices):
    #: a group may be named by its label
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: list[dict] = field(default_factory=list)           # file-level issues
    free_text: set[str] = field(default_factory=set)          # free-text answers, dropped on reading
    #: column -> its header as the file writes it, for columns the reader had to name (blank
    #: header cells) or rename (duplicate names); the audit lists each such column.
    renamed: dict[str, str] = field(default_factory=dict)
    #: columns dropped on reading that screening still reads (a duration column holding text)
    held_back: dict[str, object] = field(default_factory=dict)


@dataclass
class Candidate:
    """One candidate response: a participant at a wave, from one row of one source.

    ``block`` and ``position`` say where its cells are (:class:`~wellbeing.ingest.rows.Block`);
    the rest is filled in as the rows layer decides who it is and whether it is kept.
    """

    source: str                     # the source's label in the ledger
    order: int                      # the source's position in the config
    row: int                        # row number in the raw file
    wave: str
    block: int
    position: int                   # row of the block's raw frame
    participant: str = ""
    group: str = ""
    finished: bool = True
    answered: int = 0
    duplicates: int = 0             # other responses at this wave this one was preferred over
    empty_waves: tuple[str, ...] = ()   # wide layout: waves of this row without answers


def issue(source, row, participant, wave, column, value, rule, action) -> dict:
    """One row of ``issues.csv``: a value (or a file) the pipeline changed or noticed."""
    return {"source": source, "row": row, "participant": participant, "wave": wave,
            "column": column, "value": value, "rule": rule, "action": action}


def ledger_entry(source, row, participant, wave, status, reason) -> dict:
    """One row of ``ledger.csv``: what became of a raw row."""
    return {"source": source, "row": row, "participant": participant, "wave": wave,
            "status": status, "reason": reason}


@dataclass
class AuditTrail:
    """What a reviewer reads about ingest, collected as each layer works."""

    ledger: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    codebook: list[dict] = field(default_factory=list)
    manifest: list[dict] = field(default_factory=list)

    def exclude(self, source: str, row: int, participant: str, wave: str, reason: str) -> None:
        self.ledger.append(ledger_entry(source, row, participant, wave, "excluded", reason))

    def keep(self, candidate: Candidate, reason: str = "kept") -> None:
        self.ledger.append(ledger_entry(candidate.source, candidate.row, candidate.participant,
                                        candidate.wave, "kept", reason))

    def note(self, source, row, participant, wave, column, value, rule, action) -> None:
        self.issues.append(issue(source, row, participant, wave, column, value, rule, action))


@dataclass
class IngestResult:
    responses: pd.DataFrame
    ledger: pd.DataFrame
    issues: pd.DataFrame
    codebook: pd.DataFrame
    raw_manifest: pd.DataFrame
    #: screening/careless.csv (wellbeing.screening), one row per response before exclusions
    careless: pd.DataFrame | None = None
