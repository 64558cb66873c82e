"""The corpus of bad inputs: every case of tests/bad_inputs/cases.yaml behaves exactly
as documented there, at library level; a few run through Snakemake to show what a user sees: a
non-zero exit, one line without a traceback, and no partial output.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "bad_inputs"))
sys.path.insert(0, str(ROOT / "scripts"))

import make_cases  # noqa: E402
from workspace import WORKFLOW, copy_repository  # noqa: E402

DEFAULTS, CASES = make_cases.load_cases()
BY_ID = {case["id"]: case for case in CASES}


def expected(case: dict, folder: Path) -> dict:
    expect = dict(case["expect"])
    for key in ("stop", "config_stop"):
        if key in expect:
            expect[key] = expect[key].replace("{root}", str(folder.resolve()))
    return expect


def test_the_corpus_covers_every_format_and_the_listed_situations():
    assert len(CASES) >= 40
    assert len(BY_ID) == len(CASES), "case ids must be unique"
    formats = {case["format"] for case in CASES}
    assert formats == {"csv", "qualtrics", "redcap", "spss", "excel"}
    for case in CASES:
        assert case.get("what") and case.get("expect"), case["id"]
        assert set(case["expect"]) <= {"stop", "config_stop", "ledger", "issues", "responses",
                                       "codebook", "codebook_labels", "ledger_sources", "scores",
                                       "reliability", "anova_notes", "anova_excluded",
                                       "ancova_notes", "anova_stop", "participants", "careless"}, case["id"]
        # Handled cases state their whole audit trail; stops state nothing else.
        if {"stop", "config_stop"} & set(case["expect"]):
            assert len(case["expect"]) == 1, case["id"]
        else:
            assert {"ledger", "issues"} <= set(case["expect"]), case["id"]
    for prefix in ("csv_", "mixed_", "qualtrics_", "redcap_", "spss_", "excel_", "config_"):
        assert sum(case["id"].startswith(prefix) for case in CASES) >= 2, prefix


@pytest.mark.parametrize("case_id", sorted(BY_ID))
def test_case_behaves_as_documented(case_id, tmp_path):
    case = BY_ID[case_id]
    make_cases.write_case(case, tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.MonkeyPatch.context() as patch:
        # run the files written above (a second writing would stamp a new time into an .xlsx)
        patch.setattr(make_cases, "write_case", lambda case, folder: None)
        outcome = make_cases.run_case(DEFAULTS, case, tmp_path)
    assert outcome == expected(case, tmp_path)
    for key in ("stop", "config_stop", "anova_stop"):
        if outcome.get(key):
            assert "\n" not in outcome[key], "a user error is one line"
    # The raw files are read, never written.
    assert {p: p.read_bytes() for p in before} == before


def test_binary_cases_are_generated_deterministically(tmp_path):
    """The generator is seeded and data-driven: the same case writes the same data (random bytes
    byte for byte; .sav and .xlsx hold a creation time in their headers, so their cells)."""
    import openpyxl
    import pyreadstat

    for case in CASES:
        for name, spec in case["files"].items():
            if isinstance(spec, str) or "text" in spec:
                continue
            first, second = tmp_path / "a" / case["id"] / name, tmp_path / "b" / case["id"] / name
            make_cases.write_file(first, spec)
            make_cases.write_file(second, spec)
            if "random_bytes" in spec:
                assert first.read_bytes() == second.read_bytes()
            elif "spss" in spec:
                assert pyreadstat.read_sav(str(first))[0].equals(pyreadstat.read_sav(str(second))[0])
            else:
                cells = [[list(row) for row in sheet.iter_rows(values_only=True)]
                         for path in (first, second) for sheet in openpyxl.load_workbook(path)]
                assert cells[: len(cells) // 2] == cells[len(cells) // 2:]


def test_internal_errors_keep_their_traceback_user_errors_do_not(tmp_path):
    code = ("import sys; sys.path.insert(0, {lib!r}); from wellbeing.errors import UserError, "
            "exit_on_user_error\n"
            "def user(): raise UserError('data.csv, row 2, column BRS_2: fix it')\n"
            "def bug(): return {{}}['missing']\n"
            "exit_on_user_error(user if sys.argv[1] == 'user' else bug)\n").format(lib=str(ROOT / "workflow"))
    user = subprocess.run([sys.executable, "-c", code, "user"], capture_output=True, text=True)
    assert user.returncode == 1
    assert user.stderr.strip().splitlines() == ["error: data.csv, row 2, column BRS_2: fix it"]
    bug = subprocess.run([sys.executable, "-c", code, "bug"], capture_output=True, text=True)
    assert bug.returncode != 0
    assert "Traceback (most recent call last)" in bug.stderr and "KeyError" in bug.stderr


# ---------------------------------------------------------------------------------- Snakemake

SNAKEMAKE_CASES = ["csv_answer_text_instead_of_codes", "qualtrics_header_rows_removed",
                   "spss_not_a_sav_file", "config_unknown_key", "csv_text_in_item_columns"]


def workflow_copy(folder: Path, case: dict) -> Path:
    copy_repository(folder, WORKFLOW)
    make_cases.write_case(case, folder)
    config = make_cases.case_config(DEFAULTS, case)
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


def snakemake(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", *args], cwd=folder,
                          capture_output=True, text=True, env=env, timeout=300)


INGEST_TARGETS = [f"results/{make_cases.STUDY}/ingest/{name}.csv"
                  for name in ("responses", "ledger", "issues", "codebook", "raw_manifest")]


@pytest.mark.pipeline
@pytest.mark.parametrize("case_id", SNAKEMAKE_CASES)
def test_through_snakemake(case_id, tmp_path):
    case = BY_ID[case_id]
    folder = workflow_copy(tmp_path, case)
    raw = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}
    result = snakemake(folder, *INGEST_TARGETS)
    output = result.stdout + result.stderr
    expect = expected(case, folder)
    message = expect.get("stop") or expect.get("config_stop")
    if message:
        assert result.returncode != 0
        assert "Traceback" not in output
        # The one line the user reads; config errors stop at parse time, data errors in the job
        # (Snakemake adds its own lines about the failed job around it).
        assert [line for line in result.stderr.splitlines() if line.startswith("error: ")] == \
            [f"error: {message}"]
        assert not list((folder / "results").rglob("*")) if (folder / "results").exists() else True
        assert not (folder / "private").exists() or not list((folder / "private").rglob("*.csv"))
    else:
        assert result.returncode == 0, output[-3000:]
        issues = (folder / INGEST_TARGETS[2]).read_text().splitlines()
        assert len(issues) == 1 + len(expect["issues"])
        # The participant codes are pseudonymised in results/; the key is in private/.
        responses = (folder / INGEST_TARGETS[0]).read_text()
        assert "A1" not in responses and "P001" in responses
        key = (folder / "private" / make_cases.STUDY / "pseudonyms.csv").read_text().splitlines()
        assert key == ["participant_code,pseudonym", "A1,P001", "A2,P002"]
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw} == raw
