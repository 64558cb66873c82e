rule participants:
    input:
        responses="results/{study}/ingest/responses.csv",
        codebook="results/{study}/ingest/codebook.csv",
    output:
        characteristics="results/{study}/participants/characteristics.csv",
    log:
        "logs/{study}/participants.log",
    benchmark:
        "benchmarks/{study}/participants.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=3),
    params:
        study=study_settings,
    script:
        "../scripts/participants.py"


rule feasibility:
    input:
        responses="results/{study}/ingest/responses.csv",
        scores="results/{study}/scores/scores.csv",
        scores_wide="results/{study}/scores/scores_wide.csv",
        definitions=instrument_files,  # which columns are each instrument's items
    output:
        feasibility=report(
            "results/{study}/participants/feasibility.csv",
            category="{study}",
            subcategory="Feasibility",
            caption="../report/feasibility.rst",
            labels={"result": "Data: feasibility.csv"},
        ),
    log:
        "logs/{study}/feasibility.log",
    benchmark:
        "benchmarks/{study}/feasibility.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=3),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/feasibility.py"
