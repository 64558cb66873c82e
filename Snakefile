# The questionnaire-study pipeline: raw exports -> validated responses -> scores -> analyses.
# `snakemake --cores all` rebuilds every result; see README.md.

configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/score.smk"
include: "workflow/rules/participants.smk"
include: "workflow/rules/reliability.smk"
include: "workflow/rules/anova.smk"
include: "workflow/rules/ancova.smk"
include: "workflow/rules/change.smk"
include: "workflow/rules/flow.smk"
include: "workflow/rules/correlations.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/notebooks.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        final_outputs(),
    default_target: True
