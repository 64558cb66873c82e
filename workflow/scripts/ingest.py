import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import ingest, io
from wellbeing.errors import exit_on_user_error


def main():
    result = ingest.for_study(snakemake.params.study, snakemake.params.root)
    # Participant codes become pseudonyms in results/; the key stays in private/ (git-ignored).
    result, key = ingest.pseudonymise(result, snakemake.params.study)
    io.write_table(key, snakemake.output.key)
    io.write_table(result.responses, snakemake.output.responses)
    io.write_table(result.ledger, snakemake.output.ledger)
    io.write_table(result.issues, snakemake.output.issues)
    io.write_table(result.codebook, snakemake.output.codebook)
    io.write_table(result.raw_manifest, snakemake.output.raw_manifest)
    io.write_table(result.careless, snakemake.output.careless)


exit_on_user_error(main)
