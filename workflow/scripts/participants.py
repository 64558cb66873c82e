import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import io, participants
from wellbeing.errors import exit_on_user_error


def main():
    table = participants.characteristics(io.read_table(snakemake.input.responses),
                                         snakemake.params.study,
                                         io.read_table(snakemake.input.codebook))
    io.write_table(table, snakemake.output.characteristics)


exit_on_user_error(main)
