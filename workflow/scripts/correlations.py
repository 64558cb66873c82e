import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import correlations, io
from wellbeing.tables import study_instruments_by_id
from wellbeing.errors import exit_on_user_error


def main():
    scores = io.read_table(snakemake.input.scores)
    instruments = study_instruments_by_id(snakemake.params.study, snakemake.params.root)
    if snakemake.rule == "correlations_rmcorr":
        table = correlations.repeated_measures(scores, snakemake.params.study, snakemake.params.correlation_set,
                                               instruments=instruments)
        io.write_table(table, snakemake.output.rmcorr)
        return
    long, matrix = correlations.for_set(scores, snakemake.params.study, snakemake.params.correlation_set,
                                        instruments)
    io.write_table(long, snakemake.output.long)
    io.write_table(matrix, snakemake.output.matrix)


exit_on_user_error(main)
