rule flow:
    input:
        unpack(flow_inputs),
    output:
        flow=report(
            "results/{study}/flow/flow.csv",
            category="{study}",
            subcategory="Participants",
            caption="../report/flow.rst",
            labels={"result": "Data: flow.csv"},
        ),
    log:
        "logs/{study}/flow.log",
    benchmark:
        "benchmarks/{study}/flow.tsv"
    priority: CRITICAL_PATH
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
    script:
        "../scripts/flow.py"


rule figure_flow:
    input:
        flow="results/{study}/flow/flow.csv",
    output:
        diagram=report(
            "results/{study}/figures/flow.png",
            category="{study}",
            subcategory="Participants",
            caption="../report/figure_flow.rst",
            labels={"result": "Figure: participant flow"},
        ),
        diagram_pdf="results/{study}/figures/flow.pdf",
    log:
        "logs/{study}/figure_flow.log",
    benchmark:
        "benchmarks/{study}/figure_flow.tsv"
    priority: CRITICAL_PATH
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
    script:
        "../scripts/figures.py"
