"""Bayes factors for the questions a null result leaves open: is there evidence of no effect?

* :func:`jzs_t_bf10`: the JZS (Jeffreys-Zellner-Siow) Bayes factor of a one-sample, paired or
  two-sample t test (Rouder, Speckman, Sun, Morey & Iverson 2009): under H1 the standardised
  effect has a Cauchy prior of scale ``r`` (default ``sqrt(2)/2``, BayesFactor's "medium"), under
  H0 it is 0. As R's ``BayesFactor::ttestBF`` / ``ttest.tstat``.
* :func:`correlation_bf10`: the Bayes factor of a Pearson correlation against rho = 0 with a
  stretched beta prior of width ``kappa`` on rho (``kappa = 1``: uniform on -1..1, JASP's default),
  by the exact result of Ly, Verhagen & Wagenmakers (2016). As R's
  ``BayesFactor::correlationBF(rscale = 1)``.
* :func:`evidence_words`: a Bayes factor in words (Jeffreys' 1961 categories as Lee &
  Wagenmakers 2013 name them).

BF10 > 1 favours an effect, BF01 = 1 / BF10 > 1 favours none. Checked against BayesFactor in
``tests/reference/bayes_reference.R``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import integrate, special

#: BayesFactor's "medium" Cauchy scale for t tests.
MEDIUM_T_SCALE = math.sqrt(2) / 2


def jzs_t_bf10(t: float, n1: int, n2: int | None = None, r: float = MEDIUM_T_SCALE) -> float:
    """BF10 of a t statistic: one-sample or paired (``n1`` pairs) or two-sample (``n1``, ``n2``).

    Notes
    -----
    With effective size N (n1; or n1 n2 / (n1 + n2)) and df nu (n1 - 1; or n1 + n2 - 2), and
    g ~ inverse-gamma(1/2, 1/2) so that the effect is Cauchy(0, r) (Rouder et al. 2009, eq. 1):

    BF10 = int_0^inf (1 + N r^2 g)^(-1/2) (1 + t^2 / ((1 + N r^2 g) nu))^(-(nu+1)/2)
           (2 pi)^(-1/2) g^(-3/2) exp(-1 / (2 g)) dg  /  (1 + t^2 / nu)^(-(nu+1)/2),

    integrated over log g for accuracy in the tails.

    Examples
    --------
    >>> round(jzs_t_bf10(-4.0621, 10), 4)     # R: exp(ttest.tstat(-4.0621, 10)$bf)
    17.2583
    """
    if n2 is None:
        effective, df = float(n1), float(n1 - 1)
    else:
        effective, df = n1 * n2 / (n1 + n2), float(n1 + n2 - 2)
    if df < 1 or not np.isfinite(t):
        return math.nan
    log_null = -(df + 1) / 2 * math.log1p(t * t / df)

    def integrand(log_g: float) -> float:
        g = math.exp(log_g)
        spread = 1 + effective * r * r * g
        log_value = (-0.5 * math.log(spread) - (df + 1) / 2 * math.log1p(t * t / (spread * df))
                     - 0.5 * math.log(2 * math.pi) - 1.5 * log_g - 1 / (2 * g) + log_g - log_null)
        return math.exp(log_value)

    # the integrand's mass lies within a few units of log g around 0 and log(t^2 / N)
    centre = math.log(max(t * t, 1.0) / effective / (r * r)) if effective > 0 else 0.0
    points = sorted({-5.0, 0.0, centre})
    value, _ = integrate.quad(integrand, -60, 60, points=points, limit=400, epsabs=0, epsrel=1e-11)
    return float(value)


def _log_hyp2f1_positive(a: float, b: float, c: float, z: float) -> float:
    """log 2F1(a, b; c; z) for a, b, c > 0 and 0 <= z < 1: the series' positive terms summed in
    log space (no overflow for the large a, b of big samples)."""
    if z == 0:
        return 0.0
    log_z = math.log(z)
    log_term, peak, k = 0.0, 0.0, 0
    terms = [0.0]
    while True:
        log_term += math.log((a + k) * (b + k) / ((c + k) * (k + 1))) + log_z
        k += 1
        terms.append(log_term)
        peak = max(peak, log_term)
        # the terms rise to a peak, then fall geometrically: stop once they cannot move the sum
        if log_term < peak - 40:
            break
        if k > 10_000_000:
            raise ArithmeticError("hypergeometric series did not converge")
    return float(special.logsumexp(terms))


def correlation_bf10(r: float, n: int, kappa: float = 1.0) -> float:
    """BF10 of a Pearson r from n pairs against rho = 0, stretched beta prior of width ``kappa``.

    Notes
    -----
    Ly, Verhagen & Wagenmakers (2016), the exact result used by JASP and BayesFactor:

    log BF10 = (1 - 2/k) log 2 + log(pi) / 2 - log B(1/k, 1/k) + log G((n + 2/k - 1) / 2)
               - log G((n + 2/k) / 2) + log 2F1((n - 1)/2, (n - 1)/2; (n + 2/k)/2; r^2).

    Examples
    --------
    >>> round(correlation_bf10(0.5, 20), 4)        # R: exp(BayesFactor:::.bf10Exact(20, 0.5, 1)$bf)
    2.9159
    >>> correlation_bf10(0.1, 2)                   # fewer than three pairs: no evidence either way
    nan
    """
    if n <= 2 or not np.isfinite(r):
        return math.nan
    if abs(r) >= 1:
        return math.inf
    spread = 2 / kappa
    log_bf = ((1 - spread) * math.log(2) + 0.5 * math.log(math.pi) - special.betaln(1 / kappa, 1 / kappa)
              + special.gammaln((n + spread - 1) / 2) - special.gammaln((n + spread) / 2)
              + _log_hyp2f1_positive((n - 1) / 2, (n - 1) / 2, (n + spread) / 2, r * r))
    return float(math.exp(log_bf))


#: Jeffreys' (1961) evidence categories, as Lee & Wagenmakers (2013) word them: bounds of BF.
EVIDENCE = ((100, "extreme"), (30, "very strong"), (10, "strong"), (3, "moderate"), (1, "anecdotal"))


def evidence_words(bf10: float, effect: str = "an effect", none: str = "no effect") -> str:
    """A Bayes factor in words: how strong, and for which hypothesis.

    >>> evidence_words(0.21), evidence_words(12.5, "a difference"), evidence_words(1.0)
    ('moderate evidence for no effect', 'strong evidence for a difference', 'no evidence either way')
    """
    if not np.isfinite(bf10) and not (isinstance(bf10, float) and bf10 == math.inf):
        return "not computed"
    if bf10 == 1:
        return "no evidence either way"
    strength, towards = (bf10, effect) if bf10 > 1 else (1 / bf10, none)
    for bound, word in EVIDENCE:
        if strength > bound:
            return f"{word} evidence for {towards}"
    return f"anecdotal evidence for {towards}"


#: Columns of ``anova/bayes.csv``, in order.
BAYES_COLUMNS = ["outcome", "population", "effect", "test", "n", "n1", "n2", "t", "bf10", "bf01",
                 "prior", "evidence", "note"]


def for_anova(scores_wide, ledger, study) -> pd.DataFrame:
    """The Bayes factor of each ANOVA outcome's question, for the participants the ANOVA analysed.

    Two groups over two waves: the group x time interaction is the difference between the groups'
    change scores (later wave minus the first), so BF10 is the JZS two-sample t test of the
    change scores (:func:`jzs_t_bf10`, Cauchy prior r = sqrt(2)/2), as R's
    ``BayesFactor::ttestBF(x = change of the second group, y = change of the reference)``. One
    group over two waves: the JZS paired t test of the two waves. Other designs (three or more
    waves or groups, further factors, one wave) get a row with a note saying why none is computed.

    Parameters
    ----------
    scores_wide : DataFrame
        ``scores/scores_wide.csv``.
    ledger : DataFrame
        ``anova/ledger.csv``: its ``included`` participants per outcome and population.
    study : mapping
        The validated study config.

    Returns
    -------
    DataFrame
        Columns :data:`BAYES_COLUMNS`, one row per outcome and population: ``effect`` (the
        study's question: ``group:time`` or ``time``), ``test``, ``n`` with ``n1``/``n2`` (the
        reference group's and the other's), ``t``, ``bf10``, ``bf01`` = 1 / bf10, ``prior``
        (``Cauchy r = 0.707``), ``evidence`` (:func:`evidence_words`) and ``note``.
    """
    import pandas as pd
    from scipy import stats

    from .anova import analysed_changes, change_score_note
    from .design import analysed_groups, analysed_populations, primary_effect

    waves = [str(w) for w in study["waves"]]
    groups = analysed_groups(study)
    effect = primary_effect(study)
    why = change_score_note(study)
    rows = []
    for population in analysed_populations(study):
        for outcome in study["analyses"]["anova"]["outcomes"]:
            row = {"outcome": outcome, "population": population, "effect": effect,
                   "prior": f"Cauchy r = {MEDIUM_T_SCALE:.3f}", "note": why}
            if why:
                rows.append(row)
                continue
            changes = analysed_changes(scores_wide, ledger, study, outcome, population)
            if len(groups) == 2:
                first, second = changes[groups[0]], changes[groups[1]]
                row.update(test=f"JZS two-sample t of the change {waves[1]} - {waves[0]}",
                           n=len(first) + len(second), n1=len(first), n2=len(second))
                if min(len(first), len(second)) < 2 or np.var(np.r_[first - first.mean(),
                                                                      second - second.mean()]) == 0:
                    row["note"] = "not computed: fewer than 2 participants in a group, or no variance"
                else:
                    t = float(stats.ttest_ind(second, first, equal_var=True).statistic)
                    row.update(t=t, bf10=jzs_t_bf10(t, len(first), len(second)))
            else:
                values = changes[groups[0]]
                row.update(test=f"JZS paired t of {waves[1]} and {waves[0]}", n=len(values))
                if len(values) < 2 or values.std() == 0:
                    row["note"] = "not computed: fewer than 2 participants, or no variance in the change"
                else:
                    t = float(values.mean() / (values.std(ddof=1) / math.sqrt(len(values))))
                    row.update(t=t, bf10=jzs_t_bf10(t, len(values)))
            if "bf10" in row:
                row["bf01"] = 1 / row["bf10"]
                what = "a difference in change between the groups" if len(groups) == 2 else "a change"
                none = "no difference in change" if len(groups) == 2 else "no change"
                row["evidence"] = evidence_words(row["bf10"], what, none)
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=BAYES_COLUMNS)
