import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import feasibility, io
from wellbeing.errors import exit_on_user_error
from wellbeing.tables import study_instruments_by_id


def main():
    study = snakemake.params.study
    table = feasibility.for_study(io.read_table(snakemake.input.responses), io.read_table(snakemake.input.scores),
                                  io.read_table(snakemake.input.scores_wide), study,
                                  study_instruments_by_id(study, snakemake.params.root))
    io.write_table(table, snakemake.output.feasibility)


exit_on_user_error(main)
