"""Execute the explanatory notebooks for one study and render them to HTML, reproducibly.

The source notebooks in ``notebooks/`` are committed without outputs. For each study the
pipeline puts a parameters cell first (the study id and its results folder), executes every cell
with the project's Python kernel (an error in any cell stops the rule), and writes the rendered
HTML. What would make two renderings differ is removed: cell ids are numbered, execution
timings are not recorded, kernel metadata is fixed, and the notebooks only ever display files
the pipeline wrote (no object reprs with memory addresses).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Mapping

#: The notebooks, in reading order, and the outputs each needs (relative to results/<study>/).
NOTEBOOKS = {
    "data_audit": ["ingest/ledger.csv", "ingest/issues.csv", "screening/careless.csv",
                   "ingest/codebook.csv", "ingest/raw_manifest.csv", "scores/scores.csv",
                   "flow/flow.csv", "figures/flow.png"],
    "scoring_reliability": ["scores/scores_wide.csv", "reliability/reliability.csv", "reliability/items.csv",
                            "figures/reliability_forest.png"],
    "anova": ["anova/anova.csv", "anova/cells.csv", "anova/ledger.csv", "anova/followups.csv",
              "anova/mixed_model.csv", "anova/assumptions.csv", "figures/anova_panel.png"],
    "anova_single_arm": ["anova/anova.csv", "anova/cells.csv", "anova/ledger.csv",
                         "anova/followups.csv", "anova/mixed_model.csv", "figures/anova_panel.png"],
    "anova_between": ["anova/anova.csv", "anova/cells.csv", "anova/ledger.csv",
                      "anova/followups.csv", "anova/assumptions.csv", "figures/anova_panel.png"],
    "ancova": ["ancova/ancova.csv", "ancova/adjusted_means.csv", "ancova/contrasts.csv",
               "ancova/assumptions.csv", "ancova/ledger.csv", "figures/ancova.png"],
    "correlations": [],         # its sets' tables and heatmaps: notebook_inputs in workflow/rules/common.smk
    "reliable_change": ["change/reliable_change.csv", "change/reliable_change_participants.csv",
                        "figures/reliable_change.png"],
    "feasibility": ["participants/feasibility.csv"],
}


#: The ANOVA notebook that explains each design (cross-sectional studies with factors are
#: between-subjects comparisons at their one wave).
ANOVA_NOTEBOOK_OF_DESIGN = {"mixed": "anova", "repeated": "anova_single_arm",
                            "between": "anova_between", "cross_sectional": "anova_between"}


def notebooks_for(study: Mapping) -> list[str]:
    """The notebooks that apply to a study: ANOVA only with an ANOVA, correlations only with sets,
    reliability only with instruments."""
    analyses = study.get("analyses", {})
    names = ["data_audit"]
    if analyses.get("feasibility") is not None:
        names.append("feasibility")
    if study.get("instruments") and "reliability" in analyses:
        names.append("scoring_reliability")
    if "anova" in analyses:     # the notebook of the study's design
        names.append(ANOVA_NOTEBOOK_OF_DESIGN[study.get("design", "mixed")])
    if "ancova" in analyses:
        names.append("ancova")
    if analyses.get("reliable_change") is not None:
        names.append("reliable_change")
    if analyses.get("correlations"):
        names.append("correlations")
    return names


def parameters_cell(study_id: str, results: str, labels: Mapping[str, str] | None = None,
                    waves=(), groups: Mapping[str, str] | None = None) -> dict:
    """The first cell, set by the pipeline: the study, its results folder, its variables'
    labels, its waves in time order and its groups' labels (hidden in the HTML, as the setup
    cell is)."""
    import nbformat

    source = ("# Parameters, set by the pipeline for this study\n"
              f"STUDY = {study_id!r}\nRESULTS = {results!r}\n"
              f"LABELS = {dict(sorted((labels or {}).items()))!r}\nWAVES = {list(waves)!r}\n"
              f"GROUPS = {dict(groups or {})!r}")
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    return cell


#: Cells whose code the rendered page leaves out (their output stays): the parameters and the
#: setup a reader does not need to see.
HIDDEN_INPUT_TAGS = ("parameters", "helpers")


def kernel_over_ipc(folder: str | Path):
    """Kernel-manager settings that connect to the notebook kernel over IPC (Unix domain sockets
    in ``folder``, a private temporary folder) instead of TCP on localhost: no network port is
    opened for the kernel, only this user can reach its sockets, and the kernel does not warn
    that its TCP traffic is unencrypted. The connection file is in ``folder`` too, so the
    sockets are named after it there (not in the working directory) and two notebooks run at
    once never share one.

    >>> kernel_over_ipc("/tmp/k").KernelManager.transport
    'ipc'
    """
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "ipc",
                                     "connection_file": str(Path(folder) / "kernel.json")}})


def execute(source: str | Path, study_id: str, results: str, cwd: str | Path, timeout: int = 600,
            labels: Mapping[str, str] | None = None, waves=(), groups: Mapping[str, str] | None = None):
    """Execute a notebook for one study; return the executed notebook node.

    Raises ``nbclient.exceptions.CellExecutionError`` when a cell fails (the rule then fails).
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(str(source), as_version=4)
    notebook.cells.insert(0, parameters_cell(study_id, results, labels, waves, groups))
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:03d}"           # fixed ids instead of random ones
        cell.metadata.pop("execution", None)
    with tempfile.TemporaryDirectory(prefix="wellbeing-kernel-") as sockets:
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(cwd)}}, record_timing=False,
                                config=kernel_over_ipc(sockets))
        client.execute()
    notebook.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"}}
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    return notebook


def to_html(notebook, title: str) -> str:
    """Render an executed notebook to a standalone HTML page (code folded under the prose)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags=set(HIDDEN_INPUT_TAGS)),
                                   enabled=True)
    notebook.metadata["title"] = title
    body, _ = exporter.from_notebook_node(notebook)
    return body


def render(source: str | Path, study_id: str, title: str, results: str, cwd: str | Path,
           html_path: str | Path, labels: Mapping[str, str] | None = None, waves=(),
           groups: Mapping[str, str] | None = None) -> None:
    """Execute ``source`` for a study and write its HTML to ``html_path``."""
    notebook = execute(source, study_id, results, cwd, labels=labels, waves=waves, groups=groups)
    html = to_html(notebook, title)
    Path(html_path).parent.mkdir(parents=True, exist_ok=True)
    Path(html_path).write_text(html, encoding="utf-8")


def stripped(notebook_json: Mapping) -> bool:
    """True when a source notebook has no outputs or execution counts (as committed sources must).

    Examples
    --------
    >>> stripped({"cells": [{"cell_type": "code", "outputs": [], "execution_count": None}]})
    True
    """
    return all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in notebook_json.get("cells", []) if cell.get("cell_type") == "code")


def load_json(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
