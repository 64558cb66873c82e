import re

# `anova_{outcome}` only matches a configured ANOVA outcome (never `panel`), so it cannot clash
# with anova_panel.png or any other figure.
ANOVA_OUTCOMES = sorted(
    {
        outcome
        for study in CONFIG["studies"].values()
        for outcome in study["analyses"].get("anova", {}).get("outcomes", [])
    }
    - {"panel"}
)


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
            labels={"result": "Figure: heatmap of {name}"},
        ),
        heatmap_pdf="results/{study}/figures/correlations_{name}_heatmap.pdf",
    log:
        "logs/{study}/figure_correlations_{name}.log",
    benchmark:
        "benchmarks/{study}/figure_correlations_{name}.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        correlation_set=correlation_settings,
    script:
        "../scripts/figures.py"


rule figure_scatter_matrix:
    input:
        scores="results/{study}/scores/scores_wide.csv",
        long="results/{study}/correlations/{name}.csv",
    output:
        scatter=report(
            "results/{study}/figures/correlations_{name}_scatter.png",
            category="{study}",
            subcategory="Correlations",
            caption="../report/figure_scatter_matrix.rst",
            labels={"result": "Figure: scatter matrix of {name}"},
        ),
        scatter_pdf="results/{study}/figures/correlations_{name}_scatter.pdf",
    log:
        "logs/{study}/figure_scatter_matrix_{name}.log",
    benchmark:
        "benchmarks/{study}/figure_scatter_matrix_{name}.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        correlation_set=correlation_settings,
    script:
        "../scripts/figures.py"


rule figure_reliability:
    input:
        reliability="results/{study}/reliability/reliability.csv",
        definitions=instrument_files,
    output:
        forest=report(
            "results/{study}/figures/reliability_forest.png",
            category="{study}",
            subcategory="Reliability",
            caption="../report/figure_reliability.rst",
            labels={"result": "Figure: alpha by scale and wave"},
        ),
        forest_pdf="results/{study}/figures/reliability_forest.pdf",
    log:
        "logs/{study}/figure_reliability.log",
    benchmark:
        "benchmarks/{study}/figure_reliability.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/figures.py"


rule figure_anova:
    input:
        anova="results/{study}/anova/anova.csv",
        cells="results/{study}/anova/cells.csv",
        ledger="results/{study}/anova/ledger.csv",
        scores="results/{study}/scores/scores_wide.csv",
        definitions=instrument_files,
    output:
        interaction=report(
            "results/{study}/figures/anova_{outcome}.png",
            category="{study}",
            subcategory="ANOVA",
            caption="../report/figure_anova.rst",
            labels=outcome_figure_labels,
        ),
        interaction_pdf="results/{study}/figures/anova_{outcome}.pdf",
    log:
        "logs/{study}/figure_anova_{outcome}.log",
    benchmark:
        "benchmarks/{study}/figure_anova_{outcome}.tsv"
    wildcard_constraints:
        outcome="|".join(re.escape(outcome) for outcome in ANOVA_OUTCOMES) or r"[^\s\S]",
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=2),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
        outcome_label=outcome_label,  # for the report's caption
    script:
        "../scripts/figures.py"


rule figure_anova_panel:
    input:
        anova="results/{study}/anova/anova.csv",
        cells="results/{study}/anova/cells.csv",
        definitions=instrument_files,
    output:
        panel=report(
            "results/{study}/figures/anova_panel.png",
            category="{study}",
            subcategory="ANOVA",
            caption="../report/figure_anova_panel.rst",
            labels={"result": "Figure: all outcomes (panel)"},
        ),
        panel_pdf="results/{study}/figures/anova_panel.pdf",
    log:
        "logs/{study}/figure_anova_panel.log",
    benchmark:
        "benchmarks/{study}/figure_anova_panel.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/figures.py"


rule figure_ancova:
    input:
        ancova="results/{study}/ancova/ancova.csv",
        adjusted_means="results/{study}/ancova/adjusted_means.csv",
        definitions=instrument_files,
    output:
        means=report(
            "results/{study}/figures/ancova.png",
            category="{study}",
            subcategory="Baseline-adjusted ANCOVA",
            caption="../report/figure_ancova.rst",
            labels={"result": "Figure: unadjusted and adjusted means"},
        ),
        means_pdf="results/{study}/figures/ancova.pdf",
    log:
        "logs/{study}/figure_ancova.log",
    benchmark:
        "benchmarks/{study}/figure_ancova.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/figures.py"


rule figure_reliable_change:
    input:
        summary="results/{study}/change/reliable_change.csv",
        definitions=instrument_files,
    output:
        bars=report(
            "results/{study}/figures/reliable_change.png",
            category="{study}",
            subcategory="Reliable change",
            caption="../report/figure_reliable_change.rst",
            labels={"result": "Figure: reliable change"},
        ),
        bars_pdf="results/{study}/figures/reliable_change.pdf",
    log:
        "logs/{study}/figure_reliable_change.log",
    benchmark:
        "benchmarks/{study}/figure_reliable_change.tsv"
    conda:
        "../../envs/pipeline.yaml"
    resources:
        **cluster_resources(memory_per_input_mb=1),
    params:
        study=study_settings,
        root=".",  # the working directory: no absolute path in params (byte-stable report)
    script:
        "../scripts/figures.py"
