"""Reliable change: how many participants changed by more than measurement error alone explains.

Jacobson & Truax (1991): for a participant scored at the first and the last wave,

    RCI = (x_last - x_first) / SE_diff,    SE_diff = sqrt(2) * SD_first * sqrt(1 - r),

with SD_first the standard deviation at the first wave of everyone scored there and r the
scale's reliability (its Cronbach's alpha at the first wave by default, or a published value).
|RCI| > 1.96 is a reliable change (p < .05 under no true change); a change in the direction the
scale declares better (``better: higher | lower`` in its instrument definition, or a measure's
``better``) is *improved*, the other way *deteriorated*; without a direction, *increased* and
*decreased* are counted in the same columns and ``better`` is blank. Between groups, the share
improved is compared by Fisher's exact test (two groups) or Pearson's chi-squared test.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from .errors import UserError

#: z beyond which a change is reliable (two-sided .05).
CRITERION_Z = 1.959963984540054

#: Columns of ``change/reliable_change.csv``, in order.
SUMMARY_COLUMNS = ["outcome", "group", "n", "improved", "unchanged", "deteriorated", "better",
                   "reliability", "reliability_source", "sd_baseline", "n_baseline", "se_difference",
                   "criterion", "baseline_wave", "last_wave", "test", "statistic", "df", "p", "note"]
#: Columns of ``change/reliable_change_participants.csv``, in order.
PARTICIPANT_COLUMNS = ["outcome", "participant", "group", "baseline", "last", "change", "rci", "category"]


def direction_of(variable: str, study: Mapping, instruments: Mapping) -> str:
    """``higher``, ``lower`` or "" : which way the variable is better, from its instrument
    definition or its measure entry.

    >>> from wellbeing.instruments import load_instrument
    >>> direction_of("pss10.total", {}, {"pss10": load_instrument("pss10")})
    'lower'
    >>> direction_of("sessions", {"measures": [{"name": "sessions", "better": "higher"}]}, {})
    'higher'
    """
    instrument_id, _, scale = variable.partition(".")
    instrument = instruments.get(instrument_id)
    if scale and instrument is not None and scale in instrument.scales:
        return instrument.scale(scale).better
    for measure in study.get("measures") or []:
        if measure["name"] == variable:
            return measure.get("better", "")
    return ""


def classify(change: np.ndarray, se_difference: float, better: str) -> np.ndarray:
    """Each change as ``improved``, ``unchanged`` or ``deteriorated`` (``increased`` /
    ``decreased`` when no direction is declared).

    >>> classify(np.array([6.0, -1.0, -7.0]), 3.0, "lower").tolist()
    ['deteriorated', 'unchanged', 'improved']
    >>> classify(np.array([6.0]), 3.0, "").tolist()
    ['increased']
    """
    rci = change / se_difference
    up, down = ("improved", "deteriorated") if better != "lower" else ("deteriorated", "improved")
    if not better:
        up, down = "increased", "decreased"
    return np.where(rci > CRITERION_Z, up, np.where(rci < -CRITERION_Z, down, "unchanged"))


def _share_test(counts: np.ndarray) -> tuple[str, float, float, float]:
    """Improved vs not, across groups: Fisher's exact (2 x 2) or Pearson's chi-squared."""
    if counts.shape[0] < 2 or (counts.sum(axis=0) == 0).any() or (counts.sum(axis=1) == 0).any():
        return "", math.nan, math.nan, math.nan
    if counts.shape == (2, 2):
        return "Fisher exact", math.nan, math.nan, float(stats.fisher_exact(counts)[1])
    chi2, p, dof, _ = stats.chi2_contingency(counts, correction=False)
    return "Pearson chi-squared", float(chi2), float(dof), float(p)


def for_study(scores_wide: pd.DataFrame, reliability: pd.DataFrame | None, study: Mapping,
              instruments: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reliable change of every configured outcome, first wave to last.

    Parameters
    ----------
    scores_wide : DataFrame
        ``scores/scores_wide.csv``.
    reliability : DataFrame or None
        ``reliability/reliability.csv``, for ``reliability: baseline_alpha``.
    study : mapping
        The validated study config (``analyses.reliable_change``).
    instruments : mapping
        The study's instrument definitions by id (for each scale's ``better``).

    Returns
    -------
    summary : DataFrame
        :data:`SUMMARY_COLUMNS`: per outcome one row per group and one for ``all``, the counts,
        the reliability used, SD at the first wave (``n_baseline`` scored there), SE of the
        difference, ``criterion`` (the smallest reliable change, 1.96 SE) and, on the ``all``
        row, the test of the improved share between groups.
    participants : DataFrame
        :data:`PARTICIPANT_COLUMNS`: each participant scored at both waves, their change, RCI and
        category.
    """
    settings = study["analyses"]["reliable_change"]
    waves = [str(w) for w in study["waves"]]
    first, last = waves[0], waves[-1]
    from .design import analysed_groups

    groups = analysed_groups(study)
    single_arm = groups == ["all"]
    data = scores_wide.assign(participant=scores_wide["participant"].astype(str),
                              wave=scores_wide["wave"].astype(str))
    group_of = (data.dropna(subset=["group"]).drop_duplicates("participant").set_index("participant")["group"]
                .astype(str).to_dict()) if not single_arm else {}
    summary_rows, participant_rows = [], []
    for outcome in settings["outcomes"]:
        if outcome not in data.columns:
            raise UserError(f"analyses.reliable_change: '{outcome}' is not in scores/scores_wide.csv")
        better = direction_of(outcome, study, instruments)
        at = data.pivot(index="participant", columns="wave", values=outcome).reindex(columns=waves)
        baseline = at[first].dropna()
        sd, n_baseline = (float(baseline.std(ddof=1)) if len(baseline) > 1 else math.nan), len(baseline)
        note = ""
        if settings["reliability"] == "baseline_alpha":
            instrument_id, _, scale = outcome.partition(".")
            rows = reliability[(reliability["instrument"] == instrument_id) & (reliability["scale"] == scale)
                               & (reliability["wave"].astype(str) == first)] if reliability is not None else []
            r = float(rows["alpha"].iloc[0]) if len(rows) else math.nan
            source = f"Cronbach's alpha at {first}"
        else:
            r, source = float(settings["reliability"]), "given in the config"
        se = math.sqrt(2) * sd * math.sqrt(1 - r) if np.isfinite(r) and r < 1 and np.isfinite(sd) else math.nan
        if not np.isfinite(se) or se == 0:
            note = ("not computed: " + ("the reliability is not defined" if not np.isfinite(r) or r >= 1
                                        else "no variance at the first wave"))
        both = at[[first, last]].dropna()
        change = (both[last] - both[first]).to_numpy(float)
        members = [group_of.get(p, "") if not single_arm else "all" for p in both.index]
        categories = classify(change, se, better) if not note else np.full(len(change), "", dtype=object)
        for participant, group, pre, post, diff, category in zip(
                both.index, members, both[first], both[last], change, categories):
            if group not in groups:
                continue
            participant_rows.append({"outcome": outcome, "participant": participant, "group": group,
                                     "baseline": pre, "last": post, "change": diff,
                                     "rci": diff / se if not note else math.nan, "category": category})
        up = "improved" if better else "increased"
        down = "deteriorated" if better else "decreased"
        counts = []
        common = {"better": better, "reliability": r, "reliability_source": source, "sd_baseline": sd,
                  "n_baseline": n_baseline, "se_difference": se, "criterion": CRITERION_Z * se,
                  "baseline_wave": first, "last_wave": last, "note": note}
        members_array = np.array(members, dtype=object)
        for group in groups + ([] if single_arm else ["all"]):
            mask = np.isin(members_array, groups) if group == "all" else members_array == group
            chosen = categories[mask]
            row = {"outcome": outcome, "group": group, "n": int(mask.sum()),
                   "improved": int((chosen == up).sum()), "unchanged": int((chosen == "unchanged").sum()),
                   "deteriorated": int((chosen == down).sum()), **common}
            if note:
                row.update(improved=math.nan, unchanged=math.nan, deteriorated=math.nan)
            if group != "all":
                counts.append([row["improved"], row["n"] - row["improved"]] if not note else [0, 0])
            summary_rows.append(row)
        if not single_arm and not note:
            test, statistic, df, p = _share_test(np.array(counts, dtype=float))
            summary_rows[-1].update(test=test, statistic=statistic, df=df, p=p)
    summary = pd.DataFrame(summary_rows).reindex(columns=SUMMARY_COLUMNS)
    participants = pd.DataFrame(participant_rows).reindex(columns=PARTICIPANT_COLUMNS)
    return summary, participants
