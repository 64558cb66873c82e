"""Audit: the tables a reviewer reads beside the responses: the codebook (every raw column and
its role), the raw-file manifest, the ledger (every raw row) and the issues (every value changed).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from ..io import sha256_file
from .records import (CODEBOOK_COLUMNS, ISSUE_COLUMNS, LEDGER_COLUMNS, MANIFEST_COLUMNS, AuditTrail,
                      RawSource)
from .readers import source_labels
from .rows import metadata_columns
from .values import ColumnRule, fmt, parse_number, strip_suffix


def _role(column: str, study: Mapping, rules: Mapping[str, ColumnRule], source: Mapping) -> str:
    base = strip_suffix(column, source)
    if base == study.get("id_column"):
        return "participant id"
    if base == study.get("group_column"):
        return "group"
    for factor in study.get("factors", []):
        if base == factor["column"]:
            return f"factor {factor.get('name') or factor['column']}"
    if column == source.get("wave_column"):
        return "wave"
    if base in rules:
        return rules[base].role
    return "other"


#: Role in the codebook of a text column the config does not name, dropped on reading.
TEXT_DROPPED = "text (dropped; keep_columns keeps it)"


def kept_columns(study: Mapping) -> set[str]:
    """Columns kept as they are although they hold text: ``keep_columns``, the columns the
    participant characteristics describe and the further between factors."""
    participants = study.get("analyses", {}).get("participants", {})
    return (set(study.get("keep_columns", [])) | set(participants.get("continuous", []))
            | set(participants.get("categorical", []))
            | {factor["column"] for factor in study.get("factors", [])})


def _holds_text(values) -> bool:
    """Whether any cell of a column is neither blank nor a number (free text, names, dates...)."""
    return not all(parse_number(text) is not None for text in set(values) if str(text).strip())


def describe_columns(raw: RawSource, source: Mapping, study: Mapping,
                     rules: Mapping[str, ColumnRule], audit: AuditTrail) -> set[str]:
    """Write every column of ``raw`` to the codebook with its role; return the columns to drop:
    identifiers of the format, free text, ``drop_columns``, and, privacy by default, every
    other column that holds text (names, addresses, comments, dates, response ids) unless the
    config keeps it (``keep_columns``, the participant characteristics)."""
    drop = set(study.get("drop_columns", []))
    keep = kept_columns(study) | metadata_columns(raw)
    # The participant code is kept even where the format flags it as identifying (a REDCap
    # dictionary may): it links the waves, and results/ only ever shows its pseudonym.
    identifiers = raw.identifiers - {study.get("id_column")}
    removed = (identifiers | drop) & set(raw.frame.columns)
    for column in raw.frame.columns:
        entry = raw.codebook.get(column, {})
        role = _role(column, study, rules, source)
        if column in identifiers:
            role = "identifier (dropped)"
        elif column in raw.free_text and role == "other":
            role = "free text (dropped)"
            removed.add(column)
        elif column in drop:
            role = "dropped (drop_columns)"
        elif (role == "other" and strip_suffix(column, source) not in keep
              and _holds_text(raw.frame[column])):
            role = TEXT_DROPPED
            removed.add(column)
        rule = rules.get(strip_suffix(column, source))
        label = entry.get("label", "")
        if column in raw.renamed and not label:
            # say what the header held, since the column's name is the reader's
            written = raw.renamed[column]
            label = f"header '{written}', repeated" if written else "blank header cell"
        audit.codebook.append({
            "source": raw.label, "column": column, "role": role,
            "label": label, "type": entry.get("type", ""),
            "values": entry.get("values", ""),
            "min": entry.get("min", "" if rule is None or rule.low is None else fmt(rule.low)),
            "max": entry.get("max", "" if rule is None or rule.high is None else fmt(rule.high)),
            "import_id": entry.get("import_id", ""),
        })
    return removed


def register_files(raw: RawSource, source: Mapping, repo_root: Path, audit: AuditTrail) -> None:
    """The source (and its REDCap dictionary) in the raw-file manifest, with their sha256."""
    path = repo_root / source["path"]
    audit.manifest.append({"source": raw.label, "role": "data", "format": raw.format,
                           "sha256": sha256_file(path), "bytes": path.stat().st_size,
                           "data_rows": len(raw.rows), "kept": 0, "excluded": 0})
    if source.get("dictionary"):
        path = repo_root / source["dictionary"]
        audit.manifest.append({"source": source["dictionary"], "role": "dictionary",
                               "format": "redcap-dictionary", "sha256": sha256_file(path),
                               "bytes": path.stat().st_size, "data_rows": "", "kept": "",
                               "excluded": ""})


def ledger_frame(entries: list[dict], study: Mapping) -> pd.DataFrame:
    """One ledger row per raw data row, in file order.

    In the wide layout a raw row yields one response per wave; its entries are merged into one
    row: kept if any wave was kept, ``wave`` lists the kept waves, and the reason names each wave.
    """
    frame = pd.DataFrame(entries, columns=LEDGER_COLUMNS)
    source_order = {label: index for index, label in enumerate(source_labels(study["sources"]))}
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




def nothing_kept(audit: AuditTrail, labels: Sequence[str]) -> str:
    """The message when every row was excluded: the counts per reason, most frequent first,
    so the real cause is named here rather than by an empty table three stages later."""
    reasons: dict[str, int] = {}
    for entry in audit.ledger:
        reason = re.sub(r"'[^']*'", "'...'", entry["reason"]).split(":")[0]
        reasons[reason] = reasons.get(reason, 0) + 1
    counted = "; ".join(f"{count} {reason}" for reason, count in
                        sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:5])
    return (f"{', '.join(labels)}: no response is kept: all {len(audit.ledger)} rows are excluded "
            f"({counted}); check groups, waves / wave_map and id_column in the config")


def tables(audit: AuditTrail, study: Mapping) -> tuple[pd.DataFrame, ...]:
    """The ledger, issues, codebook and manifest as tables; the manifest counts each data file's
    kept and excluded rows from the ledger."""
    ledger = ledger_frame(audit.ledger, study)
    counts = ledger.groupby(["source", "status"]).size()
    for entry in audit.manifest:
        if entry["role"] == "data":
            entry["kept"] = int(counts.get((entry["source"], "kept"), 0))
            entry["excluded"] = int(counts.get((entry["source"], "excluded"), 0))
    return (ledger, pd.DataFrame(audit.issues, columns=ISSUE_COLUMNS),
            pd.DataFrame(audit.codebook, columns=CODEBOOK_COLUMNS),
            pd.DataFrame(audit.manifest, columns=MANIFEST_COLUMNS))
