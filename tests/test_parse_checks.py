"""What the workflow checks when it starts, before any job: that Snakemake's Python has the
pipeline's packages (else one line saying how to run it), and that every instrument's items
match columns of the study's raw exports, read from their headers alone (else one line naming
the study, the instrument, the pattern and the closest columns)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "bad_inputs"))

import make_cases  # noqa: E402
from workspace import PROJECT, copy_repository  # noqa: E402

from wellbeing import ingest  # noqa: E402
from wellbeing.errors import UserError  # noqa: E402
from wellbeing.headers import check_items_in_headers, source_header  # noqa: E402
from wellbeing.ingest.values import strip_suffix  # noqa: E402
from wellbeing.study import validated_config  # noqa: E402

ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")


def snakemake(folder: Path, *args: str, python_code: str = "", env: dict | None = None):
    """``snakemake -n`` in ``folder``; ``python_code`` runs first, after Snakemake is imported."""
    code = (f"import sys\nfrom snakemake.cli import main\n{python_code}\n"
            f"sys.argv = ['snakemake', *{list(args)!r}]\nmain()\n")
    return subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True,
                          env=env or ENV, timeout=300)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode != 0
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def project(tmp_path):
    return copy_repository(tmp_path / "project", PROJECT)


# --------------------------------------------------------------------- the pipeline's packages


def test_without_the_pipelines_library_dependencies_one_line_says_how_to_run(project, tmp_path):
    """A Python whose jsonschema (read by the config validation at parse time) cannot be
    imported, as a system Python with Snakemake alone might be."""
    fake = tmp_path / "fake" / "jsonschema"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('jsonschema cannot be imported (test)')\n")
    result = snakemake(project, "-n", env=dict(ENV, PYTHONPATH=str(tmp_path / "fake")))
    line = one_line(result)
    assert line.startswith("error: Snakemake's Python (")
    assert "jsonschema cannot be imported (test)" in line
    assert "`make setup`, then `.venv/bin/snakemake --cores all`" in line
    assert "`snakemake --sdm conda --cores all`" in line
    assert not (project / "results").exists()


def test_without_pandas_for_the_jobs_one_line_says_how_to_run(project):
    """pandas is not read at parse time, but every job needs it: a Snakemake that would run the
    jobs in a Python without it stops before the first one."""
    result = snakemake(project, "-n", python_code="sys.modules['pandas'] = None  # not installed")
    line = one_line(result)
    assert "No module named 'pandas'" in line and "make setup" in line and "--sdm conda" in line
    assert not (project / "results").exists()


def test_the_parse_time_package_list_covers_the_runtime_dependencies():
    import tomllib

    from packaging.requirements import Requirement

    common = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    listed = set(re.findall(r'"(\w+)"', re.search(r"JOB_PACKAGES = \((.*?)\)", common, re.S).group(1)))
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    wanted = {Requirement(text).name for text in dependencies}
    # Snakemake runs the workflow; jsonschema and PyYAML are imported at parse time (the library
    # import fails first without them).
    wanted -= {"snakemake", "jsonschema", "pyyaml"}
    assert listed == wanted


# ------------------------------------------------------------- items that match no column


def break_items(folder: Path, items) -> None:
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["studies"]["trainee_wellbeing"]["instruments"][0]["items"] = items
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def test_items_matching_no_column_stop_a_dry_run(project):
    break_items(project, "maas_item_{n}")
    line = one_line(snakemake(project, "-n"))
    assert line == ("error: data/raw/trainee_wellbeing/export.csv: instrument maas15 (items "
                    "'maas_item_{n}') has 15 of 15 item columns missing, e.g. maas_item_1, "
                    "maas_item_2, maas_item_3, maas_item_4, maas_item_5; check the pattern in "
                    "studies.trainee_wellbeing.instruments[0].items of config.yaml: the closest "
                    "columns are maas_1, maas_2, maas_3")
    assert not (project / "results").exists() and not (project / ".snakemake" / "log").exists()


def test_the_message_begins_as_the_ingests_own(project):
    """The check at parse time says what the ingest job would have said, then where to fix it."""
    break_items(project, "maas_item_{n}")
    config = validated_config(yaml.safe_load((project / "config.yaml").read_text()), project)
    with pytest.raises(UserError) as at_parse:
        check_items_in_headers(config, project)
    with pytest.raises(UserError) as at_ingest:
        ingest.for_study(config["studies"]["trainee_wellbeing"], project)
    ingest_message = str(at_ingest.value)
    assert ingest_message.endswith("; check the pattern in instruments[].items")
    assert str(at_parse.value).startswith(ingest_message.removesuffix("instruments[].items"))


def test_a_list_of_items_matching_no_column(project):
    break_items(project, [f"mass_{n}" for n in range(1, 16)])     # a typo
    config = validated_config(yaml.safe_load((project / "config.yaml").read_text()), project)
    with pytest.raises(UserError, match=r"\(items as listed\) has 15 of 15 item columns missing.*"
                                        r"check the list in studies\.trainee_wellbeing\.instruments\[0\]"
                                        r"\.items of config\.yaml: the closest columns are maas_1, maas_2, maas_3$"):
        check_items_in_headers(config, project)


def test_a_duration_column_no_export_has_stops_at_parse_time(project):
    """analyses.screening.duration_column named wrongly (imp_feasibility's Qualtrics exports have
    'Duration (in seconds)'): one line naming the study's key and the closest column, before any
    job runs."""
    config = yaml.safe_load((project / "config.yaml").read_text())
    analyses = config["studies"]["imp_feasibility"]["analyses"]
    analyses["screening"] = {"duration_column": "Duration (seconds)"}
    (project / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    line = one_line(snakemake(project, "-n"))
    assert line == ("error: data/raw/imp_feasibility/pre.csv, data/raw/imp_feasibility/post.csv: no column "
                    "'Duration (seconds)'; check studies.imp_feasibility.analyses.screening.duration_column "
                    "of config.yaml: it names the column holding each response's duration in seconds "
                    "(the closest columns are Duration (in seconds))")
    analyses["screening"] = {"duration_column": "Duration (in seconds)"}
    checked = validated_config(config, project)
    check_items_in_headers(checked, project)        # the right name passes


def test_the_example_config_passes_and_reads_headers_only(project):
    config = validated_config(yaml.safe_load((project / "config.yaml").read_text()), project)
    check_items_in_headers(config, project)
    study = config["studies"]["trainee_wellbeing"]
    header = source_header(study["sources"][0], project)
    assert header.names[:2] == ["record_id", "redcap_event_name"] and "maas_15" in header.names


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> dict:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return {"path": name}


def test_headers_of_every_format(tmp_path):
    import openpyxl
    import pandas as pd
    import pyreadstat

    header = source_header(dict(write(tmp_path, "a.csv", "Block,,\npid;BRS_1;BRS_2\n1;2;3\n"),
                                format="csv", header_row=2, delimiter=";"), tmp_path)
    assert header.names == ["pid", "BRS_1", "BRS_2"]
    utf16 = write(tmp_path, "q.tsv", "\ufeffpid\tFFMQ_1\nQuestion\tText\n", encoding="utf-16-le")
    assert source_header(dict(utf16, format="qualtrics"), tmp_path).names == ["pid", "FFMQ_1"]
    pyreadstat.write_sav(pd.DataFrame({"id": [1.0], "PSS_1": [2.0]}), str(tmp_path / "s.sav"))
    assert source_header({"path": "s.sav", "format": "spss"}, tmp_path).names == ["id", "PSS_1"]
    workbook = openpyxl.Workbook()
    workbook.active.title = "hidden"
    workbook.active.sheet_state = "hidden"
    sheet = workbook.create_sheet("data")
    for row in (["Group label"], [], ["pid", "SCS_1", 2.0], [1, 2, 3]):
        sheet.append(row)
    workbook.save(tmp_path / "w.xlsx")
    header = source_header({"path": "w.xlsx", "format": "excel", "header_row": 3}, tmp_path)
    assert header.names == ["pid", "SCS_1", "2"]
    # What cannot be read from the top of the file is left to the ingest.
    assert source_header(dict(write(tmp_path, "x.sav", "not spss"), format="spss"), tmp_path) is None
    assert source_header(dict(write(tmp_path, "e.csv", ""), format="csv"), tmp_path) is None
    assert source_header({"path": "missing.csv", "format": "csv"}, tmp_path) is None


def test_wide_layouts_repeated_names_and_other_forms_are_left_to_the_ingest(tmp_path):
    """No stop at parse time where the ingest finds the items (wave suffixes, a repeated column
    name renamed by position) or has its own, better message (the pattern matches item numbers
    the instrument does not have: another form of the questionnaire)."""
    write(tmp_path, "wide.csv", "pid,BRS_1_T1,BRS_2_T1,BRS_3_T1,BRS_4_T1,BRS_5_T1,BRS_6_T1\n1,1,2,3,4,5,1\n")
    write(tmp_path, "long.csv", "pid,BRS_7,BRS_8,BRS_9,BRS_10,BRS_11,BRS_12\n1,1,2,3,4,5,1\n")
    studies = {
        "wide": {"sources": [{"path": "wide.csv", "format": "csv", "wave_suffixes": {"pre": "_T1"}}],
                 "instruments": [{"instrument": "brs", "items": "BRS_{n}"}]},
        "other_form": {"sources": [{"path": "long.csv", "format": "csv", "wave": "pre"}],
                       "instruments": [{"instrument": "brs", "items": "BRS_{n}"}]},
        "renamed": {"sources": [{"path": "wide.csv", "format": "csv", "wave": "pre"}],
                    "instruments": [{"instrument": "brs", "items": [f"BRS_{n}_T1@{n + 1}" for n in range(1, 7)]}]},
    }
    check_items_in_headers({"studies": studies}, tmp_path)


DEFAULTS, CASES = make_cases.load_cases()


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_headers_name_every_column_the_ingest_reads(case, tmp_path):
    """Over the whole bad-input corpus (every format and its oddities): the names read from a
    header include every column name the ingest reads from the whole file, so the parse-time
    check never reports an item column the ingest would find; and where it stops a case, the
    ingest stops it too, with the same message up to where the parse-time one adds the key."""
    make_cases.write_case(case, tmp_path)
    try:
        config = validated_config(make_cases.case_config(DEFAULTS, case), tmp_path)
    except UserError:
        return                                    # a config error: stops before the headers
    study = config["studies"][make_cases.STUDY]
    for source in study["sources"]:
        header = source_header(source, tmp_path)
        try:
            raw = ingest.read_source(source, tmp_path)
        except UserError:
            continue
        if header is not None:
            read = {strip_suffix(column, source) for column in raw.frame.columns}
            assert read <= header.candidates, sorted(read - header.candidates)
    try:
        check_items_in_headers(config, tmp_path)
    except UserError as error:
        stop = case["expect"].get("stop", "")
        assert stop and str(error).startswith(stop.removesuffix("instruments[].items")), (str(error), stop)
