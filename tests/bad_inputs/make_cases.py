"""The corpus of bad inputs: write each case's files and run it through the library.

Every case of ``cases.yaml`` gives its raw files, the study settings that differ from
``defaults.study``, and the exact behaviour expected: ``stop`` (ingest raises this one-line
UserError), ``config_stop`` (config validation does), or, when the input is handled, the
``ledger`` and ``issues`` rows it leaves (and, where it matters, responses, codebook roles,
the careless-response screening, scores and what the later stages do).

Text files are written from the YAML as given (``text``, with ``encoding``, ``bom`` and ``crlf``
where the case is about them). Binary files are generated here, deterministically:

* ``spss``: a .sav written by pyreadstat from ``columns`` and ``rows`` (``string: true`` stores
  every column as a string variable; ``missing`` declares user-missing codes per column);
* ``excel``: an .xlsx written by openpyxl, one sheet per entry of ``sheets`` (a YAML date such as
  ``2024-03-04`` becomes a date cell, as Excel stores an answer it took for a date; a text
  starting with ``=`` a formula, stored without a value as a program that does not calculate
  writes it); sheets listed in ``hidden`` are hidden;
* ``random_bytes``: ``size`` bytes from ``random.Random(seed)``.

``python tests/bad_inputs/make_cases.py --show [case-id ...]`` prints what each case does now,
in the shape of ``expect``, for writing a new case; ``--write FOLDER`` writes every case's files.
"""

from __future__ import annotations

import copy
import datetime
import random
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from wellbeing import ancova, anova, ingest, participants, reliability, score  # noqa: E402
from wellbeing.errors import UserError  # noqa: E402
from wellbeing.study import validated_config  # noqa: E402

CASES_FILE = HERE / "cases.yaml"
STUDY = "bad"


def load_cases() -> tuple[dict, list[dict]]:
    with open(CASES_FILE, encoding="utf-8") as handle:
        content = yaml.safe_load(handle)
    return content["defaults"], content["cases"]


# ------------------------------------------------------------------------------ writing files


def _write_spss(path: Path, spec: dict) -> None:
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame(spec["rows"], columns=spec["columns"])
    if spec.get("string"):
        frame = frame.map(lambda v: "" if v is None else str(v)).astype(object)
    else:
        frame = frame.apply(lambda column: pd.to_numeric(column) if column.name != spec.get("text_column")
                            else column)
    missing = {column: [v if isinstance(v, dict) else float(v) for v in values]
               for column, values in (spec.get("missing") or {}).items()}
    labels = {column: {float(code): text for code, text in codes.items()}
              for column, codes in (spec.get("value_labels") or {}).items()}
    pyreadstat.write_sav(frame, str(path), missing_ranges=missing or None,
                         variable_value_labels=labels or None)


def _write_excel(path: Path, spec: dict) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in spec["sheets"].items():
        sheet = workbook.create_sheet(name)
        if name in spec.get("hidden", []):
            sheet.sheet_state = "hidden"
        for row in rows or []:
            sheet.append([datetime.datetime.combine(v, datetime.time()) if isinstance(v, datetime.date)
                          and not isinstance(v, datetime.datetime) else v for v in row])
    workbook.save(path)


def write_file(path: Path, spec) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(spec, str):
        spec = {"text": spec}
    if "text" in spec:
        text = spec["text"]
        if spec.get("crlf"):
            text = text.replace("\n", "\r\n")
        data = text.encode(spec.get("encoding", "utf-8"))
        if spec.get("bom"):
            data = b"\xef\xbb\xbf" + data
        path.write_bytes(data)
    elif "spss" in spec:
        _write_spss(path, spec["spss"])
    elif "excel" in spec:
        _write_excel(path, spec["excel"])
    elif "random_bytes" in spec:
        rng = random.Random(spec["random_bytes"]["seed"])
        path.write_bytes(bytes(rng.randrange(256) for _ in range(spec["random_bytes"]["size"])))
    else:
        raise ValueError(f"unknown file spec {sorted(spec)}")


def write_case(case: dict, folder: Path) -> None:
    for name, spec in (case.get("files") or {}).items():
        write_file(folder / name, spec)


def merge(base: dict, changes: dict) -> dict:
    """``base`` with ``changes`` applied key by key; a value of None removes the key."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def case_config(defaults: dict, case: dict) -> dict:
    study = merge(defaults["study"], case.get("study") or {})
    if "sources" not in (case.get("study") or {}):
        name = next(iter(case["files"]))
        source = {"path": name, "format": case["format"], "wave": study["waves"][0]}
        study["sources"] = [merge(source, case.get("source") or {})]
    return {"studies": {STUDY: study}}


# ------------------------------------------------------------------------------ running a case


def _cell(value):
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def run_case(defaults: dict, case: dict, folder: Path) -> dict:
    """Write the case's files into ``folder``, run it, and describe what happened in the shape
    of ``expect``."""
    write_case(case, folder)
    try:
        config = validated_config(case_config(defaults, case), folder)
    except UserError as error:
        return {"config_stop": str(error)}
    study = config["studies"][STUDY]
    try:
        result = ingest.for_study(study, folder)
    except UserError as error:
        return {"stop": str(error)}
    outcome = {
        "ledger": [[_cell(r.row), r.participant, r.wave, r.status, r.reason]
                   for r in result.ledger.itertuples(index=False)],
        "issues": [[_cell(r.row), r.column, r.value, r.rule, r.action]
                   for r in result.issues.itertuples(index=False)],
    }
    expect = case.get("expect") or {}
    if "responses" in expect:
        outcome["responses"] = {column: [_cell(v) for v in result.responses[column]]
                                for column in expect["responses"]}
    if "codebook" in expect:
        roles = dict(zip(result.codebook.column, result.codebook.role))
        outcome["codebook"] = {column: roles.get(column) for column in expect["codebook"]}
    if "ledger_sources" in expect:
        outcome["ledger_sources"] = result.ledger.source.tolist()
    if "codebook_labels" in expect:
        labels = dict(zip(result.codebook.column, result.codebook.label.fillna("")))
        outcome["codebook_labels"] = {column: labels.get(column) for column in expect["codebook_labels"]}
    if "careless" in expect:
        outcome["careless"] = [[r.participant, r.wave, _cell(r.longstring),
                                None if _cell(r.irv) is None else round(float(r.irv), 4), r.flags or "",
                                bool(r.excluded), r.note]
                               for r in result.careless.fillna({"flags": ""}).itertuples(index=False)]
    if "participants" in expect:
        table = participants.characteristics(result.responses, study, result.codebook)
        outcome["participants"] = [[r.variable, r.level, r.code, r.group, _cell(r.count)]
                                   for r in table[table.kind == "categorical"].itertuples(index=False)]
    if {"scores", "reliability", "anova_stop", "anova_notes", "anova_excluded", "ancova_notes"} & set(expect):
        long, wide = score.for_study(result.responses, study, folder)
        if "scores" in expect:
            outcome["scores"] = [[r.participant, r.wave, r.scale, _cell(r.score), _cell(r.n_answered), r.rule]
                                 for r in long.itertuples(index=False) if r.instrument == "brs"]
        if "reliability" in expect:
            table, _ = reliability.for_study(result.responses, study, folder)
            outcome["reliability"] = [[r.wave, _cell(r.n), _cell(r.alpha)] for r in table.itertuples(index=False)]
        if "anova_notes" in expect:
            table = anova.for_study(wide, study).anova
            outcome["anova_notes"] = [[r.outcome, r.effect, r.note] for r in table.itertuples(index=False)]
        if "anova_excluded" in expect:
            ledger = anova.for_study(wide, study).ledger
            outcome["anova_excluded"] = [[r.population, r.participant, r.reason] for r in
                                         ledger[ledger.status == "excluded"].drop_duplicates(
                                             ["population", "participant"]).itertuples(index=False)]
        if "ancova_notes" in expect:
            table = ancova.for_study(wide, study).ancova
            outcome["ancova_notes"] = [[r.outcome, r.population, r.term, r.note]
                                       for r in table.itertuples(index=False)]
        if "anova_stop" in expect:
            try:
                anova.for_study(wide, study)
                outcome["anova_stop"] = None
            except UserError as error:
                outcome["anova_stop"] = str(error)
    return outcome


def main(argv: list[str]) -> None:
    import tempfile

    defaults, cases = load_cases()
    if argv[:1] == ["--write"]:
        target = Path(argv[1])
        for case in cases:
            write_case(case, target / case["id"])
        return
    wanted = set(argv[1:]) if argv[:1] == ["--show"] else set()
    for case in cases:
        if wanted and case["id"] not in wanted:
            continue
        with tempfile.TemporaryDirectory() as folder:
            outcome = run_case(defaults, case, Path(folder))
        print(yaml.safe_dump({case["id"]: outcome}, sort_keys=False, allow_unicode=True, width=1000))


if __name__ == "__main__":
    main(sys.argv[1:])
