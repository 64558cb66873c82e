"""p values adjusted for multiple comparisons: one implementation for every stage."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def p_adjust(p: Sequence[float], method: str = "holm") -> np.ndarray:
    """Adjust p values for multiple comparisons, as R's ``p.adjust``.

    Missing p values (NaN) stay missing and do not count as comparisons (R's default).

    Parameters
    ----------
    p : sequence of float
        Unadjusted p values.
    method : {"holm", "fdr_bh", "none"}
        Holm's step-down (R ``"holm"``), Benjamini-Hochberg (R ``"BH"``) or none.

    Returns
    -------
    numpy.ndarray
        Adjusted p values, in the input order.

    Examples
    --------
    >>> p_adjust([0.01, 0.04, 0.03, float("nan")], "holm").round(4).tolist()
    [0.03, 0.06, 0.06, nan]
    >>> p_adjust([0.01, 0.04, 0.03], "fdr_bh").round(4).tolist()
    [0.03, 0.04, 0.04]
    """
    values = np.asarray(p, dtype=float)
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    q = values[ok]
    m = q.size
    if method == "none" or m == 0:
        out[ok] = q
        return out
    if method == "holm":
        order = np.argsort(q, kind="stable")
        steps = (m - np.arange(m)) * q[order]
        adjusted = np.minimum(1.0, np.maximum.accumulate(steps))
    elif method == "fdr_bh":
        order = np.argsort(-q, kind="stable")
        steps = m / np.arange(m, 0, -1) * q[order]
        adjusted = np.minimum(1.0, np.minimum.accumulate(steps))
    else:
        raise ValueError(f"p_adjust: unknown method {method!r}; use holm, fdr_bh or none")
    result = np.empty(m)
    result[order] = adjusted
    out[ok] = result
    return out
