"""Refresh the documentation that is generated (`make docs`, after `make run`).

    .venv/bin/python scripts/update_docs.py [--instruments-only]

* docs/instruments.md is written from the bundled definitions, workflow/instruments/*.yaml
  (tests/test_docs.py checks that it is current);
* README's example results are refreshed from a build: the panel figure of imp_feasibility's
  ANOVA is copied to docs/ and its main table pasted between the example-table markers
  (skipped with --instruments-only, which needs no build).
"""

import math
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

START, END = "<!-- example-table:start -->", "<!-- example-table:end -->"
INSTRUMENTS_DOC = ROOT / "docs" / "instruments.md"

SCORE_RULES = {
    "sum": "sum (prorated: mean of the answered items x number of items)",
    "mean": "mean of the answered items",
    "mean_of_subscales": "mean of the subscale means",
}


def _numbers(items) -> str:
    return ", ".join(str(item) for item in items) if items else "none"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _needed(n_items: int, share: float) -> int:
    """Least number of answered items for a score (as wellbeing.score): ceil(share * n), at least 1."""
    return max(1, math.ceil(share * n_items - 1e-9))


def _instrument_section(instrument) -> list[str]:
    path = f"workflow/instruments/{instrument.id}.yaml"
    labels = dict(instrument.labels)
    codes = ", ".join(f"{code} {labels[code]}" if code in labels else str(code)
                      for code in instrument.response_values)
    share = instrument.min_answered
    if share > 0:
        missing = (f"a scale is scored when at least {share:.0%} of its items are answered "
                   "(a sum is prorated); otherwise its score is missing")
    else:
        missing = "a scale is scored from any answered item (mean of the answered items)"
    lines = [f"## `{instrument.id}`", "", f"**{instrument.name}**. Definition: [`{path}`](../{path})", "",
             f"- Items: {instrument.n_items}; answers coded {instrument.response_min} to "
             f"{instrument.response_max} ({codes}).",
             f"- Missing items: {missing}."]
    if instrument.missing_note:
        lines.append(f"  {_one_line(instrument.missing_note)}")
    for recode in instrument.recodes:
        mapping = ", ".join(f"{code} -> {value:g}" for code, value in recode.as_dict().items())
        lines.append(f"- Recoded before scoring, {_one_line(recode.note)}: items "
                     f"{_numbers(recode.items)}; codes {mapping}.")
    if instrument.filler_items:
        lines.append(f"- Items in no scale (never scored): {_numbers(instrument.filler_items)}.")
    if instrument.note:
        lines.append(f"- Note: {_one_line(instrument.note)}")
    lines += ["", "| scale | label | items | reversed | score | needs answered | better |",
              "|---|---|---|---|---|---|---|"]
    for scale in instrument.scale_list:
        rule = SCORE_RULES[scale.score]
        if scale.subscales:
            rule += f" ({', '.join(scale.subscales)})"
        needs = ("each subscale's share" if scale.subscales
                 else f"{_needed(scale.n_items, share)} of {scale.n_items}")
        lines.append(f"| `{scale.name}` | {scale.label or scale.name} | {_numbers(scale.items)} | "
                     f"{_numbers(scale.reverse)} | {rule} | {needs} | {scale.better or ''} |")
    lines += ["", f"Citation: {_one_line(instrument.citation)}", ""]
    if instrument.sources:
        lines += ["Sources the key was checked against:", ""]
        lines += [f"- {_one_line(source)}" for source in instrument.sources]
        lines.append("")
    lines += [f"Licence: {_one_line(instrument.licence)}", ""]
    return lines


def instruments_markdown() -> str:
    """docs/instruments.md: every bundled instrument, from its definition file."""
    from wellbeing.instruments import bundled_ids, load_instrument

    instruments = [load_instrument(instrument_id) for instrument_id in bundled_ids()]
    lines = [
        "# Bundled instruments",
        "",
        "<!-- Written by scripts/update_docs.py from workflow/instruments/*.yaml; do not edit by",
        "     hand: tests/test_docs.py checks that this file is what the definitions say. -->",
        "",
        "Every questionnaire the pipeline scores without a study-specific file. Each definition",
        "in `workflow/instruments/` holds the scoring key only, never item wording, and names the",
        "publication it follows, the public sources its key was checked against and the terms of",
        "use. A study names an instrument by its id (`instruments: [{instrument: pss10, items:",
        "\"PSS_{n}\"}]`) or brings its own file of the same shape (validated by",
        "`workflow/schemas/instrument.schema.yaml`).",
        "",
        "How a scale is scored (`wellbeing.score`): answers are first recoded where the file",
        "declares a map (the Empathy Quotient's points), then the scale's reverse-keyed items",
        "become min + max - x, then the items are combined by the scale's rule. A sum with",
        "missing items is the mean of the answered items times the number of items (prorating),",
        "when enough items are answered; otherwise the score is missing. Every score records how",
        "many items were answered and the rule applied (`scores/scores.csv`, column `rule`).",
        "Reverse keys are per scale: the SCS reports its negative subscales unreversed and",
        "reverses their items inside the total.",
        "",
        "| id | instrument | items | answers | scales |",
        "|---|---|---|---|---|",
    ]
    for instrument in instruments:
        lines.append(f"| [`{instrument.id}`](#{instrument.id}) | {instrument.name} | "
                     f"{instrument.n_items} | {instrument.response_min}-{instrument.response_max} | "
                     f"{', '.join(instrument.scale_names)} |")
    lines.append("")
    for instrument in instruments:
        lines += _instrument_section(instrument)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_instruments() -> None:
    INSTRUMENTS_DOC.write_text(instruments_markdown(), encoding="utf-8")


def refresh_example() -> None:
    results = ROOT / "results" / "imp_feasibility"
    shutil.copyfile(results / "figures" / "anova_panel.png", ROOT / "docs" / "imp_feasibility_anova_panel.png")
    table = (results / "tables" / "anova.md").read_text(encoding="utf-8").strip()
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{table}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    write_instruments()
    if "--instruments-only" not in sys.argv:
        refresh_example()


if __name__ == "__main__":
    main()
