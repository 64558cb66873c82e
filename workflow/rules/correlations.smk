rule correlations:
    input:
        scores="results/{study}/scores/scores_wide.csv",
        definitions=instrument_files,  # which scales share items (part-whole pairs)
    output:
        long=report(
            "results/{study}/correlations/{name}.csv",
            category="{study}",
            subcategory="Correlations",
            caption="../report/correlations.rst",
            labels={"result": "Data: {name}.csv"},
        ),
        matrix="results/{study}/correlations/{name}_matrix.csv",
    log:
        "logs/{study}/correlations_{name}.log",
    benchmark:
        "benchmarks/{study}/correlations_{name}.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=2),
    params:
        study=study_settings,
        correlation_set=correlation_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/correlations.py"


rule correlations_rmcorr:
    input:
        scores="results/{study}/scores/scores_wide.csv",
        definitions=instrument_files,  # which scales share items (part-whole pairs)
    output:
        rmcorr=report(
            "results/{study}/correlations/{name}_rmcorr.csv",
            category="{study}",
            subcategory="Correlations",
            caption="../report/correlations_rmcorr.rst",
            labels={"result": "Data: {name}_rmcorr.csv"},
        ),
    log:
        "logs/{study}/correlations_{name}_rmcorr.log",
    benchmark:
        "benchmarks/{study}/correlations_{name}_rmcorr.tsv"
    wildcard_constraints:
        name=exactly(
            entry["name"] for entry in CORRELATION_SETS if entry["repeated_measures"]
        ),
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=3),
    params:
        study=study_settings,
        correlation_set=correlation_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/correlations.py"
