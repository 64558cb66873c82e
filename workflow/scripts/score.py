import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import io, score
from wellbeing.errors import exit_on_user_error


def main():
    responses = io.read_table(snakemake.input.responses)
    scores, wide = score.for_study(responses, snakemake.params.study, snakemake.params.root,
                                   labels_as_categories=True)
    io.write_table(scores, snakemake.output.scores)
    io.write_table(wide, snakemake.output.wide)


exit_on_user_error(main)
