"""`make run` as a user sees it, on a copy of the example project: a quiet console (one line per
job with a progress count, no line of kilobytes, no warning from the notebook kernels about
unencrypted TCP) that ends with where everything is, naming only what exists."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import directions  # noqa: E402
from workspace import PROJECT, copy_repository  # noqa: E402

#: What `make run` needs besides the example project.
COPIED = PROJECT + ("scripts", "Makefile", "profiles", "requirements.lock", "pyproject.toml")
MAX_LINES = 150
MAX_WIDTH = 200
PROGRESS = re.compile(r"^\[ *(\d+)/(\d+)\] (\S+)")


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    """`make run` in a copy, with this test's virtual environment (never re-installed: `-o`
    keeps make from running the set-up, which would point the environment at the copy)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    folder = copy_repository(tmp_path_factory.mktemp("make_run"), COPIED)
    venv = Path(sys.prefix)
    result = subprocess.run(["make", "run", f"VENV={venv}", "-o", f"{venv}/.installed"], cwd=folder,
                            capture_output=True, text=True, timeout=1200,
                            env={key: value for key, value in os.environ.items()
                                 if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    return folder, result, output


@pytest.mark.pipeline
def test_a_clean_run_prints_one_line_per_job_and_no_giant_lines(make_run):
    folder, _, output = make_run
    lines = output.splitlines()
    assert len(lines) <= MAX_LINES, f"{len(lines)} lines:\n{output}"
    assert max(len(line) for line in lines) <= MAX_WIDTH, max(lines, key=len)
    progress = [PROGRESS.match(line) for line in lines if PROGRESS.match(line)]
    total = int(progress[0].group(2))
    assert total > 40                                     # the example studies' jobs
    assert [int(match.group(1)) for match in progress] == list(range(1, total + 1))
    assert {int(match.group(2)) for match in progress} == {total}
    assert {match.group(3) for match in progress} >= {"ingest", "score", "notebook", "manifest", "all"}
    assert f"{total} jobs to run" in output
    assert "input:" not in output and "reason:" not in output and "Traceback" not in output
    # Snakemake's complete log keeps every job's block.
    logs = (folder / ".snakemake" / "log").glob("*.snakemake.log")
    assert any("reason: Missing output files" in log.read_text() for log in logs)


@pytest.mark.pipeline
def test_notebook_kernels_do_not_warn_about_tcp(make_run):
    folder, _, output = make_run
    assert "without encryption" not in output
    assert "IPKernelApp" not in output
    assert len(list((folder / "results").rglob("notebooks/*.html"))) >= 10
    # The kernels' sockets lived in private temporary folders: none in the project.
    assert not list(folder.glob("kernel-*"))


@pytest.mark.pipeline
def test_the_run_ends_with_where_everything_is(make_run):
    folder, result, output = make_run
    tail = result.stdout[result.stdout.index("Where everything is:"):]
    # (under `make test` a nested make may still say where it enters and leaves: not ours)
    named = [line.split()[0] for line in tail.splitlines()[1:]
             if line.strip() and not line.startswith("make")]
    assert named[0] == "results/report.html"
    studies = ["imp_feasibility", "trainee_wellbeing", "mindful_practice"]
    assert {f"results/{study}/" for study in studies} <= set(named)
    assert "logs/" in named
    assert {f"private/{study}/pseudonyms.csv" for study in studies} <= set(named)
    for path in named:
        assert (folder / path).exists(), path
    assert "tables/, figures/, notebooks/" in tail
    key = next(line for line in tail.splitlines() if "private/imp_feasibility/" in line)
    assert "never share" in key and "(47)" in key
    # The report's own lines went to its log.
    assert "Adding " not in output
    assert "Adding " in (folder / "logs" / "report.log").read_text()


def test_directions_name_only_what_exists(tmp_path):
    (tmp_path / "config.yaml").write_text("studies:\n  alpha: {}\n  beta: {}\n")
    assert directions.directions(tmp_path, tmp_path / "config.yaml") == [
        "Nothing has been built yet: run `make run`."]
    (tmp_path / "results" / "alpha" / "tables").mkdir(parents=True)
    (tmp_path / "private" / "alpha").mkdir(parents=True)
    (tmp_path / "private" / "alpha" / "pseudonyms.csv").write_text("participant_code,pseudonym\nA7,P001\n")
    lines = directions.directions(tmp_path, tmp_path / "config.yaml")
    text = "\n".join(lines)
    assert "results/alpha/" in text and "tables/ and the CSVs" in text
    assert "figures/" not in text and "notebooks/" not in text
    assert "results/report.html" not in text and "logs/" not in text and "beta" not in text
    assert "private/alpha/pseudonyms.csv" in text and "(1); never share" in text
