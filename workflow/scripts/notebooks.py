import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import notebooks, tables

study = snakemake.params.study
notebooks.render(snakemake.input.source, snakemake.wildcards.study, snakemake.params.title,
                 f"results/{snakemake.wildcards.study}", snakemake.params.root, snakemake.output[0],
                 labels=tables.study_labels(study, snakemake.params.root), waves=study["waves"],
                 groups=tables.group_labels(study))
