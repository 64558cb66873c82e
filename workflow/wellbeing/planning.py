"""Planning the definitive trial from a feasibility study: the observed effect and the sample size
it implies, with the warning that a pilot's estimate is too imprecise to trust alone.

* :func:`power_t`: the power of a two-sided t test, as R's ``pwr::pwr.t.test`` computes it (the
  noncentral t with ncp = d sqrt(n / k), k = 2 for two samples of n each, 1 for a paired or
  one-sample test).
* :func:`n_for_power`: the n (per group) at which that power is reached, solved exactly
  (``pwr.t.test(power = ...)`` solves the same equation with ``uniroot``'s looser tolerance).
* :func:`for_anova`: per ANOVA outcome and population, Cohen's d of the study's question with its
  95% CI and the n per group for the requested power and alpha, at d and at the CI bound nearer
  zero.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import optimize, stats

#: Columns of ``anova/planning.csv``, in order.
PLANNING_COLUMNS = ["outcome", "population", "effect", "test", "n", "n1", "n2", "d", "d_ci_low",
                    "d_ci_high", "power", "alpha", "n_exact", "n_per_group", "bound",
                    "n_per_group_at_bound", "note"]

#: Why a pilot's effect size is no sound basis for a sample size on its own.
PILOT_NOTE = ("a pilot's effect size is imprecise (see its interval) and, when only promising pilots "
              "go on, biased upwards, so the n from it is often too small (Kraemer et al. 2006; "
              "Leon, Davis & Kraemer 2011): plan on the smallest effect worth detecting, or at "
              "least consider the bound nearer zero")


def power_t(d: float, n: float, alpha: float = 0.05, two_sample: bool = True) -> float:
    """Power of a two-sided t test of effect size ``d`` with ``n`` per group (or pairs).

    >>> round(power_t(0.5, 64), 8)     # R: pwr.t.test(n = 64, d = 0.5)$power = 0.8014595579
    0.80145956
    """
    k = 2 if two_sample else 1
    df = (n - 1) * k
    critical = stats.t.isf(alpha / 2, df)
    ncp = math.sqrt(n / k) * abs(d)
    upper = stats.nct.sf(critical, df, ncp)
    lower = stats.nct.cdf(-critical, df, ncp)   # below alpha / 2; NaN far in the tail, where it is 0
    return float(upper + (0.0 if np.isnan(lower) else lower))


def n_for_power(d: float, power: float = 0.8, alpha: float = 0.05, two_sample: bool = True) -> float:
    """The n per group (or pairs) at which a two-sided t test of ``d`` has ``power``; NaN for d = 0.

    >>> round(n_for_power(0.5), 4)     # R: pwr.t.test(d = 0.5, power = 0.8)$n = 63.76561
    63.7656
    """
    if not np.isfinite(d) or d == 0:
        return math.nan
    low = 2 + 1e-10
    if power_t(d, low, alpha, two_sample) >= power:
        return low
    high = 10.0
    while power_t(d, high, alpha, two_sample) < power:
        high *= 10
        if high > 1e12:
            return math.nan
    return float(optimize.brentq(lambda n: power_t(d, n, alpha, two_sample) - power, low, high,
                                 xtol=1e-12, rtol=1e-14))


def _d_and_ci(first: np.ndarray, second: np.ndarray | None, level: float = 0.95):
    """Cohen's d (pooled SD; or d_z of paired differences) and its noncentral-t interval, as
    ``effectsize::cohens_d``."""
    from .anova import t_ncp_ci

    if second is None:
        n = len(first)
        d = first.mean() / first.std(ddof=1)
        low, high = t_ncp_ci(d * math.sqrt(n), n - 1, level)
        return d, low / math.sqrt(n), high / math.sqrt(n)
    n1, n2 = len(first), len(second)
    pooled = math.sqrt(((n1 - 1) * first.var(ddof=1) + (n2 - 1) * second.var(ddof=1)) / (n1 + n2 - 2))
    d = (second.mean() - first.mean()) / pooled
    scale = math.sqrt(1 / n1 + 1 / n2)
    low, high = t_ncp_ci(d / scale, n1 + n2 - 2, level)
    return d, low * scale, high * scale


def for_anova(scores_wide: pd.DataFrame, ledger: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """The definitive trial's sample size from each ANOVA outcome's observed effect.

    Two groups over two waves: Cohen's d of the difference in change scores (the second group's
    mean change minus the reference's, over the pooled SD of the changes) with its 95% CI, and
    the n per group of a two-sample t test with ``analyses.anova.planning``'s power and alpha.
    One group over two waves: d_z of the paired differences and the n of a paired t test. The n
    is also given at the CI bound nearer zero when the interval excludes zero (else that n is
    not finite). Other designs get a note.

    Returns
    -------
    DataFrame
        Columns :data:`PLANNING_COLUMNS`, one row per outcome and population; ``n_exact`` is the
        root of the power equation, ``n_per_group`` it rounded up.
    """
    from .anova import analysed_changes, change_score_note
    from .design import analysed_groups, analysed_populations, primary_effect

    settings = study["analyses"]["anova"]["planning"]
    power, alpha = float(settings.get("power", 0.8)), float(settings.get("alpha", 0.05))
    waves = [str(w) for w in study["waves"]]
    groups = analysed_groups(study)
    why = change_score_note(study)
    rows = []
    for population in analysed_populations(study):
        for outcome in study["analyses"]["anova"]["outcomes"]:
            row = {"outcome": outcome, "population": population, "effect": primary_effect(study),
                   "power": power, "alpha": alpha, "note": why}
            if why:
                rows.append(row)
                continue
            changes = analysed_changes(scores_wide, ledger, study, outcome, population)
            two = len(groups) == 2
            first = changes[groups[0]]
            second = changes[groups[1]] if two else None
            row.update(test=(f"two-sample t of the change {waves[1]} - {waves[0]}" if two
                             else f"paired t of {waves[1]} and {waves[0]}"),
                       n=len(first) + (len(second) if two else 0), n1=len(first),
                       n2=len(second) if two else math.nan)
            sizes = [len(first)] + ([len(second)] if two else [])
            spread = np.r_[first - first.mean(), (second - second.mean()) if two else []]
            if min(sizes) < 2 or not np.any(spread):
                row["note"] = "not computed: fewer than 2 participants in a group, or no variance"
                rows.append(row)
                continue
            d, low, high = _d_and_ci(first, second)
            exact = n_for_power(d, power, alpha, two)
            row.update(d=d, d_ci_low=low, d_ci_high=high, n_exact=exact,
                       n_per_group=math.ceil(exact) if np.isfinite(exact) else math.nan)
            if low > 0 or high < 0:
                bound = low if low > 0 else high
                at_bound = n_for_power(bound, power, alpha, two)
                row.update(bound=bound, n_per_group_at_bound=math.ceil(at_bound))
                row["note"] = PILOT_NOTE
            else:
                row["note"] = PILOT_NOTE + "; the interval includes 0, so no finite n follows from its bound"
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=PLANNING_COLUMNS)
