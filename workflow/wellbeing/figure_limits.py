"""Limits that decide which figures a study gets, importable without matplotlib.

The workflow reads them while it parses (``workflow/rules/common.smk``) to list a study's
outputs; importing :mod:`wellbeing.figures` there would cost every snakemake start, including
a no-op rerun and every cluster job, about half a second of matplotlib import.
"""

#: Sets with at most this many variables also get a scatter matrix.
SCATTER_MATRIX_MAX = 8
