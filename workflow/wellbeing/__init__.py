"""wellbeing: the library behind the questionnaire-study pipeline.

Pure functions on pandas DataFrames, one module per pipeline stage. Nothing here imports
Snakemake; the rules under ``workflow/rules`` only wire files to these functions.
"""

__version__ = "0.1.0"
