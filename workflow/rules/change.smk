rule reliable_change:
    input:
        unpack(reliable_change_inputs),
        definitions=instrument_files,  # each scale's better direction
    output:
        summary=report(
            "results/{study}/change/reliable_change.csv",
            category="{study}",
            subcategory="Reliable change",
            caption="../report/reliable_change.rst",
            labels={"result": "Data: reliable_change.csv"},
        ),
        participants="results/{study}/change/reliable_change_participants.csv",
    log:
        "logs/{study}/reliable_change.log",
    benchmark:
        "benchmarks/{study}/reliable_change.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=3),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/change.py"
