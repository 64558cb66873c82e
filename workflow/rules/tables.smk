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


rule table_rmcorr:
    input:
        rmcorr="results/{study}/correlations/{name}_rmcorr.csv",
    output:
        markdown=report(
            "results/{study}/tables/correlations_{name}_rmcorr.md",
            category="{study}",
            subcategory="Correlations",
            caption="../report/table_rmcorr.rst",
        ),
        html="results/{study}/tables/correlations_{name}_rmcorr.html",
        latex="results/{study}/tables/correlations_{name}_rmcorr.tex",
    params:
        correlation_set=correlation_settings,
    log:
        "logs/{study}/table_rmcorr_{name}.log",
    benchmark:
        "benchmarks/{study}/table_rmcorr_{name}.tsv"
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


rule table_reliability:
    input:
        reliability="results/{study}/reliability/reliability.csv",
        definitions=instrument_files,
    output:
        markdown=report(
            "results/{study}/tables/reliability.md",
            category="{study}",
            subcategory="Reliability",
            caption="../report/table_reliability.rst",
        ),
        html="results/{study}/tables/reliability.html",
        latex="results/{study}/tables/reliability.tex",
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    log:
        "logs/{study}/table_reliability.log",
    benchmark:
        "benchmarks/{study}/table_reliability.tsv"
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/tables.py"


rule table_anova:
    input:
        anova="results/{study}/anova/anova.csv",
        cells="results/{study}/anova/cells.csv",
        definitions=instrument_files,
    output:
        markdown=report(
            "results/{study}/tables/anova.md",
            category="{study}",
            subcategory="Time x group ANOVA",
            caption="../report/table_anova.rst",
        ),
        html="results/{study}/tables/anova.html",
        latex="results/{study}/tables/anova.tex",
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    log:
        "logs/{study}/table_anova.log",
    benchmark:
        "benchmarks/{study}/table_anova.tsv"
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/tables.py"


rule table_ancova:
    input:
        ancova="results/{study}/ancova/ancova.csv",
        adjusted_means="results/{study}/ancova/adjusted_means.csv",
        contrasts="results/{study}/ancova/contrasts.csv",
        definitions=instrument_files,
    output:
        markdown=report(
            "results/{study}/tables/ancova.md",
            category="{study}",
            subcategory="Baseline-adjusted ANCOVA",
            caption="../report/table_ancova.rst",
        ),
        html="results/{study}/tables/ancova.html",
        latex="results/{study}/tables/ancova.tex",
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    log:
        "logs/{study}/table_ancova.log",
    benchmark:
        "benchmarks/{study}/table_ancova.tsv"
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/tables.py"
