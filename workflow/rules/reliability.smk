rule reliability:
    input:
        responses="results/{study}/ingest/responses.csv",
        definitions=instrument_files,
    output:
        table=report(
            "results/{study}/reliability/reliability.csv",
            category="{study}",
            subcategory="Reliability",
            caption="../report/reliability.rst",
            labels={"result": "Data: reliability.csv"},
        ),
        per_item="results/{study}/reliability/items.csv",
    log:
        "logs/{study}/reliability.log",
    benchmark:
        "benchmarks/{study}/reliability.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=10),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/reliability.py"
