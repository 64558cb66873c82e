# Config validation at parse time and the helpers every rule shares.
import sys
from pathlib import Path

REPO_ROOT = Path(workflow.basedir)
sys.path.insert(0, str(REPO_ROOT / "workflow"))

from wellbeing.errors import UserError
from wellbeing.study import validated_config, study_input_files, instrument_definition_files

try:
    CONFIG = validated_config(config, REPO_ROOT, source_name="config.yaml")
except UserError as error:
    # One line for the user, no traceback: the config is theirs to fix.
    sys.exit(f"error: {error}")

STUDIES = sorted(CONFIG["studies"])


wildcard_constraints:
    study="|".join(STUDIES),


def study_settings(wildcards):
    """The validated config of one study (defaults filled in)."""
    return CONFIG["studies"][wildcards.study]


def raw_inputs(wildcards):
    """Raw files and the instrument definitions a study reads: a change to any reruns it."""
    return study_input_files(CONFIG["studies"][wildcards.study], REPO_ROOT)


def instrument_files(wildcards):
    """The instrument definitions a study scores with: a change to one rescores the study."""
    return instrument_definition_files(CONFIG["studies"][wildcards.study], REPO_ROOT)


def final_outputs():
    return expand(
        [
            "results/{study}/ingest/responses.csv",
            "results/{study}/ingest/ledger.csv",
            "results/{study}/ingest/issues.csv",
            "results/{study}/ingest/codebook.csv",
            "results/{study}/ingest/raw_manifest.csv",
            "results/{study}/scores/scores.csv",
            "results/{study}/scores/scores_wide.csv",
        ],
        study=STUDIES,
    )
