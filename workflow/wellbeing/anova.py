"""Time x group repeated-measures (mixed) ANOVA, as SPSS GLM Repeated Measures and R's afex compute it.

For every outcome of a mixed-design study (between factor ``group``, 2 or more levels; within
factor ``time``, the study's 2 or more waves) this module computes:

- **the ANOVA** (:func:`mixed_anova`): Type III sums of squares from the multivariate linear
  model of the wave scores on sum-to-zero coded groups, with the within-subject tests taken on
  orthonormal contrasts of the waves, exactly as ``car::Anova.mlm`` (and so ``afex::aov_ez``,
  ``type = 3``) and SPSS do. For an effect with hypothesis rows ``L`` of the between design
  (intercept for ``time``, the group contrasts for ``group`` and ``group:time``) and a wave
  transformation ``P`` (the normalised mean for ``group``, orthonormal time contrasts otherwise),
  ``SS = tr[(LBP)' (L (X'X)^-1 L')^-1 (LBP)]`` and ``SS_error = tr(P' E P)``, where ``B`` are the
  least-squares coefficients and ``E`` the residual SSCP matrix; ``df1 = rank(L) ncol(P)`` and
  ``df2 = (n - g) ncol(P)``. pingouin's ``mixed_anova`` is deliberately *not* used: with unequal
  groups it gives a Type II test of ``time``.
- **effect sizes**: partial eta squared ``SS / (SS + SS_error)`` with a two-sided confidence
  interval (``ci_level``, 90% by default, Steiger 2004) by inverting the noncentral F distribution
  in its noncentrality ``lambda`` and converting with ``lambda / (lambda + df2)`` (the convention of
  ``effectsize::F_to_eta2``; a bound is 0 when ``F`` is below the matching F quantile); and
  generalised eta squared as afex defines it (Olejnik & Algina 2003; Bakeman 2005), ``SS / (SS +
  sum of the distinct error SS of all strata)``, no observed (measured) factors.
- **sphericity** (3 or more waves): Greenhouse-Geisser epsilon ``tr(S)^2 / ((k-1) tr(S^2))`` of the
  error SSCP ``S`` on orthonormal contrasts, Huynh-Feldt epsilon as car computes it (Lecoutre's
  correction, ``((n-g+1)(k-1)e - 2) / ((k-1)(n-g - (k-1)e))``), capped at 1 for its p, and
  Mauchly's W with R's p value. R (``stats::mauchly.test`` and car) writes ``3 * p`` with ``p`` the
  number of waves, not of contrasts, in the second-order term ``w2`` of Anderson's approximation;
  this module does the same, to match R (it only matters with 4 or more waves, where ``w2`` is not
  0). With 2 waves sphericity holds trivially: epsilons are reported as 1 (as SPSS does; R gives
  NA) and Mauchly's W as empty.
- **cells**: n, mean, SD, SE and a 95% t interval of every group x wave of the analysed sample;
- **follow-ups** (:func:`followups`): within each group, paired t tests between waves with Hedges'
  ``g_av``; between groups at each wave, Welch t tests with Hedges' ``g``; see that function;
- **assumptions**, reported, never used to choose a test: Shapiro-Wilk per group x wave, Levene's
  test per wave with both centres (``levene_mean``: the mean, as SPSS; ``levene_median``: the
  median, Brown-Forsythe, ``car::leveneTest``'s default), Box's M (chi-square approximation, as
  ``heplots::boxM``) and Mauchly's test;
- **a sensitivity model** (:func:`mixed_model`): a linear mixed model with all available data,
  Satterthwaite df as lmerTest;
- **the analysis ledger**: every participant, per outcome, included or excluded and why.

The ANOVA analyses complete cases: a participant enters an outcome's ANOVA when they have a
score at every wave. Who was left out, and why, is in the ledger; the mixed model keeps them.

References
----------
Fox, J. & Weisberg, S. (2019). An R Companion to Applied Regression, 3rd ed. (car::Anova.mlm).
Singmann, H. et al. (2022). afex: Analysis of Factorial Experiments, R package 1.2.
Steiger, J. H. (2004). Beyond the F test. Psychological Methods, 9(2), 164-182.
Olejnik, S. & Algina, J. (2003). Generalized eta and omega squared statistics. Psychological
Methods, 8(4), 434-447.
Huynh, H. & Feldt, L. S. (1976); Lecoutre, B. (1991). A correction for the epsilon-tilde
approximate test in repeated measures designs. Journal of Educational Statistics, 16(4), 371-372.
Box, G. E. P. (1949). A general distribution theory for a class of likelihood criteria.
Biometrika, 36, 317-346.
Kuznetsova, A., Brockhoff, P. B. & Christensen, R. H. B. (2017). lmerTest package: tests in
linear mixed effects models. Journal of Statistical Software, 82(13).

Examples
--------
>>> import pandas as pd
>>> scores = pd.DataFrame({
...     "participant": ["a", "a", "b", "b", "c", "c", "d", "d", "e", "e"],
...     "wave": ["pre", "post"] * 5,
...     "group": ["control"] * 4 + ["imp"] * 6,
...     "pss10.total": [20, 21, 18, 18, 22, 15, 19, 13, 21, 16.0]})
>>> study = {"waves": ["pre", "post"], "groups": ["control", "imp"],
...          "analyses": {"anova": {"outcomes": ["pss10.total"], "p_adjust": "none",
...                                 "ci_level": 0.9}}}
>>> result = for_study(scores, study)
>>> result.anova[["effect", "df1", "df2", "F"]].round(4)
       effect  df1  df2        F
0       group    1    3   1.2377
1        time    1    3  43.5600
2  group:time    1    3  60.8400

The same as ``afex::aov_ez("participant", "pss10.total", data, between = "group",
within = "wave", type = 3)``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .adjust import p_adjust  # one implementation of Holm / BH for every stage
from .design import (ALL_POPULATION, SINGLE_ARM, analysed_groups, analysed_populations,  # noqa: F401
                     between_factors, further_factors, has_group_factor, level_text, main_population,
                     primary_effect)
from .errors import UserError
from .io import factorise_small_ints, read_columns

__all__ = [
    "ANOVA_COLUMNS",
    "CELL_COLUMNS",
    "FOLLOWUP_COLUMNS",
    "MIXED_MODEL_COLUMNS",
    "ASSUMPTION_COLUMNS",
    "LEDGER_COLUMNS",
    "AnovaResult",
    "mixed_anova",
    "pes_ci",
    "p_adjust",
    "cells",
    "followups",
    "assumptions",
    "mixed_model",
    "for_study",
]

#: Columns of ``anova/anova.csv`` (one row per outcome x effect).
ANOVA_COLUMNS = ["outcome", "population", "effect", "df1", "df2", "SS", "MS", "SS_error", "MS_error", "F", "p",
                 "p_adjusted", "p_adjust", "pes", "pes_ci_low", "pes_ci_high", "ci_level", "ges",
                 "eps_gg", "eps_hf", "p_gg", "p_hf", "mauchly_w", "mauchly_p", "ss_type", "n",
                 "n_excluded", "primary", "note"]
def population_variables(study: Mapping, analysis: str = "anova") -> list[str]:
    """The variables the exclusion rules of an analysis's populations read.

    >>> population_variables({"populations": {"pp": {"exclude": [{"variable": "sessions", "below": 6}]}},
    ...                       "analyses": {"anova": {"populations": ["all", "pp"]}}})
    ['sessions']
    """
    found = []
    for population in analysed_populations(study, analysis):
        if population == ALL_POPULATION:
            continue
        for rule in ((study.get("populations") or {}).get(population) or {}).get("exclude") or []:
            if rule.get("variable") is not None and rule["variable"] not in found:
                found.append(rule["variable"])
    return found


def input_columns(study: Mapping) -> list[str]:
    """The columns of ``scores/scores_wide.csv`` that :func:`for_study` reads: the
    identifiers, the between factors, the outcomes and the variables of the populations' rules
    (the group of a single arm is set, not read)."""
    settings = study.get("analyses", {}).get("anova") or {}
    columns = ["participant", "wave", *(["group"] if has_group_factor(study) else []),
               *further_factors(study), *settings.get("outcomes", []),
               *population_variables(study, "anova")]
    return list(dict.fromkeys(columns))


def read_scores(path, study: Mapping) -> pd.DataFrame:
    """The scores table :func:`for_study` needs (:func:`input_columns` of it)."""
    return read_columns(path, input_columns(study))


def population_exclusions(scores_wide: pd.DataFrame, study: Mapping, population: str) -> dict[str, str]:
    """Participants out of a population, each with the rule that puts them out.

    A rule (``{variable, below | above | equals | missing}``, optionally ``groups``: only
    participants of those groups) holds when it holds at any wave the participant has a value of
    the variable (a per-participant measure has one value at every wave); ``missing: true`` holds
    when the participant has no value at any wave; a missing value satisfies no comparison. The
    reason names the population, variable, value and rule: ``"per_protocol: sessions 5 < 13"``.
    :data:`ALL_POPULATION` excludes nobody.

    Examples
    --------
    >>> wide = pd.DataFrame({"participant": ["a", "a", "b", "b", "c"], "sessions": [5, 5, 14, 14, None]})
    >>> study = {"populations": {"per_protocol": {"exclude": [
    ...     {"variable": "sessions", "below": 13}, {"variable": "sessions", "missing": True}]}}}
    >>> population_exclusions(wide, study, "per_protocol")
    {'a': 'per_protocol: sessions 5 < 13', 'c': 'per_protocol: sessions missing'}
    """
    if population == ALL_POPULATION:
        return {}
    reasons: dict[str, list[str]] = {}
    for rule in study["populations"][population]["exclude"]:
        variable = rule["variable"]
        if variable not in scores_wide.columns:
            raise UserError(f"populations.{population}: variable {variable!r} is not in the scores; "
                            "name a measure or an <instrument>.<scale> the study scores")
        rows = scores_wide
        if rule.get("groups"):      # a rule of some groups only (attendance in the trained arm)
            rows = rows[rows["group"].astype(str).isin([str(g) for g in rule["groups"]])]
        ids = rows["participant"].astype(str)
        values = pd.to_numeric(rows[variable], errors="coerce")
        if rule.get("missing"):
            answered = values.notna().groupby(ids).any()
            for participant in answered.index[~answered.to_numpy()]:
                reasons.setdefault(participant, []).append(f"{population}: {variable} missing")
            continue
        for key, sign in (("below", "<"), ("above", ">"), ("equals", "=")):
            if key not in rule:
                continue
            limit = rule[key]
            holds = {"below": values < limit, "above": values > limit, "equals": values == limit}[key]
            first = values[holds].groupby(ids[holds], sort=False).first()
            for participant, value in first.items():
                reasons.setdefault(participant, []).append(
                    f"{population}: {variable} {value:g} {sign} {limit:g}")
    return {participant: "; ".join(found) for participant, found in sorted(reasons.items())}


#: Columns of ``anova/cells.csv`` (one row per outcome x group x wave, analysed sample).
CELL_COLUMNS = ["outcome", "population", "group", "wave", "n", "mean", "sd", "se", "ci_low", "ci_high",
                "ci_level"]
#: Columns of ``anova/followups.csv``.
FOLLOWUP_COLUMNS = ["outcome", "population", "comparison", "group", "wave", "contrast", "n1", "n2", "mean1",
                    "mean2", "mean_diff", "diff_ci_low", "diff_ci_high", "test", "t", "df", "p",
                    "p_holm_pairs", "p_adjusted", "p_adjust", "es_type", "es", "es_ci_low",
                    "es_ci_high", "d_z", "d_z_ci_low", "d_z_ci_high", "ci_level"]
#: Columns of ``anova/mixed_model.csv`` (one row per outcome x interaction term).
MIXED_MODEL_COLUMNS = ["outcome", "population", "term", "estimate", "se", "ci_low", "ci_high", "ci_level",
                       "statistic", "statistic_type", "df1", "df", "p", "p_adjusted", "p_adjust",
                       "n_participants", "n_observations", "anova_n", "anova_F", "anova_p",
                       "anova_pes", "method", "converged", "note"]
#: Columns of ``anova/assumptions.csv``.
ASSUMPTION_COLUMNS = ["outcome", "population", "test", "group", "wave", "statistic", "df1", "df2", "p", "n",
                      "note"]
#: Columns of ``anova/ledger.csv`` (one row per outcome x participant).
LEDGER_COLUMNS = ["outcome", "population", "participant", "group", "status", "reason", "n_waves_scored",
                  "in_mixed_model"]

_SHOW = 5
_FOLLOWUP_CI = 0.95


def with_factors(columns: Sequence[str], names: Sequence[str]) -> list[str]:
    """A table's columns with a column per further between factor right after ``group``.

    >>> with_factors(["outcome", "group", "wave", "n"], ["sex"])
    ['outcome', 'group', 'sex', 'wave', 'n']
    """
    columns = list(columns)
    at = columns.index("group") + 1
    return columns[:at] + [name for name in names if name not in columns] + columns[at:]


def _level_array(values) -> np.ndarray:
    """Every participant's level of a factor as an array to compare levels with: a numpy array
    as it is (an array of text compares in C, not element by element in Python), any other
    sequence as Python objects.

    >>> _level_array(["a", 1]).dtype, _level_array(np.array(["a", "b"])).dtype
    (dtype('O'), dtype('<U1'))
    """
    return values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)


def _design_keys(groups: Sequence, group_levels: Sequence,
                 factors: Mapping[str, tuple[Sequence, Sequence]] | None = None) -> dict:
    """Each between factor, ``group`` first: name -> (every participant's level, the levels)."""
    keys = {"group": (_level_array(groups), list(group_levels))}
    keys.update({name: (_level_array(values), list(levels))
                 for name, (values, levels) in (factors or {}).items()})
    return keys


def _level_combinations(keys: Mapping[str, tuple[np.ndarray, list]], n: int) -> list:
    """Every combination of the levels of ``keys`` (the first slowest) with its participants'
    mask; with no key, one combination holding everyone.

    >>> [(labels, mask.tolist()) for labels, mask in _level_combinations(
    ...     {"g": (np.array(["a", "b", "a"]), ["a", "b"])}, 3)]
    [({'g': 'a'}, [True, False, True]), ({'g': 'b'}, [False, True, False])]
    """
    from itertools import product

    # each level's participants once (not once per combination it is in)
    equal = [[values == level for level in levels] for values, levels in keys.values()]
    out = []
    for combo in product(*[range(len(levels)) for _, levels in keys.values()]):
        mask = np.ones(n, dtype=bool)
        for at, index in enumerate(combo):
            mask &= equal[at][index]
        out.append(({name: levels[index] for (name, (_, levels)), index in zip(keys.items(), combo)},
                    mask))
    return out


@dataclass
class AnovaResult:
    """The tables of the ANOVA stage, one attribute per CSV of ``results/<study>/anova/``."""

    anova: pd.DataFrame
    cells: pd.DataFrame
    followups: pd.DataFrame
    mixed_model: pd.DataFrame
    assumptions: pd.DataFrame
    ledger: pd.DataFrame


# --------------------------------------------------------------------------------------------
# Small statistical helpers
# --------------------------------------------------------------------------------------------


def _ncf_cdf(x: float, dfn: float, dfd: float, nc: float) -> float:
    """``stats.ncf.cdf(x, dfn, dfd, nc)`` (``stats.f.cdf`` at ``nc = 0``): inside the
    distribution's support and parameter space, the special function it evaluates there, called
    directly (the same number; the distribution's checks of its arguments cost about ten times
    more, and a confidence bound calls it dozens of times)."""
    if dfn > 0 and dfd > 0 and nc >= 0 and 0 < x < math.inf:
        return special.ncfdtr(dfn, dfd, nc, x) if nc > 0 else special.fdtr(dfn, dfd, x)
    return stats.ncf.cdf(x, dfn, dfd, nc) if nc > 0 else stats.f.cdf(x, dfn, dfd)


def _nct_cdf(x: float, df: float, nc: float) -> float:
    """``stats.nct.cdf(x, df, nc)``, by its special function where that is what it evaluates
    (:func:`_ncf_cdf`)."""
    if df > 0 and nc == nc and -math.inf < x < math.inf:
        return special.nctdtr(df, nc, x)
    return stats.nct.cdf(x, df, nc)


def _t_ppf(q: float, df: float) -> float:
    """``stats.t.ppf(q, df)``, by its special function where that is what it evaluates
    (:func:`_ncf_cdf`; ``* 1 + 0``: the distribution's scale and location)."""
    if df > 0 and 0 < q < 1:
        return special.stdtrit(df, q) * 1.0 + 0.0
    return stats.t.ppf(q, df)


def _t_sf(x: float, df: float) -> float:
    """``stats.t.sf(x, df)``, by its special function where that is what it evaluates
    (:func:`_ncf_cdf`)."""
    if df > 0 and -math.inf < x < math.inf:
        return special.stdtr(df, -x)
    return stats.t.sf(x, df)


def _ncp_bound(cdf, statistic: float, target: float, low: float, step: float) -> float:
    """The noncentrality ``x >= low`` with ``cdf(statistic, x) = target`` (cdf decreasing in x)."""
    high = max(low + step, abs(statistic) + step)
    for _ in range(200):
        if cdf(statistic, high) < target:
            break
        low, high = high, high + 2 * (high - low) + step
    return optimize.brentq(lambda x: cdf(statistic, x) - target, low, high, xtol=1e-14,
                           rtol=4 * np.finfo(float).eps, maxiter=500)


def pes_ci(F: float, df1: float, df2: float, level: float = 0.9) -> tuple[float, float]:
    """Two-sided confidence interval of partial eta squared by noncentral-F inversion.

    The bounds of the noncentrality ``lambda`` solve ``P(F' <= F | lambda) = 1 - a/2`` (lower) and
    ``= a/2`` (upper), ``a = 1 - level`` (Steiger 2004); each is 0 when the central F cannot reach
    it. They are converted with ``lambda / (lambda + df2)``, as ``effectsize::F_to_eta2(...,
    alternative = "two.sided")`` does (effectsize finds lambda with ``optim``, to about 1e-6;
    this solves it to machine precision with Brent's method).

    Examples
    --------
    >>> [round(x, 6) for x in pes_ci(10.0, 1, 30, 0.9)]
    [0.058273, 0.445934]
    >>> pes_ci(0.5, 2, 40, 0.9)[0]
    0.0
    """
    if not all(np.isfinite([F, df1, df2])) or df1 <= 0 or df2 <= 0:
        return math.nan, math.nan
    alpha = 1.0 - level

    def cdf(f, ncp):
        value = _ncf_cdf(f, df1, df2, ncp)
        return 0.0 if np.isnan(value) else value  # NaN only far in the upper tail of lambda

    central = _ncf_cdf(F, df1, df2, 0.0)
    bounds = []
    for target in (1 - alpha / 2, alpha / 2):
        if central <= target:
            bounds.append(0.0)
        else:
            bounds.append(_ncp_bound(cdf, F, target, 0.0, max(1.0, F * df1)))
    return tuple(lam / (lam + df2) for lam in bounds)


def t_ncp_ci(t: float, df: float, level: float) -> tuple[float, float]:
    """Noncentrality bounds of a t statistic (two-sided, exact inversion of the noncentral t)."""
    alpha = 1.0 - level

    def cdf(_, ncp):
        value = _nct_cdf(t, df, ncp)
        if np.isnan(value):  # scipy's nct is NaN far in the tails, where it is 0 or 1
            value = 0.0 if ncp > t else 1.0
        return value

    bounds = []
    for target in (1 - alpha / 2, alpha / 2):
        start = t - 4.0
        while cdf(t, start) < target:
            start -= 4.0
        bounds.append(_ncp_bound(cdf, t, target, start, 4.0))
    return bounds[0], bounds[1]


def _hedges_j(df: float) -> float:
    """Hedges' exact small-sample correction ``Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))``."""
    return math.exp(special.gammaln(df / 2) - math.log(math.sqrt(df / 2))
                    - special.gammaln((df - 1) / 2))


# --------------------------------------------------------------------------------------------
# The mixed ANOVA
# --------------------------------------------------------------------------------------------


def _rank(X: np.ndarray, XtX: np.ndarray):
    """``np.linalg.matrix_rank(X)``, given ``XtX = X' X``: without the SVD of X where X' X
    shows plainly that X has full column rank (its smallest eigenvalue above 1e-6 of the
    largest: X's condition number below 1000, where matrix_rank's tolerance is
    ``max(X.shape) * eps`` relative), else by that SVD. A design matrix of 100,000 rows is
    decomposed in tens of milliseconds; its cross-product's eigenvalues take microseconds."""
    n, p = X.shape
    if 0 < p <= n and np.isfinite(XtX).all():
        values = np.linalg.eigvalsh(XtX)
        if values[0] > 1e-6 * values[-1] > 0:
            return np.intp(p)
    return np.linalg.matrix_rank(X)


def _orthonormal_contrasts(k: int) -> np.ndarray:
    """A k x (k-1) orthonormal basis of the contrasts among k waves (Helmert, normalised)."""
    basis = np.zeros((k, k - 1))
    for j in range(1, k):
        basis[:j, j - 1] = -1.0
        basis[j, j - 1] = j
        basis[:, j - 1] /= math.sqrt(j * (j + 1))
    return basis


def _mauchly(S: np.ndarray, dfe: int, n_waves: int) -> tuple[float, float]:
    """Mauchly's W and p on the error SSCP ``S`` of orthonormal contrasts, as R computes them."""
    pp = S.shape[0]
    sign, logdet = np.linalg.slogdet(S)
    if pp < 2 or sign <= 0:
        return math.nan, math.nan
    n = dfe
    log_w = logdet - pp * math.log(np.trace(S) / pp)
    rho = 1 - (2 * pp ** 2 + pp + 2) / (6 * pp * n)
    # R's term: "3 * p" with p = number of waves (rows of the contrast matrix), kept to match R
    w2 = ((pp + 2) * (pp - 1) * (pp - 2) * (2 * pp ** 3 + 6 * pp ** 2 + 3 * n_waves + 2)
          / (288 * (n * pp * rho) ** 2))
    z = -n * rho * log_w
    f = pp * (pp + 1) / 2 - 1
    pr1 = stats.chi2.sf(z, f)
    pr2 = stats.chi2.sf(z, f + 4)
    return math.exp(log_w), float(pr1 + w2 * (pr2 - pr1))


def _sum_to_zero(values: np.ndarray, levels: Sequence) -> np.ndarray:
    """R's ``contr.sum`` coding of one factor: a column per level but the last, the last level -1."""
    coded = np.zeros((len(values), len(levels) - 1))
    for j, level in enumerate(levels[:-1]):
        coded[values == level, j] = 1.0
    coded[values == levels[-1], :] = -1.0
    return coded


def _factorial_design(factors: Mapping[str, np.ndarray], levels: Mapping[str, Sequence], n: int):
    """The full-factorial design matrix of the between factors in sum-to-zero coding, and for each
    term (main effects, then two-way, ... interactions, in the factors' order: ``group``, ``sex``,
    ``group:sex``) the columns that code it. Column 0 is the intercept."""
    from itertools import combinations

    names = list(factors)
    coded = {name: _sum_to_zero(_level_array(factors[name]), list(levels[name]))
             for name in names}
    columns = [np.ones(n)]
    terms: dict[str, list[int]] = {}
    for size in range(1, len(names) + 1):
        for combo in combinations(names, size):
            block = np.ones((n, 1))
            for name in combo:    # row-wise products of every column of each factor in the term
                block = np.einsum("ij,ik->ijk", block, coded[name]).reshape(n, -1)
            start = len(columns)
            columns.extend(block.T)
            terms[":".join(combo)] = list(range(start, start + block.shape[1]))
    return np.column_stack(columns), terms


def factorial_anova(Y: np.ndarray, factors: Mapping[str, Sequence] | None = None,
                    levels: Mapping[str, Sequence] | None = None, ci_level: float = 0.9,
                    within: str = "time") -> pd.DataFrame:
    """Type III ANOVA of the full factorial of between-subjects factors and one within factor
    (the waves), for every design: mixed (factors and 2+ waves), repeated (no factor, 2+ waves),
    between (factors, one wave).

    Method, as ``car::Anova.mlm`` (which ``afex::aov_ez(..., type = 3)`` calls): the between
    design is coded sum-to-zero (R's ``contr.sum``) and fitted to every wave's scores at once
    (multivariate linear model ``Y = X B + E``); each between term's hypothesis ``L B P = 0``
    is tested on the participants' mean over waves (``P`` = the normalised unit vector), the
    within factor and its interactions on the orthonormal within contrasts (``P`` = Helmert,
    normalised), the within main effect being the intercept's hypothesis. ``SS`` is the trace of
    the hypothesis SSCP ``(L B P)' (L (X'X)^-1 L')^-1 (L B P)``, ``SS_error`` that of ``P' E P``
    (univariate, sphericity-assuming tests; Greenhouse-Geisser and Huynh-Feldt corrections and
    Mauchly's test on the within contrasts' error SSCP, as car computes them).

    Parameters
    ----------
    Y : array, shape (n, k)
        Complete scores: one row per participant, one column per wave (time order), no NaN.
        One column for a between-only design.
    factors : mapping name -> sequence of length n, optional
        Each between factor's value per participant, in effect-name order (``group`` first).
    levels : mapping name -> sequence, optional
        Each factor's levels (default: sorted values). Type III results do not depend on their
        order; every level must hold a participant.
    ci_level : float
        Level of the two-sided partial eta squared interval (:func:`pes_ci`).
    within : str
        Name of the within factor in effect names.

    Returns
    -------
    DataFrame
        One row per effect, between terms first (``group``, ``sex``, ``group:sex``), then the
        within factor and its interactions (``time``, ``group:time``, ``sex:time``,
        ``group:sex:time``), with ``df1, df2, SS, MS, SS_error, MS_error, F, p, pes,
        pes_ci_low, pes_ci_high, ges, eps_gg, eps_hf, p_gg, p_hf, mauchly_w, mauchly_p, n``.
        ``ges`` is afex's generalised eta squared (all factors manipulated): SS / (SS + the sum
        of the distinct error SS, the between stratum included).

    Raises
    ------
    UserError
        Missing values, no factor and fewer than 2 waves, a factor with fewer than 2 levels, an
        empty level, or no error degrees of freedom.

    Examples
    --------
    >>> Y = np.array([[1., 2.], [2., 4.], [3., 3.], [2., 5.], [4., 4.], [3., 6.]])
    >>> table = factorial_anova(Y, {"group": list("aabbab"), "sex": list("fmfmmf")})
    >>> table.effect.tolist()
    ['group', 'sex', 'group:sex', 'time', 'group:time', 'sex:time', 'group:sex:time']
    >>> factorial_anova(Y)[["effect", "df1", "df2"]].values.tolist()    # single arm
    [['time', 1, 5]]
    """
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    factors = {name: _level_array(values) for name, values in (factors or {}).items()}
    n, k = Y.shape
    if np.isnan(Y).any():
        raise UserError("ANOVA: scores have missing values; analyse complete cases")
    if not factors and k < 2:
        raise UserError("ANOVA: needs a between factor or at least 2 waves")
    levels = {name: list((levels or {}).get(name) or sorted(set(values))) for name, values in factors.items()}
    for name, values in factors.items():
        if len(levels[name]) < 2:
            raise UserError(f"ANOVA: factor {name} needs at least 2 levels")
        empty = [str(level) for level in levels[name] if not np.any(values == level)]
        if empty:
            raise UserError(f"ANOVA: no participant with complete scores in {name} level(s) "
                            f"{', '.join(empty)}")
    X, terms = _factorial_design(factors, levels, n)
    XtX = X.T @ X
    dfe = n - _rank(X, XtX)
    if dfe < 1:
        raise UserError(f"ANOVA: {n} participants in {X.shape[1]} cells leave no error degrees of "
                        "freedom")
    XtX_inv = np.linalg.inv(XtX)
    B = XtX_inv @ (X.T @ Y)
    R = Y - X @ B
    E = R.T @ R
    mean_p = np.full((k, 1), 1 / math.sqrt(k))
    tests = [(term, rows, mean_p) for term, rows in terms.items()]
    if k >= 2:
        contrasts = _orthonormal_contrasts(k)
        tests.append((within, [0], contrasts))
        tests.extend((f"{term}:{within}", rows, contrasts) for term, rows in terms.items())
    rows = []
    for effect, L_rows, P in tests:
        LBP = B[L_rows] @ P
        middle = np.linalg.inv(XtX_inv[np.ix_(L_rows, L_rows)])
        SS = float(np.trace(LBP.T @ middle @ LBP))
        SSE = float(np.trace(P.T @ E @ P))
        df1 = len(L_rows) * P.shape[1]
        df2 = dfe * P.shape[1]
        F = (SS / df1) / (SSE / df2) if SSE > 0 else math.nan
        rows.append({"effect": effect, "df1": df1, "df2": df2, "SS": SS, "MS": SS / df1,
                     "SS_error": SSE, "MS_error": SSE / df2, "F": F,
                     "p": float(stats.f.sf(F, df1, df2)) if SSE > 0 else math.nan})
    table = pd.DataFrame(rows)
    table["note"] = ""
    if np.ptp(Y) == 0:
        table["note"] = (f"no variance: every analysed score is {Y.flat[0]:g}; F, p and effect sizes "
                         "are not defined")
    else:
        table.loc[table["SS_error"] <= 0, "note"] = ("no error variance in this stratum (every "
                                                     "participant's scores move alike): F not defined")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["pes"] = table["SS"] / (table["SS"] + table["SS_error"])
    bounds = [pes_ci(F, d1, d2, ci_level) if math.isfinite(F) else (math.nan, math.nan)
              for F, d1, d2 in zip(table["F"], table["df1"], table["df2"])]
    table["pes_ci_low"] = [b[0] for b in bounds]
    table["pes_ci_high"] = [b[1] for b in bounds]
    # afex: SS / (SS + the error SS of every stratum: between participants (their means over
    # waves; in a single arm the participants' own variation) and within)
    errors = float(np.trace(mean_p.T @ E @ mean_p))
    if k >= 2:
        errors += float(np.trace(contrasts.T @ E @ contrasts))
    with np.errstate(invalid="ignore", divide="ignore"):
        table["ges"] = table["SS"] / (table["SS"] + errors)

    is_within = table["effect"].str.split(":").map(lambda parts: within in parts)
    if k <= 2:
        gg = hf = 1.0 if k == 2 else math.nan
        w = pw = math.nan
    elif np.trace(contrasts.T @ E @ contrasts) <= 0:
        gg = hf = w = pw = math.nan           # no within error: no sphericity to speak of
    else:
        S_within = contrasts.T @ E @ contrasts
        gg = float(np.trace(S_within) ** 2 / ((k - 1) * np.trace(S_within @ S_within)))
        hf = ((dfe + 1) * (k - 1) * gg - 2) / ((k - 1) * (dfe - (k - 1) * gg))
        w, pw = _mauchly(S_within, dfe, k)
    table["eps_gg"] = np.where(is_within, gg, np.nan)
    table["eps_hf"] = np.where(is_within, hf, np.nan)
    hf_used = min(1.0, hf) if math.isfinite(hf) else math.nan
    table["p_gg"] = np.where(is_within, stats.f.sf(table["F"], gg * table["df1"], gg * table["df2"]),
                             np.nan)
    table["p_hf"] = np.where(is_within, stats.f.sf(table["F"], hf_used * table["df1"],
                                                   hf_used * table["df2"]), np.nan)
    table["mauchly_w"] = np.where(is_within, w, np.nan)
    table["mauchly_p"] = np.where(is_within, pw, np.nan)
    table["n"] = n
    return table


def mixed_anova(Y: np.ndarray, groups: Sequence, group_levels: Sequence | None = None,
                ci_level: float = 0.9) -> pd.DataFrame:
    """Type III mixed ANOVA of a participants x waves matrix, one between factor ``group``
    (:func:`factorial_anova` with that factor).

    Parameters
    ----------
    Y : array, shape (n, k)
        Complete scores: one row per participant, one column per wave (time order), no NaN.
    groups : sequence, length n
        Each participant's group.
    group_levels : sequence, optional
        The groups, reference first (default: sorted unique values). Type III results do not
        depend on the order; every level must have a participant.
    ci_level : float
        Level of the two-sided partial eta squared interval (:func:`pes_ci`).

    Returns
    -------
    DataFrame
        One row per effect ``group``, ``time``, ``group:time`` (columns of
        :func:`factorial_anova`). Agrees with ``afex::aov_ez(..., type = 3)`` and
        ``car::Anova.mlm`` (see ``tests/reference/anova_reference.R``).

    Raises
    ------
    UserError
        Missing values, fewer than 2 waves or groups, an empty group, or no error degrees of
        freedom.

    Examples
    --------
    >>> Y = np.array([[1., 2., 4.], [2., 2., 3.], [3., 5., 4.], [2., 4., 7.], [1., 3., 5.]])
    >>> table = mixed_anova(Y, ["a", "a", "b", "b", "b"])
    >>> table[["effect", "df1", "df2", "F", "eps_gg"]].round(4)
           effect  df1  df2       F  eps_gg
    0       group    1    3  7.8000     NaN
    1        time    2    6  7.5639  0.5336
    2  group:time    2    6  0.7180  0.5336
    """
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 2 or Y.shape[1] < 2:
        raise UserError("mixed ANOVA: needs at least 2 waves (one column per wave)")
    levels = list(group_levels) if group_levels is not None else sorted(set(groups))
    if len(levels) < 2:
        raise UserError("mixed ANOVA: needs at least 2 groups")
    # missing values, empty groups and error df are the engine's checks
    return factorial_anova(Y, {"group": groups}, {"group": levels}, ci_level)


# --------------------------------------------------------------------------------------------
# Cells, follow-ups, assumptions
# --------------------------------------------------------------------------------------------


def _describe(values: np.ndarray, level: float = 0.95) -> dict:
    n = int(values.size)
    mean = float(values.mean()) if n else math.nan
    sd = float(values.std(ddof=1)) if n > 1 else math.nan
    se = sd / math.sqrt(n) if n > 1 else math.nan
    half = float(_t_ppf(0.5 + level / 2, n - 1)) * se if n > 1 else math.nan
    return {"n": n, "mean": mean, "sd": sd, "se": se, "ci_low": mean - half,
            "ci_high": mean + half, "ci_level": level}


def cells(Y: np.ndarray, groups: Sequence, group_levels: Sequence, waves: Sequence,
          outcome: str = "", factors: Mapping[str, tuple[Sequence, Sequence]] | None = None
          ) -> pd.DataFrame:
    """Descriptive statistics of every cell x wave: n, mean, SD, SE, 95% t interval. A cell is
    a group, crossed with the levels of any further ``factors`` (name -> (each participant's
    level, the levels)), which get a column each.

    Examples
    --------
    >>> Y = np.array([[1., 2.], [3., 5.], [2., 2.]])
    >>> cells(Y, ["a", "a", "b"], ["a", "b"], ["pre", "post"])[["group", "wave", "n", "mean", "sd"]]
      group  wave  n  mean        sd
    0     a   pre  2   2.0  1.414214
    1     a  post  2   3.5  2.121320
    2     b   pre  1   2.0       NaN
    3     b  post  1   2.0       NaN
    """
    all_cells = _level_combinations(_design_keys(groups, group_levels, factors), len(Y))
    rows = [{"outcome": outcome, **labels, "wave": wave, **_describe(Y[mask, j])}
            for labels, mask in all_cells for j, wave in enumerate(waves)]
    return pd.DataFrame(rows, columns=with_factors(CELL_COLUMNS, list(factors or {})))


def _wave_pairs(waves: Sequence[str]) -> list[tuple[int, int]]:
    """Consecutive pairs, then baseline vs each later wave not already covered.

    >>> _wave_pairs(["pre", "post"]), _wave_pairs(["t1", "t2", "t3", "t4"])
    ([(0, 1)], [(0, 1), (1, 2), (2, 3), (0, 2), (0, 3)])
    """
    pairs = [(j, j + 1) for j in range(len(waves) - 1)]
    pairs += [(0, j) for j in range(2, len(waves))]
    return pairs


def _paired(x: np.ndarray, y: np.ndarray, level: float) -> dict:
    """Paired t of ``y - x`` with Hedges' g_av (standardiser sqrt((s_x^2 + s_y^2) / 2))."""
    n = x.size
    d = y - x
    out = {"n1": n, "n2": n, "mean1": x.mean() if n else math.nan,
           "mean2": y.mean() if n else math.nan, "mean_diff": d.mean() if n else math.nan,
           "test": "paired t", "es_type": "hedges_g_av"}
    if n < 2:
        return out
    df = n - 1
    se = d.std(ddof=1) / math.sqrt(n)
    if se == 0:
        return out                      # every change equal: no t, no interval
    q = _t_ppf(0.5 + level / 2, df)
    t = d.mean() / se
    s_av = math.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2)
    out.update({"diff_ci_low": d.mean() - q * se, "diff_ci_high": d.mean() + q * se, "t": t,
                "df": float(df), "p": float(2 * _t_sf(abs(t), df))})
    # d_z: the mean change over the SD of the changes, with the exact noncentral-t interval
    # (effectsize::cohens_d(paired = TRUE) finds the same bounds by optimisation)
    low, high = t_ncp_ci(t, df, level)
    out.update({"d_z": t / math.sqrt(n), "d_z_ci_low": low / math.sqrt(n),
                "d_z_ci_high": high / math.sqrt(n)})
    if s_av > 0 and n > 2:
        d_av = d.mean() / s_av
        se_d = se / s_av  # Algina & Keselman (2003), as effectsize::repeated_measures_d "av"
        z = stats.norm.ppf(0.5 + level / 2)
        J = _hedges_j(df)
        out.update({"es": J * d_av, "es_ci_low": J * (d_av - z * se_d),
                    "es_ci_high": J * (d_av + z * se_d)})
    return out


def _between(x: np.ndarray, y: np.ndarray, level: float) -> dict:
    """Welch t of ``mean(y) - mean(x)`` with Hedges' g (pooled SD, noncentral-t interval)."""
    n1, n2 = x.size, y.size
    out = {"n1": n1, "n2": n2, "mean1": x.mean() if n1 else math.nan,
           "mean2": y.mean() if n2 else math.nan, "test": "Welch t", "es_type": "hedges_g"}
    out["mean_diff"] = out["mean2"] - out["mean1"]
    if n1 < 2 or n2 < 2:
        return out
    v1, v2 = x.var(ddof=1), y.var(ddof=1)
    se = math.sqrt(v1 / n1 + v2 / n2)
    df = se ** 4 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1)) if se > 0 else math.nan
    t = out["mean_diff"] / se if se > 0 else math.nan
    q = _t_ppf(0.5 + level / 2, df) if se > 0 else math.nan
    out.update({"diff_ci_low": out["mean_diff"] - q * se, "diff_ci_high": out["mean_diff"] + q * se,
                "t": t, "df": df, "p": float(2 * _t_sf(abs(t), df)) if se > 0 else math.nan})
    dfp = n1 + n2 - 2
    sp = math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / dfp)
    if sp > 0 and dfp > 1:
        d = out["mean_diff"] / sp
        hn = 1 / n1 + 1 / n2
        low, high = t_ncp_ci(d / math.sqrt(hn), dfp, level)
        J = _hedges_j(dfp)
        out.update({"es": J * d, "es_ci_low": J * low * math.sqrt(hn),
                    "es_ci_high": J * high * math.sqrt(hn)})
    return out


def followups(Y: np.ndarray, groups: Sequence, group_levels: Sequence, waves: Sequence,
              outcome: str = "", level: float = _FOLLOWUP_CI,
              factors: Mapping[str, tuple[Sequence, Sequence]] | None = None) -> pd.DataFrame:
    """Simple-effect follow-ups of the ANOVA on its analysed sample.

    - ``comparison = "within"``: in each cell (group, crossed with any further factors), a
      paired t test of later minus earlier wave, for consecutive waves and, with 3 or more
      waves, baseline vs every later wave (``"post - pre"``); effect size Hedges' ``g_av``: the
      mean change over ``sqrt((s1^2 + s2^2) / 2)`` (Cumming 2012), times Hedges' exact
      ``J(n - 1)``, with the normal interval of Algina & Keselman (2003), as
      ``effectsize::repeated_measures_d(method = "av")``; and ``d_z`` with its noncentral-t
      interval;
    - ``comparison = "between"``: at each wave, every pair of levels of one factor (each later
      level minus an earlier one: with two groups, the other group minus the reference) within
      each combination of the other factors' levels; the compared factor's column is blank.
      Welch's t test and interval of the mean difference; effect size Hedges' ``g`` (pooled
      SD, ``J(n1 + n2 - 2)``) with the noncentral-t interval, as ``effectsize::hedges_g``.

    ``mean_diff = mean2 - mean1`` (``mean2``: the later wave, or the later level);
    intervals are 95%. ``p_holm_pairs``: Holm-adjusted across the pairs of one family (the
    wave pairs within a cell; the level pairs of one factor at a wave and level of the other
    factors), as R's ``p.adjust(method = "holm")``; ``p_adjusted`` is filled in by
    :func:`for_study`, across outcomes.

    Examples
    --------
    >>> Y = np.array([[1., 2.], [3., 5.], [2., 2.], [4., 7.], [2., 6.], [3., 5.]])
    >>> table = followups(Y, ["a", "a", "a", "b", "b", "b"], ["a", "b"], ["pre", "post"])
    >>> table[["comparison", "group", "wave", "contrast", "t", "df"]].round(3)
      comparison group  wave    contrast      t   df
    0     within     a        post - pre  1.732  2.0
    1     within     b        post - pre  5.196  2.0
    2    between         pre       b - a  1.225  4.0
    3    between        post       b - a  2.598  3.2
    """
    keys = _design_keys(groups, group_levels, factors)
    rows, families = [], []
    for labels, mask in _level_combinations(keys, len(Y)):
        block = Y[mask]
        for a, b in _wave_pairs(waves):
            rows.append({"outcome": outcome, "comparison": "within", **labels, "wave": "",
                         "contrast": f"{waves[b]} - {waves[a]}",
                         **_paired(block[:, a], block[:, b], level)})
            families.append(("within", *labels.values()))
    # the participants of each level of each factor, within each combination of the others
    groupings = {}
    for compared, (values, levels) in keys.items():
        others = {name: key for name, key in keys.items() if name != compared}
        in_level = [values == level for level in levels]
        groupings[compared] = [(labels, [mask & one for one in in_level])
                               for labels, mask in _level_combinations(others, len(Y))]
    for j, wave in enumerate(waves):
        for compared, (values, levels) in keys.items():
            for labels, in_level in groupings[compared]:
                # every pair of levels, each later level minus an earlier one (the reference first)
                for a, first in enumerate(levels):
                    for b, other in enumerate(levels[a + 1:], start=a + 1):
                        rows.append({"outcome": outcome, "comparison": "between", **labels,
                                     compared: "", "wave": wave, "contrast": f"{other} - {first}",
                                     **_between(Y[in_level[a], j], Y[in_level[b], j], level)})
                        families.append(("between", wave, compared, *labels.values()))
    columns = with_factors(FOLLOWUP_COLUMNS, list(factors or {}))
    table = pd.DataFrame(rows).reindex(columns=columns)
    table["ci_level"] = level
    # Holm across the pairs of one family: the wave pairs within a cell, the level pairs of a
    # factor at a wave (and level of the other factors)
    table["p_holm_pairs"] = np.nan
    family_ids = pd.Series(families, dtype=object).map(str).to_numpy()
    for key in pd.unique(family_ids):
        rows_of = np.flatnonzero(family_ids == key)
        table.loc[table.index[rows_of], "p_holm_pairs"] = p_adjust(table["p"].iloc[rows_of], "holm")
    return table.reindex(columns=columns)


def _box_m(Y: np.ndarray, groups: np.ndarray, levels: Sequence) -> tuple[float, float, float, str]:
    """Box's M, chi-square approximation (as ``heplots::boxM``): (chi2, df, p, note)."""
    p = Y.shape[1]
    blocks = [Y[groups == level] for level in levels]
    dfs = np.array([len(b) - 1 for b in blocks], dtype=float)
    if (dfs < p).any():
        return math.nan, math.nan, math.nan, f"a group has {p} or fewer participants"
    covs = [np.cov(b, rowvar=False) for b in blocks]
    dfe = dfs.sum()
    pooled = sum(d * c for d, c in zip(dfs, covs)) / dfe
    logdets = [np.linalg.slogdet(c) for c in covs]
    pooled_sign, pooled_logdet = np.linalg.slogdet(pooled)
    if pooled_sign <= 0 or any(sign <= 0 for sign, _ in logdets):
        return math.nan, math.nan, math.nan, "a covariance matrix is singular"
    M = dfe * pooled_logdet - sum(d * ld for d, (_, ld) in zip(dfs, logdets))
    g = len(blocks)
    c1 = (np.sum(1 / dfs) - 1 / dfe) * (2 * p ** 2 + 3 * p - 1) / (6 * (p + 1) * (g - 1))
    chi2 = M * (1 - c1)
    df = p * (p + 1) * (g - 1) / 2
    return float(chi2), float(df), float(stats.chi2.sf(chi2, df)), "chi-square approximation"


def shapiro_test(values: np.ndarray) -> tuple[float, float] | None:
    """Shapiro-Wilk W and p (Royston's algorithm, as R's ``shapiro.test``), or None when
    fewer than 3 different values leave it undefined."""
    if values.size < 3 or np.ptp(values) == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # large n: callers say so in a note
        result = stats.shapiro(values)
    return float(result.statistic), float(result.pvalue)


def levene_test(samples: Sequence[np.ndarray], centre: str) -> tuple[float, float]:
    """Levene's F and p across ``samples`` about each sample's ``centre`` (``mean``: as SPSS;
    ``median``: Brown-Forsythe, the default of ``car::leveneTest``)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = stats.levene(*samples, center=centre)
    return float(result.statistic), float(result.pvalue)


def assumptions(Y: np.ndarray, groups: Sequence, group_levels: Sequence, waves: Sequence,
                outcome: str = "", anova_table: pd.DataFrame | None = None,
                factors: Mapping[str, tuple[Sequence, Sequence]] | None = None) -> pd.DataFrame:
    """Assumption checks of the ANOVA on its analysed sample (reported, never used to gate).

    Rows (``test``): ``shapiro_wilk`` per cell x wave (W, ``scipy.stats.shapiro``, Royston's
    algorithm as R's ``shapiro.test``); ``levene_mean`` (centre: the cell mean, as SPSS) and
    ``levene_median`` (centre: the median, Brown-Forsythe, the default of ``car::leveneTest``)
    per wave across the cells (groups, crossed with any further ``factors``: F, df1, df2);
    ``box_m`` across the cells with 2 or more waves (chi-square, df1); ``mauchly`` (W, 3 or
    more waves).

    Examples
    --------
    >>> Y = np.array([[1., 2.], [3., 5.], [2., 2.], [4., 7.], [2., 6.], [3., 5.], [5., 5.]])
    >>> table = assumptions(Y, list("aaabbbb"), ["a", "b"], ["pre", "post"])
    >>> table["test"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['shapiro_wilk', 'shapiro_wilk', 'shapiro_wilk', 'shapiro_wilk', 'levene_mean', 'levene_median',
     'levene_mean', 'levene_median', 'box_m']
    """
    all_cells = _level_combinations(_design_keys(groups, group_levels, factors), len(Y))
    rows = []
    for labels, mask in all_cells:
        for j, wave in enumerate(waves):
            values = Y[mask, j]
            row = {"outcome": outcome, "test": "shapiro_wilk", **labels, "wave": wave,
                   "n": values.size, "note": ""}
            tested = shapiro_test(values)
            if tested is not None:
                row["statistic"], row["p"] = tested
                if values.size > 5000:
                    row["note"] = ("n > 5000: p is approximate (R's shapiro.test refuses such "
                                   "samples); at this size any small departure is significant")
            else:
                row["note"] = "needs 3 or more different values"
            rows.append(row)
    blank = {name: "" for name in labels}
    several = len(all_cells) >= 2
    unit = "cell" if factors else "group"
    for j, wave in enumerate(waves if several else []):   # between cells only
        samples = [Y[mask, j] for _, mask in all_cells]
        for centre in ("mean", "median"):
            row = {"outcome": outcome, "test": f"levene_{centre}", **blank, "wave": wave,
                   "n": int(sum(s.size for s in samples)),
                   "df1": float(len(samples) - 1),
                   "df2": float(sum(s.size for s in samples) - len(samples)),
                   "note": f"centre: {unit} mean (SPSS)" if centre == "mean"
                   else f"centre: {unit} median (Brown-Forsythe; car::leveneTest default)"}
            row["statistic"], row["p"] = levene_test(samples, centre)
            rows.append(row)
    if several and Y.shape[1] >= 2:
        cell_index = np.zeros(len(Y), dtype=int)
        for index, (_, mask) in enumerate(all_cells):
            cell_index[mask] = index
        chi2, df, p, note = _box_m(Y, cell_index, list(range(len(all_cells))))
        rows.append({"outcome": outcome, "test": "box_m", **blank, "wave": "", "statistic": chi2,
                     "df1": df, "p": p, "n": Y.shape[0], "note": note})
    if Y.shape[1] >= 3:
        if anova_table is None:     # Mauchly's test is the ANOVA's: reuse it when given
            between = {name: values for name, (values, levels) in _design_keys(
                groups, group_levels, factors).items() if len(levels) >= 2}
            anova_table = factorial_anova(Y, between)
        time = anova_table.loc[anova_table["effect"] == "time"].iloc[0]
        rows.append({"outcome": outcome, "test": "mauchly", **blank, "wave": "",
                     "statistic": time["mauchly_w"], "df1": (len(waves) - 1) * len(waves) / 2 - 1,
                     "p": time["mauchly_p"], "n": Y.shape[0], "note": "W; p as R's mauchly.test"})
    return pd.DataFrame(rows).reindex(columns=with_factors(ASSUMPTION_COLUMNS, list(factors or {})))


# --------------------------------------------------------------------------------------------
# Linear mixed model
# --------------------------------------------------------------------------------------------


@dataclass
class RandomInterceptFit:
    """REML fit of ``y = X beta + u_participant + e`` (:func:`fit_random_intercept`)."""

    beta: np.ndarray        # fixed effects, in the order of X's columns
    cov: np.ndarray         # their covariance (X' V^-1 X)^-1 at the REML variances
    sigma2: float           # residual variance
    tau2: float             # random-intercept variance
    converged: bool
    note: str
    #: the per-participant sums the REML criterion is made of (for :func:`satterthwaite_df`)
    sums: "ParticipantSums | None" = None


@dataclass
class ParticipantSums:
    """The sums the REML criterion of :func:`fit_random_intercept` is made of, grouped by how
    many observations a participant has (``sizes``): the weight ``g / (1 + m g)`` of a
    participant depends on that count alone, so ``sum_i w_i s_i s_i'`` is ``sum_m w(m) SS_m``
    with ``SS_m = sum of s_i s_i'`` over the participants with ``m`` observations. One
    evaluation then costs a few p x p products, whatever the number of participants."""

    sizes: np.ndarray       # distinct observation counts m
    counts: np.ndarray      # participants with each
    SS: np.ndarray          # (k, p, p): sum of s_i s_i' per count
    St: np.ndarray          # (k, p): sum of t_i s_i
    tt: np.ndarray          # (k,): sum of t_i^2
    XtX: np.ndarray
    Xty: np.ndarray
    yty: float

    @classmethod
    def of(cls, m: np.ndarray, S: np.ndarray, t: np.ndarray, XtX, Xty, yty) -> "ParticipantSums":
        whole = m.astype(np.intp)
        if len(m) and (whole == m).all() and 0 <= whole.min():
            # observation counts: np.unique's sizes and inverse, by a look-up table
            group, distinct = factorise_small_ints(whole, int(whole.max()) + 1)
            sizes = distinct.astype(float)
        else:
            sizes, group = np.unique(m, return_inverse=True)
        k, p = len(sizes), S.shape[1]
        SS = np.zeros((k, p, p))
        St = np.zeros((k, p))
        for index in range(k):
            rows = group == index
            SS[index] = S[rows].T @ S[rows]
            St[index] = S[rows].T @ t[rows]
        return cls(sizes=sizes.astype(float), counts=np.bincount(group, minlength=k).astype(float),
                   SS=SS, St=St, tt=np.bincount(group, weights=t * t, minlength=k), XtX=XtX,
                   Xty=Xty, yty=float(yty))


def _A_and_Q(sums: ParticipantSums, g: float):
    """A(g), Q(g) and beta(g) of :func:`fit_random_intercept`."""
    w = g / (1.0 + sums.sizes * g)
    A = sums.XtX - np.tensordot(w, sums.SS, axes=1)
    b = sums.Xty - w @ sums.St
    beta = np.linalg.solve(A, b)
    Q = sums.yty - float(w @ sums.tt) - float(b @ beta)
    return A, Q, beta


def _reml_deviance(sums: ParticipantSums, sigma2: float, tau2: float) -> float:
    """-2 REML log-likelihood (up to a constant) at residual variance ``sigma2`` and
    random-intercept variance ``tau2``, not profiled:
    ``sum_i [(m_i - 1) log sigma2 + log(sigma2 + m_i tau2)] + log|A| - p log sigma2 + Q / sigma2``
    (``X'V^-1 X = A / sigma2``, ``r'V^-1 r = Q / sigma2``)."""
    m, n, p = sums.sizes, sums.counts, sums.XtX.shape[0]
    A, Q, _ = _A_and_Q(sums, tau2 / sigma2)
    _, logdet = np.linalg.slogdet(A)
    return float((n * (m - 1)).sum() * math.log(sigma2) + (n * np.log(sigma2 + m * tau2)).sum()
                 + logdet - p * math.log(sigma2) + Q / sigma2)


def satterthwaite_df(fit: "RandomInterceptFit", contrasts: np.ndarray) -> np.ndarray:
    """Satterthwaite denominator df of each contrast (row of ``contrasts``) of the fixed effects,
    as lmerTest computes them (Kuznetsova, Brockhoff & Christensen 2017):
    ``df = 2 f^2 / (g' A g)``, ``f = c' Cov(beta) c``, ``g`` its gradient in the variance
    parameters and ``A = 2 H^-1`` their asymptotic covariance, ``H`` the Hessian of the REML
    deviance (:func:`_reml_deviance`); derivatives by central differences, as lmerTest's numDeriv
    (agreement about 1e-6 relative). df is invariant to the variance parameterisation, so
    ``(sigma2, tau2)`` serve. A random-intercept variance of 0 (a singular fit) leaves no
    interior point to differentiate at: NaN."""
    contrasts = np.atleast_2d(np.asarray(contrasts, dtype=float))
    if fit.sums is None or fit.tau2 <= 0 or fit.sigma2 <= 0:
        return np.full(len(contrasts), math.nan)
    point = np.array([fit.sigma2, fit.tau2])
    steps = 1e-4 * point

    def deviance(x):
        return _reml_deviance(fit.sums, x[0], x[1])

    H = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * steps[i], np.eye(2)[j] * steps[j]
            H[i, j] = (deviance(point + ei + ej) - deviance(point + ei - ej) - deviance(point - ei + ej)
                       + deviance(point - ei - ej)) / (4 * steps[i] * steps[j])
    H_inv = np.linalg.inv(H)

    def covariance(x):
        A, _, _ = _A_and_Q(fit.sums, x[1] / x[0])
        return x[0] * np.linalg.inv(A)

    variance = np.einsum("ij,jk,ik->i", contrasts, fit.cov, contrasts)
    gradient = np.zeros((len(contrasts), 2))
    for i in range(2):
        e = np.eye(2)[i] * steps[i]
        upper, lower = covariance(point + e), covariance(point - e)
        gradient[:, i] = (np.einsum("ij,jk,ik->i", contrasts, upper, contrasts)
                          - np.einsum("ij,jk,ik->i", contrasts, lower, contrasts)) / (2 * steps[i])
    return variance ** 2 / np.einsum("ij,jk,ik->i", gradient, H_inv, gradient)


def _joint_f(fit: "RandomInterceptFit", L: np.ndarray) -> tuple[float, float, float]:
    """F test of ``L beta = 0`` with Satterthwaite denominator df, as lmerTest's ``anova()``
    (contestMD): F = mean of the squared t of the eigen-directions of ``L Cov L'``; the df from
    their Satterthwaite df ``nu_m`` (all equal: their mean; any <= 2: 2; else 2E / (E - q) with
    E = sum nu_m / (nu_m - 2)). Returns (F, q, df)."""
    values, vectors = np.linalg.eigh(L @ fit.cov @ L.T)
    directions = vectors.T @ L
    t2 = (directions @ fit.beta) ** 2 / values
    q = len(values)
    nu = satterthwaite_df(fit, directions)
    if np.all(np.abs(nu - nu[0]) < 1e-8):
        df = float(nu.mean())
    elif np.any(nu <= 2):
        df = 2.0
    else:
        E = float(np.sum(nu / (nu - 2)))
        df = 2 * E / (E - q)
    return float(t2.sum() / q), float(q), df


def fit_random_intercept(y: np.ndarray, X: np.ndarray, ids: np.ndarray,
                         XtX: np.ndarray | None = None) -> RandomInterceptFit:
    """REML estimates of a linear model with a random intercept per participant.

    With ``V_i = sigma2 (I + g J)`` (g = tau2 / sigma2, ``J`` the matrix of ones) the REML
    criterion profiles out beta and sigma2 and depends on g alone (Harville, 1977):

        -2 l_R(g) = (N - p) log(Q(g) / (N - p)) + sum_i log(1 + m_i g) + log |A(g)| + const,

    with ``A(g) = X'X - sum_i w_i s_i s_i'``, ``w_i = g / (1 + m_i g)``, ``s_i`` the sum of
    participant i's rows of X, ``t_i`` the sum of their y, ``b(g) = X'y - sum_i w_i t_i s_i``
    and ``Q(g) = y'y - sum_i w_i t_i^2 - b' A^-1 b``. ``w_i`` depends only on ``m_i``, so the
    sums are taken once per observation count (:class:`ParticipantSums`) and one evaluation
    costs a few p x p products whatever the number of participants; g is found by a grid on
    theta = sqrt(g) (lme4's parameter, >= 0) refined by bounded Brent search. Then
    beta = A^-1 b, sigma2 = Q / (N - p), tau2 = g sigma2 and cov(beta) = sigma2 A^-1, the
    estimates and standard errors of ``lme4::lmer(..., REML = TRUE)``.

    References
    ----------
    Harville, D. A. (1977). Maximum likelihood approaches to variance component estimation and to
    related problems. Journal of the American Statistical Association, 72(358), 320-338.

    Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models
    using lme4. Journal of Statistical Software, 67(1).

    Examples
    --------
    Four participants at two waves (balanced, so REML equals the ANOVA estimators: sigma2 =
    MS within = 0.625 / 3, tau2 = (MS between - MS within) / 2 = (3.625 / 3 - 0.625 / 3) / 2):

    >>> ids = np.repeat(np.arange(4), 2)
    >>> X = np.column_stack([np.ones(8), np.tile([0.0, 1.0], 4)])
    >>> y = np.array([1.0, 2, 2, 3.5, 3, 3.5, 2, 4])
    >>> fit = fit_random_intercept(y, X, ids)
    >>> np.round(fit.beta, 6).tolist(), round(fit.sigma2, 6), round(fit.tau2, 6)
    ([2.0, 1.25], 0.208333, 0.5)
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    ids = np.asarray(ids)
    if ids.dtype.kind in "iu" and len(ids) and (ids[1:] >= ids[:-1]).all():
        # sorted codes (the stage's): their ranks among the distinct codes, as factorize gives
        participant = np.concatenate([[0], np.cumsum(ids[1:] != ids[:-1])])
    else:
        participant, _ = pd.factorize(pd.Series(ids), sort=True)
    n_groups = int(participant.max()) + 1
    N, p = X.shape
    m = np.bincount(participant, minlength=n_groups).astype(float)
    S = np.zeros((n_groups, p))
    for column in range(p):             # per-participant sums of each column of X
        S[:, column] = np.bincount(participant, weights=X[:, column], minlength=n_groups)
    t = np.bincount(participant, weights=y, minlength=n_groups)
    sums = ParticipantSums.of(m, S, t, X.T @ X if XtX is None else XtX, X.T @ y, float(y @ y))
    dof = N - p

    def parts(theta: float):
        g = theta * theta
        A, Q, beta = _A_and_Q(sums, g)
        return g, A, beta, Q

    def deviance(theta: float) -> float:
        g, A, _, Q = parts(theta)
        sign, logdet = np.linalg.slogdet(A)
        if Q <= 0 or sign <= 0:
            return math.inf
        return dof * math.log(Q / dof) + float((sums.counts * np.log1p(sums.sizes * g)).sum()) + logdet

    grid = np.concatenate([[0.0], np.geomspace(1e-3, 1e3, 61)])
    values = np.array([deviance(theta) for theta in grid])
    best = int(np.argmin(values))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    search = optimize.minimize_scalar(deviance, bounds=(low, high), method="bounded",
                                      options={"xatol": 1e-10, "maxiter": 500})
    theta = float(search.x) if search.fun <= values[best] else float(grid[best])
    if values[0] <= deviance(theta):          # grid[0] = 0: no random-intercept variance
        theta = 0.0
    g, A, beta, Q = parts(theta)
    sigma2 = Q / dof
    note = "" if theta > 0 else "random-intercept variance estimated as 0 (singular fit, as lme4 reports it)"
    return RandomInterceptFit(beta=beta, cov=sigma2 * np.linalg.inv(A), sigma2=sigma2, tau2=g * sigma2,
                              converged=bool(search.success) and best < len(grid) - 1, note=note,
                              sums=sums)


def _mixed_model_design(wave: np.ndarray, group: np.ndarray, factor: Mapping[str, np.ndarray],
                        group_levels: Sequence, waves: Sequence,
                        factors: Mapping[str, Sequence]) -> tuple[list[str], np.ndarray, list[str]]:
    """The fixed-effects design of :func:`mixed_model`: its column names, the matrix (one row per
    observation) and the names of the terms it reports. ``wave``, ``group`` and each array of
    ``factor`` hold every observation's position among ``waves``, ``group_levels`` and that
    factor's levels.

    The full factorial of time and group (treatment coded: baseline wave, reference group) and
    the further factors (sum-to-zero coded, R's ``contr.sum``, so that the time x group terms
    are averaged over the further factors' levels with equal weights: the Type III hypothesis).
    Columns are named ``time[post]``, ``group[imp]``, ``sex[f]`` and joined by ``:``."""
    from itertools import combinations, product

    parts = [{f"time[{w}]": (wave == j).astype(float) for j, w in enumerate(waves) if j},
             {f"group[{g}]": (group == j).astype(float) for j, g in enumerate(group_levels) if j}]
    for name, levels in factors.items():
        last = (factor[name] == len(levels) - 1).astype(float)
        parts.append({f"{name}[{level}]": (factor[name] == j).astype(float) - last
                      for j, level in enumerate(levels[:-1])})
    parts = [part for part in parts if part]
    columns = {"(Intercept)": []}        # name -> the coded columns it is the product of
    for size in range(1, len(parts) + 1):
        for combo in combinations(parts, size):
            for chosen in product(*[list(part.items()) for part in combo]):
                columns[":".join(name for name, _ in chosen)] = [v for _, v in chosen]
    reported = [f"time[{w}]:group[{g}]" for w in waves[1:] for g in group_levels[1:]]
    if len(group_levels) < 2:       # a single arm: the change from baseline to each wave
        reported = [f"time[{w}]" for w in waves[1:]]
    # laid out as pandas lays out a frame of these columns (one block, a column per row)
    # and hands it over by to_numpy(): the fit's sums do not depend on how it was built.
    # The entries are 0, 1 and -1: products are exact, whatever their order.
    X = np.empty((len(columns), len(wave)))
    for row, coded in enumerate(columns.values()):
        if not coded:
            X[row] = 1.0
        elif len(coded) == 1:
            X[row] = coded[0]
        else:
            np.multiply(coded[0], coded[1], out=X[row])
            for more in coded[2:]:
                X[row] *= more
    return list(columns), X.T, reported


def _positions(values: pd.Series, levels: Sequence) -> np.ndarray:
    """Each value's position among ``levels`` (-1: none), by ``==`` as a filter compares."""
    out = np.full(len(values), -1)
    for j, level in enumerate(levels):
        out[(values == level).to_numpy(bool)] = j
    return out


def mixed_model(long: pd.DataFrame, group_levels: Sequence, waves: Sequence,
                outcome: str = "", level: float = 0.95,
                factors: Mapping[str, Sequence] | None = None) -> pd.DataFrame:
    """Sensitivity analysis: linear mixed model of all available scores.

    ``score ~ time * group (* factors) + (1 | participant)``, fitted by REML
    (:func:`fit_random_intercept`); time and group are treatment coded (baseline wave,
    reference group), any further between ``factors`` (name -> levels; ``long`` then has a
    column per factor) sum-to-zero coded (:func:`_mixed_model_design`), so each interaction
    term ``time[w]:group[g]`` is the difference between group ``g`` and the reference group in
    the mean change from baseline to wave ``w``, in score units. Participants with a wave
    missing enter with the scores they have (missing at random). Standard errors from the fixed
    effects' covariance ``(X' V^-1 X)^-1`` at the REML variance estimates (as ``lme4::lmer``);
    t tests and t intervals with Satterthwaite df (:func:`satterthwaite_df`), as
    ``lmerTest::lmer`` reports them (Wald z p values are anti-conservative in samples of 20-50);
    with more than one interaction term a joint F row ``group:time`` follows, with the
    Satterthwaite denominator df of ``lmerTest``'s ``anova()``. A single arm (one group) gets
    the change from baseline to each wave, ``time[w]``, and the joint ``time`` row.
    ``tests/reference/anova_reference.R`` compares every number with lmerTest. A singular fit
    (random-intercept variance 0) falls back to Wald z and chi-square, saying so in ``note``.

    Parameters
    ----------
    long : DataFrame
        Columns ``participant``, ``group``, ``wave``, ``score`` (NaN rows are dropped).

    Examples
    --------
    >>> long = pd.DataFrame({"participant": list("aabbccddeeff") + ["g"],
    ...     "wave": ["pre", "post"] * 6 + ["pre"], "group": list("xxxxxxyyyyyy") + ["y"],
    ...     "score": [1, 2, 2, 2.5, 3, 3.5, 2, 4, 1, 4, 3, 5.5, 2]})
    >>> table = mixed_model(long, ["x", "y"], ["pre", "post"])
    >>> table[["term", "n_participants", "n_observations"]]
                      term  n_participants  n_observations
    0  time[post]:group[y]               7              13
    >>> round(float(table["estimate"].iloc[0]), 4)
    1.8333
    """
    factors = {name: [str(v) for v in levels] for name, levels in (factors or {}).items()}
    data = long.dropna(subset=["score"])
    data = data[data["group"].isin(group_levels) & data["wave"].isin(waves)]
    for name, levels in factors.items():
        data = data[data[name].astype(str).isin(levels)]
    participant, _ = pd.factorize(data["participant"].astype(str), sort=True)
    return _fitted_mixed_model(
        data["score"].to_numpy(float), participant, _positions(data["wave"], waves),
        _positions(data["group"], group_levels),
        {name: _positions(data[name].astype(str), levels) for name, levels in factors.items()},
        group_levels, waves, factors, outcome, level)


def _fitted_mixed_model(score: np.ndarray, participant: np.ndarray, wave: np.ndarray,
                        group: np.ndarray, factor: Mapping[str, np.ndarray], group_levels: Sequence,
                        waves: Sequence, factors: Mapping[str, Sequence], outcome: str,
                        level: float) -> pd.DataFrame:
    """The table of :func:`mixed_model` from its observations: the score, the participant (codes
    in the order of their identifiers) and the positions of the wave, group and factor levels."""
    names, X, interactions = _mixed_model_design(wave, group, factor, group_levels, waves, factors)
    group_columns = len(group_levels) > 1
    n_participants = int(np.count_nonzero(np.bincount(participant[participant >= 0])))
    base = {"outcome": outcome, "ci_level": level, "n_participants": n_participants,
            "n_observations": int(len(score)), "method": "REML, random intercept per participant"}
    XtX = X.T @ X
    note = ""
    if len(score) and np.ptp(score) == 0:
        note = "no variance: every score is the same; the model is not defined"
    elif not len(score) or _rank(X, XtX) < X.shape[1]:
        note = ("not estimable: a cell of the design (group, factor level and wave) has no "
                "score")
    if note:
        return pd.DataFrame([{**base, "term": name, "note": note} for name in interactions]
                            ).reindex(columns=MIXED_MODEL_COLUMNS)
    fit = fit_random_intercept(score, X, participant, XtX)
    fe_params = pd.Series(fit.beta, index=names)
    cov = pd.DataFrame(fit.cov, index=names, columns=names)
    position = {name: i for i, name in enumerate(names)}
    L = np.zeros((len(interactions), len(names)))
    for row, name in enumerate(interactions):
        L[row, position[name]] = 1.0
    dfs = satterthwaite_df(fit, L)
    rows = []
    for name, df in zip(interactions, dfs):
        estimate = float(fe_params[name])
        se = math.sqrt(cov.loc[name, name])
        if math.isfinite(df):
            q = _t_ppf(0.5 + level / 2, df)
            p = float(2 * _t_sf(abs(estimate / se), df))
            kind = "t"
        else:         # a singular fit: Wald z, as lme4 without lmerTest
            q, p, kind = stats.norm.ppf(0.5 + level / 2), float(2 * stats.norm.sf(abs(estimate / se))), "z"
        rows.append({**base, "term": name, "estimate": estimate, "se": se,
                     "ci_low": estimate - q * se, "ci_high": estimate + q * se,
                     "statistic": estimate / se, "statistic_type": kind, "df1": math.nan, "df": df,
                     "p": p})
    if len(interactions) > 1:
        term = "group:time" if group_columns else "time"
        if fit.tau2 > 0:
            F, q, df = _joint_f(fit, L)
            rows.append({**base, "term": term, "statistic": F, "statistic_type": "F", "df1": q,
                         "df": df, "p": float(stats.f.sf(F, q, df))})
        else:
            b = fe_params[interactions].to_numpy()
            V = cov.loc[interactions, interactions].to_numpy()
            chi2 = float(b @ np.linalg.solve(V, b))
            rows.append({**base, "term": term, "statistic": chi2, "statistic_type": "Wald chi2",
                         "df1": float(len(interactions)), "df": math.nan,
                         "p": float(stats.chi2.sf(chi2, len(interactions)))})
    table = pd.DataFrame(rows)
    table["converged"] = fit.converged
    table["note"] = fit.note
    return table.reindex(columns=MIXED_MODEL_COLUMNS)


# --------------------------------------------------------------------------------------------
# The study
# --------------------------------------------------------------------------------------------


def _assign(data: pd.DataFrame, column: str, levels: Sequence[str], where: str,
            participant: np.ndarray, n_participants: int,
            label: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each participant's level of a between factor (the same at every wave), or the reason
    they have none: ``"<label> missing"``, ``"<label> differs between waves (a, b)"``,
    ``"<label> x not among <where>"``. ``participant``: each row's participant (its position
    among the ``n_participants``); returns, per participant, the level (None without one) and the
    reason ("" without one)."""
    label = label or column
    named = data[column].notna().to_numpy(bool)
    codes, distinct = pd.factorize(data[column].to_numpy()[named])
    # the level as text, once per distinct value; values that read alike are one level
    text_codes, texts = pd.factorize(np.array([level_text(value) for value in distinct] + [""],
                                              dtype=object))
    texts = np.asarray(texts, dtype=object)
    text = text_codes[:-1][codes]
    kept = text != text_codes[-1]
    pairs = participant[named][kept].astype(np.int64) * len(texts) + text[kept]
    pairs = factorise_small_ints(pairs, n_participants * len(texts))[1]     # the distinct pairs
    who, what = pairs // len(texts), pairs % len(texts)
    count = np.bincount(who, minlength=n_participants)
    value_of = np.full(n_participants, None, dtype=object)
    reason_of = np.full(n_participants, "", dtype=object)
    single = count[who] == 1
    value_of[who[single]] = texts[what[single]]
    reason_of[count == 0] = f"{label} missing"
    unknown = np.array([value not in levels for value in texts], dtype=bool)
    for person, value in zip(who[single & unknown[what]], texts[what[single & unknown[what]]]):
        reason_of[person] = f"{label} {value} not among {where}"
    several: dict[int, list[str]] = {}
    for person, value in zip(who[~single], texts[what[~single]]):
        several.setdefault(int(person), []).append(value)
    for person, values in several.items():
        reason_of[person] = f"{label} differs between waves ({', '.join(sorted(values))})"
    return value_of, reason_of


def _prepare(scores_wide: pd.DataFrame, study: Mapping,
             further: Mapping[str, Sequence[str]] | None = None) -> tuple[pd.DataFrame, dict]:
    """Check the input; return it (waves as text) and what the outcomes share: the participants
    (sorted), each row's participant and wave (positions among them and the study's waves),
    each participant's group and further factor levels (None without one) and the reasons
    they have none ("" for everyone else)."""
    further = dict(further or {})
    missing = [c for c in ("participant", "wave", "group", *further) if c not in scores_wide.columns]
    if missing:
        raise UserError(f"scores_wide: column(s) {', '.join(missing)} missing; the ANOVA needs "
                        "participant, wave, group and each factor (as the score stage writes them)")
    data = scores_wide.copy()
    data["participant"] = data["participant"].astype(str)
    data["wave"] = data["wave"].astype(str)
    waves = [str(w) for w in study["waves"]]
    # participants in sorted order (as sorted() orders their identifiers), once for every outcome
    codes, distinct = pd.factorize(data["participant"].to_numpy(), use_na_sentinel=False)
    distinct = np.asarray(distinct, dtype=object)
    order = np.array(sorted(range(len(distinct)), key=distinct.__getitem__), dtype=np.intp)
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    participant, participants = rank[codes], distinct[order]
    wave_codes, wave_values = pd.factorize(data["wave"].to_numpy(), use_na_sentinel=False)
    pair = participant.astype(np.int64) * max(len(wave_values), 1) + wave_codes
    if len(pd.unique(pair)) < len(pair):
        duplicated = data.duplicated(subset=["participant", "wave"], keep=False)
        pairs = data.loc[duplicated, ["participant", "wave"]].drop_duplicates()
        listed = ", ".join(f"participant {p} wave {w}" for p, w in
                           pairs.head(_SHOW).itertuples(index=False))
        more = f" (and {len(pairs) - _SHOW} more)" if len(pairs) > _SHOW else ""
        raise UserError(f"scores_wide: repeated rows for {listed}{more}; the ANOVA needs one row "
                        "per participant and wave (set duplicates: in the study config so ingest "
                        "resolves them)")
    unknown = sorted(set(wave_values) - set(waves))
    if unknown:
        raise UserError(f"scores_wide: wave value(s) {', '.join(unknown)} are not among the "
                        f"study's waves ({', '.join(waves)})")
    wave = np.array([waves.index(w) for w in wave_values], dtype=np.intp)[wave_codes]
    n = len(participants)
    group_of, reason = _assign(data, "group", [str(g) for g in study["groups"]],
                               "the study's groups", participant, n)
    reasons = [reason]
    factor_of = {}
    for index, (name, levels) in enumerate(further.items()):
        factor_of[name], reason = _assign(data, name, levels,
                                          f"factors[{index}].levels ({', '.join(levels)})",
                                          participant, n)
        reasons.append(reason)
    reason = reasons[0].copy()
    for person in np.flatnonzero(np.any([r != "" for r in reasons[1:]], axis=0)) if len(reasons) > 1 else []:
        reason[person] = "; ".join(found[person] for found in reasons if found[person])
    levels = {"group": group_of, **factor_of}
    # the levels as a text array, to compare levels with in C (a participant without a level is
    # never analysed)
    keys = {name: np.array(["" if value is None else value for value in values], dtype=str)
            for name, values in levels.items()}
    return data, {"participants": participants, "participant": participant, "waves": waves,
                  "wave": wave, "levels": levels, "keys": keys, "reason": reason}


def _per_participant(info: Mapping, reasons: Mapping[str, str]) -> np.ndarray:
    """A participant -> reason mapping (:func:`population_exclusions`) as an array over
    ``info``'s participants, "" for those it leaves in."""
    out = np.full(len(info["participants"]), "", dtype=object)
    if reasons:
        at = pd.Index(info["participants"]).get_indexer(list(reasons))
        found = at >= 0
        out[at[found]] = np.array(list(reasons.values()), dtype=object)[found]
    return out


def _level_positions(values: np.ndarray, levels: Sequence) -> np.ndarray:
    """Each value's position among ``levels``, -1 for none (None)."""
    codes, distinct = pd.factorize(values)
    position = {level: j for j, level in enumerate(levels)}
    return np.array([position.get(value, -1) for value in distinct] + [-1], dtype=np.intp)[codes]


def _outcome_scores(data: pd.DataFrame, info: Mapping, outcome: str,
                    study_waves: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """An outcome's scores, waves x participants (NaN where none), and whether each participant
    has a row at each wave."""
    shape = (len(study_waves), len(info["participants"]))
    has_row = np.zeros(shape, dtype=bool)
    rows_at = [info["wave"] == info["waves"].index(wave) if wave in info["waves"]
               else np.zeros(len(data), dtype=bool) for wave in study_waves]
    for column, rows in enumerate(rows_at):
        has_row[column, info["participant"][rows]] = True
    values = data[outcome]
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "fiub":
        scores = np.full(shape, np.nan)
        for column, rows in enumerate(rows_at):
            scores[column, info["participant"][rows]] = values.to_numpy()[rows]
    else:                   # text and the like: converted as pandas converts the pivoted table
        scores = data.pivot(index="participant", columns="wave", values=outcome).reindex(
            index=info["participants"], columns=study_waves).to_numpy(float).T.copy()
    return scores, has_row


def _outcome_tables(data, info, outcome, study_waves, excluded: np.ndarray | None = None,
                    scores: tuple[np.ndarray, np.ndarray] | None = None):
    """Ledger, complete-case matrix, every analysed participant's factor levels (``group``
    first) and the observations of the mixed model (participant, wave position, score), for
    one outcome and population (``excluded``: per participant, the population rule that puts
    them out, :func:`_per_participant`; ``scores``: :func:`_outcome_scores`, when known)."""
    participants = info["participants"]
    excluded = np.full(len(participants), "", dtype=object) if excluded is None else excluded
    is_scale = "." in outcome
    scores, has_row = scores if scores is not None else _outcome_scores(data, info, outcome,
                                                                         study_waves)
    missing = np.isnan(scores)
    # The reasons of each participant, in order: their own, the population's, then wave by wave.
    # Participants alike in all of these share one reason: it is written once per pattern.
    pattern = pd.factorize(info["reason"])[0]
    for part in [pd.factorize(excluded)[0], *np.where(has_row, missing, 2)]:
        pattern = pd.factorize(pattern.astype(np.int64) * (int(part.max(initial=0)) + 1) + part)[0]
    first = np.full(int(pattern.max(initial=-1)) + 1, len(participants))
    np.minimum.at(first, pattern, np.arange(len(participants)))
    texts = []
    for person in first:
        found = [info["reason"][person], excluded[person]]
        for column, wave in enumerate(study_waves):
            if not has_row[column, person]:
                found.append(f"no {wave} wave")
            elif missing[column, person]:
                found.append(f"score missing at {wave} under the instrument's missing-item rule "
                             "(scores/scores.csv)" if is_scale else f"value missing at {wave}")
        texts.append("; ".join(reason for reason in found if reason))
    reasons = np.array(texts + [""], dtype=object)[pattern]
    scored = (~missing).sum(axis=0)
    included = reasons == ""
    in_model = (info["reason"] == "") & (excluded == "") & (scored > 0)
    ledger = pd.DataFrame({
        "outcome": outcome, "participant": participants, **info["levels"],
        "status": np.where(included, "included", "excluded").astype(object),
        "reason": reasons, "n_waves_scored": scored.astype(int), "in_mixed_model": in_model,
    })
    # participants x waves, laid out as a pandas frame of the waves hands them over (one row
    # per wave in memory): the ANOVA's sums do not depend on how the matrix was built
    Y = np.ascontiguousarray(scores[:, included]).T
    keys = {name: values[included] for name, values in info["keys"].items()}
    # the mixed model's observations, participant by participant and wave by wave
    model = np.flatnonzero(in_model)
    scored_at = ~missing[:, model].T
    observations = {"participant": np.broadcast_to(model[:, None], scored_at.shape)[scored_at],
                    "wave": np.broadcast_to(np.arange(len(study_waves)), scored_at.shape)[scored_at],
                    "score": scores[:, model].T[scored_at]}
    return ledger, Y, keys, observations


def change_score_note(study: Mapping) -> str:
    """Why a study's question is not one difference of change scores (two waves; one group or
    two; no further factor), or "" when it is: the designs a t-test view of the ANOVA's question
    (a Bayes factor, a sample-size plan) applies to.

    >>> change_score_note({"design": "mixed", "groups": ["c", "t"], "waves": ["pre", "post"]})
    ''
    >>> change_score_note({"design": "repeated", "waves": ["t1", "t2", "t3"]})
    'not computed: 3 waves (the change score needs exactly two; anova/anova.csv tests all waves)'
    """
    waves, groups = list(study["waves"]), analysed_groups(study)
    if further_factors(study):
        return "not computed: a further between factor (computed for one or two groups without further factors)"
    if len(waves) != 2:
        return (f"not computed: {len(waves)} waves (the change score needs exactly two; "
                "anova/anova.csv tests all waves)")
    if len(groups) > 2:
        return f"not computed: {len(groups)} groups (the change scores of two are compared)"
    return ""


def analysed_changes(scores_wide: pd.DataFrame, ledger: pd.DataFrame, study: Mapping, outcome: str,
                     population: str) -> dict[str, np.ndarray]:
    """The change scores (second wave minus the first) of the participants the ANOVA analysed for
    one outcome and population (``included`` in ``anova/ledger.csv``), per analysed group in
    the order of :func:`analysed_groups`."""
    waves = [str(w) for w in study["waves"]]
    mine = ledger[(ledger["outcome"] == outcome) & (ledger["population"].astype(str) == population)
                  & (ledger["status"] == "included")]
    group_of = dict(zip(mine["participant"].astype(str), mine["group"].astype(str)))
    data = scores_wide[scores_wide["participant"].astype(str).isin(group_of)]
    scores = data.assign(participant=data["participant"].astype(str), wave=data["wave"].astype(str)).pivot(
        index="participant", columns="wave", values=outcome).reindex(columns=waves)
    change = (scores[waves[1]] - scores[waves[0]]).dropna()
    groups_of_change = np.array([group_of[p] for p in change.index], dtype=object)
    return {group: change.to_numpy(float)[groups_of_change == group] for group in analysed_groups(study)}


def effect_names(factors: Sequence[str], n_waves: int, within: str = "time") -> list[str]:
    """The effects of the full factorial of the between ``factors`` and the waves, in the order
    of :func:`factorial_anova`.

    >>> effect_names(["group", "sex"], 2)
    ['group', 'sex', 'group:sex', 'time', 'group:time', 'sex:time', 'group:sex:time']
    >>> effect_names(["group"], 1), effect_names([], 3)
    (['group'], ['time'])
    """
    from itertools import combinations

    between = [":".join(combo) for size in range(1, len(factors) + 1)
               for combo in combinations(factors, size)]
    if n_waves < 2:
        return between
    return between + [within] + [f"{term}:{within}" for term in between]


def _too_small(keys: Mapping[str, np.ndarray], factors: Mapping[str, Sequence[str]],
               single_arm: bool, scored: str = "a score at every wave",
               ledger: str = "anova/ledger.csv") -> str:
    """Why the analysis of these participants is not estimable (a cell of the between design
    with fewer than 2 of them), or ""."""
    cells_of = _level_combinations({name: (keys[name], list(levels))
                                    for name, levels in factors.items()}, len(keys["group"]))
    short = [" x ".join(labels.values()) for labels, mask in cells_of if mask.sum() < 2]
    if not short:
        return ""
    if not factors:
        who = "the single arm has"
    elif list(factors) == ["group"]:
        who = f"group(s) {', '.join(short)} have"
    else:
        who = f"cell(s) {'; '.join(short)} have"
    return f"not estimable: {who} fewer than 2 participants with {scored} ({ledger} lists why)"


def for_study(scores_wide: pd.DataFrame, study: Mapping) -> AnovaResult:
    """The time x group ANOVA stage of one study: every table of ``results/<study>/anova/``.

    Parameters
    ----------
    scores_wide : DataFrame
        ``results/<study>/scores/scores_wide.csv``: ``participant, wave, group`` and one column
        per ``<instrument>.<scale>`` or measure name; one row per participant x wave.
    study : mapping
        The validated study config: ``waves`` (time order), ``groups`` (reference first) and
        ``analyses.anova`` with ``outcomes``, ``p_adjust`` (none, holm, fdr_bh: across the
        outcomes, per effect or comparison) and ``ci_level`` (of partial eta squared).

    Returns
    -------
    AnovaResult
        ``anova`` (:data:`ANOVA_COLUMNS`), ``cells``, ``followups``, ``mixed_model``,
        ``assumptions`` and ``ledger`` tables (see the module docstring and the functions
        :func:`mixed_anova`, :func:`cells`, :func:`followups`, :func:`assumptions`,
        :func:`mixed_model`).

    Raises
    ------
    UserError
        An outcome column is absent; repeated participant x wave rows (naming them); a wave not
        in the study's waves; fewer than 2 waves or groups; a group without complete cases.

    Examples
    --------
    >>> scores = pd.DataFrame({"participant": list("aabbccddeef"),
    ...     "wave": ["pre", "post"] * 5 + ["pre"], "group": list("xxxxyyyyyyy"),
    ...     "brs.total": [3.0, 3.5, 2.0, 2.4, 4.0, 4.5, 2.5, 3.5, 3.0, None, 4.0]})
    >>> study = {"waves": ["pre", "post"], "groups": ["x", "y"],
    ...          "analyses": {"anova": {"outcomes": ["brs.total"]}}}
    >>> result = for_study(scores, study)
    >>> result.ledger.loc[4:, ["participant", "status", "in_mixed_model"]]
      participant    status  in_mixed_model
    4           e  excluded            True
    5           f  excluded            True
    >>> result.ledger["reason"].iloc[4:].tolist()
    ["score missing at post under the instrument's missing-item rule (scores/scores.csv)", 'no post wave']
    >>> result.anova[["effect", "n", "n_excluded"]]
           effect  n  n_excluded
    0       group  4           2
    1        time  4           2
    2  group:time  4           2
    """
    settings = dict(study.get("analyses", {}).get("anova") or {})
    outcomes = list(settings.get("outcomes", []))
    method = settings.get("p_adjust", "holm")
    ci_level = float(settings.get("ci_level", 0.9))
    waves = [str(w) for w in study["waves"]]
    levels = analysed_groups(study)
    factors = between_factors(study)
    further = further_factors(study)
    single_arm = not has_group_factor(study)
    primary = primary_effect(study)
    if len(waves) < 2 and not factors:
        raise UserError(f"analyses.anova: the study has {len(waves)} wave(s) and no between "
                        "factor; a repeated-measures ANOVA needs 2 or more waves")
    if has_group_factor(study) and len(levels) < 2:
        raise UserError("analyses.anova: a time x group ANOVA needs 2 or more groups in the "
                        "study's groups (a single-arm study is design: repeated)")
    if not outcomes:
        raise UserError("analyses.anova.outcomes: list at least one outcome")
    absent = [o for o in outcomes if o not in scores_wide.columns]
    if absent:
        known = [c for c in scores_wide.columns if c not in ("participant", "wave", "group", *further)]
        raise UserError(f"analyses.anova.outcomes: {', '.join(absent)} not in the scores (known: "
                        f"{', '.join(known[:12])}{' ...' if len(known) > 12 else ''}); give "
                        "<instrument>.<scale> of a scored scale or a measure's name")
    if single_arm:     # one arm: everyone is in it, whatever the group column says
        scores_wide = scores_wide.assign(group=SINGLE_ARM)
    data, info = _prepare(scores_wide, {**study, "groups": levels}, further)

    tables = {name: [] for name in ("anova", "cells", "followups", "mixed_model", "assumptions",
                                    "ledger")}
    # every participant's group and factor levels as positions among the levels (the mixed model)
    positions = {name: _level_positions(info["levels"][name], factor_levels)
                 for name, factor_levels in {"group": levels, **further}.items()}
    # an outcome's scores are those of every population
    scores_of = {outcome: _outcome_scores(data, info, outcome, waves) for outcome in outcomes}
    for population in analysed_populations(study):
        excluded = _per_participant(info, population_exclusions(scores_wide, study, population))
        for outcome in outcomes:
            ledger, Y, keys, observations = _outcome_tables(data, info, outcome, waves, excluded,
                                                            scores_of[outcome])
            further_keys = {name: (keys[name], further[name]) for name in further}
            note = _too_small(keys, factors, single_arm,
                              "a score at every wave" if len(waves) > 1 else f"a score at {waves[0]}")
            if note:
                table = pd.DataFrame({"effect": effect_names(list(factors), len(waves)),
                                      "n": len(Y), "note": note}).reindex(
                    columns=[c for c in ANOVA_COLUMNS if c not in ("outcome", "population")])
            else:
                table = factorial_anova(Y, {name: keys[name] for name in factors}, factors,
                                        ci_level)
            table.insert(0, "outcome", outcome)
            table["primary"] = table["effect"] == primary
            table["ss_type"] = "III"
            table["n_excluded"] = int((ledger["status"] == "excluded").sum())
            table["ci_level"] = ci_level
            tables["anova"].append(table.assign(population=population))
            tables["cells"].append(cells(Y, keys["group"], levels, waves, outcome, further_keys
                                         ).assign(population=population))
            tables["followups"].append(followups(Y, keys["group"], levels, waves, outcome,
                                                 factors=further_keys).assign(population=population))
            tables["assumptions"].append(assumptions(Y, keys["group"], levels, waves, outcome,
                                                     table, further_keys).assign(population=population))
            if len(waves) >= 2:
                who = observations["participant"]
                model = _fitted_mixed_model(
                    observations["score"], who, observations["wave"], positions["group"][who],
                    {name: positions[name][who] for name in further}, levels, waves, further,
                    outcome, 0.95)
                interaction = table.loc[table["effect"] == primary].iloc[0]
                model["anova_n"] = int(interaction["n"])
                model["anova_F"] = interaction.get("F", math.nan)
                model["anova_p"] = interaction.get("p", math.nan)
                model["anova_pes"] = interaction.get("pes", math.nan)
                tables["mixed_model"].append(model.assign(population=population))
            tables["ledger"].append(ledger.assign(population=population))

    names = list(further)
    anova = pd.concat(tables["anova"], ignore_index=True)
    anova["p_adjust"] = method
    anova["p_adjusted"] = np.nan
    # The p a table reports is adjusted: Greenhouse-Geisser's for a within effect of three or
    # more waves (df1 > 1 with an epsilon), else the uncorrected one.
    reported = anova["p"].where(~(anova["eps_gg"].notna() & (anova["df1"] > 1)), anova["p_gg"])
    for _, index in anova.groupby(["population", "effect"], sort=False).groups.items():
        anova.loc[index, "p_adjusted"] = p_adjust(reported.loc[index], method)
    follow = pd.concat(tables["followups"], ignore_index=True)
    follow["p_adjust"] = method
    family = ["population", "comparison", "group", *names, "wave", "contrast"]
    for _, index in follow.groupby(family, sort=False, dropna=False).groups.items():
        follow.loc[index, "p_adjusted"] = p_adjust(follow.loc[index, "p"], method)
    model = (pd.concat(tables["mixed_model"], ignore_index=True) if tables["mixed_model"]
             else pd.DataFrame(columns=MIXED_MODEL_COLUMNS))
    model["p_adjust"] = method
    for _, index in model.groupby(["population", "term"], sort=False).groups.items():
        model.loc[index, "p_adjusted"] = p_adjust(model.loc[index, "p"], method)

    return AnovaResult(
        anova=anova.reindex(columns=ANOVA_COLUMNS),
        cells=pd.concat(tables["cells"], ignore_index=True).reindex(
            columns=with_factors(CELL_COLUMNS, names)),
        followups=follow.reindex(columns=with_factors(FOLLOWUP_COLUMNS, names)),
        mixed_model=model.reindex(columns=MIXED_MODEL_COLUMNS),
        assumptions=pd.concat(tables["assumptions"], ignore_index=True).reindex(
            columns=with_factors(ASSUMPTION_COLUMNS, names)),
        ledger=pd.concat(tables["ledger"], ignore_index=True).reindex(
            columns=with_factors(LEDGER_COLUMNS, names)),
    )
