rule notebook:
    input:
        source="notebooks/{notebook}.ipynb",
        outputs=notebook_inputs,
        definitions=instrument_files,  # the variables' labels come from them
    output:
        report(
            "results/{study}/notebooks/{notebook}.html",
            category="{study}",
            subcategory="Notebooks",
            caption="../report/notebook.rst",
            labels={"result": "Notebook: {notebook}"},
        ),
    log:
        "logs/{study}/notebook_{notebook}.log",
    benchmark:
        "benchmarks/{study}/notebook_{notebook}.tsv"
    wildcard_constraints:
        notebook="|".join(NOTEBOOKS),
    priority: CRITICAL_PATH
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1.5, base_mb=600),  # a kernel beside the client
    params:
        title=lambda wildcards: f"{CONFIG['studies'][wildcards.study]['title']}: {wildcards.notebook}",
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/notebooks.py"
