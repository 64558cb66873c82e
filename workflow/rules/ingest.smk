rule ingest:
    input:
        raw_inputs,
    output:
        responses="results/{study}/ingest/responses.csv",
        ledger="results/{study}/ingest/ledger.csv",
        issues="results/{study}/ingest/issues.csv",
        codebook="results/{study}/ingest/codebook.csv",
        raw_manifest="results/{study}/ingest/raw_manifest.csv",
        # careless-response screening: computed here, where every answer as given and the
        # export's duration are at hand and an exclusion reaches the ledger (docs/screening.md)
        careless=report(
            "results/{study}/screening/careless.csv",
            category="{study}",
            subcategory="Participants",
            caption="../report/careless.rst",
            labels={"result": "Data: careless.csv"},
        ),
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
