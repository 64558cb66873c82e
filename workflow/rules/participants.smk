rule participants:
    input:
        responses="results/{study}/ingest/responses.csv",
        codebook="results/{study}/ingest/codebook.csv",
    output:
        characteristics="results/{study}/participants/characteristics.csv",
    params:
        study=study_settings,
    log:
        "logs/{study}/participants.log",
    benchmark:
        "benchmarks/{study}/participants.tsv"
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/participants.py"
