import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import figures, io
from wellbeing.errors import exit_on_user_error


def main():
    if snakemake.rule == "figure_correlations":
        heatmap = figures.correlation_heatmap_for_set(
            io.read_table(snakemake.input.long), io.read_table(snakemake.input.matrix),
            snakemake.params.study, snakemake.params.correlation_set)
        figures.save(heatmap, snakemake.output.heatmap, snakemake.output.heatmap_pdf)
    elif snakemake.rule == "figure_scatter_matrix":
        scatter = figures.scatter_matrix_for_set(figures.read_scores(snakemake.input.scores, snakemake.params.study,
                                                                     snakemake.params.correlation_set["variables"]),
                                                 snakemake.params.study, snakemake.params.correlation_set,
                                                 long=io.read_table(snakemake.input.long))
        figures.save(scatter, snakemake.output.scatter, snakemake.output.scatter_pdf)
    elif snakemake.rule == "figure_reliable_change":
        bars = figures.reliable_change_for_study(io.read_table(snakemake.input.summary), snakemake.params.study,
                                                 snakemake.params.root)
        figures.save(bars, snakemake.output.bars, snakemake.output.bars_pdf)
    elif snakemake.rule == "figure_flow":
        figures.save(figures.flow_for_study(io.read_table(snakemake.input.flow), snakemake.params.study),
                     snakemake.output.diagram, snakemake.output.diagram_pdf)
    elif snakemake.rule == "figure_reliability":
        forest = figures.reliability_forest_for_study(io.read_table(snakemake.input.reliability),
                                                      snakemake.params.study, snakemake.params.root)
        figures.save(forest, snakemake.output.forest, snakemake.output.forest_pdf)
    elif snakemake.rule == "figure_anova":
        outcome, study = snakemake.wildcards.outcome, snakemake.params.study
        interaction = figures.anova_interaction_for_study(
            outcome, io.read_table(snakemake.input.anova), io.read_table(snakemake.input.cells),
            figures.read_ledger(snakemake.input.ledger, study, outcome),
            figures.read_scores(snakemake.input.scores, study, [outcome]), study, snakemake.params.root)
        figures.save(interaction, snakemake.output.interaction, snakemake.output.interaction_pdf)
    elif snakemake.rule == "figure_anova_panel":
        panel = figures.anova_panel_for_study(io.read_table(snakemake.input.anova),
                                              io.read_table(snakemake.input.cells),
                                              snakemake.params.study, snakemake.params.root)
        figures.save(panel, snakemake.output.panel, snakemake.output.panel_pdf)
    elif snakemake.rule == "figure_ancova":
        means = figures.ancova_means_for_study(io.read_table(snakemake.input.adjusted_means),
                                               io.read_table(snakemake.input.ancova),
                                               snakemake.params.study, snakemake.params.root)
        figures.save(means, snakemake.output.means, snakemake.output.means_pdf)
    else:
        raise ValueError(f"figures.py does not know rule {snakemake.rule}")


exit_on_user_error(main)
