rule figure_correlations:
    input:
        long="results/{study}/correlations/{name}.csv",
        matrix="results/{study}/correlations/{name}_matrix.csv",
        scores="results/{study}/scores/scores_wide.csv",
    output:
        heatmap=report(
            "results/{study}/figures/correlations_{name}_heatmap.png",
            category="{study}",
            subcategory="Correlations",
            caption="../report/figure_correlations.rst",
        ),
        heatmap_pdf="results/{study}/figures/correlations_{name}_heatmap.pdf",
    params:
        study=study_settings,
        correlation_set=correlation_settings,
    log:
        "logs/{study}/figure_correlations_{name}.log",
    benchmark:
        "benchmarks/{study}/figure_correlations_{name}.tsv"
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/figures.py"


rule figure_scatter_matrix:
    input:
        scores="results/{study}/scores/scores_wide.csv",
    output:
        scatter=report(
            "results/{study}/figures/correlations_{name}_scatter.png",
            category="{study}",
            subcategory="Correlations",
            caption="../report/figure_scatter_matrix.rst",
        ),
        scatter_pdf="results/{study}/figures/correlations_{name}_scatter.pdf",
    params:
        study=study_settings,
        correlation_set=correlation_settings,
    log:
        "logs/{study}/figure_scatter_matrix_{name}.log",
    benchmark:
        "benchmarks/{study}/figure_scatter_matrix_{name}.tsv"
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/figures.py"
