import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, snakemake.scriptdir + "/..")

from wellbeing import report

content = report.manifest(snakemake.wildcards.study, snakemake.params.study,
                          snakemake.input.outputs, snakemake.input.raw, snakemake.params.root)
report.write_manifest(content, snakemake.output[0])
