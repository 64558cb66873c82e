"""Provenance of a study's results: ``results/<study>/manifest.json``.

The manifest lists every output of the study with its sha256 and size, the sha256 of every raw
input (exports, dictionaries, instrument definitions), the study's validated config, the
versions of Python and of every installed package, and the git commit of the code with a flag
saying whether the working tree had uncommitted changes. Keys are sorted and no time stamp is
written, so two rebuilds of the same commit give the same bytes.

Also the pure parts of the Snakemake HTML report that ``scripts/report.py`` writes: the order of
stages and results, how each result is shown, YAML for configs and job parameters, the stage
diagram, and the runtimes left out.
"""

from __future__ import annotations

import json
import re
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Mapping, Sequence

from .io import sha256_file


def package_versions() -> dict[str, str]:
    """Name -> version of every installed distribution, sorted by name."""
    versions = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            versions[name.lower()] = distribution.version
    return dict(sorted(versions.items()))


def git_state(repo_root: str | Path) -> dict:
    """The commit of the code and whether tracked files differ from it (``dirty``).

    Outside a git checkout both are ``null``.
    """
    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(["git", *args], cwd=repo_root, capture_output=True, text=True,
                                    timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}


def _file_entry(path: Path, repo_root: Path) -> dict:
    return {"path": str(path.relative_to(repo_root)), "sha256": sha256_file(path),
            "bytes": path.stat().st_size}


def manifest(study_id: str, study: Mapping, outputs: Sequence[str | Path], inputs: Sequence[str | Path],
             repo_root: str | Path) -> dict:
    """The manifest of one study as a dict (see the module docstring).

    Parameters
    ----------
    outputs, inputs : sequences of paths relative to ``repo_root``
    """
    repo_root = Path(repo_root).resolve()
    return {
        "study": study_id,
        "config": study,
        "outputs": sorted((_file_entry(repo_root / p, repo_root) for p in outputs), key=lambda e: e["path"]),
        "inputs": sorted((_file_entry(repo_root / p, repo_root) for p in inputs), key=lambda e: e["path"]),
        "python": platform.python_version(),
        "packages": package_versions(),
        "code": git_state(repo_root),
    }


def write_manifest(content: Mapping, path: str | Path) -> None:
    Path(path).write_text(json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                          encoding="utf-8")


_RUNTIME_BLOCK = re.compile(
    r'(<script id="(?:runtimes|timeline)">\s*var \w+ = \{.*?"data": \{"values": )\[.*?\](\})', re.S)


def strip_runtimes(html: str) -> str:
    """Empty the job runtime and timeline data of a Snakemake HTML report.

    They are the only parts of the report that change from one clean rebuild to the next; each
    job's timing stays available in ``benchmarks/<study>/<rule>.tsv``.

    Examples
    --------
    >>> page = ('<script id="timeline">\\n    var timeline_spec = {"description": "x", "data": '
    ...         '{"values": [{"rule": "a", "starttime": "2026-01-01T10:00:00"}]}};')
    >>> strip_runtimes(page)
    '<script id="timeline">\\n    var timeline_spec = {"description": "x", "data": {"values": []}};'
    """
    return _RUNTIME_BLOCK.sub(r"\1[]\2", html)


# --- The Snakemake HTML report (scripts/report.py) -----------------------------------------------

#: A study's stages (the report's subcategories) in the order the report shows them: the tables a
#: paper reports first, the scale scores and notebooks after. A stage not listed follows, by name.
REPORT_STAGES = ("Participants", "Feasibility", "Reliability", "ANOVA", "Baseline-adjusted ANCOVA",
                 "Reliable change", "Correlations", "Scores", "Notebooks")

#: How a result is shown, in the order the results of a stage are listed: its APA tables inline,
#: the panel of every outcome, the other figures, the notebooks, then the CSV files to download.
RESULT_KINDS = ("table", "panel", "figure", "notebook", "data")


def result_kind(path: str | Path) -> str:
    """How the report shows a result, from its path (see ``RESULT_KINDS``).

    Examples
    --------
    >>> [result_kind(f"results/s/{name}") for name in ("tables/anova.html", "figures/anova_panel.png",
    ...  "figures/anova_pss10.total.png", "notebooks/anova.html", "anova/anova.csv", "tables/anova.md")]
    ['table', 'panel', 'figure', 'notebook', 'data', 'data']
    """
    path = Path(path)
    folder, suffix = path.parent.name, path.suffix.lower()
    if folder == "tables" and suffix == ".html":
        return "table"
    if folder == "figures" and suffix in (".png", ".svg", ".jpg", ".jpeg"):
        return "panel" if path.stem.endswith("_panel") else "figure"
    if folder == "notebooks" and suffix == ".html":
        return "notebook"
    return "data"


def stage_rank(stage: str) -> tuple:
    """Sort key of a stage: the order of ``REPORT_STAGES``, any other stage after them by name.

    >>> sorted(["Scores", "Mediation", "ANOVA", "Participants"], key=stage_rank)
    ['Participants', 'ANOVA', 'Scores', 'Mediation']
    """
    if stage in REPORT_STAGES:
        return (REPORT_STAGES.index(stage), "")
    return (len(REPORT_STAGES), stage)


def result_rank(path: str | Path, target_order: Sequence[str]) -> tuple:
    """Sort key of a result within its stage: its kind (``RESULT_KINDS``), then its place among
    the workflow's targets (the order of ``rule all``: config order, so the ANOVA figures follow
    the study's outcomes), then its path.

    >>> targets = ["r/figures/anova_b.png", "r/figures/anova_a.png", "r/figures/anova_panel.png"]
    >>> paths = ["r/anova/anova.csv", "r/figures/anova_a.png", "r/figures/anova_b.png",
    ...          "r/figures/anova_panel.png", "r/tables/anova.html"]
    >>> sorted(paths, key=lambda path: result_rank(path, targets))  # doctest: +NORMALIZE_WHITESPACE
    ['r/tables/anova.html', 'r/figures/anova_panel.png', 'r/figures/anova_b.png',
     'r/figures/anova_a.png', 'r/anova/anova.csv']
    """
    path = str(path)
    place = {target: index for index, target in reversed(list(enumerate(map(str, target_order))))}
    return (RESULT_KINDS.index(result_kind(path)), place.get(path, len(place)), path)


def _plain(value):
    """``value`` as dicts, lists and scalars only (YAML without Python tags); anything else as text."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def as_yaml(mapping: Mapping) -> str:
    """``mapping`` as block YAML in its own key order; lists of scalars on one line, as config.yaml
    writes them.

    >>> print(as_yaml({"study": {"title": "Demo", "waves": ["pre", "post"], "threshold": 0.7,
    ...                          "sources": [{"path": "a.csv", "wave": "pre"}]}, "root": "."}), end="")
    study:
      title: Demo
      waves: [pre, post]
      threshold: 0.7
      sources:
      - path: a.csv
        wave: pre
    root: .
    """
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def sequence(dumper, data):
        flow = all(not isinstance(item, (dict, list)) for item in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    Dumper.add_representer(list, sequence)
    return yaml.dump(_plain(mapping), Dumper=Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)


# The stage diagram of the report's workflow page: rule -> stage, then rows of stages top to bottom.
_RULE_STAGES = {"ingest": "ingest", "score": "score", "participants": "participants",
                "feasibility": "participants", "flow": "participants",
                "reliability": "reliability", "anova": "anova", "anova_bayes": "anova",
                "anova_planning": "anova", "ancova": "ancova", "reliable_change": "change",
                "correlations": "correlations", "correlations_rmcorr": "correlations",
                "notebook": "notebooks", "manifest": "manifest"}
_RULE_PREFIX_STAGES = (("table_", "tables"), ("figure_", "figures"))
_DIAGRAM_ROWS = ((None, ("ingest",)),
                 (None, ("score",)),
                 ("analyses", ("participants", "reliability", "anova", "ancova", "change", "correlations")),
                 ("outputs", ("tables", "figures", "notebooks")),
                 (None, ("manifest",)))
_STAGE_NOTES = {"ingest": "exports → responses, screening", "score": "scale scores",
                "participants": "baseline table", "reliability": "alpha, omega",
                "anova": "designs, BF, n", "ancova": "baseline-adjusted", "change": "reliable change",
                "correlations": "r, rmcorr",
                "tables": "APA: html, md, tex", "figures": "png, pdf", "notebooks": "executed, html",
                "manifest": "sha256 of every file"}
_ROW_COLOURS = {None: ("#e2e8f0", "#475569"), "analyses": ("#d1fae5", "#059669"),
                "outputs": ("#dbeafe", "#2563eb")}


def stage_of_rule(rule: str) -> str | None:
    """The stage a rule belongs to in the stage diagram; ``None`` for the target rule ``all``.

    >>> [stage_of_rule(rule) for rule in ("correlations_rmcorr", "table_anova", "figure_anova_panel",
    ...                                   "notebook", "all", "mediation")]
    ['correlations', 'tables', 'figures', 'notebooks', None, 'mediation']
    """
    if rule == "all":
        return None
    for prefix, stage in _RULE_PREFIX_STAGES:
        if rule.startswith(prefix):
            return stage
    return _RULE_STAGES.get(rule, rule)


def stage_diagram(rules: Sequence[str], width: int = 460) -> dict:
    """A Vega spec of the pipeline's stages as boxes, top to bottom: ingest -> score -> the
    analyses side by side -> tables, figures and notebooks -> the manifest. It replaces the
    report's rule graph (one node per rule and level of the DAG, linked by crossing arcs).

    Only stages with a rule in ``rules`` are drawn (a rule of no known stage is drawn as an
    analysis of its own). A box of one rule carries the rule's name, so clicking it shows the
    rule's code as a rule-graph node does; every box's tooltip lists its rules. The spec depends
    on the set of rule names only, so two reports of the same workflow draw the same bytes.

    >>> spec = stage_diagram(["all", "ingest", "score", "anova", "table_anova", "figure_anova"])
    >>> [(box["stage"], box.get("rule")) for box in spec["data"][0]["values"]]  # doctest: +NORMALIZE_WHITESPACE
    [('ingest', 'ingest'), ('score', 'score'), ('anova', 'anova'), ('tables', 'table_anova'),
     ('figures', 'figure_anova')]
    >>> [group["label"] for group in spec["data"][1]["values"]]
    ['analyses', 'outputs']
    >>> len(spec["data"][2]["values"])  # arrows: one between consecutive rows
    3
    """
    by_stage: dict[str, list[str]] = {}
    for rule in sorted(set(rules)):
        stage = stage_of_rule(rule)
        if stage is not None:
            by_stage.setdefault(stage, []).append(rule)
    known = {stage for _, stages in _DIAGRAM_ROWS for stage in stages}
    rows = []
    for label, stages in _DIAGRAM_ROWS:
        present = [stage for stage in stages if stage in by_stage]
        if label == "analyses":
            present += sorted(stage for stage in by_stage if stage not in known)
        if present:
            rows.append((label, present))

    box_height, single_width, gap, pad, label_height, arrow = 40, 170, 8, 8, 16, 30
    boxes, groups, arrows = [], [], []
    y, previous_bottom = 0.0, None
    for label, stages in rows:
        top = y
        if label is None:
            n = 1
            box_width = single_width
            box_top = y
            bottom = y + box_height
        else:
            n = len(stages)
            inner = width - 2 * pad
            box_width = min(single_width, (inner - (n - 1) * gap) / n)
            box_top = y + label_height + pad
            bottom = box_top + box_height + pad
            groups.append({"label": label, "x": 0, "y": round(top, 1), "width": width,
                           "height": round(bottom - top, 1)})
        row_width = n * box_width + (n - 1) * gap
        left = (width - row_width) / 2
        fill, stroke = _ROW_COLOURS.get(label, _ROW_COLOURS[None])
        for index, stage in enumerate(stages):
            stage_rules = by_stage[stage]
            box = {"stage": stage, "note": _STAGE_NOTES.get(stage, ", ".join(stage_rules)),
                   "x": round(left + index * (box_width + gap), 1), "y": round(box_top, 1),
                   "width": round(box_width, 1), "height": box_height, "fill": fill, "stroke": stroke,
                   "tooltip": ("rule " if len(stage_rules) == 1 else "rules ") + ", ".join(stage_rules)
                              + (" (click for its code)" if len(stage_rules) == 1 else "")}
            if len(stage_rules) == 1:
                box["rule"] = stage_rules[0]
            boxes.append(box)
        if previous_bottom is not None:
            arrows.append({"x": width / 2, "y": round(previous_bottom, 1), "x2": width / 2,
                           "y2": round(top, 1)})
        previous_bottom = bottom
        y = bottom + arrow
    height = round(previous_bottom or 0, 1)

    def field(name):
        return {"field": name}

    return {
        "$schema": "https://vega.github.io/schema/vega/v5.json",
        "description": "Stages of the questionnaire pipeline (scripts/report.py draws it in place "
                       "of Snakemake's rule graph).",
        "width": width, "height": height, "padding": 5, "autosize": "none",
        "data": [{"name": "stages", "values": boxes}, {"name": "groups", "values": groups},
                 {"name": "arrows", "values": arrows}],
        "marks": [
            {"type": "rect", "from": {"data": "groups"}, "encode": {"enter": {
                "x": field("x"), "y": field("y"), "width": field("width"), "height": field("height"),
                "fill": {"value": "#f8fafc"}, "stroke": {"value": "#94a3b8"},
                "strokeDash": {"value": [4, 3]}, "cornerRadius": {"value": 6}}}},
            {"type": "text", "from": {"data": "groups"}, "encode": {"enter": {
                "x": {"field": "x", "offset": pad}, "y": {"field": "y", "offset": 4},
                "text": field("label"), "baseline": {"value": "top"}, "fontSize": {"value": 11},
                "fontStyle": {"value": "italic"}, "fill": {"value": "#475569"}}}},
            {"type": "rule", "from": {"data": "arrows"}, "encode": {"enter": {
                "x": field("x"), "y": field("y"), "x2": field("x2"), "y2": {"field": "y2", "offset": -6},
                "stroke": {"value": "#475569"}, "strokeWidth": {"value": 1.5}}}},
            {"type": "symbol", "from": {"data": "arrows"}, "encode": {"enter": {
                "x": field("x2"), "y": {"field": "y2", "offset": -5}, "shape": {"value": "triangle-down"},
                "size": {"value": 60}, "fill": {"value": "#475569"}}}},
            {"type": "rect", "name": "stage-boxes", "from": {"data": "stages"}, "encode": {"enter": {
                "x": field("x"), "y": field("y"), "width": field("width"), "height": field("height"),
                "fill": field("fill"), "stroke": field("stroke"), "strokeWidth": {"value": 1.5},
                "cornerRadius": {"value": 5}, "tooltip": field("tooltip")}}},
            {"type": "text", "from": {"data": "stages"}, "interactive": False, "encode": {"enter": {
                "x": {"signal": "datum.x + datum.width / 2"}, "y": {"field": "y", "offset": 15},
                "text": field("stage"), "align": {"value": "center"}, "baseline": {"value": "middle"},
                "fontSize": {"value": 12}, "fontWeight": {"value": "bold"}, "fill": {"value": "#0f172a"}}}},
            {"type": "text", "from": {"data": "stages"}, "interactive": False, "encode": {"enter": {
                "x": {"signal": "datum.x + datum.width / 2"}, "y": {"field": "y", "offset": 29},
                "text": field("note"), "align": {"value": "center"}, "baseline": {"value": "middle"},
                "fontSize": {"value": 9}, "fill": {"value": "#334155"},
                "limit": {"signal": "datum.width - 4"}}}},
        ],
    }
