rule anova:
    input:
        scores="results/{study}/scores/scores_wide.csv",
    output:
        anova=report(
            "results/{study}/anova/anova.csv",
            category="{study}",
            subcategory="ANOVA",
            caption="../report/anova.rst",
            labels={"result": "Data: anova.csv"},
        ),
        cells="results/{study}/anova/cells.csv",
        followups="results/{study}/anova/followups.csv",
        mixed_model="results/{study}/anova/mixed_model.csv",
        assumptions="results/{study}/anova/assumptions.csv",
        ledger="results/{study}/anova/ledger.csv",
    log:
        "logs/{study}/anova.log",
    benchmark:
        "benchmarks/{study}/anova.tsv"
    priority: CRITICAL_PATH
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=4),
    params:
        study=study_settings,
    script:
        "../scripts/anova.py"


rule anova_bayes:
    input:
        scores="results/{study}/scores/scores_wide.csv",
        ledger="results/{study}/anova/ledger.csv",
    output:
        bayes=report(
            "results/{study}/anova/bayes.csv",
            category="{study}",
            subcategory="ANOVA",
            caption="../report/anova_bayes.rst",
            labels={"result": "Data: bayes.csv"},
        ),
    log:
        "logs/{study}/anova_bayes.log",
    benchmark:
        "benchmarks/{study}/anova_bayes.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=3),
    params:
        study=study_settings,
    script:
        "../scripts/bayes.py"


rule anova_planning:
    input:
        scores="results/{study}/scores/scores_wide.csv",
        ledger="results/{study}/anova/ledger.csv",
    output:
        planning=report(
            "results/{study}/anova/planning.csv",
            category="{study}",
            subcategory="ANOVA",
            caption="../report/anova_planning.rst",
            labels={"result": "Data: planning.csv"},
        ),
    log:
        "logs/{study}/anova_planning.log",
    benchmark:
        "benchmarks/{study}/anova_planning.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=3),
    params:
        study=study_settings,
    script:
        "../scripts/planning.py"
