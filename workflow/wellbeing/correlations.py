"""Correlation matrices: per pair n, r, 95% CI, p and p adjusted across the set's pairs.

One *correlation set* of a study's config (``analyses.correlations[]``, schema
``$defs/correlation_set``) becomes two tables:

- the long table ``results/<study>/correlations/<name>.csv``, one row per unique pair of the
  set's variables (in the order the set lists them: ``var1`` before ``var2``), columns
  :data:`LONG_COLUMNS`;
- the matrix ``results/<study>/correlations/<name>_matrix.csv``: a square, symmetric matrix of r.
  Its first column, ``variable``, holds the row variable; the other columns are the set's
  variables in the set's order; the diagonal is 1. The matrix holds r only: n, CI and p are in
  the long table (with pairwise deletion each cell may rest on a different n).

What is correlated
------------------
``scores_wide`` has one row per participant x wave: ``participant``, ``wave``, ``group`` and one
column per variable, ``<instrument>.<scale>`` for a scored scale and the measure's name (no dot)
for a measure. A set builds one row per participant:

- **at a wave** (``wave``, default the study's first wave): the participants with a row at that
  wave and their values there;
- **change scores** (``change: true``): every participant of the study; a scored variable
  (``<instrument>.<scale>``) is *last wave minus first wave* (post minus pre), missing unless the
  participant has both;
- **measures** (names without a dot) are taken as they are, never differenced. A measure that the
  study records at a single wave only (the only wave at which any participant has a value, e.g.
  ``home_practice`` asked at post, ``age`` asked at pre) is taken from that wave, whatever the
  set's wave; a measure recorded at several waves is taken at the set's wave, or for change
  sets at the first (baseline) wave. The columns ``var1_data`` and ``var2_data`` state where each
  variable came from (``"post - pre"``, ``"post"``, ...).

Statistics
----------
- **r**: Pearson's product-moment r or Spearman's rho (Pearson's r of the average ranks, ranked
  within the rows the pair uses, as R's ``cor(method = "spearman", use = "pairwise")``).
- **Deletion**: ``pairwise`` (default) uses, for each pair, every participant with both values
  (and every covariate); ``listwise`` first drops every participant missing any variable or
  covariate of the set. ``n_participants`` is the number of participants the set starts from and
  ``n_excluded = n_participants - n`` those a pair leaves out.
- **Partial correlations** (``covariates`` non-empty): r of the residuals of both variables after
  ordinary least squares on an intercept and the k covariates (for Spearman, of the ranks of all
  of them), as ``psych::partial.r``; the degrees of freedom become n - 2 - k.
- **p**: two-sided, from t = r sqrt(df / (1 - r^2)) on df = n - 2 - k degrees of freedom, as
  ``psych::corr.test`` (and, for Spearman, ``cor.test(method = "spearman", exact = FALSE)``,
  SPSS and ``scipy.stats.spearmanr``; ``cor.test``'s default exact/Edgeworth p for small samples
  without ties is not used).
- **95% CI**: Fisher's z, tanh(atanh(r) +/- z_.975 SE). Pearson: SE = 1 / sqrt(n - 3 - k), as
  ``psych::corr.test``'s ``ci`` (its unadjusted interval; psych's ``ci.adj`` is not reported).
  Spearman: the Bonett & Wright (2000) SE = sqrt((1 + r^2 / 2) / (n - 3 - k)), wider than the
  Pearson SE that ``psych::corr.test`` also uses for Spearman; column ``ci_method`` names it.
- **p_adjusted**: ``holm`` (default), ``fdr_bh`` (Benjamini-Hochberg) or ``none``, across the
  set's unique pairs whose p is defined, exactly as R's ``p.adjust`` (``"holm"``, ``"BH"``).
- A pair with n - 2 - k < 1, or a variable constant over the pair's rows, has no r; a pair with
  n - 3 - k < 1 has no CI; column ``note`` says why.

Repeated-measures correlation (:func:`rm_corr`, :func:`repeated_measures`) gives the
within-person association across waves (Bakdash & Marusich, 2017).

References
----------
Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced from a small
sample. Metron, 1, 3-32.

Bonett, D. G., & Wright, T. A. (2000). Sample size requirements for estimating Pearson, Kendall
and Spearman correlations. Psychometrika, 65(1), 23-28.

Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of
Statistics, 6(2), 65-70.

Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate. Journal of the Royal
Statistical Society B, 57(1), 289-300.

Bakdash, J. Z., & Marusich, L. R. (2017). Repeated measures correlation. Frontiers in Psychology,
8, 456.

Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality Research
(version 2.2.9), ``corr.test``, ``partial.r``.

Examples
--------
>>> import pandas as pd
>>> wide = pd.DataFrame({"participant": list("abcdef"), "wave": ["pre"] * 6, "group": "",
...                      "brs.total": [1, 2, 3, 4, 5, 6], "pss10.total": [30, 28, 25, 27, 20, 18]})
>>> long, matrix = for_set(wide, {"waves": ["pre"]},
...                        {"name": "demo", "variables": ["brs.total", "pss10.total"]})
>>> long[["var1", "var2", "n", "r", "p"]].round(4).to_dict("records")
[{'var1': 'brs.total', 'var2': 'pss10.total', 'n': 6, 'r': -0.9289, 'p': 0.0074}]
>>> matrix.round(4)
      variable  brs.total  pss10.total
0    brs.total     1.0000      -0.9289
1  pss10.total    -0.9289       1.0000
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from .errors import UserError
from .adjust import p_adjust
from .bayes import correlation_bf10
from .instruments import shared_items

__all__ = [
    "LONG_COLUMNS",
    "RM_COLUMNS",
    "analysis_frame",
    "correlate",
    "fisher_ci",
    "for_set",
    "p_adjust",
    "repeated_measures",
    "rm_corr",
]

#: Columns of the long table ``correlations/<name>.csv``, in order.
LONG_COLUMNS = [
    "set", "var1", "var2", "n", "r", "ci_low", "ci_high", "p", "p_adjusted", "method",
    "p_adjust", "ci_method", "data", "var1_data", "var2_data", "covariates", "deletion",
    "n_participants", "n_excluded", "shared_items", "bf10", "bf01", "note",
]

#: Columns of :func:`repeated_measures`' table, in order.
RM_COLUMNS = [
    "set", "var1", "var2", "n_participants", "n_observations", "n_excluded", "dof", "r", "ci_low", "ci_high",
    "p", "p_adjusted", "method", "p_adjust", "waves", "shared_items", "note",
]

_Z975 = stats.norm.ppf(0.975)   # = R's qnorm(0.975)
_ID = ("participant", "wave", "group")
_SHOW = 8


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------

def fisher_ci(r: float, n: int, method: str = "pearson", k: int = 0,
              level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of a correlation by Fisher's z transformation.

    tanh(atanh(r) -/+ z SE) with z the normal quantile of (1 + level) / 2 and

    - Pearson: SE = 1 / sqrt(n - 3 - k) (Fisher, 1921; ``psych::corr.test``),
    - Spearman: SE = sqrt((1 + r^2 / 2) / (n - 3 - k)) (Bonett & Wright, 2000),

    where k is the number of covariates partialled out. NaN when n - 3 - k < 1 or r is NaN.

    Examples
    --------
    >>> [round(v, 4) for v in fisher_ci(0.5, 30)]
    [0.1704, 0.729]
    >>> [round(v, 4) for v in fisher_ci(0.5, 30, "spearman")]
    [0.1481, 0.7395]
    """
    df = n - 3 - k
    if df < 1 or not np.isfinite(r):
        return (math.nan, math.nan)
    if method == "spearman":
        se = math.sqrt((1.0 + r * r / 2.0) / df)
    else:
        se = 1.0 / math.sqrt(df)
    z = stats.norm.ppf(0.5 + level / 2.0) if level != 0.95 else _Z975
    centre = math.atanh(r) if abs(r) < 1 else math.copysign(math.inf, r)
    return (math.tanh(centre - z * se), math.tanh(centre + z * se))


def _t_test_p(r: float, df: int) -> float:
    """Two-sided p of r on df degrees of freedom (t = r sqrt(df / (1 - r^2)))."""
    if not np.isfinite(r) or df < 1:
        return math.nan
    if abs(r) >= 1.0:
        return 0.0
    t = abs(r) * math.sqrt(df / (1.0 - r * r))
    return float(min(1.0, 2.0 * special.stdtr(df, -t)))


def correlate(x: Sequence[float], y: Sequence[float], covariates=None,
              method: str = "pearson") -> dict:
    """Correlation of one pair over the rows where x, y and every covariate are present.

    Parameters
    ----------
    x, y : array-like
        The two variables, aligned (NaN = missing).
    covariates : 2-D array-like, optional
        Columns to partial out (rows aligned with x and y); none by default.
    method : {"pearson", "spearman"}
        Spearman ranks x, y and the covariates (average ranks for ties) within the rows used.

    Returns
    -------
    dict
        ``n``, ``r``, ``ci_low``, ``ci_high``, ``p`` and ``note`` (empty unless something is
        undefined). Conventions: module docstring.

    Examples
    --------
    >>> out = correlate([1, 2, 3, 4, 5, None], [2, 1, 4, 3, 6, 5])
    >>> out["n"], round(out["r"], 4), round(out["p"], 4)
    (5, 0.822, 0.0877)
    >>> out = correlate([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5], covariates=[1, 2, 1, 3, 2, 3])
    >>> out["n"], round(out["r"], 4), round(out["p"], 4)
    (6, 0.9711, 0.0059)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    cov = np.empty((x.size, 0)) if covariates is None else np.asarray(covariates, dtype=float)
    if cov.ndim == 1:
        cov = cov[:, None]
    keep = ~(np.isnan(x) | np.isnan(y) | np.isnan(cov).any(axis=1))
    x, y, cov = x[keep], y[keep], cov[keep]
    n, k = int(x.size), int(cov.shape[1])
    out = {"n": n, "r": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p": math.nan,
           "note": ""}
    if n - 2 - k < 1:
        out["note"] = f"n = {n}: too few participants for r" + (f" with {k} covariate(s)" if k else "")
        return out
    if method == "spearman":
        x, y = stats.rankdata(x), stats.rankdata(y)
        cov = np.column_stack([stats.rankdata(c) for c in cov.T]) if k else cov
    design = np.column_stack([np.ones(n), cov])
    if k:
        coef, *_ = np.linalg.lstsq(design, np.column_stack([x, y]), rcond=None)
        rx, ry = (np.column_stack([x, y]) - design @ coef).T
    else:
        rx, ry = x - x.mean(), y - y.mean()
    sxx, syy = float(rx @ rx), float(ry @ ry)
    scale = max(float(np.abs(x).max()), float(np.abs(y).max()), 1.0)
    if sxx <= (1e-12 * scale) ** 2 * n or syy <= (1e-12 * scale) ** 2 * n:
        out["note"] = "a variable is constant over these participants" + (
            " (after the covariates)" if k else "")
        return out
    r = float(np.clip((rx @ ry) / math.sqrt(sxx * syy), -1.0, 1.0))
    out["r"] = r
    out["p"] = _t_test_p(r, n - 2 - k)
    out["ci_low"], out["ci_high"] = fisher_ci(r, n, method, k)
    if n - 3 - k < 1:
        out["note"] = f"n = {n}: too few participants for a confidence interval"
    return out


# --------------------------------------------------------------------------------------------
# From scores_wide to one row per participant
# --------------------------------------------------------------------------------------------

def _fail(correlation_set: Mapping, what: str) -> UserError:
    return UserError(f"correlation set '{correlation_set.get('name', '?')}': {what}")


def _is_measure(variable: str) -> bool:
    return "." not in variable


def _check_columns(scores_wide: pd.DataFrame, correlation_set: Mapping,
                   variables: Sequence[str], what: str = "variable") -> None:
    for column in ("participant", "wave"):
        if column not in scores_wide.columns:
            raise _fail(correlation_set, f"the scores table has no '{column}' column; expected "
                        "results/<study>/scores/scores_wide.csv")
    for variable in variables:
        if variable not in scores_wide.columns:
            known = [c for c in scores_wide.columns if c not in _ID]
            shown = ", ".join(known[:_SHOW]) + (", ..." if len(known) > _SHOW else "")
            raise _fail(correlation_set, f"{what} '{variable}' is not a column of the scores "
                        f"(scores_wide.csv has: {shown}); use <instrument>.<scale> of a scored "
                        "instrument or a measure's name")


def _waves_with_values(scores_wide: pd.DataFrame, variable: str, waves: Sequence[str]) -> list[str]:
    present = scores_wide.loc[scores_wide[variable].notna(), "wave"].unique()
    return [wave for wave in waves if wave in set(present)]


def _at_wave(scores_wide: pd.DataFrame, variable: str, wave: str, correlation_set) -> pd.Series:
    rows = scores_wide[scores_wide["wave"] == wave]
    duplicated = rows["participant"][rows["participant"].duplicated()]
    if len(duplicated):
        raise _fail(correlation_set, f"participant '{duplicated.iloc[0]}' has two rows at wave "
                    f"'{wave}' in the scores table; each participant needs one row per wave")
    values = rows.set_index("participant")[variable]
    try:
        return pd.to_numeric(values, errors="raise").astype(float)
    except (TypeError, ValueError):
        bad = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()]
        raise _fail(correlation_set, f"variable '{variable}' has a non-numeric value "
                    f"{bad.iloc[0]!r} at wave '{wave}' (participant '{bad.index[0]}')") from None


def analysis_frame(scores_wide: pd.DataFrame, study: Mapping,
                   correlation_set: Mapping) -> tuple[pd.DataFrame, dict[str, str], str]:
    """One row per participant with the set's variables and covariates, as the set defines them.

    Parameters
    ----------
    scores_wide : DataFrame
        ``scores_wide.csv``: participant, wave, group and one column per variable.
    study : mapping
        The validated study config (``waves`` is used).
    correlation_set : mapping
        One validated entry of ``analyses.correlations``.

    Returns
    -------
    frame : DataFrame
        Index ``participant``; one float column per variable and covariate.
    sources : dict
        Variable -> where its values come from: ``"post - pre"`` or a wave name.
    data : str
        ``"change"`` or the set's wave.

    Raises
    ------
    UserError
        A variable or covariate is not in ``scores_wide``, the wave has no rows, or a variable
        has no value at all in the frame; the message names the set and the variable.

    Examples
    --------
    >>> wide = pd.DataFrame({"participant": ["a", "a", "b", "b"], "wave": ["pre", "post"] * 2,
    ...                      "group": "imp", "pss10.total": [20, 15, 22, 21],
    ...                      "home_practice": [None, 60, None, 30]})
    >>> frame, sources, data = analysis_frame(wide, {"waves": ["pre", "post"]},
    ...     {"name": "demo", "variables": ["home_practice", "pss10.total"], "change": True})
    >>> frame.to_dict("list"), sources, data  # doctest: +NORMALIZE_WHITESPACE
    ({'home_practice': [60.0, 30.0], 'pss10.total': [-5.0, -1.0]},
     {'home_practice': 'post', 'pss10.total': 'post - pre'}, 'change')
    """
    waves = list(study["waves"])
    variables = list(correlation_set["variables"])
    covariates = list(correlation_set.get("covariates") or [])
    _check_columns(scores_wide, correlation_set, variables)
    _check_columns(scores_wide, correlation_set, covariates, "covariate")
    overlap = [c for c in covariates if c in variables]
    if overlap:
        raise _fail(correlation_set, f"covariate '{overlap[0]}' is also one of the variables; "
                    "a variable cannot be partialled out of itself")
    scores_wide = scores_wide.assign(participant=scores_wide["participant"].astype(str),
                                     wave=scores_wide["wave"].astype(str))
    change = bool(correlation_set.get("change", False))
    if change and len(waves) < 2:
        raise _fail(correlation_set, f"change scores need at least two waves; the study has {waves}")
    if change and correlation_set.get("wave"):
        raise _fail(correlation_set, "give either wave or change: true, not both")
    wave = correlation_set.get("wave") or waves[0]
    if wave not in waves:
        raise _fail(correlation_set, f"wave '{wave}' is not one of the study's waves {waves}")
    if change:
        participants = pd.Index(pd.unique(scores_wide["participant"]), name="participant")
        base_wave = waves[0]
    else:
        participants = pd.Index(pd.unique(scores_wide.loc[scores_wide["wave"] == wave, "participant"]),
                                name="participant")
        base_wave = wave
    if participants.empty:
        raise _fail(correlation_set, f"the scores table has no rows at wave '{wave}'")
    columns, sources = {}, {}
    for variable in variables + covariates:
        recorded = _waves_with_values(scores_wide, variable, waves)
        if _is_measure(variable):
            source = recorded[0] if len(recorded) == 1 else base_wave
            values = _at_wave(scores_wide, variable, source, correlation_set)
        elif change:
            first, last = waves[0], waves[-1]
            source = f"{last} - {first}"
            values = _at_wave(scores_wide, variable, last, correlation_set).sub(
                _at_wave(scores_wide, variable, first, correlation_set))   # aligned: NaN unless both
        else:
            source = wave
            values = _at_wave(scores_wide, variable, wave, correlation_set)
        columns[variable] = values.reindex(participants)
        sources[variable] = source
        if columns[variable].notna().sum() == 0:
            where = ("as a change score: it needs values at both the first and the last wave "
                     f"({waves[0]}, {waves[-1]})" if source == f"{waves[-1]} - {waves[0]}"
                     else f"at wave '{source}'")
            seen = f"; it has values at {recorded}" if recorded else "; it has no values at any wave"
            raise _fail(correlation_set, f"variable '{variable}' has no values {where}{seen}")
    frame = pd.DataFrame(columns, index=participants)
    return frame, sources, ("change" if change else wave)


# --------------------------------------------------------------------------------------------
# One set
# --------------------------------------------------------------------------------------------

def for_set(scores_wide: pd.DataFrame, study: Mapping, correlation_set: Mapping,
            instruments: Mapping | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Correlate one configured set: the long table and the matrix of r.

    Parameters
    ----------
    scores_wide : DataFrame
        ``results/<study>/scores/scores_wide.csv`` (participant, wave, group, one column per
        ``<instrument>.<scale>`` and per measure name).
    study : mapping
        The validated study config (its ``waves``, in time order).
    correlation_set : mapping
        One entry of the study's ``analyses.correlations``: ``name``, ``variables`` and the
        optional ``wave``, ``change``, ``method``, ``missing``, ``p_adjust``, ``covariates``
        (defaults: first wave, false, pearson, pairwise, holm, none).
    instruments : mapping, optional
        The study's instrument definitions by id, to count the items two scales share
        (:func:`wellbeing.instruments.shared_items`).

    Returns
    -------
    long : DataFrame
        One row per unique pair, columns :data:`LONG_COLUMNS`: ``set``, ``var1``, ``var2``,
        ``n``, ``r``, ``ci_low``, ``ci_high`` (95%), ``p``, ``p_adjusted``, ``method``
        (pearson/spearman), ``p_adjust`` (holm/fdr_bh/none), ``ci_method``, ``data`` (the wave or
        ``"change"``), ``var1_data``/``var2_data`` (the wave or ``"post - pre"`` each variable
        was taken from), ``covariates`` (``"; "``-joined, empty if none), ``deletion``
        (pairwise/listwise), ``n_participants``, ``n_excluded``, ``shared_items`` (items the
        two scales are scored from in common: above 0 the pair is part-whole, e.g. a total and
        its own subscale, and its r is no finding), ``bf10`` and ``bf01`` (with ``bayes: true``
        on a Pearson set without covariates: :func:`wellbeing.bayes.correlation_bf10`, a stretched
        beta prior of width 1, as ``BayesFactor::correlationBF(rscale = 1)``; blank otherwise),
        ``note``.
    matrix : DataFrame
        Column ``variable`` then one column per variable: r, symmetric, 1 on the diagonal.

    Raises
    ------
    UserError
        Naming the set and the variable (see :func:`analysis_frame`), or an unknown
        method/missing/p_adjust value.

    Notes
    -----
    Agrees with R's ``psych::corr.test`` (r, n, p, Holm-adjusted p, unadjusted 95% CI) and, for
    Spearman, ``cor.test(method = "spearman", exact = FALSE)`` with the Bonett-Wright CI:
    ``tests/reference/correlations_reference.R``.

    Examples
    --------
    >>> wide = pd.DataFrame({"participant": list("abcdefg"), "wave": "pre", "group": "",
    ...     "maas15.total": [3.1, 4.0, 2.2, 3.5, None, 4.4, 2.9],
    ...     "brs.total": [3.4, 3.8, 2.5, 3.1, 3.3, 3.6, None],
    ...     "pss10.total": [20, 12, 27, 14, 16, 15, 22]})
    >>> long, matrix = for_set(wide, {"waves": ["pre"]}, {"name": "demo",
    ...     "variables": ["maas15.total", "brs.total", "pss10.total"], "method": "spearman"})
    >>> long[["var1", "var2", "n", "n_excluded", "r", "p_adjusted"]].round(3)
               var1         var2  n  n_excluded      r  p_adjusted
    0  maas15.total    brs.total  5           2  0.800       0.208
    1  maas15.total  pss10.total  6           1 -0.829       0.125
    2     brs.total  pss10.total  6           1 -0.600       0.208
    """
    name = correlation_set.get("name", "?")
    method = correlation_set.get("method", "pearson")
    missing = correlation_set.get("missing", "pairwise")
    adjust = correlation_set.get("p_adjust", "holm")
    for key, value, allowed in (("method", method, ("pearson", "spearman")),
                                ("missing", missing, ("pairwise", "listwise")),
                                ("p_adjust", adjust, ("holm", "fdr_bh", "none"))):
        if value not in allowed:
            raise _fail(correlation_set, f"{key} '{value}' is not one of {', '.join(allowed)}")
    variables = list(correlation_set["variables"])
    if len(set(variables)) != len(variables) or len(variables) < 2:
        raise _fail(correlation_set, "variables must list at least two different variables")
    covariates = list(correlation_set.get("covariates") or [])
    frame, sources, data = analysis_frame(scores_wide, study, correlation_set)
    n_participants = len(frame)
    if missing == "listwise":
        frame = frame.dropna()
    cov = frame[covariates].to_numpy(float) if covariates else None
    rows = []
    for i, var1 in enumerate(variables):
        for var2 in variables[i + 1:]:
            stat = correlate(frame[var1].to_numpy(float), frame[var2].to_numpy(float), cov, method)
            rows.append({
                "set": name, "var1": var1, "var2": var2, "n": stat["n"], "r": stat["r"],
                "ci_low": stat["ci_low"], "ci_high": stat["ci_high"], "p": stat["p"],
                "method": method, "p_adjust": adjust,
                "ci_method": "fisher_z_bonett_wright" if method == "spearman" else "fisher_z",
                "data": data, "var1_data": sources[var1], "var2_data": sources[var2],
                "covariates": "; ".join(covariates), "deletion": missing,
                "n_participants": n_participants, "n_excluded": n_participants - stat["n"],
                "shared_items": shared_items(var1, var2, instruments), "note": stat["note"],
            })
    long = pd.DataFrame(rows)
    long["p_adjusted"] = p_adjust(long["p"].to_numpy(float), adjust)
    long["bf10"] = long["bf01"] = np.nan
    if correlation_set.get("bayes") and method == "pearson" and not covariates:   # the config checks it
        long["bf10"] = [correlation_bf10(r, n) for r, n in zip(long["r"], long["n"])]
        long["bf01"] = 1 / long["bf10"]
    long = long[LONG_COLUMNS].astype({"n": int, "n_participants": int, "n_excluded": int})

    r = pd.DataFrame(np.eye(len(variables)), index=variables, columns=variables)
    for row in long.itertuples():
        r.loc[row.var1, row.var2] = r.loc[row.var2, row.var1] = row.r
    matrix = r.rename_axis("variable").reset_index()
    matrix.columns.name = None
    return long, matrix


# --------------------------------------------------------------------------------------------
# Repeated-measures correlation
# --------------------------------------------------------------------------------------------

def rm_corr(data: pd.DataFrame, x: str, y: str, subject: str = "participant") -> dict:
    """Repeated-measures correlation of x and y within participants (Bakdash & Marusich, 2017).

    The common within-person slope of an ANCOVA ``y ~ subject + x``, expressed as r:
    r_rm = sign(b) sqrt(SS_x / (SS_x + SS_error)), which equals the correlation of the
    within-person centred values, sum(x_c y_c) / sqrt(sum(x_c^2) sum(y_c^2)). Rows missing x or y
    are dropped; a participant with one remaining row adds nothing. Degrees of freedom
    dof = N - S - 1 (N observations, S participants); p from t = r sqrt(dof / (1 - r^2)) (equal
    to the ANCOVA F test); 95% CI by Fisher's z with SE = 1 / sqrt(dof - 1), i.e. n = dof + 2,
    as the R package rmcorr and ``pingouin.rm_corr``.

    Parameters
    ----------
    data : DataFrame
        Long data: one row per participant x occasion.
    x, y : str
        Columns to correlate.
    subject : str
        Column identifying the participant.

    Returns
    -------
    dict
        ``n_participants`` (with at least two complete rows), ``n_observations`` (their rows),
        ``dof``, ``r``, ``ci_low``, ``ci_high``, ``p``, ``note``.

    Examples
    --------
    >>> d = pd.DataFrame({"participant": ["a", "a", "a", "b", "b", "b", "c", "c", "c"],
    ...                   "x": [1, 2, 3, 5, 6, 7, 2, 4, 3], "y": [2, 3, 5, 1, 2, 2, 8, 9, 9]})
    >>> out = rm_corr(d, "x", "y")
    >>> out["dof"], round(out["r"], 4), round(out["p"], 4)
    (5, 0.8333, 0.0199)
    """
    rows = data[[subject, x, y]].copy()
    rows[x] = pd.to_numeric(rows[x], errors="raise").astype(float)
    rows[y] = pd.to_numeric(rows[y], errors="raise").astype(float)
    rows = rows.dropna()
    counts = rows.groupby(subject)[x].transform("size")
    rows = rows[counts >= 2]
    n_subjects = int(rows[subject].nunique())
    n_obs = int(len(rows))
    dof = n_obs - n_subjects - 1
    out = {"n_participants": n_subjects, "n_observations": n_obs, "dof": dof, "r": math.nan,
           "ci_low": math.nan, "ci_high": math.nan, "p": math.nan, "note": ""}
    if dof < 1:
        out["note"] = "too few repeated observations for a repeated-measures correlation"
        return out
    xc = (rows[x] - rows.groupby(subject)[x].transform("mean")).to_numpy()
    yc = (rows[y] - rows.groupby(subject)[y].transform("mean")).to_numpy()
    sxx, syy = float(xc @ xc), float(yc @ yc)
    if sxx <= 0 or syy <= 0:
        out["note"] = "a variable does not vary within participants"
        return out
    r = float(np.clip((xc @ yc) / math.sqrt(sxx * syy), -1.0, 1.0))
    out["r"] = r
    out["p"] = _t_test_p(r, dof)
    out["ci_low"], out["ci_high"] = fisher_ci(r, dof + 2)
    return out


def repeated_measures(scores_wide: pd.DataFrame, study: Mapping, correlation_set: Mapping,
                      waves: Sequence[str] | None = None,
                      instruments: Mapping | None = None) -> pd.DataFrame:
    """Repeated-measures correlations (:func:`rm_corr`) of a set's pairs across waves.

    Uses the rows of ``scores_wide`` at ``waves`` (default every wave of the study) and the
    set's ``variables`` and ``p_adjust`` (default holm, across the pairs); ``method``,
    ``missing``, ``covariates`` and ``wave``/``change`` do not apply (rmcorr is Pearson-based and
    uses every complete observation).

    Returns
    -------
    DataFrame
        One row per unique pair, columns :data:`RM_COLUMNS`. ``n_participants`` and
        ``n_observations`` count the participants with both variables at two or more of the waves
        and their rows; ``n_excluded`` the other participants with a row at those waves (a
        participant seen once, or missing one of the variables, says nothing about change
        within a person). ``shared_items`` as in :func:`for_set`.

    Raises
    ------
    UserError
        Fewer than two waves, or a variable not in ``scores_wide`` or recorded at fewer than two
        of the waves (it cannot vary within a person); the message names the set and variable.

    Examples
    --------
    >>> wide = pd.DataFrame({"participant": ["a", "a", "b", "b", "c", "c", "d", "d"],
    ...     "wave": ["pre", "post"] * 4, "group": "imp",
    ...     "pss10.total": [20, 15, 22, 21, 25, 18, 14, 16],
    ...     "brs.total": [3.0, 3.4, 2.8, 2.9, 2.5, 3.3, 3.6, 3.5]})
    >>> table = repeated_measures(wide, {"waves": ["pre", "post"]},
    ...                           {"name": "demo", "variables": ["pss10.total", "brs.total"]})
    >>> table[["n_participants", "dof", "r"]].round(4).to_dict("records")
    [{'n_participants': 4, 'dof': 3, 'r': -0.9815}]
    """
    waves = list(waves if waves is not None else study["waves"])
    if len(waves) < 2:
        raise _fail(correlation_set, f"a repeated-measures correlation needs at least two waves; got {waves}")
    unknown = [w for w in waves if w not in study["waves"]]
    if unknown:
        raise _fail(correlation_set, f"wave '{unknown[0]}' is not one of the study's waves {list(study['waves'])}")
    variables = list(correlation_set["variables"])
    _check_columns(scores_wide, correlation_set, variables)
    adjust = correlation_set.get("p_adjust", "holm")
    rows_at = scores_wide[scores_wide["wave"].astype(str).isin(waves)]
    for variable in variables:
        recorded = _waves_with_values(rows_at, variable, waves)
        if len(recorded) < 2:
            raise _fail(correlation_set, f"variable '{variable}' is recorded at {recorded or 'no wave'} "
                        f"only; a repeated-measures correlation needs it at two or more of {waves}")
    rows = []
    rows_at = rows_at.assign(participant=rows_at["participant"].astype(str))
    in_study = int(rows_at["participant"].nunique())
    for i, var1 in enumerate(variables):
        for var2 in variables[i + 1:]:
            stat = rm_corr(rows_at, var1, var2)
            rows.append({"set": correlation_set.get("name", "?"), "var1": var1, "var2": var2,
                         **{k: stat[k] for k in ("n_participants", "n_observations", "dof", "r",
                                                  "ci_low", "ci_high", "p")},
                         "n_excluded": in_study - stat["n_participants"],
                         "method": "rmcorr", "p_adjust": adjust, "waves": "; ".join(waves),
                         "shared_items": shared_items(var1, var2, instruments), "note": stat["note"]})
    table = pd.DataFrame(rows)
    table["p_adjusted"] = p_adjust(table["p"].to_numpy(float), adjust)
    return table[RM_COLUMNS]
