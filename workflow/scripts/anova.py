import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import anova, io
from wellbeing.errors import exit_on_user_error


def main():
    scores = anova.read_scores(snakemake.input.scores, snakemake.params.study)  # its columns only
    result = anova.for_study(scores, snakemake.params.study)
    for name in ("anova", "cells", "followups", "mixed_model", "assumptions", "ledger"):
        io.write_table(getattr(result, name), snakemake.output[name])


exit_on_user_error(main)
