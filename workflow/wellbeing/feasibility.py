"""Feasibility: could the programme be delivered and the study run? Retention, questionnaire
completion and adherence, per group and wave, from the validated responses and scores.

* ``retention``: participants who responded at each wave, of those who responded at any wave
  (enrolled in the data), per group.
* ``items answered``: per instrument and wave, the share of item answers given by those who
  responded at that wave (every item of the instrument counts once per responder).
* ``scores computed``: per instrument and wave, the share of scale scores computed (complete or
  prorated under the instrument's missing-item rule) of those expected (scales x responders).
* ``adherence``: per measure in ``analyses.feasibility.adherence`` (sessions attended, minutes of
  practice) n, mean, SD, median and range; once per participant when the measure holds one value
  per participant (an attendance register), else per wave.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd

#: Columns of ``participants/feasibility.csv``, in order.
COLUMNS = ["section", "variable", "label", "group", "wave", "n", "of", "percent", "mean", "sd", "median", "min",
           "max", "note"]


def _group_rows(data: pd.DataFrame, groups: list[str], single_arm: bool):
    """(group, mask) for each group and for everyone."""
    yield from ((group, (data["group"].astype(str) == group).to_numpy()) for group in ([] if single_arm else groups))
    yield "all", np.ones(len(data), dtype=bool)


def _percent(n: float, of: float) -> float:
    return 100.0 * n / of if of else math.nan


def for_study(responses: pd.DataFrame, scores: pd.DataFrame, scores_wide: pd.DataFrame, study: Mapping,
              instruments: Mapping) -> pd.DataFrame:
    """The feasibility table of one study (see the module docstring).

    Parameters
    ----------
    responses : DataFrame
        ``ingest/responses.csv`` (participant, wave, group, the item columns).
    scores : DataFrame
        ``scores/scores.csv`` (one row per participant, wave and scale, with its ``rule``).
    scores_wide : DataFrame
        ``scores/scores_wide.csv``, for the adherence measures.
    study : mapping
        The validated study config (``analyses.feasibility``).
    instruments : mapping
        The study's instrument definitions by id, in the order the study lists them
        (:func:`wellbeing.tables.study_instruments_by_id`).

    Returns
    -------
    DataFrame
        :data:`COLUMNS`; ``variable`` is the instrument id or measure name, ``label`` how readers
        know it (the instrument's name, the measure's label); ``n`` of ``of`` is ``percent``; the
        adherence rows fill the summaries too.
    """
    from .design import analysed_groups

    waves = [str(w) for w in study["waves"]]
    groups = analysed_groups(study)
    single_arm = groups == ["all"] or not study.get("groups")
    data = responses.assign(participant=responses["participant"].astype(str), wave=responses["wave"].astype(str),
                            group=responses["group"].fillna("").astype(str) if "group" in responses else "")
    labels = {m["name"]: m.get("label") or m["name"] for m in study.get("measures") or []}
    rows = []
    enrolled = data.drop_duplicates("participant")
    for group, mask in _group_rows(enrolled, groups, single_arm):
        people = set(enrolled.loc[mask, "participant"])
        for wave in waves:
            responded = data[(data["wave"] == wave) & data["participant"].isin(people)]["participant"].nunique()
            rows.append({"section": "retention", "variable": "responded", "label": "responded", "group": group,
                         "wave": wave,
                         "n": responded, "of": len(people), "percent": _percent(responded, len(people))})
    scored = scores.assign(participant=scores["participant"].astype(str), wave=scores["wave"].astype(str),
                           group=scores["group"].fillna("").astype(str))
    # the definitions come in the order the study lists its instruments (study_instruments_by_id)
    for use, instrument in zip(study.get("instruments") or [], instruments.values()):
        columns = [c for c in instrument.item_columns(use["items"]) if c in data.columns]
        for wave in waves:
            at = data[data["wave"] == wave]
            for group, mask in _group_rows(at, groups, single_arm):
                answers = at.loc[mask, columns]
                given = int(answers.notna().to_numpy().sum())
                expected = int(mask.sum()) * instrument.n_items
                rows.append({"section": "items answered", "variable": instrument.id, "label": instrument.name,
                             "group": group,
                             "wave": wave, "n": given, "of": expected, "percent": _percent(given, expected),
                             "note": "" if len(columns) == instrument.n_items else
                             f"{instrument.n_items - len(columns)} item columns not in the export"})
            mine = scored[(scored["wave"] == wave) & (scored["instrument"] == instrument.id)]
            for group, mask in _group_rows(mine, groups, single_arm):
                chosen = mine[mask]
                computed = int(chosen["score"].notna().sum())
                rows.append({"section": "scores computed", "variable": instrument.id, "label": instrument.name,
                             "group": group,
                             "wave": wave, "n": computed, "of": len(chosen),
                             "percent": _percent(computed, len(chosen))})
    wide = scores_wide.assign(participant=scores_wide["participant"].astype(str),
                              wave=scores_wide["wave"].astype(str),
                              group=scores_wide["group"].fillna("").astype(str))
    for measure in (study.get("analyses", {}).get("feasibility") or {}).get("adherence", []):
        values = wide[["participant", "wave", "group", measure]].dropna(subset=[measure])
        per_person = values.groupby("participant")[measure].nunique().le(1).all()
        blocks = ([("", values.drop_duplicates("participant"))] if per_person
                  else [(wave, values[values["wave"] == wave]) for wave in waves])
        for wave, block in blocks:
            for group, mask in _group_rows(block, groups, single_arm):
                numbers = block.loc[mask, measure].to_numpy(float)
                people = (wide["group"] == group) if group != "all" else np.ones(len(wide), dtype=bool)
                if wave:
                    people &= (wide["wave"] == wave).to_numpy()
                total = wide.loc[people, "participant"].nunique()
                rows.append({"section": "adherence", "variable": measure, "label": labels.get(measure, measure),
                             "group": group, "wave": wave,
                             "n": len(numbers), "of": total, "percent": _percent(len(numbers), total),
                             "mean": numbers.mean() if len(numbers) else math.nan,
                             "sd": numbers.std(ddof=1) if len(numbers) > 1 else math.nan,
                             "median": float(np.median(numbers)) if len(numbers) else math.nan,
                             "min": numbers.min() if len(numbers) else math.nan,
                             "max": numbers.max() if len(numbers) else math.nan,
                             "note": "" if wave else "one value per participant"})
    return pd.DataFrame(rows).reindex(columns=COLUMNS)

