"""The ``wellbeing`` command: ``init`` proposes a study block from raw exports, ``check``
validates a config as the workflow does when it starts.

- each example study's raw folder, with a config holding no study, gives back the shipped
  study's instruments, waves, id and group, and the block builds (one study end to end);
- each real export (skipped without the shared folder) gives a block that passes
  ``wellbeing check`` and builds ingest and scores, or one line saying what could not be decided;
- the invented inputs of ``tests/bad_inputs/init_cases.yaml`` give their exact messages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from workspace import PROJECT, WORKFLOW, copy_repository  # noqa: E402

REAL = Path(os.environ.get("REAL_EXPORTS", ROOT.parent / "shared" / "data" / "real-exports"))
CASES = yaml.safe_load((ROOT / "tests" / "bad_inputs" / "init_cases.yaml").read_text(encoding="utf-8"))["cases"]
EXAMPLES = ("imp_feasibility", "mindful_practice", "trainee_wellbeing")
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


def wellbeing(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed command when `make setup` wrote it, else the module it runs."""
    command = Path(sys.executable).parent / "wellbeing"
    prefix = [str(command)] if command.is_file() else [sys.executable, "-m", "wellbeing.cli"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "workflow")}
    return subprocess.run([*prefix, *args], cwd=cwd, capture_output=True, text=True, env=environment,
                          timeout=300)


def snakemake(cwd: Path, *targets: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SNAKEMAKE), *targets, "--cores", "2", "--keep-going"], cwd=cwd,
                          capture_output=True, text=True, timeout=900)


def written_study(root: Path, study_id: str) -> dict:
    return yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))["studies"][study_id]


def raw_wave_order(study: dict) -> list[tuple[str, str]]:
    """(raw code or file, wave) in the order the waves are declared: what makes two wave
    settings equivalent (the wave names themselves are free)."""
    pairs = []
    for source in study["sources"]:
        if "wave" in source:
            pairs.append((source["path"], source["wave"]))
        for raw, wave in source.get("wave_map", {}).items():
            pairs.append((str(raw), wave))
        for wave, suffix in source.get("wave_suffixes", {}).items():
            pairs.append((suffix, wave))
    order = {wave: position for position, wave in enumerate(study["waves"])}
    return [raw for raw, wave in sorted(pairs, key=lambda pair: order[pair[1]])]


# ------------------------------------------------------------------------ example studies


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    """A copy of the project whose config.yaml holds no study, then `wellbeing init` on each
    example's raw folder."""
    root = copy_repository(tmp_path_factory.mktemp("init_examples"), PROJECT)
    shutil.copytree(ROOT / "profiles", root / "profiles")
    (root / "config.yaml").write_text("# emptied by the test\nstudies: {}\n", encoding="utf-8")
    outputs = {}
    for study in EXAMPLES:
        result = wellbeing("init", f"data/raw/{study}", cwd=root)
        assert result.returncode == 0, result.stderr
        outputs[study] = result.stdout
    return root, outputs


@pytest.mark.parametrize("study_id", EXAMPLES)
def test_init_finds_the_shipped_instruments_waves_id_and_group(examples, study_id):
    root, outputs = examples
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["studies"][study_id]
    written = written_study(root, study_id)
    pairs = lambda study: [(use["instrument"], use["items"]) for use in study["instruments"]]  # noqa: E731
    assert pairs(written) == pairs(shipped)
    assert written.get("id_column") == shipped.get("id_column")
    assert written.get("group_column") == shipped.get("group_column")
    assert written.get("groups") == shipped.get("groups")
    assert written["design"] == shipped["design"]
    assert len(written["waves"]) == len(shipped["waves"])
    assert raw_wave_order(written) == raw_wave_order(shipped)
    assert sorted(s["path"] for s in written["sources"]) == sorted(s["path"] for s in shipped["sources"])
    assert "high confidence" in outputs[study_id] and "Traceback" not in outputs[study_id]


def test_init_keeps_the_comments_and_check_passes(examples):
    root, _ = examples
    text = (root / "config.yaml").read_text(encoding="utf-8")
    assert text.startswith("# emptied by the test\nstudies:\n")
    assert "# CHECK: the first is the reference (control) group" in text
    result = wellbeing("check", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("config.yaml: OK (3 studies: imp_feasibility, mindful_practice, "
                                     "trainee_wellbeing)")


@pytest.mark.pipeline
def test_the_written_blocks_build(examples):
    """mindful_practice end to end; the other two through ingest and scores."""
    root, _ = examples
    result = snakemake(root, "results/mindful_practice/manifest.json",
                       "results/imp_feasibility/scores/scores_wide.csv",
                       "results/trainee_wellbeing/scores/scores_wide.csv")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (root / "results" / "mindful_practice" / "anova" / "anova.csv").is_file()
    assert (root / "results" / "mindful_practice" / "reliability" / "reliability.csv").is_file()


def test_init_refuses_an_existing_study_and_leaves_the_config_alone(examples):
    root, _ = examples
    before = (root / "config.yaml").read_bytes()
    result = wellbeing("init", "data/raw/mindful_practice", cwd=root)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == ("error: config.yaml: study 'mindful_practice' is already configured; choose "
                             "another id with --study NAME (or remove 'mindful_practice' from config.yaml "
                             "first)\n")
    assert (root / "config.yaml").read_bytes() == before
    dry = wellbeing("init", "data/raw/mindful_practice", "--study", "mindful_copy", "--dry-run", cwd=root)
    assert dry.returncode == 0 and "  mindful_copy:\n" in dry.stdout
    assert (root / "config.yaml").read_bytes() == before


def test_help_lists_the_commands(tmp_path):
    result = wellbeing("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "init" in result.stdout and "check" in result.stdout


def test_check_reports_one_line_without_a_traceback(tmp_path):
    copy_repository(tmp_path, WORKFLOW + ("data",))
    (tmp_path / "config.yaml").write_text(
        "studies:\n  demo:\n    title: x\n    design: cross_sectional\n    waves: [baseline]\n"
        "    sources: [{path: data/raw/mindful_practice/surveys.csv, format: csv, wave_column: visit,\n"
        "               wave_map: {T0: baseline}}]\n    id_column: code\n"
        "    instruments: [{instrument: pss10, items: 'pss_item_{n}'}]\n", encoding="utf-8")
    result = wellbeing("check", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: data/raw/mindful_practice/surveys.csv: instrument pss10 "
                                    "(items 'pss_item_{n}') has 10 of 10 item columns missing")
    assert result.stderr.count("\n") == 1
    unknown = wellbeing("check", "nosuch", cwd=tmp_path)
    assert unknown.returncode == 1
    assert unknown.stderr == "error: config.yaml: no study 'nosuch' (studies: demo)\n"


# --------------------------------------------------------------------------- invented cases


def _table_rows(spec: dict) -> list[list[str]]:
    header = list(spec.get("columns", {}))
    suffixes = spec.get("suffixes", [""])
    for stem, count, _, _ in spec.get("items", []):
        header += [f"{stem}{n}{suffix}" for suffix in suffixes for n in range(1, count + 1)]
    rows = [[name.strip() for name in header]]
    for row in range(1, spec["rows"] + 1):
        record = [str(value).replace("{row}", str(row)) for value in spec.get("columns", {}).values()]
        for stem, count, low, high in spec.get("items", []):
            texts = spec.get("texts", {}).get(stem)
            for _suffix in suffixes:
                for n in range(1, count + 1):
                    code = low + (row * 7 + n * 3) % (high - low + 1)
                    record.append(texts[code - low] if texts else str(code))
        rows.append(record)
    return rows


def write_case_files(folder: Path, files: dict) -> None:
    import csv

    folder.mkdir(parents=True)
    for name, spec in files.items():
        path = folder / name
        if "text" in spec:
            path.write_text(spec["text"], encoding="utf-8")
        elif "table" in spec:
            with open(path, "w", encoding="utf-8", newline="") as out:
                csv.writer(out, delimiter=spec["table"].get("delimiter", ",")).writerows(_table_rows(spec["table"]))
        else:
            import openpyxl

            workbook = openpyxl.Workbook()
            workbook.remove(workbook.active)
            for sheet, table in spec["sheets"].items():
                worksheet = workbook.create_sheet(sheet)
                for record in _table_rows(table):
                    worksheet.append([int(v) if v.isdigit() else v for v in record])
            workbook.save(path)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_invented_init_case(case, tmp_path):
    write_case_files(tmp_path / "data" / "raw" / "case", case["files"])
    if "config" in case:
        (tmp_path / "config.yaml").write_text(case["config"], encoding="utf-8")
    before = (tmp_path / "config.yaml").read_bytes() if "config" in case else None
    result = wellbeing("init", "data/raw/case", cwd=tmp_path)
    expect = case["expect"]
    assert "Traceback" not in result.stderr
    if "error" in expect:
        assert result.returncode == 1
        assert result.stderr == f"error: {expect['error']}\n"
        after = (tmp_path / "config.yaml").read_bytes() if (tmp_path / "config.yaml").exists() else None
        assert after == before, "config.yaml must be left as it was"
        return
    assert result.returncode == 0, result.stderr
    study = written_study(tmp_path, "case")
    uses = [[use["instrument"], use["items"]] for use in study.get("instruments", [])]
    assert uses == expect["instruments"]
    for instrument, numbers in expect.get("reversed_in_export", {}).items():
        use = next(use for use in study["instruments"] if use["instrument"] == instrument)
        assert use["reversed_in_export"] == numbers
    for key in ("waves", "id_column", "group_column", "design", "sources"):
        if key in expect:
            assert study.get(key) == expect[key], key
    for line in expect.get("stdout", []):
        assert line in result.stdout + (tmp_path / "config.yaml").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- real exports

#: Each real file or set, copied alone into a raw folder; None: the block it must write,
#: else the start of the one-line message saying what init could not decide.
REAL_SETS = {
    "caudek": (["caudek_scs26.csv"], None),
    "esem": (["esem2023_maas_long.csv", "esem2023_technostress_long.csv", "esem2023_demographics.csv",
              "esem2023_welfare.csv"], None),
    "nadler": (["nadler2020.csv"], None),
    "krusche": (["krusche2012_bmo_pss.xlsx"], None),
    "siraji": (["siraji_ffmq39_teachers.xlsx"], None),
    "nagy_numeric": (["nagy2023_items_numeric.csv"], None),
    "nagy_labels": (["nagy2023_qualtrics_raw_labels.csv"], "data/raw/nagy_labels: nothing to score"),
    "pallant": (["pallant_survey.sav"], "data/raw/pallant: no item columns match"),
    "pallant_errors": (["pallant_survey_errors.sav"], "data/raw/pallant_errors: no item columns match"),
    "qualtrics_sample": (["qualtrics_sample.csv"], "data/raw/qualtrics_sample: no item columns match"),
    "redcap_longitudinal": (["redcap_longitudinal.csv", "redcap_longitudinal_dictionary.csv"],
                            "data/raw/redcap_longitudinal: no item columns match"),
    "redcap_simple": (["redcap_simple.csv", "redcap_simple_dictionary.csv"],
                      "data/raw/redcap_simple: no item columns match"),
    "redcap_checkboxes": (["redcap_checkboxes_1.csv", "redcap_checkboxes_1_dictionary.csv"],
                          "data/raw/redcap_checkboxes: no item columns match"),
    "redcap_survey": (["redcap_survey.csv", "redcap_survey_dictionary.csv"],
                      "data/raw/redcap_survey: no item columns match"),
}


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """Every real set initialised into one project (never into the repository), and the ingest
    and scores of every study written built in one Snakemake run."""
    if not REAL.is_dir():
        pytest.skip(f"real exports not found in {REAL} (set REAL_EXPORTS to their folder)")
    root = copy_repository(tmp_path_factory.mktemp("init_real"), WORKFLOW)
    (root / "config.yaml").write_text("studies:\n", encoding="utf-8")
    results = {}
    for name, (files, _) in REAL_SETS.items():
        folder = root / "data" / "raw" / name
        folder.mkdir(parents=True)
        for file in files:
            shutil.copyfile(REAL / file, folder / file)
        results[name] = wellbeing("init", f"data/raw/{name}", cwd=root)
    written = [name for name, result in results.items() if result.returncode == 0]
    build = snakemake(root, *[f"results/{name}/scores/scores_wide.csv" for name in written]) if written else None
    return root, results, build


@pytest.mark.parametrize("name", sorted(REAL_SETS))
def test_real_export_gives_a_block_that_builds_or_says_why_not(real, name):
    root, results, build = real
    result = results[name]
    expected_error = REAL_SETS[name][1]
    assert "Traceback" not in result.stderr
    if expected_error:
        assert result.returncode == 1
        assert result.stderr.startswith(f"error: {expected_error}") and result.stderr.count("\n") == 1
        assert name not in (yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))["studies"] or {})
        return
    assert result.returncode == 0, result.stderr
    check = wellbeing("check", name, cwd=root)
    assert check.returncode == 0, check.stderr
    logs = sorted((root / "logs" / name).glob("*.log")) if (root / "logs" / name).is_dir() else []
    assert (root / "results" / name / "scores" / "scores_wide.csv").is_file(), \
        "\n".join(log.read_text(encoding="utf-8")[-1500:] for log in logs) or build.stderr[-3000:]


def real_study(real, name: str) -> dict:
    root, results, _ = real
    assert results[name].returncode == 0, results[name].stderr
    return written_study(root, name)


def test_real_caudek_finds_scs26(real):
    study = real_study(real, "caudek")
    assert [(u["instrument"], u["items"]) for u in study["instruments"]] == [("scs26", "scs_{n}")]
    assert study["id_column"] == "id" and study["design"] == "cross_sectional"


def test_real_esem_semicolons_long_layout_and_groups(real):
    study = real_study(real, "esem")
    long = study["sources"][0]
    assert long["delimiter"] == ";" and long["wave_column"] == "MOMENTO"
    assert long["wave_map"] == {"PRE": "pre", "POST": "post"}
    assert study["id_column"] == "N Empleado" and study["group_column"] == "GRUPO"
    assert study["design"] == "mixed" and sorted(study["groups"]) == ["G1", "G2"]
    assert [(u["instrument"], u["items"]) for u in study["instruments"]] == [("maas15", "{n}")]
    assert {"path": "data/raw/esem/esem2023_demographics.csv", "format": "csv", "delimiter": ";",
            "per_participant": True} in study["sources"]
    _, results, _ = real
    assert "no value is named like a control arm" in results["esem"].stdout


def test_real_nadler_wide_scale_scores_as_measures(real):
    study = real_study(real, "nadler")
    assert study["sources"][0]["wave_suffixes"] == {"t1": "_T1", "t2": "_T2"}
    assert study["group_column"] == "Group" and study["groups"] == ["Control", "Particip"]
    assert study["design"] == "mixed" and "instruments" not in study
    assert {"column": "PSS", "name": "pss"} in study["measures"]


def test_real_krusche_header_row_and_three_waves(real):
    study = real_study(real, "krusche")
    source = study["sources"][0]
    assert source["header_row"] == 2 and "id_column" not in study
    assert list(source["wave_suffixes"].values()) == [" - Before Course", " - Course Completed", " - One Month On"]
    assert study["measures"] == [{"column": "PSS", "name": "pss"}]


def test_real_siraji_sheet_and_reversed_items(real):
    study = real_study(real, "siraji")
    assert study["sources"][0]["sheet"] == "Validity FSS"
    (use,) = study["instruments"]
    assert use["instrument"] == "ffmq39" and len(use["items"]) == 39
    assert use["reversed_in_export"] == [int(c[5:]) for c in use["items"] if c.startswith("Ritem")]


def test_real_nagy_labels_says_which_answer_texts_to_map(real):
    _, results, _ = real
    stdout = results["nagy_labels"].stdout
    assert "scs_sf12 (sc_1..sc_12 (12 items, answer texts)" in stdout
    assert "Szinte soha" in stdout and "fill in the labels map" in stdout


def test_real_nagy_numeric_between_design(real):
    study = real_study(real, "nagy_numeric")
    assert study["design"] == "between" and study["group_column"] == "intervention"
    assert ("scs_sf12", "sc_{n}") in [(u["instrument"], u["items"]) for u in study["instruments"]]


def test_real_pallant_names_the_range_mismatch(real):
    _, results, _ = real
    assert "pss1..pss10 (10 items, 1-5): named like pss10, but answered 1-5 where pss10 is coded 0-4" \
        in results["pallant"].stderr
