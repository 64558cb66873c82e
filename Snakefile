# The questionnaire-study pipeline: raw exports -> validated responses -> scores -> analyses.
# `snakemake --cores all` rebuilds every result; see README.md.

configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/score.smk"


rule all:
    input:
        final_outputs(),
    default_target: True
