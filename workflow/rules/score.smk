rule score:
    input:
        responses="results/{study}/ingest/responses.csv",
        definitions=instrument_files,
    output:
        scores=report(
            "results/{study}/scores/scores.csv",
            category="{study}",
            subcategory="Scores",
            caption="../report/scores.rst",
            labels={"result": "Data: scale scores (scores.csv)"},
        ),
        wide="results/{study}/scores/scores_wide.csv",
    log:
        "logs/{study}/score.log",
    benchmark:
        "benchmarks/{study}/score.tsv"
    priority: CRITICAL_PATH
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=18),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/score.py"
