"""The study's design as every stage reads it: which groups, further factors and populations
an analysis has, and which effect its question is about.

Light on purpose (pandas, no scipy): figures, tables and notebooks ask these questions without
loading the statistics.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

#: The group of every participant of a single-arm study (design: repeated) in anova/ tables.
SINGLE_ARM = "all"


#: The population of everyone analysable, beside the study's named ``populations``.
ALL_POPULATION = "all"


def has_group_factor(study: Mapping) -> bool:
    """Whether the group column is a factor of the analysis (mixed and between designs)."""
    return study.get("design", "mixed") in ("mixed", "between")


def analysed_groups(study: Mapping) -> list[str]:
    """The groups the anova/ tables hold: the study's groups, or the single arm's one
    (:data:`SINGLE_ARM`) where the group is no factor (``design: repeated``).

    >>> analysed_groups({"design": "repeated"}), analysed_groups({"design": "mixed", "groups": ["c", "t"]})
    (['all'], ['c', 't'])
    """
    if not has_group_factor(study):
        return [SINGLE_ARM]
    return [str(g) for g in study.get("groups") or []]


def level_text(value) -> str:
    """A factor level as text, as the config and the export may write it: a code read as
    2.0 is the level 2.

    >>> level_text(2.0), level_text(2), level_text("f"), level_text(" f ")
    ('2', '2', 'f', 'f')
    """
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def further_factors(study: Mapping) -> dict[str, list[str]]:
    """The further between factors (``factors``): name -> levels as text, in config order."""
    return {factor.get("name") or factor["column"]: [level_text(v) for v in factor["levels"]]
            for factor in study.get("factors") or []}


def between_factors(study: Mapping) -> dict[str, list[str]]:
    """Every between factor of the ANOVA, in effect-name order: ``group`` (mixed and between
    designs), then the further factors.

    >>> between_factors({"design": "between", "groups": ["c", "t"],
    ...                  "factors": [{"column": "Sex", "name": "sex", "levels": [1, 2]}]})
    {'group': ['c', 't'], 'sex': ['1', '2']}
    """
    factors = {"group": analysed_groups(study)} if has_group_factor(study) else {}
    return {**factors, **further_factors(study)}


def primary_effect(study: Mapping) -> str:
    """The effect a study's question is about: the change over time in a single arm
    (``time``), the difference in change between groups in a mixed design (``group:time``), the
    difference between groups at one wave (``group``; without a group, the first factor).
    Marked ``primary`` in anova/anova.csv, so tables, figures and notebooks read it from there.

    >>> primary_effect({"design": "repeated"}), primary_effect({"design": "mixed"})
    ('time', 'group:time')
    >>> primary_effect({"design": "between"})
    'group'
    """
    design = study.get("design", "mixed")
    if design == "repeated":
        return "time"
    if design == "mixed":
        return "group:time"
    return next(iter(between_factors(study)), "group")


def analysed_populations(study: Mapping, analysis: str = "anova") -> list[str]:
    """The populations an analysis reports, in order (default: everyone, :data:`ALL_POPULATION`).

    >>> analysed_populations({"analyses": {"anova": {"populations": ["all", "per_protocol"]}}})
    ['all', 'per_protocol']
    """
    return list((study.get("analyses", {}).get(analysis) or {}).get("populations")
                or [ALL_POPULATION])


def main_population(table: pd.DataFrame, study: Mapping, analysis: str = "anova") -> pd.DataFrame:
    """The rows of an anova/ or ancova/ table for the first population the analysis lists,
    the one tables and figures show (a table without a population column is returned as is)."""
    if "population" not in table.columns:
        return table
    return table[table["population"].astype(str) == analysed_populations(study, analysis)[0]]


def ancova_settings(study: Mapping) -> dict:
    """``analyses.ancova`` with its defaults: baseline the first wave, outcome_wave the last."""
    settings = dict(study.get("analyses", {}).get("ancova") or {})
    waves = [str(w) for w in study["waves"]]
    settings.setdefault("baseline", waves[0])
    settings.setdefault("outcome_wave", waves[-1])
    settings.setdefault("covariates", [])
    settings.setdefault("p_adjust", "holm")
    settings.setdefault("ci_level", 0.9)
    return settings
