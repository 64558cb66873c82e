# The questionnaire-study pipeline: raw exports -> validated responses -> scores -> analyses.
# `snakemake --cores all` rebuilds every result; see README.md.

import gc

from snakemake.utils import min_version

# Snakemake has created over 100,000 objects (its modules and plugins) before it reads this
# file; freezing them spares Python's garbage collector from walking them again at every full
# collection while the rules are parsed and the jobs planned (about 0.15 s of every run).
gc.freeze()

# The lock pins 9.27; older versions read the profiles differently.
min_version("9.0")


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


# Tiny jobs (an APA table, the manifest, the target) run beside Snakemake, not as cluster jobs.
localrules:
    all,
    manifest,
    table_correlations,
    table_rmcorr,
    table_participants,
    table_reliability,
    table_anova,
    table_ancova,
    table_bayes,
    table_planning,
    table_reliable_change,
    table_feasibility,
    table_flow,


rule all:
    default_target: True
    input:
        final_outputs(),
