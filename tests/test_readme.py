"""README stays true: the two commands first, and the instrument table as the definitions say."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from instrument_table import replace_in  # noqa: E402


def test_two_commands_come_first():
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```sh", 1)[1].split("```", 1)[0]
    assert "make run" in first_block and "make test" in first_block
    assert text.index("make run") < text.index("## Adding a study")


def test_instrument_table_matches_the_definitions():
    text = (ROOT / "README.md").read_text()
    assert replace_in(text) == text, "run: python scripts/instrument_table.py --write"
