rule ancova:
    input:
        scores="results/{study}/scores/scores_wide.csv",
    output:
        ancova=report(
            "results/{study}/ancova/ancova.csv",
            category="{study}",
            subcategory="Baseline-adjusted ANCOVA",
            caption="../report/ancova.rst",
            labels={"result": "Data: ancova.csv"},
        ),
        adjusted_means="results/{study}/ancova/adjusted_means.csv",
        contrasts="results/{study}/ancova/contrasts.csv",
        assumptions="results/{study}/ancova/assumptions.csv",
        ledger="results/{study}/ancova/ledger.csv",
    log:
        "logs/{study}/ancova.log",
    benchmark:
        "benchmarks/{study}/ancova.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=3),
    params:
        study=study_settings,
    script:
        "../scripts/ancova.py"
