import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import change, io
from wellbeing.errors import exit_on_user_error
from wellbeing.tables import study_instruments_by_id


def main():
    study = snakemake.params.study
    reliability = io.read_table(snakemake.input.reliability) if "reliability" in snakemake.input.keys() else None
    summary, participants = change.for_study(io.read_table(snakemake.input.scores), reliability, study,
                                             study_instruments_by_id(study, snakemake.params.root))
    io.write_table(summary, snakemake.output.summary)
    io.write_table(participants, snakemake.output.participants)


exit_on_user_error(main)
