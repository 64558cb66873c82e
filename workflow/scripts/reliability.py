import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import io, reliability
from wellbeing.errors import exit_on_user_error


def main():
    responses = io.read_table(snakemake.input.responses)
    table, per_item = reliability.for_study(responses, snakemake.params.study, snakemake.params.root)
    io.write_table(table, snakemake.output.table)
    io.write_table(per_item, snakemake.output.per_item)


exit_on_user_error(main)
