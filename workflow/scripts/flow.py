import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

import pandas as pd

from wellbeing import flow, io
from wellbeing.errors import exit_on_user_error


def main():
    # only who answered when: the answers can be millions of cells
    responses = pd.read_csv(snakemake.input.responses, dtype=str,
                            usecols=lambda column: column in ("participant", "wave", "group"))
    anova_ledger = io.read_table(snakemake.input.anova_ledger) if "anova_ledger" in snakemake.input.keys() else None
    careless = pd.read_csv(snakemake.input.careless, dtype=str, usecols=["participant", "wave", "excluded"])
    table = flow.for_study(io.read_table(snakemake.input.ledger), responses, snakemake.params.study, anova_ledger,
                           careless)
    io.write_table(table, snakemake.output.flow)


exit_on_user_error(main)
