rule manifest:
    input:
        outputs=lambda wildcards: study_outputs(wildcards.study),
        raw=raw_inputs,
    output:
        "results/{study}/manifest.json",
    log:
        "logs/{study}/manifest.log",
    benchmark:
        "benchmarks/{study}/manifest.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=0, seconds_per_input_mb=0.1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/report.py"
