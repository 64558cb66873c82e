# The APA tables: one rule per table (`table_<kind>`), all alike, so they are written once from
# this list. Each reads its analysis outputs and writes `tables/<file>.md`, `.html` (shown in the
# report under `section`) and `.tex` with workflow/scripts/tables.py.
STUDY_ONLY = {"study": study_settings}
WITH_ROOT = {
    "study": study_settings,
    "root": ".",
}  # no absolute path in params (stable report)
CORRELATION_SET = {"study": study_settings, "correlation_set": correlation_settings}

APA_TABLES = {
    "correlations": dict(
        input={
            "long": "results/{study}/correlations/{name}.csv",
            "scores": "results/{study}/scores/scores_wide.csv",
            "definitions": instrument_files,  # the variables' labels come from them
        },
        file="correlations_{name}",
        section="Correlations",
        label="APA table: correlations of {name}",
        params=CORRELATION_SET,
    ),
    "rmcorr": dict(
        input={
            "rmcorr": "results/{study}/correlations/{name}_rmcorr.csv",
            "definitions": instrument_files,
        },
        file="correlations_{name}_rmcorr",
        section="Correlations",
        label="APA table: repeated-measures correlations of {name}",
        params=CORRELATION_SET,
    ),
    "participants": dict(
        input={"characteristics": "results/{study}/participants/characteristics.csv"},
        file="participants",
        section="Participants",
        label="APA table: participant characteristics",
        params=STUDY_ONLY,
    ),
    "reliability": dict(
        input={
            "reliability": "results/{study}/reliability/reliability.csv",
            "definitions": instrument_files,
        },
        file="reliability",
        section="Reliability",
        label="APA table: reliability",
        params=WITH_ROOT,
    ),
    "anova": dict(
        input={
            "anova": "results/{study}/anova/anova.csv",
            "cells": "results/{study}/anova/cells.csv",
            "definitions": instrument_files,
        },
        file="anova",
        section="ANOVA",
        label="APA table: ANOVA",
        params=WITH_ROOT,
    ),
    "ancova": dict(
        input={
            "ancova": "results/{study}/ancova/ancova.csv",
            "adjusted_means": "results/{study}/ancova/adjusted_means.csv",
            "contrasts": "results/{study}/ancova/contrasts.csv",
            "definitions": instrument_files,
        },
        file="ancova",
        section="Baseline-adjusted ANCOVA",
        label="APA table: baseline-adjusted ANCOVA",
        params=WITH_ROOT,
    ),
    "bayes": dict(
        input={
            "bayes": "results/{study}/anova/bayes.csv",
            "definitions": instrument_files,  # the outcomes' labels come from them
        },
        file="bayes",
        section="ANOVA",
        label="APA table: Bayes factors",
        params=WITH_ROOT,
    ),
    "planning": dict(
        input={
            "planning": "results/{study}/anova/planning.csv",
            "definitions": instrument_files,
        },
        file="planning",
        section="ANOVA",
        label="APA table: planning the definitive trial",
        params=WITH_ROOT,
    ),
    "reliable_change": dict(
        input={
            "summary": "results/{study}/change/reliable_change.csv",
            "definitions": instrument_files,
        },
        file="reliable_change",
        section="Reliable change",
        label="APA table: reliable change",
        params=WITH_ROOT,
    ),
    "feasibility": dict(
        input={
            "feasibility": "results/{study}/participants/feasibility.csv",
            "definitions": instrument_files,  # the instruments' names come from them
        },
        file="feasibility",
        section="Feasibility",
        label="APA table: feasibility",
        params=WITH_ROOT,
    ),
    "flow": dict(
        input={"flow": "results/{study}/flow/flow.csv"},
        file="flow",
        section="Participants",
        label="APA table: participant flow",
        params=STUDY_ONLY,
    ),
}


for kind, table in APA_TABLES.items():
    # a table per correlation set has the set's name in its log, as in its files
    job_name = f"table_{kind}" + ("_{name}" if "{name}" in table["file"] else "")

    rule:
        name:
            f"table_{kind}"
        input:
            **table["input"],
        output:
            markdown=f"results/{{study}}/tables/{table['file']}.md",
            html=report(
                f"results/{{study}}/tables/{table['file']}.html",
                category="{study}",
                subcategory=table["section"],
                caption=f"../report/table_{kind}.rst",
                labels={"result": table["label"]},
            ),
            latex=f"results/{{study}}/tables/{table['file']}.tex",
        log:
            f"logs/{{study}}/{job_name}.log",
        benchmark:
            f"benchmarks/{{study}}/{job_name}.tsv"
        conda:
            "../../envs/pipeline.yaml"
        resources:
            **cluster_resources(memory_per_input_mb=1),
        params:
            **table["params"],
        script:
            "../scripts/tables.py"
