"""Baseline-adjusted comparison of the groups at one wave (ANCOVA), as R's car::Anova and emmeans.

For every outcome of a study with groups measured at baseline and later (``analyses.ancova``),
the score at ``outcome_wave`` is regressed on its own ``baseline`` score, any further
``covariates`` (at the baseline wave) and the full factorial of the between factors (``group``
and the study's ``factors``), coded sum-to-zero. Vickers & Altman (2001) recommend this analysis
for two-arm pre/post trials: it has more power than comparing change scores and, unlike them,
is not biased by baseline imbalance.

- **the ANCOVA table** (:func:`ancova`): Type III sums of squares of every term (``baseline``,
  covariates, ``group``, factors and their interactions), ``SS = (L b)' (L (X'X)^-1 L')^-1 (L b)``
  with ``L`` selecting the term's columns, as ``car::Anova(lm(...), type = 3)`` with
  ``contr.sum``; partial eta squared ``SS / (SS + SS_error)`` with the noncentral-F interval of
  :func:`wellbeing.anova.pes_ci`;
- **adjusted means** as ``emmeans::emmeans(fit, "group")``: the model's prediction for each group
  with the baseline and covariates at their means over the analysed sample, averaged over the
  further factors' levels with equal weights; standard error from the coefficients' covariance,
  t interval on the residual df;
- **contrasts** of each group with the reference (``emmeans::contrast(..., "trt.vs.ctrl",
  adjust = "none")``): estimate, SE, df, t, p and interval;
- **assumptions**, reported, never used to gate: homogeneity of regression slopes (the F test of
  adding ``baseline x group``), Levene's test of the residuals across the cells (both centres)
  and Shapiro-Wilk of the residuals;
- **the ledger**: every participant, per outcome and population, included or excluded and why.

References
----------
Vickers, A. J. & Altman, D. G. (2001). Analysing controlled trials with baseline and follow up
measurements. BMJ, 323, 1123-1124.
Lenth, R. V. (2023). emmeans: Estimated Marginal Means, R package 1.8.
Fox, J. & Weisberg, S. (2019). An R Companion to Applied Regression, 3rd ed. (car::Anova).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import anova as anova_stage
from .adjust import p_adjust
from .design import ancova_settings as settings_of  # this stage's name for it
from .errors import UserError
from .io import read_columns

#: Columns of ``ancova/ancova.csv`` (one row per outcome x population x term).
ANCOVA_COLUMNS = ["outcome", "population", "term", "df1", "df2", "SS", "MS", "SS_error", "F", "p",
                  "p_adjusted", "p_adjust", "pes", "pes_ci_low", "pes_ci_high", "ci_level", "n",
                  "baseline_wave", "outcome_wave", "primary", "note"]
#: Columns of ``ancova/adjusted_means.csv`` (one row per outcome x population x group).
ADJUSTED_MEAN_COLUMNS = ["outcome", "population", "group", "n", "mean", "sd", "baseline_mean",
                         "adjusted_mean", "se", "df", "ci_low", "ci_high", "ci_level", "note"]
#: Columns of ``ancova/contrasts.csv`` (one row per outcome x population x group but the reference).
CONTRAST_COLUMNS = ["outcome", "population", "contrast", "estimate", "se", "df", "t", "p",
                    "p_adjusted", "p_adjust", "ci_low", "ci_high", "ci_level", "note"]
#: Columns of ``ancova/assumptions.csv``.
ASSUMPTION_COLUMNS = ["outcome", "population", "test", "statistic", "df1", "df2", "p", "n", "note"]
#: Columns of ``ancova/ledger.csv`` (one row per outcome x population x participant).
LEDGER_COLUMNS = ["outcome", "population", "participant", "group", "status", "reason"]

_MEANS_CI = 0.95


@dataclass
class AncovaResult:
    """The tables of the ANCOVA stage, one attribute per CSV of ``results/<study>/ancova/``."""

    ancova: pd.DataFrame
    adjusted_means: pd.DataFrame
    contrasts: pd.DataFrame
    assumptions: pd.DataFrame
    ledger: pd.DataFrame


def _coded_row(labels: Mapping[str, str], levels: Mapping[str, Sequence[str]]) -> np.ndarray:
    """The sum-to-zero coded between-design row (intercept first) of one cell."""
    row, _ = anova_stage._factorial_design({name: np.array([labels[name]], dtype=object)
                                            for name in levels}, levels, 1)
    return row[0]


def _levene(residuals: np.ndarray, cells: list[np.ndarray], n: int) -> list[dict]:
    """Levene's test of the residuals across the cells, both centres (rows of assumptions)."""
    samples = [residuals[mask] for mask in cells if mask.any()]
    rows = []
    for centre in ("median", "mean"):
        row = {"test": f"levene_{centre}", "df1": float(len(samples) - 1),
               "df2": float(n - len(samples)), "n": n,
               "note": ("residuals across the cells; centre: median (Brown-Forsythe; "
                        "car::leveneTest default)" if centre == "median"
                        else "residuals across the cells; centre: mean (SPSS)")}
        if len(samples) >= 2:
            row["statistic"], row["p"] = anova_stage.levene_test(samples, centre)
        rows.append(row)
    return rows


def ancova(y: np.ndarray, baseline: np.ndarray, factors: Mapping[str, Sequence],
           levels: Mapping[str, Sequence[str]], covariates: Mapping[str, np.ndarray] | None = None,
           ci_level: float = 0.9) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Type III ANCOVA of ``y`` on its ``baseline``, ``covariates`` and the full factorial of the
    between ``factors`` (``group`` first), with adjusted means and contrasts as emmeans.

    Parameters
    ----------
    y, baseline : arrays of length n
        Complete cases: the outcome at the compared wave and at baseline.
    factors : mapping name -> sequence of length n
        Each between factor's level per participant, ``group`` first.
    levels : mapping name -> levels
        Each factor's levels, the reference first; every cell must hold a participant.
    covariates : mapping name -> array of length n, optional
    ci_level : float
        Level of the partial eta squared interval (adjusted means and contrasts: 95%).

    Returns
    -------
    terms, adjusted_means, contrasts, assumptions : DataFrames
        Without the outcome and population columns (:func:`for_study` adds them).

    Examples
    --------
    Two groups and a baseline: the group effect is the adjusted difference,
    ``F = t^2`` of the contrast.

    >>> y = np.array([3., 4, 5, 6, 6, 8, 9, 9])
    >>> b = np.array([2., 3, 5, 5, 3, 4, 6, 5])
    >>> g = ["c"] * 4 + ["t"] * 4
    >>> terms, means, contrasts, _ = ancova(y, b, {"group": g}, {"group": ["c", "t"]})
    >>> terms[["term", "df1", "df2"]].values.tolist()
    [['baseline', 1, 5], ['group', 1, 5]]
    >>> round(float(terms.F.iloc[1]), 10) == round(float(contrasts.t.iloc[0]) ** 2, 10)
    True
    """
    covariates = dict(covariates or {})
    y = np.asarray(y, dtype=float)
    n = len(y)
    design, terms = anova_stage._factorial_design(
        {name: anova_stage._level_array(values) for name, values in factors.items()}, levels, n)
    numeric = {"baseline": np.asarray(baseline, dtype=float),
               **{name: np.asarray(values, dtype=float) for name, values in covariates.items()}}
    X = np.column_stack([design[:, :1], *numeric.values(), design[:, 1:]])
    numeric_terms = {name: [1 + i] for i, name in enumerate(numeric)}
    offset = 1 + len(numeric)
    all_terms = {**numeric_terms,
                 **{term: [c - 1 + offset for c in columns] for term, columns in terms.items()}}
    XtX = X.T @ X
    rank = anova_stage._rank(X, XtX)
    dfe = n - rank
    empty_terms = pd.DataFrame({"term": list(all_terms), "n": n})
    empty = (empty_terms, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    if np.ptp(y) == 0:
        note = f"no variance: every analysed score is {y[0]:g}; the ANCOVA is not defined"
        return (empty_terms.assign(note=note),) + empty[1:]
    if rank < X.shape[1]:
        flat = [name for name, values in numeric.items() if np.ptp(values) == 0]
        note = ("not estimable: " + (f"{', '.join(flat)} has the same value for everyone" if flat
                                     else "the baseline or a covariate is collinear with the groups"))
        return (empty_terms.assign(note=note),) + empty[1:]
    if dfe < 1:
        return (empty_terms.assign(note="not estimable: no residual degrees of freedom"),) + empty[1:]
    XtX_inv = np.linalg.inv(XtX)
    b = XtX_inv @ (X.T @ y)
    residuals = y - X @ b
    SSE = float(residuals @ residuals)
    sigma2 = SSE / dfe
    rows = []
    for term, columns in all_terms.items():
        Lb = b[columns]
        SS = float(Lb @ np.linalg.solve(XtX_inv[np.ix_(columns, columns)], Lb))
        df1 = len(columns)
        F = (SS / df1) / sigma2 if SSE > 0 else math.nan
        low, high = anova_stage.pes_ci(F, df1, dfe, ci_level) if SSE > 0 else (math.nan, math.nan)
        rows.append({"term": term, "df1": df1, "df2": dfe, "SS": SS, "MS": SS / df1,
                     "SS_error": SSE, "F": F,
                     "p": float(stats.f.sf(F, df1, dfe)) if SSE > 0 else math.nan,
                     "pes": SS / (SS + SSE) if SS + SSE > 0 else math.nan,
                     "pes_ci_low": low, "pes_ci_high": high, "ci_level": ci_level, "n": n,
                     "note": "" if SSE > 0 else "no residual variance: F not defined"})
    table = pd.DataFrame(rows)

    # emmeans: each group's prediction at the numeric terms' means, averaged over the other
    # factors' levels with equal weights
    means_at = np.array([values.mean() for values in numeric.values()])
    others = [name for name in levels if name != "group"]
    combos = [dict(zip(others, combo)) for combo in product(*[levels[name] for name in others])]
    q = stats.t.ppf(0.5 + _MEANS_CI / 2, dfe)
    groups = anova_stage._level_array(factors["group"])
    L = {}
    means = []
    for level in levels["group"]:
        coded = np.mean([_coded_row({"group": level, **labels}, levels) for labels in combos], axis=0)
        L[level] = np.concatenate([coded[:1], means_at, coded[1:]])
        estimate = float(L[level] @ b)
        se = math.sqrt(float(L[level] @ XtX_inv @ L[level]) * sigma2)
        own = y[groups == level]
        means.append({"group": level, "n": int(own.size), "mean": float(own.mean()),
                      "sd": float(own.std(ddof=1)) if own.size > 1 else math.nan,
                      "baseline_mean": float(numeric["baseline"][groups == level].mean()),
                      "adjusted_mean": estimate, "se": se, "df": float(dfe),
                      "ci_low": estimate - q * se, "ci_high": estimate + q * se,
                      "ci_level": _MEANS_CI, "note": ""})
    reference = levels["group"][0]
    contrasts = []
    for level in levels["group"][1:]:
        c = L[level] - L[reference]
        estimate = float(c @ b)
        se = math.sqrt(float(c @ XtX_inv @ c) * sigma2)
        t = estimate / se if se > 0 else math.nan
        contrasts.append({"contrast": f"{level} - {reference}", "estimate": estimate, "se": se,
                          "df": float(dfe), "t": t,
                          "p": float(2 * stats.t.sf(abs(t), dfe)) if se > 0 else math.nan,
                          "ci_low": estimate - q * se, "ci_high": estimate + q * se,
                          "ci_level": _MEANS_CI, "note": ""})

    # assumptions: parallel slopes (adding baseline x group), Levene and Shapiro-Wilk of residuals
    group_columns = all_terms["group"]
    X_slopes = np.column_stack([X, X[:, group_columns] * numeric["baseline"][:, None]])
    checks = []
    rank_slopes = anova_stage._rank(X_slopes, X_slopes.T @ X_slopes)
    if rank_slopes > rank and n - rank_slopes >= 1:
        fitted = np.linalg.lstsq(X_slopes, y, rcond=None)[0]
        SSE_slopes = float(np.sum((y - X_slopes @ fitted) ** 2))
        df1, df2 = rank_slopes - rank, n - rank_slopes
        F = ((SSE - SSE_slopes) / df1) / (SSE_slopes / df2) if SSE_slopes > 0 else math.nan
        checks.append({"test": "slopes", "statistic": F, "df1": float(df1), "df2": float(df2),
                       "p": float(stats.f.sf(F, df1, df2)) if SSE_slopes > 0 else math.nan, "n": n,
                       "note": "F of adding baseline x group: the groups' regression slopes on "
                               "baseline differ when p is small"})
    cell_masks = [mask for _, mask in anova_stage._level_combinations(
        {name: (anova_stage._level_array(factors[name]), list(lv)) for name, lv in levels.items()}, n)]
    checks += _levene(residuals, cell_masks, n)
    shapiro = {"test": "shapiro_wilk", "n": n, "note": "residuals"}
    tested = anova_stage.shapiro_test(residuals)
    if tested is not None:
        shapiro["statistic"], shapiro["p"] = tested
    checks.append(shapiro)
    return table, pd.DataFrame(means), pd.DataFrame(contrasts), pd.DataFrame(checks)


def input_columns(study: Mapping) -> list[str]:
    """The columns of ``scores/scores_wide.csv`` that :func:`for_study` reads: the
    identifiers, the between factors, the outcomes, the covariates and the variables of the
    populations' rules."""
    settings = settings_of(study)
    columns = ["participant", "wave", "group", *anova_stage.further_factors(study),
               *settings.get("outcomes", []), *settings["covariates"],
               *anova_stage.population_variables(study, "ancova")]
    return list(dict.fromkeys(columns))


def read_scores(path, study: Mapping) -> pd.DataFrame:
    """The scores table :func:`for_study` needs (:func:`input_columns` of it)."""
    return read_columns(path, input_columns(study))


def for_study(scores_wide: pd.DataFrame, study: Mapping) -> AncovaResult:
    """The ANCOVA stage of one study: every table of ``results/<study>/ancova/``.

    Parameters
    ----------
    scores_wide : DataFrame
        ``results/<study>/scores/scores_wide.csv`` (participant, wave, group, the factors, and a
        column per scale or measure).
    study : mapping
        The validated study config; ``analyses.ancova`` as :func:`settings_of` fills it in.

    Examples
    --------
    >>> scores = pd.DataFrame({"participant": np.repeat(list("abcdefgh"), 2),
    ...     "wave": ["pre", "post"] * 8, "group": np.repeat(["c"] * 4 + ["t"] * 4, 2),
    ...     "pss": [2., 3, 3, 4, 5, 5, 5, 6, 3, 6, 4, 8, 6, 9, 5, None]})
    >>> study = {"waves": ["pre", "post"], "groups": ["c", "t"], "design": "mixed",
    ...          "analyses": {"ancova": {"outcomes": ["pss"]}}}
    >>> result = for_study(scores, study)
    >>> result.ancova[["term", "df1", "df2", "n"]].values.tolist()
    [['baseline', 1, 4, 7], ['group', 1, 4, 7]]
    >>> result.ledger.loc[result.ledger.status == "excluded", ["participant", "reason"]].values.tolist()
    [['h', 'value missing at post']]
    """
    settings = settings_of(study)
    outcomes = list(settings.get("outcomes", []))
    if not outcomes:
        raise UserError("analyses.ancova.outcomes: list at least one outcome")
    baseline, outcome_wave = str(settings["baseline"]), str(settings["outcome_wave"])
    covariates = list(settings["covariates"])
    method, ci_level = settings["p_adjust"], float(settings["ci_level"])
    if baseline == outcome_wave:    # the config refuses it; a caller of the library is told so
        raise UserError(f"analyses.ancova.outcome_wave: '{outcome_wave}' does not come after the "
                        f"baseline '{baseline}'")
    absent = [v for v in outcomes + covariates if v not in scores_wide.columns]
    if absent:
        raise UserError(f"analyses.ancova: {', '.join(absent)} not in the scores; give "
                        "<instrument>.<scale> of a scored scale or a measure's name")
    factors = anova_stage.between_factors({**study, "design": "mixed"})
    further = anova_stage.further_factors(study)
    data, info = anova_stage._prepare(scores_wide, study, further)
    compared = [baseline, outcome_wave]
    # each outcome's scores (the same in every population) and each covariate's at baseline
    scores_of = {outcome: anova_stage._outcome_scores(data, info, outcome, compared)
                 for outcome in outcomes}
    at_baseline = {name: anova_stage._outcome_scores(data, info, name, [baseline])[0][0]
                   for name in covariates}

    tables = {name: [] for name in ("ancova", "adjusted_means", "contrasts", "assumptions", "ledger")}
    for population in anova_stage.analysed_populations(study, "ancova"):
        excluded = anova_stage._per_participant(
            info, anova_stage.population_exclusions(scores_wide, study, population))
        for outcome in outcomes:
            ledger, Y, keys, _ = anova_stage._outcome_tables(data, info, outcome, compared, excluded,
                                                             scores_of[outcome])
            ledger = ledger.drop(columns=["n_waves_scored", "in_mixed_model"])
            included = np.flatnonzero((ledger["status"] == "included").to_numpy(bool))
            values = {name: column[included] for name, column in at_baseline.items()}
            lacking = np.zeros(len(included), dtype=bool)
            for name, column in values.items():
                missing = np.isnan(column)
                where = np.zeros(len(ledger), dtype=bool)
                where[included[missing]] = True
                ledger.loc[where, "reason"] = f"{name} missing at {baseline}"
                lacking |= missing
            ledger.loc[ledger["reason"] != "", "status"] = "excluded"
            keep = ~lacking
            Y, keys = Y[keep], {name: value[keep] for name, value in keys.items()}
            values = {name: column[keep] for name, column in values.items()}
            note = anova_stage._too_small(keys, factors, single_arm=False,
                                          scored=f"a score at {baseline} and {outcome_wave}",
                                          ledger="ancova/ledger.csv")
            if note:
                names = ["baseline", *covariates, *anova_stage.effect_names(list(factors), 1)]
                terms = pd.DataFrame({"term": names, "n": len(Y), "note": note})
                means = contrasts = checks = pd.DataFrame()
            else:
                terms, means, contrasts, checks = ancova(
                    Y[:, 1], Y[:, 0], {name: keys[name] for name in factors}, factors, values, ci_level)
            tag = {"outcome": outcome, "population": population}
            terms = terms.assign(**tag, baseline_wave=baseline, outcome_wave=outcome_wave,
                                 primary=terms["term"] == "group")
            tables["ancova"].append(terms)
            for name, frame in (("adjusted_means", means), ("contrasts", contrasts),
                                ("assumptions", checks)):
                tables[name].append(frame.assign(**tag) if len(frame) else frame)
            tables["ledger"].append(ledger.assign(population=population))

    names = list(further)
    ancova_table = pd.concat(tables["ancova"], ignore_index=True).reindex(columns=ANCOVA_COLUMNS)
    ancova_table["p_adjust"] = method
    for _, index in ancova_table.groupby(["population", "term"], sort=False).groups.items():
        ancova_table.loc[index, "p_adjusted"] = p_adjust(ancova_table.loc[index, "p"], method)
    contrasts = pd.concat(tables["contrasts"], ignore_index=True).reindex(columns=CONTRAST_COLUMNS)
    contrasts["p_adjust"] = method
    for _, index in contrasts.groupby(["population", "contrast"], sort=False).groups.items():
        contrasts.loc[index, "p_adjusted"] = p_adjust(contrasts.loc[index, "p"], method)
    return AncovaResult(
        ancova=ancova_table,
        adjusted_means=pd.concat(tables["adjusted_means"], ignore_index=True).reindex(
            columns=ADJUSTED_MEAN_COLUMNS),
        contrasts=contrasts,
        assumptions=pd.concat(tables["assumptions"], ignore_index=True).reindex(
            columns=ASSUMPTION_COLUMNS),
        ledger=pd.concat(tables["ledger"], ignore_index=True).reindex(
            columns=anova_stage.with_factors(LEDGER_COLUMNS, names)),
    )
