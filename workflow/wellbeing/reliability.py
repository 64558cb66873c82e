"""Reliability: Cronbach's alpha, McDonald's omega and item statistics, as R's psych computes them.

For every scale (subscales and totals) of every instrument, at every wave, the items *as scored*
(recode maps and the scale's own reverse key applied, :func:`wellbeing.score.scale_item_values`)
are analysed with the conventions of R's ``psych`` 2.2.9, which the tests reproduce to 1e-10
(alpha family and CIs), 1e-6 (one-factor omega total) and 1e-3 (omega hierarchical):

- **alpha** (``psych::alpha``): raw alpha ``k/(k-1) * (1 - tr(C)/sum(C))`` from the item
  covariance matrix ``C``; standardised alpha from the correlation matrix ``cov2cor(C)``;
  the Feldt (1965) 95% CI ``1 - (1 - alpha) * F(1 -/+ .025; n - 1, (n - 1)(k - 1))``
  (``psych::alpha.ci``) and the Duhachek & Iacobucci (2004) CI ``alpha +/- 1.96 * ase``, a
  literal 1.96 as ``psych::alpha`` prints it, with ``ase = sqrt(Q / n)``; ``n`` is the number of
  rows passed (psych's ``nsub``), whatever the pairwise counts.
- **items** (``psych::alpha``'s ``item.stats`` and ``alpha.drop``): item-rest correlation
  ``r.drop`` from ``C`` (not from the data), item-total correlation ``raw.r`` (with the row mean
  of the answered items), alpha if the item is dropped, item n, mean and sd.
- **omega total** (``psych::omega(x, nfactors = 1, fm = "minres")``): one-factor minres model
  on the pairwise item correlations ``R``; items with a negative loading are flipped, and
  ``omega_t = (V - sum(u2)) / V`` with ``V`` the *observed* sum of the (flipped) ``R`` and ``u2``
  the uniquenesses ``1 - h2``.
- **omega hierarchical** for multidimensional totals (a scale whose items are the union of two or
  more declared, disjoint subscales: FFMQ-39 total, SCS-26 total, ProQOL-5 compassion fatigue =
  burnout + secondary trauma), ``psych::omega(x, nfactors = k, fm = "minres")`` with ``k`` the
  number of declared subscales and psych's default rotation: a k-factor minres solution, varimax
  then oblimin (``GPArotation::oblimin``), and the Schmid-Leiman transformation
  (``psych::schmid``) with the general factor from a one-factor minres on the factor
  correlations (with ``k = 2``, psych's ``option = "equal"``: both general loadings
  ``sqrt(phi)``). ``omega_h = (sum |g|)^2 / V`` and ``omega_total_sl = (V - sum(1 - h2)) / V``.
  The declared subscales set ``k`` only; the group factors are exploratory. (psych's
  ``rotate = "target"`` towards the declared key was tried: in samples of 40 it flips whole
  subscales and gives, e.g., an SCS-26 omega total of .71 against .94.)

Minres (``psych::fa(fm = "minres")``) is solved as psych does it: L-BFGS-B on the uniquenesses
(start ``1 - smc``, bounds ``[0.005, max(1, smc)]``, ``parscale = 0.01``, ``factr = 1e7``,
five correction pairs, psych's pseudo-gradient), loadings from the leading eigenvectors of
``R - diag(psi)``; scipy's L-BFGS-B follows R's ``optim`` step for step, so even the last digits
of psych's not-quite-converged solutions agree.

Missing data (``analyses.reliability.missing``):

- ``listwise`` (default, as SPSS RELIABILITY): the rows with every item of the scale answered;
  rows with any item missing are excluded and counted.
- ``pairwise`` (psych's default): every row with at least one item answered; covariances and
  correlations use the pairwise-complete rows, and ``n`` (for the CIs) is the number of rows.

Rows with no item of the scale answered are excluded under both rules. Items with zero variance
at a wave are excluded from alpha and omega (as ``psych::alpha`` and SPSS do) and named in
``note``. Omega needs at least three items and more respondents than items (the correlation
matrix is singular otherwise); when it is not estimated, ``note`` says why.

Output columns
--------------
``reliability.csv`` (one row per scale x wave):

=========================  =================================================================
instrument, scale, wave    the scale (``<instrument>.<scale>``) and the wave
missing                    the missing-data rule: ``listwise`` or ``pairwise``
n                          rows used (psych's ``nsub``: the n of the SE and Feldt CI)
n_excluded                 rows of the wave not used; ``excluded`` says why
excluded                   e.g. ``3 incomplete (listwise); 1 with no item answered``
n_pairwise_min             the smallest pairwise-complete count of any item pair
n_items                    items in the scale; ``n_items_used`` after zero-variance items
alpha                      Cronbach's alpha from covariances (psych ``raw_alpha``)
alpha_ci_low, _high        Feldt 95% CI (psych ``alpha.ci``, the ``feldt`` element)
omega_total                one-factor omega total (psych ``omega(nfactors = 1)$omega.tot``)
alpha_std                  standardised alpha (psych ``std.alpha``)
alpha_se                   Duhachek's asymptotic SE (psych ``ase``)
duhachek_ci_low, _high     ``alpha -/+ 1.96 * alpha_se``
average_r, average_cov     mean inter-item correlation (psych ``average_r``) and covariance
omega_h, omega_total_sl    Schmid-Leiman omega hierarchical and total (multidimensional totals)
subscales                  the declared subscales the Schmid-Leiman solution uses (``;``)
threshold                  the configured threshold (default .70)
below_threshold            alpha < threshold (empty when alpha is not defined)
negative_average_cov       the average inter-item covariance is negative (alpha < 0)
note                       why a statistic is missing, excluded items, warnings
=========================  =================================================================

``items.csv`` (one row per item x scale x wave): ``instrument, scale, wave, item`` (the data
column), ``item_number``, ``reversed`` (reverse-keyed in this scale), ``n``, ``mean``, ``sd``
(item as scored, over the rows used), ``item_rest_r`` (psych ``r.drop``), ``item_total_r``
(psych ``raw.r``), ``alpha_if_dropped``, ``alpha_std_if_dropped`` (psych ``alpha.drop``),
``note``.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. Psychometrika,
16(3), 297-334. Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
reliability coefficient twenty. Psychometrika, 30(3), 357-370. Duhachek, A., & Iacobucci, D.
(2004). Alpha's standard error (ASE). Journal of Applied Psychology, 89(5), 792-808.
McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum. Schmid, J., & Leiman, J. M.
(1957). The development of hierarchical factor solutions. Psychometrika, 22(1), 53-61.
Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality Research,
version 2.2.9 (functions ``alpha``, ``alpha.ci``, ``omega``, ``schmid``, ``fa``, ``smc``).
Bernaards, C. A., & Jennrich, R. I. (2005). Gradient projection algorithms and software for
arbitrary rotation criteria in factor analysis. Educational and Psychological Measurement, 65(5),
676-696 (GPArotation's ``GPFoblq``).

Examples
--------
Ten respondents, four items (psych::alpha gives alpha .8489, Feldt lower bound .6025;
psych::omega(x, 1) omega total .8618):

>>> import pandas as pd
>>> items = pd.DataFrame({"a": [2, 2, 3, 4, 5, 1, 3, 3, 3, 5], "b": [2, 2, 3, 5, 4, 1, 3, 4, 3, 3],
...                       "c": [1, 3, 3, 4, 5, 2, 5, 2, 2, 4], "d": [2, 1, 4, 4, 5, 3, 2, 3, 1, 5]})
>>> row, per_item = scale_reliability(items)
>>> round(row["alpha"], 4), round(row["alpha_ci_low"], 4), round(row["omega_total"], 4)
(0.8489, 0.6025, 0.8618)
>>> per_item[["item", "item_rest_r", "alpha_if_dropped"]].round(3).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
{'item': ['a', 'b', 'c', 'd'], 'item_rest_r': [0.875, 0.644, 0.639, 0.627],
 'alpha_if_dropped': [0.727, 0.828, 0.829, 0.84]}
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .instruments import Instrument

__all__ = [
    "RELIABILITY_COLUMNS",
    "ITEM_COLUMNS",
    "alpha_statistics",
    "feldt_ci",
    "smc",
    "minres",
    "omega_one_factor",
    "omega_schmid_leiman",
    "multidimensional_subscales",
    "scale_reliability",
    "for_study",
]

#: Columns of ``reliability/reliability.csv``, in order.
RELIABILITY_COLUMNS = [
    "instrument", "scale", "wave", "missing", "n", "n_excluded", "excluded", "n_pairwise_min",
    "n_items", "n_items_used", "alpha", "alpha_ci_low", "alpha_ci_high", "omega_total",
    "alpha_std", "alpha_se", "duhachek_ci_low", "duhachek_ci_high", "average_r", "average_cov",
    "omega_h", "omega_total_sl", "subscales", "threshold", "below_threshold",
    "negative_average_cov", "note",
]
#: Columns of ``reliability/items.csv``, in order.
ITEM_COLUMNS = [
    "instrument", "scale", "wave", "item", "item_number", "reversed", "n", "mean", "sd",
    "item_rest_r", "item_total_r", "alpha_if_dropped", "alpha_std_if_dropped", "note",
]

_EPS = np.finfo(float).eps
#: psych's Duhachek interval uses a literal 1.96 (print.psych), not qnorm(.975).
_Z_DUHACHEK = 1.96
_MISSING_RULES = ("listwise", "pairwise")


# --------------------------------------------------------------------------------------------
# Covariances and correlations with missing values (R's cov/cor with use = "pairwise")
# --------------------------------------------------------------------------------------------


def _pairwise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise-complete covariance, correlation and count matrices, as R's
    ``cov(x, use = "pairwise")`` and ``cor(x, use = "pairwise")``.

    Each pair uses the rows where both items are answered, with means (and, for the
    correlation, standard deviations) over those rows. Fewer than two rows give NaN.

    Every pair at once, by matrix products of the answers (shifted by each item's mean rounded
    to a whole number, so that whole codes keep exact sums) and of the answered masks: for the
    pair (i, j), with m joint rows, S_i the sum of i's answers on them, P the sum of products
    and Q_i the sum of squares, cov = (P - S_i S_j / m) / (m - 1) and r = (P - S_i S_j / m) /
    sqrt((Q_i - S_i^2 / m)(Q_j - S_j^2 / m)). A loop over pairs took 100 s for a 39-item scale
    of 100,000 respondents; this takes a fraction of a second, with the same numbers to 1e-12.

    >>> x = np.array([[1, 2], [2, np.nan], [3, 5], [4, 4.0]])
    >>> C, R, N = _pairwise(x)
    >>> float(C[0, 0]), round(float(C[0, 1]), 6), round(float(R[0, 1]), 6), int(N[0, 1])
    (1.6666666666666667, 1.833333, 0.785714, 3)
    """
    observed = ~np.isnan(x)
    answered = observed.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.round(np.nan_to_num(np.where(observed, x, 0.0).sum(axis=0) / observed.sum(axis=0)))
        d = np.where(observed, x - centre, 0.0)
        m = answered.T @ answered                  # joint rows of each pair
        sums = d.T @ answered                      # [i, j]: i's centred answers where j answered too
        products = d.T @ d - sums * sums.T / m
        squares = (d * d).T @ answered - sums * sums / m
        C = products / (m - 1)
        denominator = np.sqrt(squares * squares.T)
        R = products / denominator
    C[m < 2] = np.nan
    R[(m < 2) | ~(denominator > 0)] = np.nan
    return C, R, m.astype(np.int64)


def _correlations_with(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r of ``y`` with each column of ``x``, each over the rows where both are answered
    (R's ``cor(y, x, use = "pairwise")``), centred on those rows' own means (two-pass)."""
    both = ~np.isnan(x) & ~np.isnan(y)[:, None]
    m = both.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        xs = np.where(both, x, 0.0)
        ys = np.where(both, y[:, None], 0.0)
        dx = np.where(both, xs - xs.sum(axis=0) / m, 0.0)
        dy = np.where(both, ys - ys.sum(axis=0) / m, 0.0)
        denominator = np.sqrt((dx * dx).sum(axis=0) * (dy * dy).sum(axis=0))
        r = (dx * dy).sum(axis=0) / denominator
    return np.where((m >= 2) & (denominator > 0), r, np.nan)


def _cov2cor(C: np.ndarray) -> np.ndarray:
    """R's ``cov2cor``: ``C / sqrt(d d')`` with the diagonal set to exactly 1."""
    scale = 1 / np.sqrt(np.diag(C))
    R = C * scale[:, None] * scale[None, :]
    np.fill_diagonal(R, 1.0)
    return R


# --------------------------------------------------------------------------------------------
# Alpha
# --------------------------------------------------------------------------------------------


def feldt_ci(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt's (1965) confidence interval for alpha, as ``psych::alpha.ci``.

    ``1 - (1 - alpha) * F(1 - p/2)`` and ``1 - (1 - alpha) * F(p/2)`` with F quantiles on
    ``n - 1`` and ``(n - 1)(k - 1)`` degrees of freedom, ``p = 1 - level``.

    Parameters
    ----------
    alpha : float
        Raw alpha.
    n : int
        Respondents (psych passes the number of rows, ``nsub``).
    k : int
        Items.

    Examples
    --------
    >>> [round(v, 6) for v in feldt_ci(0.8, 50, 10)]
    [0.705883, 0.873373]
    """
    p = 1 - level
    if not (np.isfinite(alpha) and n >= 2 and k >= 2):
        return (np.nan, np.nan)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * stats.f.ppf(1 - p / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(p / 2, df1, df2)
    return (float(low), float(high))


def _alpha_1(C: np.ndarray) -> tuple[float, float]:
    """Raw and standardised alpha of a covariance matrix (psych's internal ``alpha.1``)."""
    k = C.shape[0]
    if k < 2:
        return (np.nan, np.nan)
    total = C.sum()
    raw = (1 - np.trace(C) / total) * (k / (k - 1))
    std = (1 - k / _cov2cor(C).sum()) * (k / (k - 1))
    return (float(raw), float(std))


def alpha_statistics(C: np.ndarray, n: int) -> dict:
    """Alpha, standardised alpha, Duhachek SE and both CIs from an item covariance matrix.

    The formulas of ``psych::alpha`` (psych 2.2.9, internal ``alpha.1``):
    ``alpha = k/(k-1) (1 - tr(C)/sum(C))``; ``alpha_std = k/(k-1) (1 - k/sum(R))`` with
    ``R = cov2cor(C)``; ``average_r = (sum(R) - k)/(k(k-1))``; Duhachek's
    ``Q = 2k^2/((k-1)^2 sum(C)^3) (sum(C)(tr(C^2) + tr(C)^2) - 2 tr(C) sum(C^2))`` and
    ``alpha_se = sqrt(Q/n)``; the Feldt CI of :func:`feldt_ci`.

    Parameters
    ----------
    C : ndarray (k, k)
        Item covariance matrix (pairwise or complete cases).
    n : int
        Respondents for the SE and the Feldt CI (psych: the number of rows).

    Returns
    -------
    dict
        ``alpha, alpha_std, average_r, average_cov, alpha_se, alpha_ci_low, alpha_ci_high,
        duhachek_ci_low, duhachek_ci_high``.

    Examples
    --------
    >>> C = np.array([[1.0, 0.5, 0.4], [0.5, 1.2, 0.6], [0.4, 0.6, 0.9]])
    >>> out = alpha_statistics(C, 30)
    >>> round(out["alpha"], 6), round(out["alpha_se"], 6), round(out["alpha_ci_low"], 6)
    (0.737705, 0.082415, 0.519131)
    """
    k = C.shape[0]
    keys = ("alpha", "alpha_std", "average_r", "average_cov", "alpha_se", "alpha_ci_low",
            "alpha_ci_high", "duhachek_ci_low", "duhachek_ci_high")
    out = dict.fromkeys(keys, np.nan)
    if k < 2 or not np.all(np.isfinite(C)) or C.sum() <= 0:
        # a total without variance (answers that cancel out, e.g. the same answer to items keyed
        # in opposite directions): alpha would be minus infinity, it is not defined
        return out
    raw, std = _alpha_1(C)
    R = _cov2cor(C)
    total = C.sum()
    trace = np.trace(C)
    CC = C @ C
    Q = (2 * k**2 / ((k - 1) ** 2 * total**3)) * (total * (np.trace(CC) + trace**2)
                                                 - 2 * trace * CC.sum())
    se = math.sqrt(Q / n) if Q >= 0 and n > 0 else np.nan
    low, high = feldt_ci(raw, n, k)
    out.update(alpha=raw, alpha_std=std, average_r=float((R.sum() - k) / (k * (k - 1))),
               average_cov=float((total - trace) / (k * (k - 1))), alpha_se=se,
               alpha_ci_low=low, alpha_ci_high=high,
               duhachek_ci_low=raw - _Z_DUHACHEK * se, duhachek_ci_high=raw + _Z_DUHACHEK * se)
    return out


def _item_statistics(x: np.ndarray, C: np.ndarray) -> dict[str, np.ndarray]:
    """psych::alpha's item statistics r.drop, raw.r and alpha.drop (raw and standardised)."""
    k = C.shape[0]
    rest_r = np.full(k, np.nan)
    total_r = np.full(k, np.nan)
    drop_raw = np.full(k, np.nan)
    drop_std = np.full(k, np.nan)
    if k >= 2 and np.all(np.isfinite(C)):
        for i in range(k):
            keep = np.arange(k) != i
            v_drop = C[np.ix_(keep, keep)].sum()
            c_drop = C[:, i].sum() - C[i, i]
            rest_r[i] = c_drop / math.sqrt(C[i, i] * v_drop) if C[i, i] * v_drop > 0 else np.nan
            if k > 2:
                drop_raw[i], drop_std[i] = _alpha_1(C[np.ix_(keep, keep)])
        # raw.r: cor(rowMeans(x, na.rm = TRUE), x, use = "pairwise")
        answered = ~np.isnan(x)
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.where(answered, x, 0).sum(axis=1) / answered.sum(axis=1)
        total_r = _correlations_with(x, total)
    return {"item_rest_r": rest_r,
            "item_total_r": total_r, "alpha_if_dropped": drop_raw,
            "alpha_std_if_dropped": drop_std}


# --------------------------------------------------------------------------------------------
# Minres factor analysis (psych::fa, fm = "minres") and omega
# --------------------------------------------------------------------------------------------


def _pinv(X: np.ndarray, tol: float = math.sqrt(_EPS)) -> np.ndarray:
    """psych::Pinv: Moore-Penrose inverse dropping singular values <= tol * the largest."""
    u, d, vt = np.linalg.svd(X)
    keep = d > max(tol * d[0], 0)
    return (vt[keep].T / d[keep]) @ u[:, keep].T


def smc(R: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 - 1/diag(R^-1)``, as ``psych::smc`` (pseudo-inverse,
    values clipped to [0, 1]).

    Examples
    --------
    >>> smc(np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])).round(4).tolist()
    [0.3187, 0.2619, 0.1733]
    """
    R = _cov2cor(np.asarray(R, dtype=float))
    values = 1 - 1 / np.diag(_pinv(R))
    return np.clip(values, 0, 1)


def _eigh_desc(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(S)
    return values[::-1], vectors[:, ::-1]


def _minres_objective(psi: np.ndarray, S: np.ndarray, nf: int) -> float:
    """psych's ``fit.residuals`` (fm = "minres"): sum of squared lower-triangle residuals."""
    S = S.copy()
    np.fill_diagonal(S, 1 - psi)
    values, vectors = _eigh_desc(S)
    values = np.where(values < _EPS, 100 * _EPS, values)
    loadings = vectors[:, :nf] * np.sqrt(values[:nf])
    residual = (S - loadings @ loadings.T)[np.tril_indices(len(S), -1)]
    return float(np.sum(residual**2))


def _minres_gradient(psi: np.ndarray, S: np.ndarray, nf: int) -> np.ndarray:
    """psych's ``FAgr.minres``: ``diag(L L' + diag(psi) - S)`` (the ULS gradient)."""
    values, vectors = _eigh_desc(S - np.diag(psi))
    loadings = vectors[:, :nf] * np.sqrt(np.maximum(values[:nf], 0))
    return np.sum(loadings**2, axis=1) + psi - np.diag(S)


def _loadings_from_psi(S: np.ndarray, psi: np.ndarray, nf: int) -> np.ndarray:
    """psych's ``FAout.wls``: leading eigenvectors of ``S - diag(psi)`` times sqrt(values)."""
    reduced = S.copy()
    np.fill_diagonal(reduced, np.diag(S) - psi)
    values, vectors = _eigh_desc(reduced)
    return vectors[:, :nf] * np.sqrt(np.maximum(values[:nf], 0))


def minres(R: np.ndarray, nfactors: int = 1) -> dict:
    """Minimum-residual factor analysis of a correlation matrix, as ``psych::fa(fm = "minres")``.

    Minimises psych's residual sum of squares over the uniquenesses with L-BFGS-B exactly as
    ``psych:::fac`` calls ``optim``: start ``1 - smc(R)``, bounds ``[0.005, max(1, smc)]``,
    ``parscale = 0.01``, ``factr = 1e7``, ``lmm = 5``, at most 100 iterations, and psych's
    gradient. The loadings are psych's ``FAout.wls`` of the solution, unrotated, each column's
    sign set so that its sum is positive (psych's convention).

    Parameters
    ----------
    R : ndarray (p, p)
        Correlation matrix (no missing values).
    nfactors : int

    Returns
    -------
    dict
        ``loadings`` (p, nfactors), ``h2`` (communalities: row sums of squared loadings, as
        psych's ``schmid`` uses them), ``psi`` (the optimiser's uniquenesses), ``converged``,
        ``iterations``.

    Examples
    --------
    >>> R = np.array([[1, .42, .35, .28], [.42, 1, .30, .24], [.35, .30, 1, .20],
    ...               [.28, .24, .20, 1]])
    >>> fit = minres(R)
    >>> fit["loadings"][:, 0].round(3).tolist()
    [0.7, 0.6, 0.5, 0.4]
    """
    S = _cov2cor(np.asarray(R, dtype=float))
    s = smc(S)
    upper = max(float(s.max()), 1.0)
    start = np.diag(S) - s
    scale = 0.01
    result = optimize.minimize(
        lambda x: _minres_objective(x * scale, S, nfactors), start / scale,
        jac=lambda x: _minres_gradient(x * scale, S, nfactors) * scale,
        method="L-BFGS-B", bounds=[(0.005 / scale, upper / scale)] * len(s),
        options={"maxcor": 5, "ftol": 1e7 * _EPS, "gtol": 0.0, "maxiter": 100})
    psi = result.x * scale
    loadings = _loadings_from_psi(S, psi, nfactors)
    signs = np.sign(loadings.sum(axis=0))
    signs[signs == 0] = 1
    loadings = loadings * signs
    return {"loadings": loadings, "h2": np.sum(loadings**2, axis=1), "psi": psi,
            "converged": bool(result.success), "iterations": int(result.nit)}


def _flipped_sum(R: np.ndarray, general: np.ndarray) -> float:
    """Sum of ``D R D`` with ``D = sign(general)`` (0 counted as +): psych's flip in omegah."""
    key = np.sign(general)
    key[key == 0] = 1
    return float((key[:, None] * R * key[None, :]).sum())


def omega_one_factor(R: np.ndarray) -> dict:
    """McDonald's omega total from a one-factor minres model, as
    ``psych::omega(x, nfactors = 1, fm = "minres")$omega.tot``.

    ``omega_t = (V - sum(1 - h2)) / V`` where ``V`` is the sum of the observed correlation
    matrix after flipping the items with negative loadings, and ``h2`` the squared loadings.

    Examples
    --------
    >>> R = np.array([[1, .42, .35, .28], [.42, 1, .30, .24], [.35, .30, 1, .20],
    ...               [.28, .24, .20, 1]])
    >>> round(omega_one_factor(R)["omega_total"], 4)
    0.6385
    """
    fit = minres(R, 1)
    loadings = fit["loadings"][:, 0]
    V = _flipped_sum(R, loadings)
    u2 = 1 - fit["h2"]
    return {"omega_total": float((V - u2.sum()) / V), "loadings": loadings,
            "n_flipped": int(np.sum(loadings < 0)),
            "converged": fit["converged"], "heywood": bool(np.any(fit["psi"] <= 0.005 + 1e-12))}


def _varimax(loadings: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """R's ``stats::varimax(x, normalize = TRUE, eps = 1e-5)`` (Kaiser-normalised), loadings only."""
    k = loadings.shape[1]
    if k < 2:
        return loadings
    scale = np.sqrt(np.sum(loadings**2, axis=1))
    x = loadings / scale[:, None]
    p = x.shape[0]
    rotation = np.eye(k)
    d = 0.0
    for _ in range(1000):
        z = x @ rotation
        B = x.T @ (z**3 - z * (np.sum(z**2, axis=0) / p)[None, :])
        u, singular, vt = np.linalg.svd(B)
        rotation = u @ vt
        d_past, d = d, float(np.sum(singular))
        if d < d_past * (1 + eps):
            break
    return (x @ rotation) * scale[:, None]


def _oblimin(A: np.ndarray, eps: float = 1e-5, maxit: int = 1000) -> tuple[np.ndarray,
                                                                         np.ndarray, bool]:
    """GPArotation's ``oblimin(A)`` (quartimin, gam = 0, no normalisation): the gradient
    projection algorithm ``GPFoblq`` of Bernaards & Jennrich (2005), step for step.

    Returns the pattern loadings, the factor correlations ``Phi = T'T`` and convergence.
    """
    k = A.shape[1]
    off = 1 - np.eye(k)

    def criterion(L):
        X = (L**2) @ off
        return L * X, float(np.sum(L**2 * X) / 4)

    T = np.eye(k)
    alpha = 1.0
    L = A @ np.linalg.inv(T).T
    Gq, f = criterion(L)
    G = -(L.T @ Gq @ np.linalg.inv(T)).T
    s = np.inf
    for _ in range(maxit + 1):
        Gp = G - T * np.sum(T * G, axis=0)[None, :]
        s = math.sqrt(float(np.sum(Gp**2)))
        if s < eps:
            break
        alpha *= 2
        for _ in range(11):
            X = T - alpha * Gp
            T_try = X / np.sqrt(np.sum(X**2, axis=0))[None, :]
            L = A @ np.linalg.inv(T_try).T
            Gq_try, f_try = criterion(L)
            if f - f_try > 0.5 * s**2 * alpha:
                break
            alpha /= 2
        T, f = T_try, f_try
        G = -(L.T @ Gq_try @ np.linalg.inv(T_try)).T
    return L, T.T @ T, bool(s < eps)


def omega_schmid_leiman(R: np.ndarray, nfactors: int) -> dict:
    """Omega hierarchical and omega total from a Schmid-Leiman solution, as
    ``psych::omega(x, nfactors = k, fm = "minres")`` (psych's defaults: oblimin).

    The chain of ``psych::schmid``: a k-factor minres solution (``psych::fa``), varimax
    (``stats::varimax``) then oblimin (``GPArotation::oblimin``, quartimin) rotation; the general
    factor from a one-factor minres of the factor correlations ``Phi`` (k > 2) or, with k = 2,
    both general loadings ``sqrt(|phi|)`` (psych's ``option = "equal"``); general loadings
    ``g = pattern %*% gload``. After flipping the items with negative ``g`` (psych's
    ``omegah``): ``omega_h = (sum |g|)^2 / V`` and ``omega_total = (V - sum(1 - h2)) / V``,
    ``V`` the sum of the observed (flipped) correlation matrix, ``h2`` the k-factor
    communalities.

    Parameters
    ----------
    R : ndarray (p, p)
        Item correlation matrix.
    nfactors : int
        Group factors (at least two): the number of declared subscales.

    Returns
    -------
    dict
        ``omega_h``, ``omega_total``, ``general`` (loadings), ``phi`` (group factor
        correlations), ``n_flipped`` (items with a negative general loading), ``converged``,
        ``heywood``.

    Examples
    --------
    Three groups of three items, general loadings .6 and group loadings .5:

    >>> g, s = np.full(9, .6), np.kron(np.eye(3), np.full((3, 1), .5))
    >>> R = np.outer(g, g) + s @ s.T
    >>> np.fill_diagonal(R, 1)
    >>> out = omega_schmid_leiman(R, 3)
    >>> round(out["omega_h"], 3), round(out["omega_total"], 3)
    (0.74, 0.911)
    """
    k = int(nfactors)
    fit = minres(R, k)
    pattern, phi, rotated = _oblimin(_varimax(fit["loadings"]))
    converged = fit["converged"] and rotated
    if k > 2:
        general_fit = minres(phi, 1)
        gload = general_fit["loadings"][:, 0]
        converged = converged and general_fit["converged"]
    else:
        root = math.sqrt(abs(phi[0, 1]))
        gload = np.array([root, np.sign(phi[0, 1]) * root])
    general = pattern @ gload
    V = _flipped_sum(R, general)
    return {"omega_h": float(np.abs(general).sum() ** 2 / V),
            "omega_total": float((V - (1 - fit["h2"]).sum()) / V),
            "general": general, "phi": phi, "n_flipped": int(np.sum(general < 0)),
            "converged": converged, "heywood": bool(np.any(fit["psi"] <= 0.005 + 1e-12))}


# --------------------------------------------------------------------------------------------
# One scale
# --------------------------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def scale_reliability(values: pd.DataFrame, missing: str = "listwise",
                      groups: Mapping[str, Sequence[str]] | None = None,
                      threshold: float = 0.7) -> tuple[dict, pd.DataFrame]:
    """Alpha, omega and item statistics of one scale at one wave.

    Parameters
    ----------
    values : DataFrame
        One row per respondent, one column per item, as scored (reverse keys applied), NaN for
        a missing answer.
    missing : {'listwise', 'pairwise'}
        ``listwise`` uses the rows with every item answered (SPSS RELIABILITY); ``pairwise``
        every row with at least one item answered (psych's default). Rows with no item answered
        are excluded under both.
    groups : mapping of str to list of column names, optional
        Declared subscales of a multidimensional total: adds ``omega_h`` and ``omega_total_sl``
        from a Schmid-Leiman solution (:func:`omega_schmid_leiman`).
    threshold : float
        ``below_threshold`` is ``alpha < threshold``.

    Returns
    -------
    row : dict
        The scale-level columns of ``reliability.csv`` (without instrument, scale and wave).
    items : DataFrame
        ``item, n, mean, sd, item_rest_r, item_total_r, alpha_if_dropped,
        alpha_std_if_dropped, note``, one row per item in the order of ``values``.

    Examples
    --------
    Two items: alpha is defined, omega is not.

    >>> two = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 1, 4, 3, 5]})
    >>> row, _ = scale_reliability(two)
    >>> round(row["alpha"], 3), row["omega_total"], row["note"]
    (0.889, nan, 'omega not defined for 2 items (a one-factor model needs at least 3)')
    """
    if missing not in _MISSING_RULES:
        raise ValueError(f"missing must be one of {_MISSING_RULES}, not {missing!r}")
    names = [str(c) for c in values.columns]
    x_all = values.to_numpy(dtype=float, na_value=np.nan)
    n_items = x_all.shape[1]
    answered = (~np.isnan(x_all)).sum(axis=1)
    empty = answered == 0
    incomplete = (answered > 0) & (answered < n_items)
    if missing == "listwise":
        used = answered == n_items
        reasons = [(int(incomplete.sum()), "incomplete (listwise: 1+ of "
                    f"{n_items} items missing)"), (int(empty.sum()), "with no item answered")]
    else:
        used = ~empty
        reasons = [(int(empty.sum()), "with no item answered")]
    x = x_all[used]
    n = int(x.shape[0])
    notes: list[str] = []

    row = dict.fromkeys(RELIABILITY_COLUMNS[3:], np.nan)
    row.update(missing=missing, n=n, n_excluded=int((~used).sum()),
               excluded="; ".join(f"{count} {why}" for count, why in reasons if count) or "",
               n_items=n_items, threshold=threshold, subscales=";".join(groups or {}),
               below_threshold=None, negative_average_cov=None)

    # zero-variance items are left out, as psych::alpha (delete = TRUE) and SPSS do
    with np.errstate(invalid="ignore"):
        sds = np.array([np.std(col[~np.isnan(col)], ddof=1) if (~np.isnan(col)).sum() > 1
                        else np.nan for col in x.T]) if n_items else np.array([])
    bad = ~(sds > 0)
    keep = np.flatnonzero(~bad)
    if bad.any() and n >= 2:
        listed = ", ".join(names[i] for i in np.flatnonzero(bad))
        notes.append(f"zero variance at this wave: {listed} left out of alpha and omega "
                     "(as psych::alpha and SPSS do)")
    xk = x[:, keep]
    k = len(keep)
    row["n_items_used"] = k

    item_notes = ["zero variance: left out" if bad[i] and n >= 2 else "" for i in range(n_items)]
    per_item = pd.DataFrame({"item": names, "n": (~np.isnan(x)).sum(axis=0)})
    with np.errstate(invalid="ignore", divide="ignore"):
        per_item["mean"] = [np.mean(col[~np.isnan(col)]) if (~np.isnan(col)).any() else np.nan
                            for col in x.T]
    per_item["sd"] = sds
    for column in ("item_rest_r", "item_total_r", "alpha_if_dropped", "alpha_std_if_dropped"):
        per_item[column] = np.nan

    if n < 2:
        notes.append(f"{n} respondent(s): nothing estimated")
    elif k < 2:
        notes.append(f"{k} item(s) with variance: alpha not defined")
    else:
        if missing == "listwise":
            C = np.cov(xk, rowvar=False)
            R = _cov2cor(C)
            N = np.full((k, k), n)
        else:
            C, R, N = _pairwise(xk)
        row["n_pairwise_min"] = int(N.min())
        if not np.all(np.isfinite(C)):
            notes.append("some item pair has fewer than 2 joint answers: nothing estimated")
        elif C.sum() <= 0:
            notes.append("the scale total has no variance (the keyed answers cancel out, e.g. the "
                         "same answer to items keyed in opposite directions): alpha not defined")
        else:
            row.update(alpha_statistics(C, n))
            stats_ = _item_statistics(xk, C)
            for column in ("item_rest_r", "item_total_r", "alpha_if_dropped",
                           "alpha_std_if_dropped"):
                per_item.loc[keep, column] = stats_[column]
            if k == 2:
                for i in keep:
                    item_notes[i] = "alpha if dropped not defined (one item left)"
            row["negative_average_cov"] = bool(row["average_cov"] < 0)
            if row["negative_average_cov"]:
                notes.append("negative average inter-item covariance: alpha < 0, the items do "
                             "not measure one thing in one direction (check the reverse keys)")
            row["below_threshold"] = bool(row["alpha"] < threshold)
            for i in keep[per_item.loc[keep, "item_rest_r"].to_numpy() < 0]:
                item_notes[i] = _join_note(item_notes[i], "negative item-rest correlation")

            # omega: pairwise correlations (psych::omega), at least 3 items and n > items
            if k < 3:
                notes.append(f"omega not defined for {k} items (a one-factor model needs at "
                             "least 3)")
            elif n <= k:
                notes.append(f"omega{' and omega_h' if groups else ''} not estimated: "
                             f"{_plural(n, 'respondent')} for {k} items (the correlation "
                             "matrix is singular)")
            elif not np.all(np.isfinite(R)):
                notes.append("omega not estimated: some item correlation is undefined")
            else:
                if missing == "pairwise":
                    _, R, _ = _pairwise(xk)
                one = omega_one_factor(R)
                row["omega_total"] = one["omega_total"]
                if not one["converged"]:
                    notes.append("one-factor minres stopped after 100 iterations (as psych)")
                if one["n_flipped"]:
                    notes.append(f"one-factor loadings negative for {one['n_flipped']} "
                                 "item(s), flipped for omega as psych does")
                if one["heywood"]:
                    notes.append("one-factor solution has a Heywood case (a uniqueness at "
                                 "psych's bound 0.005)")
                if groups:
                    _schmid_leiman(row, notes, R, names, keep, groups)
    per_item["note"] = item_notes
    row["note"] = "; ".join(notes)
    return row, per_item


def _join_note(left: str, right: str) -> str:
    return f"{left}; {right}" if left else right


def _schmid_leiman(row: dict, notes: list, R: np.ndarray, names: list, keep: np.ndarray,
                   groups: Mapping[str, Sequence[str]]) -> None:
    """Fill omega_h and omega_total_sl for a multidimensional total (in place)."""
    kept = set(names[i] for i in keep)
    subscales = [name for name, columns in groups.items() if kept & set(map(str, columns))]
    k, p = len(subscales), R.shape[0]
    if k < 2:
        notes.append("omega_h not estimated: fewer than 2 subscales with items")
        return
    if (p - k) ** 2 <= p + k:
        notes.append(f"omega_h not estimated: {p} items are too few for {k} group factors")
        return
    try:
        sl = omega_schmid_leiman(R, k)
    except np.linalg.LinAlgError:
        notes.append("omega_h not estimated: the factor rotation failed (singular matrix)")
        return
    row["omega_h"] = sl["omega_h"]
    row["omega_total_sl"] = sl["omega_total"]
    if k == 2:
        notes.append("omega_h with 2 group factors: general loadings set equal (psych "
                     "option 'equal'), weakly identified")
    if sl["n_flipped"]:
        notes.append(f"Schmid-Leiman general factor loads negatively on {sl['n_flipped']} "
                     "item(s), flipped as psych does")
    if not sl["converged"]:
        notes.append("Schmid-Leiman solution did not converge (minres 100 iterations or "
                     "oblimin 1000, as psych)")
    if sl["heywood"]:
        notes.append("Schmid-Leiman solution has a Heywood case (a uniqueness at psych's "
                     "bound 0.005)")


# --------------------------------------------------------------------------------------------
# Instruments and studies
# --------------------------------------------------------------------------------------------


def multidimensional_subscales(instrument: Instrument, scale: str) -> list[str]:
    """The declared subscales whose items make up ``scale``, or ``[]`` if it is not a
    multidimensional total.

    A scale's ``subscales`` key when the file declares one (SCS-26 total); otherwise the other
    scales of the instrument whose items are a proper subset of this scale's, when they are
    pairwise disjoint, at least two, and together cover every item (FFMQ-39 total, ProQOL-5
    compassion fatigue = burnout + secondary trauma). Only the largest such scales count, so
    nested subscales do not block the match.

    Examples
    --------
    >>> from wellbeing.instruments import load_instrument
    >>> multidimensional_subscales(load_instrument("proqol5"), "compassion_fatigue")
    ['burnout', 'secondary_trauma']
    >>> len(multidimensional_subscales(load_instrument("ffmq39"), "total"))
    5
    >>> multidimensional_subscales(load_instrument("pss10"), "total")
    []
    """
    entry = instrument.scale(scale)
    if entry.subscales:
        return list(entry.subscales)
    items = set(entry.items)
    inside = [other for other in instrument.scale_list
              if other.name != scale and set(other.items) < items]
    largest = [s for s in inside
               if not any(set(s.items) < set(t.items) for t in inside if t is not s)]
    covered: set[int] = set()
    for s in largest:
        if covered & set(s.items):
            return []
        covered |= set(s.items)
    if len(largest) >= 2 and covered == items:
        return [s.name for s in largest]
    return []


def for_study(responses: pd.DataFrame, study: Mapping, repo_root) -> tuple[pd.DataFrame,
                                                                         pd.DataFrame]:
    """Reliability of every scale of every instrument of a study, at every wave.

    Parameters
    ----------
    responses : DataFrame
        ``results/<study>/ingest/responses.csv``: participant, wave, group and the raw items.
    study : mapping
        The study's validated config (defaults filled): ``waves``, ``instruments`` and
        ``analyses.reliability`` (``threshold``, default 0.7; ``missing``, default listwise).
    repo_root : path
        Repository root, for the instrument definition files.

    Returns
    -------
    table : DataFrame
        ``reliability.csv``: :data:`RELIABILITY_COLUMNS`, one row per instrument x scale x
        wave (configured instrument order, file scale order, study wave order).
    per_item : DataFrame
        ``items.csv``: :data:`ITEM_COLUMNS`, one row per item x scale x wave.
    """
    from .score import item_values, scale_item_values
    from .study import study_instruments

    settings = (study.get("analyses") or {}).get("reliability") or {}
    threshold = float(settings.get("threshold", 0.7))
    missing = settings.get("missing", "listwise")
    waves = list(study["waves"])
    wave_column = responses["wave"].astype(str)
    at_wave = {wave: (wave_column == str(wave)).to_numpy() for wave in waves}
    rows, item_frames = [], []
    for instrument, pattern in study_instruments(study, repo_root):
        items = item_values(responses, instrument, pattern)
        for entry in instrument.scale_list:
            values = scale_item_values(responses, instrument, pattern, entry.name, items)
            columns = list(values.columns)
            number = dict(zip(columns, entry.items))
            groups = None
            subscales = multidimensional_subscales(instrument, entry.name)
            if subscales:
                groups = {name: instrument.item_columns(pattern, instrument.scale(name).items)
                          for name in subscales}
            for wave in waves:
                block = values[at_wave[wave]]
                row, per_item = scale_reliability(block, missing, groups, threshold)
                rows.append({"instrument": instrument.id, "scale": entry.name, "wave": wave,
                             **row})
                per_item.insert(0, "instrument", instrument.id)
                per_item.insert(1, "scale", entry.name)
                per_item.insert(2, "wave", wave)
                per_item.insert(4, "item_number", [number[c] for c in per_item["item"]])
                per_item.insert(5, "reversed", [number[c] in set(entry.reverse)
                                                for c in per_item["item"]])
                item_frames.append(per_item)
    table = pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)
    items = (pd.concat(item_frames, ignore_index=True) if item_frames
             else pd.DataFrame(columns=ITEM_COLUMNS))
    return table, items[ITEM_COLUMNS]
