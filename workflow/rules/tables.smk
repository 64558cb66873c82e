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
    log:
        "logs/{study}/table_correlations_{name}.log",
    benchmark:
        "benchmarks/{study}/table_correlations_{name}.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        correlation_set=correlation_settings,
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
    log:
        "logs/{study}/table_rmcorr_{name}.log",
    benchmark:
        "benchmarks/{study}/table_rmcorr_{name}.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        correlation_set=correlation_settings,
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
    log:
        "logs/{study}/table_participants.log",
    benchmark:
        "benchmarks/{study}/table_participants.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
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
    log:
        "logs/{study}/table_reliability.log",
    benchmark:
        "benchmarks/{study}/table_reliability.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
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
    log:
        "logs/{study}/table_anova.log",
    benchmark:
        "benchmarks/{study}/table_anova.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
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
    log:
        "logs/{study}/table_ancova.log",
    benchmark:
        "benchmarks/{study}/table_ancova.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
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
    log:
        "logs/{study}/table_bayes.log",
    benchmark:
        "benchmarks/{study}/table_bayes.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/tables.py"


rule table_planning:
    input:
        planning="results/{study}/anova/planning.csv",
        definitions=instrument_files,  # the outcomes' labels come from them
    output:
        markdown="results/{study}/tables/planning.md",
        html=report(
            "results/{study}/tables/planning.html",
            category="{study}",
            subcategory="ANOVA",
            caption="../report/table_planning.rst",
            labels={"result": "APA table: planning the definitive trial"},
        ),
        latex="results/{study}/tables/planning.tex",
    log:
        "logs/{study}/table_planning.log",
    benchmark:
        "benchmarks/{study}/table_planning.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/tables.py"


rule table_reliable_change:
    input:
        summary="results/{study}/change/reliable_change.csv",
        definitions=instrument_files,  # the outcomes' labels come from them
    output:
        markdown="results/{study}/tables/reliable_change.md",
        html=report(
            "results/{study}/tables/reliable_change.html",
            category="{study}",
            subcategory="Reliable change",
            caption="../report/table_reliable_change.rst",
            labels={"result": "APA table: reliable change"},
        ),
        latex="results/{study}/tables/reliable_change.tex",
    log:
        "logs/{study}/table_reliable_change.log",
    benchmark:
        "benchmarks/{study}/table_reliable_change.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/tables.py"


rule table_feasibility:
    input:
        feasibility="results/{study}/participants/feasibility.csv",
        definitions=instrument_files,  # the instruments' names come from them
    output:
        markdown="results/{study}/tables/feasibility.md",
        html=report(
            "results/{study}/tables/feasibility.html",
            category="{study}",
            subcategory="Feasibility",
            caption="../report/table_feasibility.rst",
            labels={"result": "APA table: feasibility"},
        ),
        latex="results/{study}/tables/feasibility.tex",
    log:
        "logs/{study}/table_feasibility.log",
    benchmark:
        "benchmarks/{study}/table_feasibility.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/tables.py"


rule table_flow:
    input:
        flow="results/{study}/flow/flow.csv",
    output:
        markdown="results/{study}/tables/flow.md",
        html=report(
            "results/{study}/tables/flow.html",
            category="{study}",
            subcategory="Participants",
            caption="../report/table_flow.rst",
            labels={"result": "APA table: participant flow"},
        ),
        latex="results/{study}/tables/flow.tex",
    log:
        "logs/{study}/table_flow.log",
    benchmark:
        "benchmarks/{study}/table_flow.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
    script:
        "../scripts/tables.py"
