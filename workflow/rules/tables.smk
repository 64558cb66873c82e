rule table_correlations:
    input:
        long="results/{study}/correlations/{name}.csv",
        scores="results/{study}/scores/scores_wide.csv",
    output:
        markdown=report(
            "results/{study}/tables/correlations_{name}.md",
            category="{study}",
            subcategory="Correlations",
            caption="../report/table_correlations.rst",
        ),
        html="results/{study}/tables/correlations_{name}.html",
        latex="results/{study}/tables/correlations_{name}.tex",
    params:
        study=study_settings,
        correlation_set=correlation_settings,
    log:
        "logs/{study}/table_correlations_{name}.log",
    benchmark:
        "benchmarks/{study}/table_correlations_{name}.tsv"
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/tables.py"


rule table_participants:
    input:
        characteristics="results/{study}/participants/characteristics.csv",
    output:
        markdown=report(
            "results/{study}/tables/participants.md",
            category="{study}",
            subcategory="Participants",
            caption="../report/table_participants.rst",
        ),
        html="results/{study}/tables/participants.html",
        latex="results/{study}/tables/participants.tex",
    params:
        study=study_settings,
    log:
        "logs/{study}/table_participants.log",
    benchmark:
        "benchmarks/{study}/table_participants.tsv"
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/tables.py"
