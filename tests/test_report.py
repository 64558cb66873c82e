"""The Snakemake HTML report (scripts/report.py): it opens on the results, per study and stage the
APA tables first and inline, then the panel, then each outcome's figure in config order; the study
config and job parameters as YAML; a diagram of the pipeline's stages in place of the rule graph;
the same bytes from one generation to the next."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import report as report_script  # noqa: E402  (scripts/report.py)
from workspace import PROJECT, copy_repository  # noqa: E402

from wellbeing.report import (RESULT_KINDS, as_yaml, result_rank, stage_diagram,  # noqa: E402
                              stage_rank)

STUDY = "imp_feasibility"
#: The rules of the example workflow (every stage the stage diagram knows).
EXAMPLE_RULES = ["all", "ancova", "anova", "anova_bayes", "anova_planning", "correlations",
                 "correlations_rmcorr", "feasibility", "figure_ancova", "figure_anova", "figure_anova_panel",
                 "figure_correlations", "figure_flow", "figure_reliability", "figure_reliable_change",
                 "figure_scatter_matrix", "flow",
                 "ingest", "manifest", "notebook", "participants", "reliability", "reliable_change", "score",
                 "table_ancova", "table_anova", "table_bayes", "table_correlations", "table_feasibility", "table_flow",
                 "table_participants", "table_planning", "table_reliability", "table_reliable_change",
                 "table_rmcorr"]


# --- Without a build -------------------------------------------------------------------------------

def test_every_change_to_snakemakes_page_source_applies_once():
    """The pinned Snakemake's template has each snippet scripts/report.py changes exactly once
    (an upgrade that moves one fails here, not in a report that quietly lost the change)."""
    from snakemake.report.html_reporter.common import get_resource_as_string

    for name, changes in report_script.SOURCE_CHANGES.items():
        changed = report_script.changed_source(name, get_resource_as_string(name))
        for old, new in changes:
            assert new in changed, (name, new)
    with pytest.raises(RuntimeError, match="not 1"):
        report_script.changed_source("components/app.js", "no such code")


def test_stage_diagram_is_boxes_in_rows_from_the_rule_names_only():
    spec = stage_diagram(EXAMPLE_RULES)
    boxes = spec["data"][0]["values"]
    rows = {}
    for box in boxes:
        rows.setdefault(box["y"], []).append(box["stage"])
    assert list(rows.values()) == [["ingest"], ["score"],
                                   ["participants", "reliability", "anova", "ancova", "change", "correlations"],
                                   ["tables", "figures", "notebooks"], ["manifest"]]
    for box in boxes:                                   # inside the drawing, no overlap in a row
        assert 0 <= box["x"] and box["x"] + box["width"] <= spec["width"]
    for row in rows.values():
        placed = sorted((box["x"], box["x"] + box["width"]) for box in boxes if box["stage"] in row)
        assert all(right <= left for (_, right), (left, _) in zip(placed, placed[1:]))
    # A box of one rule opens that rule (as a rule-graph node does); one of many lists them.
    by_stage = {box["stage"]: box for box in boxes}
    assert by_stage["ancova"]["rule"] == "ancova" and "rule" not in by_stage["tables"]
    assert "rule" not in by_stage["anova"] and "anova_bayes" in by_stage["anova"]["tooltip"]
    assert "table_rmcorr" in by_stage["tables"]["tooltip"]
    # No force layout or arcs: the marks are boxes, labels and straight arrows.
    assert {mark["type"] for mark in spec["marks"]} == {"rect", "text", "rule", "symbol"}
    assert "force" not in json.dumps(spec) and "linkpath" not in json.dumps(spec)
    # The same workflow draws the same bytes, whatever order the rules come in.
    shuffled = random.Random(1).sample(EXAMPLE_RULES, len(EXAMPLE_RULES))
    assert json.dumps(stage_diagram(shuffled)) == json.dumps(spec)


def test_stage_diagram_leaves_out_stages_a_workflow_does_not_run():
    spec = stage_diagram(["all", "ingest", "score", "reliability", "table_reliability"])
    assert [box["stage"] for box in spec["data"][0]["values"]] == ["ingest", "score", "reliability", "tables"]


def test_results_of_a_stage_list_tables_then_panel_then_figures_in_config_order():
    folder = f"results/{STUDY}"
    targets = [f"{folder}/figures/anova_{outcome}.png" for outcome in ("scs26.total", "eq60.total")]
    targets.append(f"{folder}/figures/anova_panel.png")
    paths = [f"{folder}/anova/anova.csv", f"{folder}/figures/anova_eq60.total.png",
             f"{folder}/figures/anova_panel.png", f"{folder}/figures/anova_scs26.total.png",
             f"{folder}/tables/anova.html"]
    assert sorted(paths, key=lambda path: result_rank(path, targets)) == [
        f"{folder}/tables/anova.html", f"{folder}/figures/anova_panel.png",
        f"{folder}/figures/anova_scs26.total.png", f"{folder}/figures/anova_eq60.total.png",
        f"{folder}/anova/anova.csv"]
    assert sorted(["Notebooks", "Scores", "Correlations", "ANOVA", "Participants",
                   "Reliability", "Baseline-adjusted ANCOVA"], key=stage_rank) == [
        "Participants", "Reliability", "ANOVA", "Baseline-adjusted ANCOVA",
        "Correlations", "Scores", "Notebooks"]


def test_config_as_yaml_reads_back_as_the_same_config():
    from wellbeing.study import validated_config

    config = validated_config(yaml.safe_load((ROOT / "config.yaml").read_text()), ROOT)
    for study in config["studies"].values():
        text = as_yaml(study)
        assert yaml.safe_load(text) == study
        assert "{'" not in text and "!!python" not in text


# --- The example study, built and reported --------------------------------------------------------

def trimmed_config() -> dict:
    """The example study with every stage (participants, reliability, ANOVA, ANCOVA, correlations
    with repeated measures, notebooks) but fewer outcomes and sets, to build quickly."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    study = config["studies"][STUDY]
    analyses = study["analyses"]
    analyses["anova"]["outcomes"] = ["scs26.total", "pss10.total", "eq60.total"]  # not by name
    analyses["ancova"]["outcomes"] = analyses["ancova"]["outcomes"][:1]
    analyses["correlations"] = [entry for entry in analyses["correlations"] if entry.get("repeated_measures")]
    return {"studies": {STUDY: study}}


def make_report(folder: Path, hash_seed: str) -> bytes:
    """The report as `make run` writes it; ``hash_seed`` sets the order of Python's sets."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONHASHSEED=hash_seed)
    done = subprocess.run([sys.executable, "scripts/report.py", "results/report.html"], cwd=folder,
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return (folder / "results" / "report.html").read_bytes()


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """A built copy of the trimmed example and its report generated twice: (folder, first, second);
    the folder keeps the second."""
    folder = copy_repository(tmp_path_factory.mktemp("report"), PROJECT + ("scripts",))
    (folder / "config.yaml").write_text(yaml.safe_dump(trimmed_config(), sort_keys=False))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    built = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "all"], cwd=folder,
                           capture_output=True, text=True, env=env, timeout=1800)
    assert built.returncode == 0, built.stderr[-3000:]
    # The second generation iterates sets in another order: the bytes must not depend on it.
    return folder, make_report(folder, "0"), make_report(folder, "123")


def script_value(page: str, variable: str):
    """The JSON value assigned to ``var <variable>`` in the report page (at the start of a line:
    the bundled libraries have a ``var results`` of their own)."""
    match = re.search(rf"^ *var {variable} = ([{{\[].*);$", page, re.M)
    assert match, variable
    return json.loads(match.group(1))


@pytest.mark.pipeline
def test_the_report_is_byte_identical_from_one_generation_to_the_next(reported):
    _, first, second = reported
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


@pytest.mark.pipeline
def test_stages_open_on_their_apa_tables_shown_inline(reported):
    folder, page, _ = reported
    page = page.decode("utf-8")
    results = script_value(page, "results")
    categories = script_value(page, "categories")
    stages = categories[STUDY]
    assert list(stages) == ["Participants", "Feasibility", "Reliability", "ANOVA",
                            "Baseline-adjusted ANCOVA", "Reliable change", "Correlations", "Scores", "Notebooks"]
    tables = sorted((folder / "results" / STUDY / "tables").glob("*.html"))
    assert {path.stem for path in tables} == {"participants", "flow", "feasibility", "reliability", "anova", "bayes",
                                              "planning", "ancova", "reliable_change", "correlations_baseline",
                                              "correlations_baseline_rmcorr"}
    for path in tables:
        entry = results[str(path.relative_to(folder))]
        assert entry["kind"] == "table" and entry["mime_type"] == "text/html"
        assert entry["inline_html"] == path.read_text(encoding="utf-8")
        assert 'class="apa"' in entry["inline_html"]
        assert entry["labels"]["result"].startswith("APA table")
    for stage, paths in stages.items():                 # tables, panel, figures, notebooks, data
        kinds = [results[path]["kind"] for path in paths]
        assert kinds == sorted(kinds, key=RESULT_KINDS.index), (stage, kinds)
        if any(kind == "table" for kind in kinds):
            assert kinds[0] == "table", stage
    prefix = f"results/{STUDY}"
    assert stages["ANOVA"] == [
        f"{prefix}/tables/anova.html", f"{prefix}/tables/bayes.html", f"{prefix}/tables/planning.html",
        f"{prefix}/figures/anova_panel.png", f"{prefix}/figures/anova_scs26.total.png",
        f"{prefix}/figures/anova_pss10.total.png", f"{prefix}/figures/anova_eq60.total.png",
        f"{prefix}/anova/anova.csv", f"{prefix}/anova/bayes.csv", f"{prefix}/anova/planning.csv"]
    # Every caption says which file it shows.
    for path in [path for paths in stages.values() for path in paths]:
        assert path in results[path]["caption"], path
    # The page opens on the results (not the rule graph); the results page is in the page.
    assert 'this.content = "results";' in page and "class StudyResults" in page


@pytest.mark.pipeline
def test_study_config_and_job_parameters_are_yaml(reported):
    from wellbeing.study import validated_config

    folder, page, _ = reported
    page = page.decode("utf-8")
    assert "{'title':" not in page and "study={" not in page
    studies = script_value(page, "wellbeing_studies")
    config = validated_config(yaml.safe_load((folder / "config.yaml").read_text()), folder)
    assert yaml.safe_load(studies[STUDY]["config_yaml"]) == config["studies"][STUDY]
    entry = script_value(page, "results")[f"results/{STUDY}/tables/anova.html"]
    assert yaml.safe_load(entry["job_properties"]["params"])["study"] == config["studies"][STUDY]


@pytest.mark.pipeline
def test_a_stage_diagram_replaces_the_rule_graph(reported):
    _, page, _ = reported
    spec = script_value(page.decode("utf-8"), "rulegraph_spec")
    assert spec["description"].startswith("Stages of the questionnaire pipeline")
    assert [box["stage"] for box in spec["data"][0]["values"]] == [
        "ingest", "score", "participants", "reliability", "anova", "ancova", "change", "correlations",
        "tables", "figures", "notebooks", "manifest"]
    assert spec == stage_diagram(EXAMPLE_RULES)


@pytest.mark.pipeline
@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="no headless chromium to render the report")
def test_the_report_renders_its_results_in_a_browser(reported, tmp_path):
    """The page's scripts run: a headless browser shows the tables and figures, tables first."""
    folder, _, _ = reported
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000",
                           "--window-size=1280,4000", "--dump-dom",
                           (folder / "results" / "report.html").as_uri()],
                          capture_output=True, text=True, timeout=300)
    dom = done.stdout
    assert 'id="study-results"' in dom, done.stderr[-2000:]
    section = dom[dom.index(f'id="wb-{STUDY}--ANOVA"'):]
    assert section.index('class="apa"') < section.index("<img")
    assert dom.count('<table class="apa"') == 11
