"""Write the three SIMULATED example studies' raw exports under data/raw/ (or --out DIR).

    .venv/bin/python scripts/make_example_data.py [--out DIR]      (or: make example-data)

The output is a pure function of the seeds in wellbeing.simulate (IMP_SEED, TRAINEE_SEED,
PRACTICE_SEED):
running this twice gives byte-identical files, and tests/test_simulate.py checks that the
committed files are exactly what this script writes.

    <out>/imp_feasibility/pre.csv, post.csv, README.md           Qualtrics CSV exports
    <out>/trainee_wellbeing/export.csv, data_dictionary.csv,      REDCap raw export and
                            confidence_care.yaml, README.md       data dictionary
    <out>/mindful_practice/surveys.csv, attendance.csv, README.md  long survey export and a
                                                                   per-participant register
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from wellbeing import exports, simulate  # noqa: E402

IMP_ITEM_LABELS = {"FFMQ": "FFMQ-39", "SCS": "SCS-26", "EQ": "EQ-60", "PSS": "PSS-10",
                   "ProQOL": "ProQOL-5"}
IMP_SURVEYS = {
    # column -> (question text, ImportId) per survey; item blocks are QID<n>_<item>
    "pre": {
        "fields": {
            "participant_code": ("Your personal code: the initials of your first and last "
                                 "name, then your birth day and month (e.g. AB0101)", "QID1_TEXT"),
            "group": ("group", "group"),
            "cohort": ("cohort", "cohort"),
            "age": ("Age in years", "QID2_TEXT"),
            "gender": ("Gender", "QID3_TEXT"),
            "profession": ("Profession", "QID4_TEXT"),
            "Comments": ("Any other comments?", "QID10_TEXT"),
        },
        "blocks": {"FFMQ": 5, "SCS": 6, "EQ": 7, "PSS": 8, "ProQOL": 9},
    },
    "post": {
        "fields": {
            "participant_code": ("Your personal code: the initials of your first and last "
                                 "name, then your birth day and month (e.g. AB0101)", "QID1_TEXT"),
            "group": ("group", "group"),
            "cohort": ("cohort", "cohort"),
            "Practice_min": ("Home practice: on average, how many minutes per week? (course "
                             "participants only)", "QID2_TEXT"),
            "Comments": ("Any other comments?", "QID8_TEXT"),
        },
        "blocks": {"FFMQ": 3, "SCS": 4, "EQ": 5, "PSS": 6, "ProQOL": 7},
    },
}

CONFIDENCE_YAML = """\
# Confidence in giving calm, compassionate care: the trainee_wellbeing example study's own
# 5-item scale (study-specific, not a published instrument). SIMULATED example data; written by
# scripts/make_example_data.py. Scoring key only.
id: confidence_care
name: Confidence in giving calm, compassionate care
citation: >-
  Study-specific scale of the trainee_wellbeing example study (simulated data); not a published
  instrument.
licence: >-
  Written for the example study; free to reuse.
sources:
  - "scripts/make_example_data.py (simulated example study)"
items: 5
response:
  min: 1
  max: 5
  labels:
    1: not at all confident
    2: slightly confident
    3: moderately confident
    4: very confident
    5: extremely confident
missing:
  min_answered: 0.8
  note: >-
    Mean of answered items when at least 4 of the 5 items are answered.
scales:
  total:
    label: Confidence in giving calm, compassionate care
    items: [1, 2, 3, 4, 5]
    reverse: []
    score: mean
"""

TRAINEE_FORMS = [
    # form, prefix, n items, instrument label, choices, matrix group
    ("maas", "maas", 15, "MAAS-15", {1: "Almost always", 2: "Very frequently",
                                     3: "Somewhat frequently", 4: "Somewhat infrequently",
                                     5: "Very infrequently", 6: "Almost never"}),
    ("scs_sf", "scs", 12, "SCS-SF-12", {1: "Almost never", 2: "2", 3: "3", 4: "4",
                                        5: "Almost always"}),
    ("brs", "brs", 6, "BRS", {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree",
                              5: "Strongly agree"}),
    ("pss", "pss", 10, "PSS-10", {0: "Never", 1: "Almost never", 2: "Sometimes",
                                  3: "Fairly often", 4: "Very often"}),
    ("flourishing", "fs", 8, "Flourishing Scale", {
        1: "Strongly disagree", 2: "Disagree", 3: "Slightly disagree",
        4: "Mixed or neither agree nor disagree", 5: "Slightly agree", 6: "Agree",
        7: "Strongly agree"}),
]


def qualtrics_headers(frame, wave: str) -> tuple[dict, dict]:
    """Row-2 question texts and row-3 ImportIds for one imp_feasibility survey."""
    survey = IMP_SURVEYS[wave]
    text, ids = {}, {}
    for column, (question, import_id) in survey["fields"].items():
        text[column], ids[column] = question, import_id
    for column in frame.columns:
        prefix, _, number = column.rpartition("_")
        if prefix in survey["blocks"] and number.isdigit():
            text[column] = f"{IMP_ITEM_LABELS[prefix]} item {number}"
            ids[column] = f"QID{survey['blocks'][prefix]}_{number}"
    return text, ids


def write_imp_feasibility(out: Path) -> simulate.Simulation:
    sim = simulate.simulate_imp_feasibility()
    folder = out / "imp_feasibility"
    for wave in ("pre", "post"):
        frame = sim.frames[wave]
        text, ids = qualtrics_headers(frame, wave)
        exports.write_qualtrics_csv(frame, folder / f"{wave}.csv", text, ids,
                                    trailing_blank_lines=1 if wave == "post" else 0)
    (folder / "README.md").write_bytes(imp_readme(sim).encode("utf-8"))
    return sim


def imp_readme(sim: simulate.Simulation) -> str:
    notes = sim.notes
    alpha = "\n".join(
        f"| {inst}.{scale} | {target:.2f} | {sim.achieved['alpha_pre'][f'{inst}.{scale}']:.3f} |"
        for (inst, scale), target in simulate.IMP_ALPHA_TARGETS.items())
    pes_rows = []
    for (inst, scale), target in {**simulate.IMP_PES_TARGETS,
                                  **simulate.IMP_PES_NULL_TARGETS}.items():
        pes, p = sim.achieved["pes"][f"{inst}.{scale}"]
        published = (f"{abs(target):.3f}, p < .05" if (inst, scale) in simulate.IMP_PES_TARGETS
                     else "not significant")
        pes_rows.append(f"| {inst}.{scale} | {published} | {abs(pes):.3f} | {p:.3f} |")
    pes_table = "\n".join(pes_rows)
    return f"""\
# imp_feasibility: SIMULATED example data

**These data are simulated. No real person is in them.** Names, e-mail addresses (all
@example.org), IP addresses (documentation ranges 192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24), response ids, dates and free-text comments are made up.

Written by `scripts/make_example_data.py` (`make example-data`) with
`wellbeing.simulate.simulate_imp_feasibility(seed={sim.parameters['seed']})`; the script
rewrites these files byte for byte, and `tests/test_simulate.py` checks that it does and that
the statistics below hold when computed from these raw files.

## What it mimics

A feasibility study of a 9-week interpersonal mindfulness training for mental-health
professionals (published figures in the table below): 25 trained participants
(group `imp`, two cohorts of 14 and 11) and 22 controls (group `control`), questionnaires
before (`pre.csv`) and after (`post.csv`) the course: FFMQ-39, SCS-26, EQ (60 items, 40
scored), PSS-10 and ProQOL-5, with age, gender and profession at pre and average minutes of home
practice per week at post. Item responses come from a latent-trait model whose loadings and
group x time effects were calibrated, with the random draws fixed, until the statistics below
matched the published ones (see the module docstring of `wellbeing/simulate.py`).

Cronbach's alpha at pre (items reverse-keyed, EQ recoded to 2/1/0, pairwise-complete):

| scale | published | simulated |
|---|---|---|
{alpha}

Group x time interaction, 2 x 2 mixed ANOVA on complete cases (scores prorated under each
instrument's `min_answered` rule):

| outcome | published partial eta squared | simulated | p |
|---|---|---|---|
{pes_table}

Mean age 51.4 (SD 10.8) trained vs 47.5 (10.4) control; 4 men; home practice is not
significantly correlated (p > .05) with the pre-post change of any scale.

## Layout (Qualtrics CSV export, numeric values)

UTF-8 with BOM, CRLF line ends, every field quoted; three header rows: column ids, question
text, ImportId JSON (read with `skiprows=[1, 2]`). Columns: the 17 Qualtrics metadata columns
(`StartDate` ... `UserLanguage`), then `participant_code` (self-typed code linking the waves),
`group` and `cohort` (embedded data; cohort blank for controls), then `age`, `gender`,
`profession` (pre only) or `Practice_min` (post only; blank for controls), then the items
`FFMQ_1`-`FFMQ_39` (1-5), `SCS_1`-`SCS_26` (1-5), `EQ_1`-`EQ_60` (1-4, 1 = strongly agree),
`PSS_1`-`PSS_10` (0-4), `ProQOL_1`-`ProQOL_30` (1-5), and a free-text `Comments` column, which
must never reach results. No item wording is included: question texts are neutral labels such
as "FFMQ-39 item 1".

## Deliberate messiness

- About 1% of item cells are blank ({notes['missing_item_cells']['pre']} at pre, \
{notes['missing_item_cells']['post']} at post), at most one per scale and response, so every \
scale still passes its instrument's `min_answered` rule; the one exception: participant \
`{notes['pss_items_skipped']['participant_code']}` left \
{', '.join(notes['pss_items_skipped']['columns'])} blank at post (7 of 10 answered, so the \
PSS score fails the 80% rule and is missing).
- Participant `{notes['opened_post_twice']}` opened the post survey twice: an earlier row \
with `Finished` 0 and `Progress` 40, only FFMQ and SCS filled, the same `participant_code`; \
the complete response is the later row.
- Control participant `{notes['no_post_row']}` has no post row at all.
- An out-of-range typo: `{notes['typo']['column']}` = {notes['typo']['value']} for \
participant `{notes['typo']['participant_code']}` at post (valid range 1-5).
- `post.csv` ends with a blank line.

The published statistics above are reproduced after the obvious cleaning: the out-of-range
value set missing and the unfinished attempt dropped.
"""


def dictionary_fields() -> list[dict]:
    fields = [
        {"field_name": "record_id", "form_name": "demographics", "field_type": "text",
         "field_label": "Record ID"},
        {"field_name": "first_name", "form_name": "demographics", "field_type": "text",
         "field_label": "First name", "identifier": "y"},
        {"field_name": "last_name", "form_name": "demographics", "field_type": "text",
         "field_label": "Last name", "identifier": "y"},
        {"field_name": "email", "form_name": "demographics", "field_type": "text",
         "field_label": "E-mail address", "validation": "email", "identifier": "y"},
        {"field_name": "age", "form_name": "demographics", "field_type": "text",
         "field_label": "Age (years)", "validation": "integer", "validation_min": 18,
         "validation_max": 80, "required": "y"},
        {"field_name": "gender", "form_name": "demographics", "field_type": "radio",
         "field_label": "Gender", "choices": {1: "Female", 2: "Male",
                                              3: "Non-binary or prefer to self-describe"}},
        {"field_name": "training_year", "form_name": "demographics", "field_type": "radio",
         "field_label": "Stage of training", "choices": {
             1: "Foundation year 1", 2: "Foundation year 2", 3: "Core or specialty year 1",
             4: "Core or specialty year 2", 5: "Specialty year 3 or later"}},
    ]
    for form, prefix, n_items, label, choices in TRAINEE_FORMS:
        for j in range(1, n_items + 1):
            fields.append({
                "field_name": f"{prefix}_{j}", "form_name": form,
                "section_header": (f"{label} (item wording not reproduced in this simulated "
                                   "example)") if j == 1 else "",
                "field_type": "radio", "field_label": f"{label} item {j}", "choices": choices,
                "required": "y", "matrix_group_name": f"{prefix}_matrix"})
    fields.append({"field_name": "mh_rating", "form_name": "mental_health",
                   "field_type": "radio", "field_label": "Self-rated mental health",
                   "choices": {1: "Poor", 2: "Fair", 3: "Good", 4: "Very good", 5: "Excellent"},
                   "required": "y"})
    confidence = simulate.confidence_care_definition()
    conf_choices = {k: v[0].upper() + v[1:] for k, v in confidence["response"]["labels"].items()}
    for j in range(1, 6):
        fields.append({
            "field_name": f"conf_{j}", "form_name": "confidence",
            "section_header": ("Confidence in giving calm, compassionate care (study-specific "
                               "scale; item wording not reproduced)") if j == 1 else "",
            "field_type": "radio", "field_label": f"Confidence in care item {j}",
            "choices": conf_choices, "required": "y", "matrix_group_name": "conf_matrix"})
    fields.append({"field_name": "comments", "form_name": "feedback", "field_type": "notes",
                   "field_label": "Any other comments?"})
    return fields


def write_trainee_wellbeing(out: Path) -> simulate.Simulation:
    sim = simulate.simulate_trainee_wellbeing()
    folder = out / "trainee_wellbeing"
    exports.write_redcap_csv(sim.frames["export"], folder / "export.csv")
    exports.write_redcap_dictionary(dictionary_fields(), folder / "data_dictionary.csv")
    (folder / "confidence_care.yaml").write_bytes(CONFIDENCE_YAML.encode("utf-8"))
    (folder / "README.md").write_bytes(trainee_readme(sim).encode("utf-8"))
    return sim


def write_mindful_practice(out: Path) -> simulate.Simulation:
    sim = simulate.simulate_mindful_practice()
    folder = out / "mindful_practice"
    exports.write_plain_csv(sim.frames["surveys"], folder / "surveys.csv")
    exports.write_plain_csv(sim.frames["attendance"], folder / "attendance.csv")
    (folder / "README.md").write_bytes(practice_readme(sim).encode("utf-8"))
    return sim


def practice_readme(sim: simulate.Simulation) -> str:
    p = sim.parameters
    change = "; ".join(f"{wave}: stress {c[0]:+.2f}, self-compassion {c[1]:+.2f}, mindfulness {c[2]:+.2f}"
                       for wave, c in p["change"].items())
    return f"""\
# mindful_practice: SIMULATED example data

**These data are simulated. No real person is in them.** The participant codes are made up.

Written by `scripts/make_example_data.py` (`make example-data`) with
`wellbeing.simulate.simulate_mindful_practice(seed={p['seed']})`; the script rewrites these files
byte for byte, and `tests/test_simulate.py` checks that it does.

## What it mimics

The most common evaluation of a clinician-wellbeing programme: a single arm (no comparison
group) of {p['n']} primary-care clinicians answering before (T0), right after (T1) and three
months after (T2) an 8-week mindfulness course, in the manner of the Mindful Practice in Medicine
evaluations (Krasner et al., 2009, JAMA 302(12), 1284-1293). Perceived stress (PSS-10),
self-compassion (SCS-SF) and mindfulness (FFMQ-15). Latent traits are standard normal at T0 with
correlations stress / self-compassion -.55, stress / mindfulness -.45, self-compassion /
mindfulness .50; at a later wave each is {p['retest']} x its T0 value plus noise plus the mean
change (latent SD units) {change}. Items are generated through the bundled scoring keys.
{p['lost']['T1']} participants did not answer at T1, {p['lost']['T2']} not at T2 (lost to
follow-up); about 1% of item cells are blank. These are simulation settings, not published
results.

## Layout

`surveys.csv`: a long export, one row per participant and wave answered: `code`, `visit`
(T0, T1, T2), `PSS_1`-`PSS_10` (0-4), `SCSSF_1`-`SCSSF_12` (1-5), `FFMQ_1`-`FFMQ_15` (1-5);
plain CSV, UTF-8. `attendance.csv`: the course register, one row per participant: `code`,
`sessions` (of {simulate.PRACTICE_SESSIONS}) and `role`, read as a per-participant source (its
columns hold at every wave). No item wording is included.
"""


def trainee_readme(sim: simulate.Simulation) -> str:
    rows = []
    for (a, b), target in simulate.TRAINEE_TARGETS.items():
        r, p = sim.achieved["pearson"][f"{a}~{b}"]
        rows.append(f"| {a} | {b} | {target:+.2f} | {r:+.3f} | {p:.4f} |")
    table = "\n".join(rows)
    return f"""\
# trainee_wellbeing: SIMULATED example data

**These data are simulated. No real person is in them.** Names, e-mail addresses (all
@example.org) and comments are made up.

Written by `scripts/make_example_data.py` (`make example-data`) with
`wellbeing.simulate.simulate_trainee_wellbeing(seed={sim.parameters['seed']})`; the script
rewrites these files byte for byte, and `tests/test_simulate.py` checks that it does and that
the correlations below hold when computed from `export.csv`.

## What it mimics

A cross-sectional survey of 12 medical trainees (mean age 27.6, published; integer ages summing
to 331 give 27.58, the closest possible; published figures below): mindfulness (MAAS-15), \
self-compassion (SCS-SF-12), resilience (BRS),
perceived stress (PSS-10), flourishing (Flourishing Scale), a single mental-health rating and
the study's own 5-item "confidence in giving calm, compassionate care" scale
(`confidence_care.yaml`, same format as the bundled instrument definitions; total = mean).
Scores come from a latent model with the target correlation matrix; item responses were then
nudged one step at a time by a seeded hill climb until every correlation between the scores was
within 0.01 of its target. Published: mindfulness and self-compassion correlate with
confidence r = .91 and .81 and with resilience (p < .01); resilience with mental health
r = .83; perceived stress negatively with every measure, r from -.62 (flourishing) to -.92
(confidence), p < .05. The other pairs are plausible choices.

| score | score | target r | simulated r | p |
|---|---|---|---|---|
{table}

## Layout (REDCap "CSV (raw data)" export, one event)

Plain CSV (UTF-8, no BOM, `\\n` line ends, coded values). Columns: `record_id` (1-12),
`redcap_event_name` (`baseline_arm_1`), `redcap_repeat_instrument`, `redcap_repeat_instance`
(blank); form demographics: `first_name`, `last_name`, `email` (identifiers), `age`,
`gender` (1 female, 2 male, 3 non-binary/self-describe), `training_year` (1-5),
`demographics_complete`; then `maas_1`-`maas_15` (1 almost always ... 6 almost never),
`maas_complete`; `scs_1`-`scs_12` (1-5), `scs_sf_complete`; `brs_1`-`brs_6` (1-5),
`brs_complete`; `pss_1`-`pss_10` (0-4), `pss_complete`; `fs_1`-`fs_8` (1-7),
`flourishing_complete`; `mh_rating` (1 poor ... 5 excellent), `mental_health_complete`;
`conf_1`-`conf_5` (1-5), `confidence_complete`; `comments` (free text, must never reach
results), `feedback_complete`. Every `*_complete` is 2 (complete). `data_dictionary.csv` is
REDCap's data dictionary: identifiers flagged `y`, radio fields with their choices, age
validated as an integer from 18 to 80. No item wording is included.

## Deliberate messiness

Identifying columns (`first_name`, `last_name`, `email`) that must be dropped, a free-text
`comments` column, and REDCap's own bookkeeping columns. No missing items.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "data" / "raw"),
                        help="folder to write the studies into (default: data/raw)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    imp = write_imp_feasibility(out)
    trainee = write_trainee_wellbeing(out)
    practice = write_mindful_practice(out)
    print(f"wrote {out / 'imp_feasibility'} (seed {imp.parameters['seed']}), "
          f"{out / 'trainee_wellbeing'} (seed {trainee.parameters['seed']}) and "
          f"{out / 'mindful_practice'} (seed {practice.parameters['seed']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
