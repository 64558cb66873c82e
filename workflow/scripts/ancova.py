import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import ancova, io
from wellbeing.errors import exit_on_user_error


def main():
    scores = ancova.read_scores(snakemake.input.scores, snakemake.params.study)  # its columns only
    result = ancova.for_study(scores, snakemake.params.study)
    for name in ("ancova", "adjusted_means", "contrasts", "assumptions", "ledger"):
        io.write_table(getattr(result, name), snakemake.output[name])


exit_on_user_error(main)
