"""Careless-response screening: per participant and wave, the indices of insufficient-effort
responding, the flags their thresholds raise and, only where the config says so, exclusions.

Every index is computed per response (one participant at one wave) over the item columns of
every instrument of the study that have an answer at that wave, in the config's instrument
order and item order, on the answers as ingest validated them (codes as given, before any
reverse key or recode), as R's ``careless`` package (Yentes & Wilhelm; version 1.2.2 read)
computes them:

* ``longstring`` (``careless::longstring``; Johnson 2005): the longest run of identical
  consecutive answers. A missing answer ends a run (R's ``rle`` treats ``NA`` as different from
  everything); a response without any answer has none (careless would give 1).
* ``irv`` (``careless::irv``; Dunn, Heggestad, Shanock & Theilgard 2018): the standard deviation
  of the answered items (n - 1 denominator, ``sd(x, na.rm = TRUE)``); 0 for a straight line,
  empty with fewer than 2 answers.
* ``mahalanobis_d2`` and ``mahalanobis_p`` (``careless::mahad``, which calls ``psych::outlier``;
  Meade & Craig 2012): D squared of each complete response from the mean of the complete
  responses at that wave, with their sample covariance (n - 1), and p = P(chi-squared with as
  many df as items > D squared), as ``mahad(flag = TRUE)``'s cut ``qchisq(confidence, ncol(x))``.
  Only complete responses: ``psych::outlier`` would use pairwise covariances and skip a missing
  answer's terms, which is not a Mahalanobis distance of any distribution. With fewer complete
  responses than items + 1, or an item without variance, the covariance is singular: D squared is
  left empty and ``note`` says why.
* ``even_odd`` (``careless::evenodd``; Johnson 2005; Curran 2016): per scale, the mean of its
  odd-numbered and of its even-numbered items (positions within the scale, missing answers
  skipped); the Pearson correlation of the odd-half and even-half means across the scales;
  Spearman-Brown corrected, 2r / (1 + r), floored at -1; and negated, as careless does since
  1.2.0, so that a higher value means *less* consistent (more likely careless), from -1 (perfectly
  consistent) to 1. Two departures from careless: (a) the halves are
  means of the items *as the scale scores them* (instrument recodes and the scale's reverse key
  applied), since a scale that mixes keyed and reverse-keyed items has half-means that disagree
  for a careful respondent (Johnson 2005 and Curran 2016 compute it on keyed items; careless uses
  whatever matrix it is given); (b) a scale counts only with at least two items in each half
  (four items), scales that are combinations of other scales (a total over subscales) are left
  out so no item counts twice, and at least three scales must have both halves answered (careless
  returns -1 or 1 from two scales, a correlation of two points).
* ``seconds_per_item``: the survey's duration (Qualtrics' ``Duration (in seconds)``, or the column
  ``duration_column`` names) over the number of items at that wave; an upper bound of the time an
  item took, since the duration also covers other questions. Huang, Curran, Keeney, Poposki &
  DeShon (2012) proposed 2 seconds per item as the least a reader needs.

Flags follow the thresholds of ``analyses.screening`` (config schema): ``longstring`` (a run of at
least ``longstring``), ``mahalanobis`` (p below ``mahalanobis_p``), ``seconds_per_item`` (below
``seconds_per_item``). A response is excluded only for the flags listed in ``exclude``.

References
----------
Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey data.
Journal of Experimental Social Psychology, 66, 4-19. doi:10.1016/j.jesp.2015.07.006
Dunn, A. M., Heggestad, E. D., Shanock, L. R., & Theilgard, N. (2018). Intra-individual response
variability as an indicator of insufficient effort responding. Journal of Business and
Psychology, 33(1), 105-121. doi:10.1007/s10869-016-9479-0
Huang, J. L., Curran, P. G., Keeney, J., Poposki, E. M., & DeShon, R. P. (2012). Detecting and
deterring insufficient effort responding to surveys. Journal of Business and Psychology, 27(1),
99-114. doi:10.1007/s10869-011-9231-8
Johnson, J. A. (2005). Ascertaining the validity of individual protocols from web-based
personality inventories. Journal of Research in Personality, 39(1), 103-129.
doi:10.1016/j.jrp.2004.09.009
Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data.
Psychological Methods, 17(3), 437-455. doi:10.1037/a0028085
Yentes, R. D., & Wilhelm, F. (2023). careless: Procedures for computing indices of careless
responding. R package version 1.2.2. https://github.com/ryentes/careless
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["CARELESS_COLUMNS", "FLAGS", "QUALTRICS_DURATION", "MahalanobisResult", "ScaleHalves",
           "careless_table", "even_odd", "exclusion_reasons", "flag_responses", "irv", "longstring",
           "mahalanobis", "scale_halves", "screening_settings"]

#: Columns of ``screening/careless.csv``, in order.
CARELESS_COLUMNS = ["participant", "wave", "group", "n_items", "n_answered", "longstring", "irv",
                    "mahalanobis_d2", "mahalanobis_p", "even_odd", "even_odd_scales", "duration_seconds",
                    "seconds_per_item", "flags", "excluded", "note"]
#: The flags, in the order ``flags`` lists them; ``exclude`` names some of them.
FLAGS = ("longstring", "mahalanobis", "seconds_per_item")
#: The duration column of a Qualtrics export, used when the config names none.
QUALTRICS_DURATION = "Duration (in seconds)"
#: Least items in each half of a scale for it to enter the even-odd index, and least scales.
EVEN_ODD_MIN_HALF = 2
EVEN_ODD_MIN_SCALES = 3
#: Rows per block of the Mahalanobis solve: bounds the memory of a national cohort.
_BLOCK_ROWS = 20_000


@functools.lru_cache(maxsize=1)
def _schema_defaults() -> tuple[tuple[str, object], ...]:
    from .config import load_schema

    schema = load_schema()["$defs"]["study"]["properties"]["analyses"]["properties"]["screening"]
    return tuple((key, spec.get("default")) for key, spec in schema["properties"].items())


def screening_settings(study: Mapping) -> dict:
    """``analyses.screening`` of a study with every default of the config schema filled in (the
    schema is where the defaults are written; a study validated by the workflow has them)."""
    settings = {key: copy.deepcopy(value) for key, value in _schema_defaults()}
    settings.update((study.get("analyses") or {}).get("screening") or {})
    return settings


# ------------------------------------------------------------------------------- the indices


def longstring(values: np.ndarray) -> np.ndarray:
    """The longest run of identical consecutive answers per row, as ``careless::longstring``
    (``max(rle(x)$lengths)``); a missing answer (NaN) ends a run; NaN for a row without answers.

    Vectorised over rows: one pass over the columns carries each row's current run.

    >>> longstring(np.array([[3, 3, 3, 1, 1], [1, 2, 1, 2, 1], [2, 2, np.nan, 2, 2],
    ...                      [np.nan] * 5]))
    array([ 3.,  1.,  2., nan])
    """
    values = np.asarray(values, dtype=float)
    n_rows, n_columns = values.shape
    if n_columns == 0:
        return np.full(n_rows, np.nan)
    answered = ~np.isnan(values)
    run = answered[:, 0].astype(float)
    best = run.copy()
    for column in range(1, n_columns):
        same = values[:, column] == values[:, column - 1]      # False where either is NaN
        run = np.where(same, run + 1, answered[:, column].astype(float))
        np.maximum(best, run, out=best)
    return np.where(answered.any(axis=1), best, np.nan)


def irv(values: np.ndarray) -> np.ndarray:
    """Intra-individual response variability: the SD of each row's answered items (n - 1), as
    ``careless::irv`` (``sd(x, na.rm = TRUE)``); NaN with fewer than 2 answers.

    >>> irv(np.array([[1, 2, 3, 4, 5], [3, 3, 3, 3, 3], [4, np.nan, np.nan, np.nan, np.nan]])).round(6)
    array([1.581139, 0.      ,      nan])
    """
    values = np.asarray(values, dtype=float)
    answered = ~np.isnan(values)
    counts = answered.sum(axis=1)
    filled = np.where(answered, values, 0.0)
    means = np.divide(filled.sum(axis=1), counts, out=np.zeros(len(values)), where=counts > 0)
    deviations = np.subtract(filled, means[:, None], out=filled)
    np.copyto(deviations, 0.0, where=~answered)
    squares = np.einsum("ij,ij->i", deviations, deviations)
    return np.divide(squares, counts - 1, out=np.full(len(values), np.nan), where=counts > 1) ** 0.5


@dataclass
class MahalanobisResult:
    """D squared and p per row, and the reason when the covariance allowed none."""

    d2: np.ndarray                  # per row, NaN where not computed
    p: np.ndarray
    note: str                       # why nothing was computed at this wave ('' when it was)
    complete: np.ndarray            # rows with every item answered


def mahalanobis(values: np.ndarray, columns: Sequence[str] = ()) -> MahalanobisResult:
    """Mahalanobis D squared of each complete row from the mean of the complete rows, with their
    sample covariance (n - 1), and its p from the chi-squared distribution with as many df as
    columns (``careless::mahad`` on complete data; R's ``mahalanobis(x, colMeans(x), cov(x))``).

    Rows with a missing answer get NaN. When the covariance is singular (fewer complete rows than
    columns + 1, a column without variance, columns that are linear combinations of others) every
    row gets NaN and ``note`` says why.

    >>> x = np.array([[1, 2], [2, 1], [3, 5], [4, 3], [5, 4], [np.nan, 1]])
    >>> result = mahalanobis(x)
    >>> result.d2.round(4), result.note
    (array([1.625, 1.625, 2.5  , 0.625, 1.625,   nan]), '')
    """
    values = np.asarray(values, dtype=float)
    n_rows, n_columns = values.shape
    d2, p = np.full(n_rows, np.nan), np.full(n_rows, np.nan)
    complete = ~np.isnan(values).any(axis=1) if n_columns else np.zeros(n_rows, dtype=bool)
    n_complete = int(complete.sum())
    names = list(columns) or [f"column {index + 1}" for index in range(n_columns)]
    if n_columns == 0:
        return MahalanobisResult(d2, p, "no items", complete)
    if n_complete < n_columns + 1:
        return MahalanobisResult(d2, p, f"{n_complete} complete response(s) for {n_columns} items: D squared "
                                        f"needs at least {n_columns + 1} (items + 1)", complete)
    data = values[complete]
    mean = data.mean(axis=0)
    covariance = np.cov(data, rowvar=False, ddof=1).reshape(n_columns, n_columns)
    constant = [names[index] for index in np.flatnonzero(np.diag(covariance) <= 0)]
    if constant:
        shown = ", ".join(constant[:3]) + (f" and {len(constant) - 3} more" if len(constant) > 3 else "")
        return MahalanobisResult(d2, p, f"no variance in {shown} among the complete responses: the "
                                        "covariance is singular, D squared is not defined", complete)
    # Scaled to a correlation matrix first, so the rank test does not depend on the items' units.
    scale = np.sqrt(np.diag(covariance))
    correlation = covariance / np.outer(scale, scale)
    if np.linalg.matrix_rank(correlation) < n_columns:
        return MahalanobisResult(d2, p, "the items are linearly dependent among the complete responses "
                                        "(e.g. one is always the sum of others): the covariance is "
                                        "singular, D squared is not defined", complete)
    from scipy import linalg, stats

    factor = linalg.cholesky(covariance, lower=True)
    rows = np.flatnonzero(complete)
    distances = np.empty(n_complete)
    for start in range(0, n_complete, _BLOCK_ROWS):
        block = data[start:start + _BLOCK_ROWS] - mean
        solved = linalg.solve_triangular(factor, block.T, lower=True, check_finite=False)
        distances[start:start + _BLOCK_ROWS] = np.einsum("ij,ij->j", solved, solved)
    d2[rows] = distances
    p[rows] = stats.chi2.sf(distances, n_columns)
    return MahalanobisResult(d2, p, "", complete)


@dataclass(frozen=True)
class ScaleHalves:
    """One scale's items as positions in the item matrix, split into its odd-numbered and
    even-numbered items (1st, 3rd, ... and 2nd, 4th, ... within the scale)."""

    name: str
    odd: tuple[int, ...]
    even: tuple[int, ...]


def even_odd(keyed: np.ndarray, scales: Sequence[ScaleHalves]) -> tuple[np.ndarray, np.ndarray]:
    """Even-odd consistency per row, as ``careless::evenodd`` (see the module docstring): minus
    the Spearman-Brown corrected correlation, across scales, of the odd-half and even-half means.

    ``keyed`` holds the items as their scales score them (columns addressed by ``scales``).
    Returns the index (NaN where fewer than :data:`EVEN_ODD_MIN_SCALES` scales have both halves
    answered, or where either half's means do not vary) and the number of scales it used.

    >>> keyed = np.array([[1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 1, 2], [5, 1, 1, 5, 3, 3, 2, 5, 1, 4, 4, 4]])
    >>> halves = [ScaleHalves("a", (0, 2), (1, 3)), ScaleHalves("b", (4, 6), (5, 7)),
    ...           ScaleHalves("c", (8, 10), (9, 11))]
    >>> index, used = even_odd(keyed, halves)
    >>> index.round(4), used
    (array([-0.9851,  1.    ]), array([3, 3]))
    """
    keyed = np.asarray(keyed, dtype=float)
    if not scales:
        return np.full(len(keyed), np.nan), np.zeros(len(keyed), dtype=np.int64)
    odd = np.stack([_row_mean(keyed[:, list(scale.odd)]) for scale in scales], axis=1)
    even = np.stack([_row_mean(keyed[:, list(scale.even)]) for scale in scales], axis=1)
    return _even_odd_from_halves(odd, even)


def _even_odd_from_halves(odd: np.ndarray, even: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`even_odd` from each row's odd-half and even-half means, one column per scale."""
    n_rows = len(odd)
    usable = ~np.isnan(odd) & ~np.isnan(even)
    used = usable.sum(axis=1)
    # Pearson r over the usable scales of each row (pairwise complete, as cor(use = "pairwise")).
    count = np.where(used > 0, used, 1)
    odd_mean = np.where(usable, odd, 0.0).sum(axis=1) / count
    even_mean = np.where(usable, even, 0.0).sum(axis=1) / count
    odd_dev = np.where(usable, odd - odd_mean[:, None], 0.0)
    even_dev = np.where(usable, even - even_mean[:, None], 0.0)
    cross = (odd_dev * even_dev).sum(axis=1)
    spread = np.sqrt((odd_dev ** 2).sum(axis=1) * (even_dev ** 2).sum(axis=1))
    # spreads of exact zero: a half whose means do not vary across the scales (r undefined)
    defined = (used >= EVEN_ODD_MIN_SCALES) & (spread > 0)
    r = np.divide(cross, spread, out=np.full(n_rows, np.nan), where=defined)
    r = np.clip(r, -1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        corrected = np.where(r <= -1.0, -1.0, 2 * r / (1 + r))
    corrected = np.maximum(corrected, -1.0)
    return np.where(defined, -corrected, np.nan), used


def _row_mean(block: np.ndarray) -> np.ndarray:
    answered = ~np.isnan(block)
    counts = answered.sum(axis=1)
    return np.divide(np.where(answered, block, 0.0).sum(axis=1), counts,
                     out=np.full(len(block), np.nan), where=counts > 0)


def scale_halves(instrument, positions: Mapping[int, int]) -> list[ScaleHalves]:
    """The scales of an instrument that enter the even-odd index: not a combination of other
    scales of it (no item counted twice), with at least :data:`EVEN_ODD_MIN_HALF` items in each
    half; ``positions`` maps the instrument's item numbers to columns of the keyed matrix."""
    scales = list(instrument.scales.values())
    item_sets = {scale.name: set(scale.items) for scale in scales}
    chosen = []
    for scale in scales:
        mine = item_sets[scale.name]
        if scale.subscales or any(other != scale.name and items < mine for other, items in item_sets.items()):
            continue
        odd = tuple(positions[item] for item in scale.items[0::2] if item in positions)
        even = tuple(positions[item] for item in scale.items[1::2] if item in positions)
        if len(odd) >= EVEN_ODD_MIN_HALF and len(even) >= EVEN_ODD_MIN_HALF:
            chosen.append(ScaleHalves(f"{instrument.id}.{scale.name}", odd, even))
    return chosen


# ------------------------------------------------------------------------------- the table


def _duration_seconds(texts: pd.Series | None, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Durations as numbers, and per row whether a cell was there but not a usable number."""
    if texts is None:
        return np.full(n_rows, np.nan), np.zeros(n_rows, dtype=bool)
    numbers = pd.to_numeric(texts.astype("string").str.strip(), errors="coerce").to_numpy(dtype=float,
                                                                                        na_value=np.nan)
    unusable = ~np.isfinite(numbers) | (numbers <= 0)
    return np.where(unusable, np.nan, numbers), unusable


@dataclass(frozen=True)
class _KeyedItem:
    """Where an even-odd scale's item is in the answer matrix and how its scale scores it."""

    column: int                     # column of the answer matrix
    lookup: np.ndarray | None       # the instrument's recode: value of each code - low (None: none)
    low: int
    reverse_sum: float | None       # min + max of the scale's reverse key (None: not reversed)


def _even_odd_items(columns: Sequence[str], instruments: Sequence[tuple]) -> list[tuple[str, list[_KeyedItem]]]:
    """Each even-odd scale (:func:`scale_halves`) with its items as the scale scores them: the
    instrument's recodes, then the scale's own reverse key (min + max - x), as
    :func:`wellbeing.score.scale_item_values` applies them."""
    where = {name: index for index, name in enumerate(columns)}
    scales = []
    for instrument, pattern in instruments:
        names = instrument.item_columns(pattern)
        if not all(name in where for name in names):
            continue        # an instrument whose columns are not all there is not scored either
        recode_of = {}
        low = instrument.response_min
        for recode in instrument.recodes:
            lookup = np.full(instrument.response_max - low + 1, np.nan)
            for code, value in recode.mapping:
                lookup[int(code) - low] = value
            recode_of.update(dict.fromkeys(recode.items, lookup))
        for entry in scale_halves(instrument, {number: number for number in range(1, len(names) + 1)}):
            scale = instrument.scale(entry.name.split(".", 1)[1])
            flip = instrument.response_min + instrument.response_max
            scales.append((entry.name, [
                _KeyedItem(where[names[item - 1]], recode_of.get(item), low,
                           flip if item in scale.reverse else None) for item in scale.items]))
    return scales


def _keyed_values(answers: np.ndarray, item: _KeyedItem) -> np.ndarray:
    """One item's answers as its scale scores them: the instrument's recode, then the reverse key."""
    values = answers[:, item.column]
    if item.lookup is not None:
        missing = np.isnan(values)
        codes = np.clip(np.where(missing, 0, values - item.low).astype(np.int64), 0, len(item.lookup) - 1)
        values = np.where(missing, np.nan, item.lookup[codes])
    if item.reverse_sum is not None:
        values = item.reverse_sum - values
    return values


def _half_means(answers: np.ndarray, scales: Sequence[tuple[str, list[_KeyedItem]]]) -> tuple[
        np.ndarray, np.ndarray]:
    """Each row's mean of the odd-numbered and of the even-numbered items of each even-odd scale,
    the items keyed as their scale scores them (one column per scale; NaN where a half is
    unanswered). Accumulated item by item: no keyed copy of the whole answer matrix."""
    odd = np.empty((len(answers), len(scales)))
    even = np.empty((len(answers), len(scales)))
    for column, (_, items) in enumerate(scales):
        for halves, chosen in ((odd, items[0::2]), (even, items[1::2])):
            total = np.zeros(len(answers))
            count = np.zeros(len(answers))
            for item in chosen:
                values = _keyed_values(answers, item)
                answered = ~np.isnan(values)
                total += np.where(answered, values, 0.0)
                count += answered
            halves[:, column] = np.divide(total, count, out=np.full(len(answers), np.nan), where=count > 0)
    return odd, even


def _answer_matrix(responses: pd.DataFrame, instruments: Sequence[tuple],
                   order: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The item columns of the instruments in config and item order, and their answers as floats,
    rows in ``order`` (a wave's rows together, so that a wave is a slice, not a copy). Column-major
    and filled column by column: faster than one conversion of many nullable-integer columns."""
    columns = [name for instrument, pattern in instruments for name in instrument.item_columns(pattern)
               if name in responses.columns]
    answers = np.empty((len(responses), len(columns)), order="F")
    for index, name in enumerate(columns):
        values = pd.to_numeric(responses[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        answers[:, index] = values[order]
    return columns, answers


def _add_note(notes: np.ndarray, where: np.ndarray, text) -> np.ndarray:
    """``text`` (one text, or one per row) appended to the notes of the rows ``where`` holds."""
    rows = np.flatnonzero(where)
    if len(rows):
        text = np.asarray(text, dtype=object)
        text = text[rows] if text.ndim else text
        current = notes[rows]
        notes[rows] = np.where(current == "", text, current + "; " + text)
    return notes


def flag_responses(indices: Mapping[str, np.ndarray], settings: Mapping) -> dict[str, np.ndarray]:
    """Which thresholds each response crosses: flag name -> boolean per row. A threshold set to
    null raises no flag; an index that is not computed raises none."""
    raised = {}
    with np.errstate(invalid="ignore"):
        for flag, index, test in (("longstring", "longstring", np.greater_equal),
                                  ("mahalanobis", "mahalanobis_p", np.less),
                                  ("seconds_per_item", "seconds_per_item", np.less)):
            threshold = settings.get(flag if flag != "mahalanobis" else "mahalanobis_p")
            values = np.asarray(indices[index], dtype=float)
            raised[flag] = (np.zeros(len(values), dtype=bool) if threshold is None
                            else test(values, threshold) & ~np.isnan(values))
    return raised


def careless_table(responses: pd.DataFrame, instruments: Sequence[tuple], settings: Mapping,
                   waves: Sequence[str], durations: pd.Series | None = None,
                   duration_name: str = "") -> pd.DataFrame:
    """The screening table: one row per response (``responses``' rows, in their order), columns
    :data:`CARELESS_COLUMNS`; ``flags`` names the thresholds crossed (joined by ``;``),
    ``excluded`` whether one of them is listed in ``exclude``, ``note`` why an index is empty.

    Parameters
    ----------
    responses : DataFrame
        Participant, wave, group and the item columns, answers as validated at ingest.
    instruments : sequence of (Instrument, items pattern)
        The study's instruments in config order (:func:`wellbeing.study.study_instruments`).
    settings : mapping
        ``analyses.screening`` with its defaults (:func:`screening_settings`).
    waves : sequence of str
        The study's waves (each wave is screened on its own: its own items, mean and covariance).
    durations : Series, optional
        The duration of each response as the export writes it (text or numbers), aligned with
        ``responses``; None when the export has no duration column.
    duration_name : str
        The duration column's name, for the notes.
    """
    n_rows = len(responses)
    wave_of = responses["wave"].astype(str).to_numpy()
    order = np.argsort(wave_of, kind="stable")          # each wave's rows together, in file order
    columns, answers = _answer_matrix(responses, instruments, order)
    even_odd_scales = _even_odd_items(columns, instruments)
    halves = [name for name, _ in even_odd_scales]
    sorted_waves = wave_of[order]
    index = {name: np.full(n_rows, np.nan) for name in ("longstring", "irv", "mahalanobis_d2", "mahalanobis_p",
                                                         "even_odd")}
    n_items = np.zeros(n_rows, dtype=np.int64)
    n_answered = np.zeros(n_rows, dtype=np.int64)
    scales_used = np.zeros(n_rows, dtype=np.int64)
    wave_note = np.full(n_rows, "", dtype=object)
    for wave in dict.fromkeys([str(w) for w in waves] + sorted(set(wave_of))):
        start, stop = np.searchsorted(sorted_waves, wave, "left"), np.searchsorted(sorted_waves, wave, "right")
        if start == stop:
            continue
        rows = order[start:stop]
        answered_here = answers[start:stop]
        # The items of this wave: those anyone answered there (an instrument not given is out).
        given = ~np.isnan(answered_here).all(axis=0)
        block = answered_here if given.all() else answered_here[:, given]
        n_items[rows] = block.shape[1]
        n_answered[rows] = (~np.isnan(block)).sum(axis=1)
        index["longstring"][rows] = longstring(block)
        index["irv"][rows] = irv(block)
        distance = mahalanobis(block, [name for name, keep in zip(columns, given) if keep])
        index["mahalanobis_d2"][rows] = distance.d2
        index["mahalanobis_p"][rows] = distance.p
        if distance.note and block.shape[1]:
            wave_note[rows] = f"mahalanobis at wave {wave}: {distance.note}"
        if even_odd_scales:
            index["even_odd"][rows], scales_used[rows] = _even_odd_from_halves(
                *_half_means(answered_here, even_odd_scales))
    seconds, unusable = _duration_seconds(durations, n_rows)
    per_item = np.divide(seconds, n_items, out=np.full(n_rows, np.nan), where=n_items > 0)

    # Why an index is empty, per row (vectorised over rows: a cohort has 300,000 responses).
    notes = np.full(n_rows, "", dtype=object)
    no_items = n_items == 0
    no_answers = (n_answered == 0) & ~no_items
    scored = ~no_items & ~no_answers
    notes = _add_note(notes, no_items, "no item column of any instrument has an answer at this wave "
                                       "(measures only): no index")
    notes = _add_note(notes, no_answers, "no item answered: no index")
    complete = scored & (n_answered == n_items)
    notes = _add_note(notes, complete & (wave_note != ""), wave_note)
    unanswered = (n_items - n_answered).astype(str)
    notes = _add_note(notes, scored & ~complete,
                      "mahalanobis: " + unanswered.astype(object) + " of " + n_items.astype(str).astype(object)
                      + " items unanswered (D squared needs every item)")
    notes = _add_note(notes, n_answered == 1, "irv: one answer (an SD needs two)")
    eo_missing = scored & np.isnan(index["even_odd"])
    if not halves:
        notes = _add_note(notes, eo_missing, f"even_odd: no scale has {EVEN_ODD_MIN_HALF} or more items in each "
                                             "half (odd- and even-numbered items)")
    else:
        few = scales_used < EVEN_ODD_MIN_SCALES
        notes = _add_note(notes, eo_missing & few,
                          "even_odd: " + scales_used.astype(str).astype(object)
                          + f" scale(s) with both halves answered (needs {EVEN_ODD_MIN_SCALES})")
        notes = _add_note(notes, eo_missing & ~few, "even_odd: the half-scale means do not vary across the "
                                                    "scales (a correlation needs variance)")
    if durations is None:
        notes = _add_note(notes, ~no_items, "seconds_per_item: no duration column in the export "
                                            "(analyses.screening.duration_column names one)")
    else:
        notes = _add_note(notes, unusable & ~no_items, f"seconds_per_item: {duration_name or 'the duration'} "
                                                       "is blank, not a number or not above 0")

    indices = dict(index, seconds_per_item=per_item)
    raised = flag_responses(indices, settings)
    # Each combination of flags written once (8 texts), then looked up per row.
    code = sum(raised[flag].astype(np.int64) << bit for bit, flag in enumerate(FLAGS))
    texts = np.array([";".join(flag for bit, flag in enumerate(FLAGS) if combination >> bit & 1)
                      for combination in range(2 ** len(FLAGS))], dtype=object)
    excluded = np.zeros(n_rows, dtype=bool)
    for flag in settings.get("exclude") or ():
        excluded |= raised[flag]
    longest = pd.array(index["longstring"], dtype="Float64").astype("Int64") if n_rows else pd.array([], "Int64")
    return pd.DataFrame({
        "participant": responses["participant"].to_numpy(),
        "wave": responses["wave"].to_numpy(),
        "group": responses["group"].to_numpy() if "group" in responses else np.full(n_rows, "", dtype=object),
        "n_items": n_items, "n_answered": n_answered, "longstring": longest, "irv": index["irv"],
        "mahalanobis_d2": index["mahalanobis_d2"], "mahalanobis_p": index["mahalanobis_p"],
        "even_odd": index["even_odd"], "even_odd_scales": scales_used,
        "duration_seconds": seconds, "seconds_per_item": per_item,
        "flags": texts[code] if n_rows else np.array([], dtype=object), "excluded": excluded, "note": notes,
    }, columns=CARELESS_COLUMNS)


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1e-3 or abs(value) >= 1e4 else f"{value:.4g}"


def exclusion_reasons(table: pd.DataFrame, settings: Mapping) -> pd.Series:
    """The ledger's reason for each excluded row of a :func:`careless_table` (index kept), naming
    each excluding index, its value and the threshold, e.g. ``careless responding: longstring 24
    >= 10``. Several are joined by ``, `` (``;`` separates waves in the ledger)."""
    chosen = table[table["excluded"]]
    exclude = set(settings.get("exclude") or ())
    reasons = []
    for row in chosen.itertuples():        # the excluded rows only: each becomes a ledger row
        flags = set(str(row.flags).split(";")) & exclude
        parts = []
        if "longstring" in flags:
            parts.append(f"longstring {int(row.longstring)} >= {settings['longstring']}")
        if "mahalanobis" in flags:
            parts.append(f"mahalanobis_p {_number(row.mahalanobis_p)} < {settings['mahalanobis_p']} "
                         f"(D squared {_number(row.mahalanobis_d2)}, {row.n_items} items)")
        if "seconds_per_item" in flags:
            parts.append(f"seconds_per_item {_number(row.seconds_per_item)} < {settings['seconds_per_item']}")
        reasons.append("careless responding: " + ", ".join(parts))
    return pd.Series(reasons, index=chosen.index, dtype=object)
