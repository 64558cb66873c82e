rule ingest:
    input:
        raw_inputs,
    output:
        responses="results/{study}/ingest/responses.csv",
        ledger="results/{study}/ingest/ledger.csv",
        issues="results/{study}/ingest/issues.csv",
        codebook="results/{study}/ingest/codebook.csv",
        raw_manifest="results/{study}/ingest/raw_manifest.csv",
        # participant code -> pseudonym: never under results/ (git-ignored; see README)
        key="private/{study}/pseudonyms.csv",
    log:
        "logs/{study}/ingest.log",
    benchmark:
        "benchmarks/{study}/ingest.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=18),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/ingest.py"
