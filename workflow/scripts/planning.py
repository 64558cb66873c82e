import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import io, planning
from wellbeing.errors import exit_on_user_error


def main():
    table = planning.for_anova(io.read_table(snakemake.input.scores), io.read_table(snakemake.input.ledger),
                               snakemake.params.study)
    io.write_table(table, snakemake.output.planning)


exit_on_user_error(main)
