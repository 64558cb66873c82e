# Config validation at parse time and the helpers every rule shares.
import importlib.util
import math
import re
import sys
from pathlib import Path

REPO_ROOT = Path(workflow.basedir)
sys.path.insert(0, str(REPO_ROOT / "workflow"))

#: What the jobs import (pyproject.toml's dependencies). They run in this Python unless --sdm
#: conda gives them the environment of envs/pipeline.yaml, so without it they must be installed here.
JOB_PACKAGES = (
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
    "openpyxl",
    "pyreadstat",
    "nbclient",
    "nbconvert",
    "ipykernel",
)


def jobs_use_conda():
    settings = getattr(workflow, "deployment_settings", None)
    return any(
        method.name == "CONDA"
        for method in getattr(settings, "deployment_method", None) or ()
    )


try:
    from wellbeing.config import read_yaml_strict
    from wellbeing.errors import UserError
    from wellbeing.figure_limits import (
        SCATTER_MATRIX_MAX,
    )  # not wellbeing.figures: no matplotlib at parse time
    from wellbeing.headers import check_items_in_headers
    from wellbeing.notebooks import NOTEBOOKS, notebooks_for
    from wellbeing.study import (
        validated_config,
        study_input_files,
        instrument_definition_files,
    )
    from wellbeing.tables import study_labels

    if not jobs_use_conda():
        for package in JOB_PACKAGES:
            if importlib.util.find_spec(package) is None:
                raise ModuleNotFoundError(f"No module named '{package}'", name=package)
except ImportError as error:
    if (error.name or "").split(".")[0] == "wellbeing":
        raise  # the library itself is broken: keep the traceback
    # Snakemake started from a Python without the pipeline's packages (a system snakemake, say):
    # one line saying how to run it, no traceback.
    sys.exit(
        f"error: Snakemake's Python ({sys.executable}) lacks the pipeline's packages "
        f"({error}): run `make setup`, then `.venv/bin/snakemake --cores all` (or `make run`); "
        "or let conda install them for the jobs: `snakemake --sdm conda --cores all`"
    )

try:
    for (
        path
    ) in workflow.configfiles:  # YAML keeps the last of a key given twice: refuse it
        read_yaml_strict(path)
    CONFIG = validated_config(config, REPO_ROOT, source_name="config.yaml")
    # Instrument items that match no column stop here (headers only), not in the ingest job.
    check_items_in_headers(CONFIG, REPO_ROOT, source_name="config.yaml")
except UserError as error:
    # One line for the user, no traceback: the config is theirs to fix.
    sys.exit(f"error: {error}")

STUDIES = sorted(CONFIG["studies"])


def exactly(names):
    """A wildcard pattern matching exactly these names; with none, a pattern matching nothing."""
    return "|".join(re.escape(name) for name in sorted(set(names))) or "(?!)"


CORRELATION_SETS = [
    entry
    for study in CONFIG["studies"].values()
    for entry in study["analyses"].get("correlations", [])
]


# {name} is a configured correlation set, so `<set>_rmcorr.csv` and `<set>_matrix.csv` never read
# as a set of their own (config validation keeps set names from colliding with them).
wildcard_constraints:
    study=exactly(STUDIES),
    name=exactly(entry["name"] for entry in CORRELATION_SETS),


#: `priority:` of the jobs on a large study's longest chain (scores -> ANOVA -> participant flow
#: -> its figure -> the notebooks, the data audit last of all): started first when cores free up,
#: so that the last job does not run alone while the other cores idle.
CRITICAL_PATH = 1


def study_settings(wildcards):
    """The validated config of one study (defaults filled in)."""
    return CONFIG["studies"][wildcards.study]


def raw_inputs(wildcards):
    """Raw files and the instrument definitions a study reads: a change to any reruns it."""
    return study_input_files(CONFIG["studies"][wildcards.study], REPO_ROOT)


def instrument_files(wildcards):
    """The instrument definitions a study scores with: a change to one rescores the study."""
    return instrument_definition_files(CONFIG["studies"][wildcards.study], REPO_ROOT)


def outcome_label(wildcards):
    """An outcome's label (its scale's or measure's), as its figure's title names it."""
    return study_labels(CONFIG["studies"][wildcards.study], REPO_ROOT).get(
        wildcards.outcome, wildcards.outcome
    )


def outcome_figure_labels(wildcards):
    """The report's heading of an outcome's figure."""
    return {"result": f"Figure: {outcome_label(wildcards)}"}


def reliable_change_inputs(wildcards):
    """The scores, and the reliability table when the baseline alpha is the reliability."""
    inputs = {"scores": f"results/{wildcards.study}/scores/scores_wide.csv"}
    settings = CONFIG["studies"][wildcards.study]["analyses"]["reliable_change"]
    if settings["reliability"] == "baseline_alpha":
        inputs["reliability"] = f"results/{wildcards.study}/reliability/reliability.csv"
    return inputs


def flow_inputs(wildcards):
    """The ledgers the participant flow counts from (the ANOVA's when the study has one)."""
    inputs = {
        "ledger": f"results/{wildcards.study}/ingest/ledger.csv",
        "responses": f"results/{wildcards.study}/ingest/responses.csv",
        "careless": f"results/{wildcards.study}/screening/careless.csv",
    }
    if "anova" in CONFIG["studies"][wildcards.study]["analyses"]:
        inputs["anova_ledger"] = f"results/{wildcards.study}/anova/ledger.csv"
    return inputs


def correlation_settings(wildcards):
    """One correlation set of a study, by name."""
    sets = CONFIG["studies"][wildcards.study]["analyses"].get("correlations", [])
    return next(entry for entry in sets if entry["name"] == wildcards.name)


def study_outputs(study_id):
    """Every final output of one study, following what its config asks for."""
    study = CONFIG["studies"][study_id]
    analyses = study["analyses"]
    stages = {
        "ingest": ["responses", "ledger", "issues", "codebook", "raw_manifest"],
        "screening": ["careless"],
        "scores": ["scores", "scores_wide"],
        "flow": ["flow"],
    }
    if analyses.get("participants"):
        stages["participants"] = ["characteristics"]
    if analyses.get("feasibility") is not None:
        stages.setdefault("participants", []).append("feasibility")
    if study["instruments"] and "reliability" in analyses:
        stages["reliability"] = ["reliability", "items"]
    if "anova" in analyses:
        stages["anova"] = [
            "anova",
            "cells",
            "followups",
            "mixed_model",
            "assumptions",
            "ledger",
        ]
        if analyses["anova"]["bayes"]:
            stages["anova"].append("bayes")
        if analyses["anova"].get("planning") is not None:
            stages["anova"].append("planning")
    if "ancova" in analyses:
        stages["ancova"] = [
            "ancova",
            "adjusted_means",
            "contrasts",
            "assumptions",
            "ledger",
        ]
    if analyses.get("reliable_change") is not None:
        stages["change"] = ["reliable_change", "reliable_change_participants"]
    sets = analyses.get("correlations", [])
    names = [entry["name"] for entry in sets]
    if names:
        stages["correlations"] = names + [f"{name}_matrix" for name in names]
        stages["correlations"] += [
            f"{entry['name']}_rmcorr" for entry in sets if entry["repeated_measures"]
        ]
    outputs = [
        f"results/{study_id}/{stage}/{name}.csv"
        for stage, names_ in stages.items()
        for name in names_
    ]
    outputs += [f"results/{study_id}/figures/flow.{ext}" for ext in ("png", "pdf")]
    outputs += [
        f"results/{study_id}/tables/flow.{ext}" for ext in ("md", "html", "tex")
    ]
    if analyses.get("participants"):
        outputs += [
            f"results/{study_id}/tables/participants.{ext}"
            for ext in ("md", "html", "tex")
        ]
    if analyses.get("feasibility") is not None:
        outputs += [
            f"results/{study_id}/tables/feasibility.{ext}"
            for ext in ("md", "html", "tex")
        ]
    if "reliability" in stages:
        outputs += [
            f"results/{study_id}/tables/reliability.{ext}"
            for ext in ("md", "html", "tex")
        ]
        outputs += [
            f"results/{study_id}/figures/reliability_forest.{ext}"
            for ext in ("png", "pdf")
        ]
    if "anova" in stages:
        outputs += [
            f"results/{study_id}/tables/anova.{ext}" for ext in ("md", "html", "tex")
        ]
        if analyses["anova"]["bayes"]:
            outputs += [
                f"results/{study_id}/tables/bayes.{ext}"
                for ext in ("md", "html", "tex")
            ]
        if analyses["anova"].get("planning") is not None:
            outputs += [
                f"results/{study_id}/tables/planning.{ext}"
                for ext in ("md", "html", "tex")
            ]
        for outcome in analyses["anova"]["outcomes"]:
            outputs += [
                f"results/{study_id}/figures/anova_{outcome}.{ext}"
                for ext in ("png", "pdf")
            ]
        outputs += [
            f"results/{study_id}/figures/anova_panel.{ext}" for ext in ("png", "pdf")
        ]
    if "change" in stages:
        outputs += [
            f"results/{study_id}/tables/reliable_change.{ext}"
            for ext in ("md", "html", "tex")
        ]
        outputs += [
            f"results/{study_id}/figures/reliable_change.{ext}"
            for ext in ("png", "pdf")
        ]
    if "ancova" in stages:
        outputs += [
            f"results/{study_id}/tables/ancova.{ext}" for ext in ("md", "html", "tex")
        ]
        outputs += [
            f"results/{study_id}/figures/ancova.{ext}" for ext in ("png", "pdf")
        ]
    for entry in sets:
        name = entry["name"]
        outputs += [
            f"results/{study_id}/tables/correlations_{name}.{ext}"
            for ext in ("md", "html", "tex")
        ]
        outputs += [
            f"results/{study_id}/figures/correlations_{name}_heatmap.{ext}"
            for ext in ("png", "pdf")
        ]
        if entry["repeated_measures"]:
            outputs += [
                f"results/{study_id}/tables/correlations_{name}_rmcorr.{ext}"
                for ext in ("md", "html", "tex")
            ]
        if len(entry["variables"]) <= SCATTER_MATRIX_MAX:
            outputs += [
                f"results/{study_id}/figures/correlations_{name}_scatter.{ext}"
                for ext in ("png", "pdf")
            ]
    outputs += notebook_outputs(study_id)
    return outputs


def final_outputs():
    outputs = [path for study_id in STUDIES for path in study_outputs(study_id)]
    return outputs + [f"results/{study_id}/manifest.json" for study_id in STUDIES]


def notebook_inputs(wildcards):
    """The pipeline outputs a notebook reads, so it runs after them and reruns when they change."""
    study = CONFIG["studies"][wildcards.study]
    files = [
        f"results/{wildcards.study}/{name}" for name in NOTEBOOKS[wildcards.notebook]
    ]
    if wildcards.notebook.startswith(
        "anova"
    ):  # the first outcome's figure is shown too
        first = study["analyses"]["anova"]["outcomes"][0]
        files.append(f"results/{wildcards.study}/figures/anova_{first}.png")
        if study["analyses"]["anova"]["bayes"]:
            files.append(f"results/{wildcards.study}/anova/bayes.csv")
        if study["analyses"]["anova"].get("planning") is not None:
            files.append(f"results/{wildcards.study}/anova/planning.csv")
    if wildcards.notebook == "correlations":
        for entry in study["analyses"].get("correlations", []):
            files.append(f"results/{wildcards.study}/correlations/{entry['name']}.csv")
            files.append(
                f"results/{wildcards.study}/figures/correlations_{entry['name']}_heatmap.png"
            )
            if entry["repeated_measures"]:
                files.append(
                    f"results/{wildcards.study}/correlations/{entry['name']}_rmcorr.csv"
                )
    return files


def notebook_outputs(study_id):
    return [
        f"results/{study_id}/notebooks/{name}.html"
        for name in notebooks_for(CONFIG["studies"][study_id])
    ]


def cluster_resources(memory_per_input_mb, seconds_per_input_mb=1, base_mb=400):
    """A rule's ``resources:`` for a cluster scheduler, from the bytes its job reads: memory of
    ``base_mb`` (Python and its libraries) plus ``memory_per_input_mb`` MB per MB of input, and
    a runtime of 5 minutes plus ``seconds_per_input_mb`` per MB of input, both doubled on each
    retry (``--retries``). The factors are the peaks measured at 100,000 participants with a
    margin (docs/speed.md, "Cluster resources"): ingest and score hold about 14 times the CSV
    they read, and read it at about 4 MB a second."""

    def mem_mb(wildcards, input, attempt):
        return math.ceil(
            (base_mb + memory_per_input_mb * input.size_mb) * 2 ** (attempt - 1)
        )

    def runtime(wildcards, input, attempt):
        return math.ceil(
            (5 + seconds_per_input_mb * input.size_mb / 60) * 2 ** (attempt - 1)
        )

    return {"mem_mb": mem_mb, "runtime": runtime}
