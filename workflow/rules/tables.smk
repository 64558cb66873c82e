rule table_correlations:
    input:
        long="results/{study}/correlations/{name}.csv",
        scores="results/{study}/scores/scores_wide.csv",
        definitions=instrument_files,  # the variables' labels come from them
    output:
        markdown="results/{study}/tables/correlations_{name}.md",
        html=report(
            "results/{study}/tables/correlations_{name}.html",
            category="{study}",
            subcategory="Correlations",
            caption="../report/table_correlations.rst",
            labels={"result": "APA table: correlations of {name}"},
        ),
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
        definitions=instrument_files,  # the variables' labels come from them
    output:
        markdown="results/{study}/tables/correlations_{name}_rmcorr.md",
        html=report(
            "results/{study}/tables/correlations_{name}_rmcorr.html",
            category="{study}",
            subcategory="Correlations",
            caption="../report/table_rmcorr.rst",
            labels={"result": "APA table: repeated-measures correlations of {name}"},
        ),
        latex="results/{study}/tables/correlations_{name}_rmcorr.tex",
    params:
        study=study_settings,
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
        markdown="results/{study}/tables/participants.md",
        html=report(
            "results/{study}/tables/participants.html",
            category="{study}",
            subcategory="Participants",
            caption="../report/table_participants.rst",
            labels={"result": "APA table: participant characteristics"},
        ),
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
        markdown="results/{study}/tables/reliability.md",
        html=report(
            "results/{study}/tables/reliability.html",
            category="{study}",
            subcategory="Reliability",
            caption="../report/table_reliability.rst",
            labels={"result": "APA table: reliability"},
        ),
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
        markdown="results/{study}/tables/anova.md",
        html=report(
            "results/{study}/tables/anova.html",
            category="{study}",
            subcategory="ANOVA",
            caption="../report/table_anova.rst",
            labels={"result": "APA table: ANOVA"},
        ),
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
        markdown="results/{study}/tables/ancova.md",
        html=report(
            "results/{study}/tables/ancova.html",
            category="{study}",
            subcategory="Baseline-adjusted ANCOVA",
            caption="../report/table_ancova.rst",
            labels={"result": "APA table: baseline-adjusted ANCOVA"},
        ),
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


rule table_bayes:
    input:
        bayes="results/{study}/anova/bayes.csv",
        definitions=instrument_files,  # the outcomes' labels come from them
    output:
        markdown="results/{study}/tables/bayes.md",
        html=report(
            "results/{study}/tables/bayes.html",
            category="{study}",
            subcategory="ANOVA",
            caption="../report/table_bayes.rst",
            labels={"result": "APA table: Bayes factors"},
        ),
        latex="results/{study}/tables/bayes.tex",
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    log:
        "logs/{study}/table_bayes.log",
    benchmark:
        "benchmarks/{study}/table_bayes.tsv"
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/tables.py"
