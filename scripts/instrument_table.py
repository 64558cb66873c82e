"""Print README's table of bundled instruments from their definition files.

`python scripts/instrument_table.py --write` rewrites the table between the markers in README.md;
tests/test_readme.py checks that README shows what the definitions say.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from wellbeing.instruments import bundled_ids, load_instrument  # noqa: E402

START, END = "<!-- instruments:start -->", "<!-- instruments:end -->"


def _first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence: not "et al." nor an initial ("C. Morin").

    >>> _first_sentence("Proprietary: copyright C. Morin (Laval). Key only.")
    'Proprietary: copyright C. Morin (Laval).'
    """
    text = " ".join(text.split())
    return re.split(r"(?<!\bal)(?<!\b[A-Z])\.\s+(?=[A-Z])", text)[0].rstrip(".") + "."


def _scale_text(instrument, name: str) -> str:
    scale = instrument.scale(name)
    rule = {"sum": "sum", "mean": "mean", "mean_of_subscales": "mean of subscale means"}[scale.score]
    reverse = f", {len(scale.reverse)} reversed" if scale.reverse else ""
    return f"`{name}` ({scale.n_items} items, {rule}{reverse})"


def table() -> str:
    lines = ["| id | instrument | items, range | scales (score rule) | missing items | licence |",
             "|---|---|---|---|---|---|"]
    for instrument_id in bundled_ids():
        instrument = load_instrument(instrument_id)
        scales = "; ".join(_scale_text(instrument, name) for name in instrument.scale_names)
        if instrument.recodes:
            scales += "; responses recoded as declared in the file"
        missing = (f"prorate when >= {instrument.min_answered:.0%} answered"
                   if instrument.min_answered > 0 else "mean of answered items")
        lines.append(f"| `{instrument.id}` | {instrument.name} | {instrument.n_items}, "
                     f"{instrument.response_min}-{instrument.response_max} | {scales} | {missing} | "
                     f"{_first_sentence(instrument.licence)} |")
    return "\n".join(lines)


def replace_in(readme: str) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


if __name__ == "__main__":
    if "--write" in sys.argv:
        path = ROOT / "README.md"
        path.write_text(replace_in(path.read_text()))
    else:
        print(table())
