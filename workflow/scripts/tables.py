import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from pathlib import Path

from wellbeing import io, tables
from wellbeing.errors import exit_on_user_error


def main():
    if snakemake.rule == "table_correlations":
        table = tables.correlations_for_set(io.read_table(snakemake.input.long),
                                            io.read_table(snakemake.input.scores),
                                            snakemake.params.study, snakemake.params.correlation_set)
    elif snakemake.rule == "table_rmcorr":
        table = tables.rmcorr_for_set(io.read_table(snakemake.input.rmcorr), snakemake.params.study,
                                      snakemake.params.correlation_set)
    elif snakemake.rule == "table_participants":
        table = tables.participants_table(io.read_table(snakemake.input.characteristics),
                                          snakemake.params.study)
    elif snakemake.rule == "table_reliability":
        table = tables.reliability_for_study(io.read_table(snakemake.input.reliability),
                                             snakemake.params.study, snakemake.params.root)
    elif snakemake.rule == "table_anova":
        table = tables.anova_for_study(io.read_table(snakemake.input.anova),
                                       io.read_table(snakemake.input.cells),
                                       snakemake.params.study, snakemake.params.root)
    elif snakemake.rule == "table_ancova":
        table = tables.ancova_for_study(io.read_table(snakemake.input.ancova),
                                        io.read_table(snakemake.input.adjusted_means),
                                        io.read_table(snakemake.input.contrasts),
                                        snakemake.params.study, snakemake.params.root)
    elif snakemake.rule == "table_bayes":
        table = tables.bayes_for_study(io.read_table(snakemake.input.bayes), snakemake.params.study,
                                       snakemake.params.root)
    elif snakemake.rule == "table_planning":
        table = tables.planning_for_study(io.read_table(snakemake.input.planning), snakemake.params.study,
                                          snakemake.params.root)
    elif snakemake.rule == "table_reliable_change":
        table = tables.reliable_change_for_study(io.read_table(snakemake.input.summary), snakemake.params.study,
                                                 snakemake.params.root)
    elif snakemake.rule == "table_feasibility":
        table = tables.feasibility_for_study(io.read_table(snakemake.input.feasibility), snakemake.params.study,
                                             snakemake.params.root)
    elif snakemake.rule == "table_flow":
        import pandas as pd

        table = tables.flow_table(pd.read_csv(snakemake.input.flow, keep_default_na=False), snakemake.params.study)
    else:
        raise ValueError(f"tables.py does not know rule {snakemake.rule}")
    tables.write_table_files(table, Path(snakemake.output.markdown).with_suffix(""))


exit_on_user_error(main)
