"""Scoring: item responses -> scale scores, vectorised, with the missing-item rule recorded.

Every scale of an :class:`~wellbeing.instruments.Instrument` is scored from the raw item columns
the study's pattern names (``"FFMQ_{n}"``), in four steps that the definition file declares and
this module never special-cases:

1. **checks**: every scored item column is present and numeric, and every observed value lies in
   the declared response range (ingest has already turned out-of-range values into NaN, so a value
   outside it here means the definition or the export coding is wrong);
2. **recode**: instrument-level response maps (``recode:``, e.g. the Empathy Quotient's 2/1/0
   points) replace the raw codes of their items;
3. **reverse**: the scale's own reverse-keyed items become ``min + max - x``;
4. **combine** by the scale's ``score`` rule, with the instrument's ``missing.min_answered`` share:

   - ``mean``: mean of the answered items;
   - ``sum``: mean of the answered items times the number of items (prorating; equal to the plain
     sum when every item is answered);
   - ``mean_of_subscales``: each listed subscale's item group (after *this* scale's reverse key)
     is prorated on its own, then the group means are averaged (Neff's SCS total); the score is
     missing if any group falls below the rule.

   A scale with fewer answered items than ``ceil(min_answered * n_items)`` (and at least one) is
   missing. Every score carries ``n_items``, ``n_answered`` and a ``rule`` text such as
   ``"complete"``, ``"prorated: 7/8 answered >= 80%"`` or ``"missing: 5/8 answered < 80%"``.

The long table (one row per participant x wave x scale) is ``results/<study>/scores/scores.csv``;
the wide table (one row per participant x wave, one column per ``<instrument>.<scale>`` plus the
study's measures) feeds the ANOVA and correlation stages.

References
----------
Prorating (person-mean imputation of a scale's missing items) as in e.g. Schafer & Graham (2002),
Psychological Methods 7(2), 147-177; the per-instrument thresholds and their sources are in each
definition file's ``missing.note``.

Examples
--------
>>> import pandas as pd
>>> from wellbeing.instruments import load_instrument
>>> brs = load_instrument("brs")
>>> responses = pd.DataFrame({"participant": ["p1"], "wave": ["pre"], "group": ["imp"],
...     "BRS_1": [5], "BRS_2": [1], "BRS_3": [4], "BRS_4": [2], "BRS_5": [4], "BRS_6": [None]})
>>> long = score_instrument(responses, brs, "BRS_{n}")
>>> long[["scale", "score", "n_items", "n_answered", "rule"]].to_dict("records")
[{'scale': 'total', 'score': 4.4, 'n_items': 6, 'n_answered': 5, 'rule': 'prorated: 5/6 answered >= 1 item'}]
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import UserError
from .instruments import Instrument

__all__ = [
    "ID_COLUMNS",
    "LONG_COLUMNS",
    "item_values",
    "scale_item_values",
    "score_instrument",
    "score_study",
]

#: Identifier columns every responses table has (``group`` may be absent: it is then empty).
ID_COLUMNS = ("participant", "wave", "group")
#: Columns of the long scores table, in order.
LONG_COLUMNS = ["participant", "wave", "group", "instrument", "scale", "score", "n_items",
                "n_answered", "rule"]

_SHOW = 5  # how many column names an error message lists


# --------------------------------------------------------------------------------------------
# Checks and item matrices
# --------------------------------------------------------------------------------------------


def _check_ids(responses: pd.DataFrame) -> None:
    missing = [column for column in ("participant", "wave") if column not in responses.columns]
    if missing:
        raise UserError(f"responses: column(s) {', '.join(missing)} missing; scoring needs "
                        "participant and wave columns (as ingest writes them)")
    if responses["participant"].isna().any():
        rows = list(np.flatnonzero(responses["participant"].isna().to_numpy())[:_SHOW])
        raise UserError(f"responses: participant is empty in row(s) {rows}; every row needs an id")
    duplicated = responses.duplicated(subset=["participant", "wave"], keep=False)
    if duplicated.any():
        pairs = responses.loc[duplicated, ["participant", "wave"]].drop_duplicates().head(_SHOW)
        listed = ", ".join(f"{p}/{w}" for p, w in pairs.itertuples(index=False))
        raise UserError(f"responses: participant x wave is not unique ({listed}); ingest should "
                        "leave one row per participant and wave")


def _wave_order(responses: pd.DataFrame, waves: Sequence[str] | None) -> list:
    column = responses["wave"]
    if waves is not None:
        unknown = sorted({str(w) for w in column.dropna().unique()} - {str(w) for w in waves})
        if unknown:
            raise UserError(f"responses: wave value(s) {', '.join(unknown)} not among the study's "
                            f"waves ({', '.join(map(str, waves))})")
        return list(waves)
    if isinstance(column.dtype, pd.CategoricalDtype):
        return list(column.cat.categories)
    return list(pd.unique(column.dropna()))


def _row_order(responses: pd.DataFrame, waves: Sequence[str] | None) -> np.ndarray:
    """Positions of the rows sorted by participant, then wave in study order (stable)."""
    order = _wave_order(responses, waves)
    rank = {wave: position for position, wave in enumerate(order)}
    wave_rank = np.array([rank.get(w, len(order)) for w in responses["wave"]], dtype=np.int64)
    participants = responses["participant"]
    try:
        codes, _ = pd.factorize(participants, sort=True)
    except TypeError:  # mixed types: order as text
        codes, _ = pd.factorize(participants.astype(str), sort=True)
    return np.lexsort((np.arange(len(responses)), wave_rank, codes))


def _numeric(responses: pd.DataFrame, column: str, instrument: Instrument) -> np.ndarray:
    series = responses[column]
    if not (pd.api.types.is_numeric_dtype(series) or series.isna().all()):
        converted = pd.to_numeric(series, errors="coerce")
        bad = series[converted.isna() & series.notna()]
        if len(bad):
            raise UserError(
                f"{instrument.id}: column {column} holds non-numeric value(s) such as "
                f"{bad.iloc[0]!r}; item responses must be numeric codes "
                f"{instrument.response_min}-{instrument.response_max} (ingest maps labels to codes)")
        series = converted
    return series.to_numpy(dtype=float, na_value=np.nan)


def item_values(responses: pd.DataFrame, instrument: Instrument, pattern: str) -> pd.DataFrame:
    """Checked item values after the instrument's recode maps (before any reversal).

    Parameters
    ----------
    responses : DataFrame
        One row per participant x wave with the raw item columns (numeric, NaN = missing).
    instrument : Instrument
    pattern : str or list of str
        Item column pattern, ``{n}`` being the item number (``"PSS_{n}"``), or the item columns
        in item order.

    Returns
    -------
    DataFrame
        Same index as ``responses``; one float column per item of the instrument, named by item
        number (1..n_items). Fillers absent from the data are NaN columns.

    Raises
    ------
    UserError
        A scored item column is absent, non-numeric, or holds a value outside the declared range.

    Examples
    --------
    >>> from wellbeing.instruments import load_instrument
    >>> eq = load_instrument("eq60")
    >>> raw = pd.DataFrame({f"EQ{n}": [1.0] for n in range(1, 61)})
    >>> values = item_values(raw, eq, "EQ{n}")
    >>> values[1].item(), values[4].item()   # agreement item 1 -> 2 points; item 4 -> 0
    (2.0, 0.0)
    """
    columns = instrument.item_columns(pattern)
    scored = set(instrument.scored_items)
    absent = [column for number, column in enumerate(columns, start=1)
              if number in scored and column not in responses.columns]
    if absent:
        prefix = pattern.split("{", 1)[0] if isinstance(pattern, str) else ""
        similar = [c for c in map(str, responses.columns) if prefix and c.startswith(prefix)][:_SHOW]
        hint = (f"; columns starting {prefix!r}: {', '.join(similar)}" if similar
                else "; no column starts like the pattern")
        shown = ", ".join(absent[:_SHOW]) + (f" ... ({len(absent)} in all)" if len(absent) > _SHOW else "")
        raise UserError(
            f"{instrument.id}: item column(s) not found with "
            f"{'pattern ' + repr(pattern) if isinstance(pattern, str) else 'the listed items'}: {shown}{hint}. "
            "Fix the instrument's items pattern in the study config or the column names")

    # column by column, as it is filled (and as the frame below holds it)
    values = np.full((len(responses), instrument.n_items), np.nan, order="F")
    low, high = instrument.response_min, instrument.response_max
    outside: list[tuple[str, float, float]] = []
    for position, column in enumerate(columns):
        if column not in responses.columns:
            continue
        data = _numeric(responses, column, instrument)
        observed = data[~np.isnan(data)]
        if observed.size and (observed.min() < low or observed.max() > high):
            outside.append((column, observed.min(), observed.max()))
        values[:, position] = data
    if outside:
        listed = "; ".join(f"{c} has {lo:g}..{hi:g}" for c, lo, hi in outside[:_SHOW])
        more = f" (and {len(outside) - _SHOW} more columns)" if len(outside) > _SHOW else ""
        lo_all, hi_all = np.nanmin(values), np.nanmax(values)  # over all the item columns
        raise UserError(
            f"{instrument.id}: values outside the declared response range {low}-{high}: {listed}"
            f"{more}; observed {lo_all:g}-{hi_all:g}. If the export codes the answers differently "
            f"(e.g. {low - 1}-{high - 1} for {low}-{high}), recode it at ingest, or fix response "
            f"in {instrument.source}")

    for recode in instrument.recodes:
        positions = [item - 1 for item in recode.items]
        block = values[:, positions]
        answered = ~np.isnan(block)
        fractional = answered & (block != np.round(block))
        if fractional.any():
            row, col = map(int, np.argwhere(fractional)[0])
            raise UserError(
                f"{instrument.id}: column {columns[positions[col]]} holds {block[row, col]:g}, "
                "not a whole response code; its recode map needs codes "
                f"{low}..{high}")
        result = np.full(block.shape, np.nan)
        for code, value in recode.mapping:
            result[block == code] = value
        values[:, positions] = result
    return pd.DataFrame(values, index=responses.index,
                        columns=pd.Index(range(1, instrument.n_items + 1), name="item"))


def _reversed(block: np.ndarray, items: Sequence[int], reverse: Iterable[int],
              instrument: Instrument) -> np.ndarray:
    """A copy of ``block`` (columns = ``items``) with the ``reverse`` items reversed."""
    block = block.copy()
    flip = set(reverse)
    positions = [position for position, item in enumerate(items) if item in flip]
    if positions:
        block[:, positions] = instrument.response_min + instrument.response_max - block[:, positions]
    return block


def scale_item_values(responses: pd.DataFrame, instrument: Instrument, pattern: str,
                      scale: str, items: pd.DataFrame | None = None) -> pd.DataFrame:
    """The values a scale is computed from: recoded, then reversed by the scale's own key.

    Used for reliability (alpha, item-rest correlations), where items must point the same way.
    ``items`` is :func:`item_values` of the instrument when the caller already has it (it is
    the same for every scale of an instrument).

    Returns
    -------
    DataFrame
        Same index as ``responses``; one column per item of the scale, named by its data column.

    Examples
    --------
    >>> from wellbeing.instruments import load_instrument
    >>> pss = load_instrument("pss10")
    >>> raw = pd.DataFrame({f"PSS_{n}": [0] for n in range(1, 11)})
    >>> scale_item_values(raw, pss, "PSS_{n}", "total").iloc[0].tolist()
    [0.0, 0.0, 0.0, 4.0, 4.0, 0.0, 4.0, 4.0, 0.0, 0.0]
    """
    entry = instrument.scale(scale)
    values = item_values(responses, instrument, pattern) if items is None else items
    block = values[list(entry.items)].to_numpy()
    block = _reversed(block, entry.items, entry.reverse, instrument)
    return pd.DataFrame(block, index=responses.index,
                        columns=instrument.item_columns(pattern, entry.items))


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


def _needed(n_items: int, share: float) -> int:
    """Least number of answered items for a score: ceil(share * n), at least one.

    >>> _needed(8, 0.8), _needed(5, 0.8), _needed(6, 0.0), _needed(3, 0.8)
    (7, 4, 1, 3)
    """
    return max(1, math.ceil(share * n_items - 1e-9))


def _threshold_text(share: float) -> str:
    """``80%`` (or ``1 item`` when any answered item suffices).

    >>> _threshold_text(0.8), _threshold_text(2 / 3), _threshold_text(0)
    ('80%', '66.6667%', '1 item')
    """
    if share <= 0:
        return "1 item"
    return f"{round(share * 100, 4):g}%"


def _group_mean(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the answered values per row (NaN when none) and the number answered."""
    answered = ~np.isnan(block)
    n_answered = answered.sum(axis=1)
    total = np.where(answered, block, 0.0).sum(axis=1)
    mean = np.divide(total, n_answered, out=np.full(len(block), np.nan), where=n_answered > 0)
    return mean, n_answered


def _text_per_count(counts: np.ndarray, text_of) -> np.ndarray:
    """``text_of(row of counts)`` for every row of ``counts`` (rows x k answered counts), computed
    once per distinct row: a large cohort has a handful of distinct counts, and equal texts stay
    one string object (millions of 'complete' rules would otherwise each be a string)."""
    codes = np.zeros(len(counts), dtype=np.int64)
    for column in counts.T:          # hashed, column by column: sorting rows costs 10 times more
        codes, _ = pd.factorize(codes * (int(column.max(initial=0)) + 1) + column)
    first = np.unique(codes, return_index=True)[1] if len(codes) else np.array([], dtype=np.int64)
    return np.array([text_of(*(int(count) for count in counts[row])) for row in first],
                    dtype=object)[codes]


def _score_scale(values: np.ndarray, instrument: Instrument, scale: str):
    """Score one scale: arrays (score, n_answered, rule) aligned with the rows of ``values``."""
    entry = instrument.scale(scale)
    share = instrument.min_answered
    threshold = _threshold_text(share)
    n_items = entry.n_items
    block = _reversed(values[:, [item - 1 for item in entry.items]], entry.items, entry.reverse,
                      instrument)
    mean, n_answered = _group_mean(block)
    if entry.score in ("sum", "mean"):
        needed = _needed(n_items, share)
        valid = n_answered >= needed
        if entry.score == "sum":
            # the plain sum when complete; else the answered items' sum scaled to n_items
            # (sum * n / answered, exact for whole codes, unlike mean * n)
            total = np.where(np.isnan(block), 0.0, block).sum(axis=1)
            prorated = np.divide(total * n_items, n_answered, out=np.full(len(block), np.nan),
                                 where=n_answered > 0)
            score = np.where(valid, np.where(n_answered == n_items, total, prorated), np.nan)
        else:
            score = np.where(valid, mean, np.nan)

        def rule(answered: int) -> str:
            if answered == n_items:
                return "complete"
            if answered >= needed:
                return f"prorated: {answered}/{n_items} answered >= {threshold}"
            return f"missing: {answered}/{n_items} answered < {threshold}"
        return score, n_answered, _text_per_count(n_answered[:, None], rule)

    # mean_of_subscales: each group after this scale's reverse key, prorated on its own
    groups = instrument.subscale_groups(scale)
    means, answered_per_group = [], []
    for _name, items in groups:
        group = _reversed(values[:, [item - 1 for item in items]], items, entry.reverse, instrument)
        mean, answered = _group_mean(group)
        means.append(mean)
        answered_per_group.append(answered)
    all_valid = np.logical_and.reduce([answered >= _needed(len(items), share)
                                       for answered, (_, items) in zip(answered_per_group, groups)])
    score = np.where(all_valid, np.mean(np.column_stack(means), axis=1), np.nan)

    def rule(answered: int, *per_group: int) -> str:
        failing = [f"{name} {count}/{len(items)}" for count, (name, items) in zip(per_group, groups)
                   if count < _needed(len(items), share)]
        if failing:
            return f"missing: {'; '.join(failing)} answered < {threshold}"
        if answered == n_items:
            return "complete"
        return f"prorated: {answered}/{n_items} answered, each subscale >= {threshold}"
    return score, n_answered, _text_per_count(np.column_stack([n_answered, *answered_per_group]), rule)


def _score_block(responses: pd.DataFrame, instrument: Instrument, pattern: str):
    """All scales of one instrument, aligned with the rows of ``responses`` (original order)."""
    values = item_values(responses, instrument, pattern).to_numpy()
    return [(entry.name, entry.n_items, *_score_scale(values, instrument, entry.name))
            for entry in instrument.scale_list]


def _id_frame(responses: pd.DataFrame, order: np.ndarray) -> pd.DataFrame:
    ids = pd.DataFrame({
        "participant": responses["participant"].to_numpy()[order],
        "wave": responses["wave"].to_numpy()[order],
    })
    if "group" in responses.columns:
        ids["group"] = responses["group"].to_numpy()[order]
    else:
        ids["group"] = np.full(len(order), np.nan, dtype=object)
    return ids


def _long_frame(responses: pd.DataFrame, order: np.ndarray, blocks,
                labels_as_categories: bool = False) -> pd.DataFrame:
    """Row-major long table: for each sorted row, every (instrument, scale) in configured order.

    With ``labels_as_categories`` the participant, wave, group, instrument, scale and rule columns
    are categorical: the same values, held as codes (12 million labels of a large cohort are
    otherwise 12 million pointers, half a gigabyte, each hashed again when the table is written).
    """
    n_rows = len(order)
    labels = [(instrument_id, name, n_items)
              for instrument_id, block in blocks for name, n_items, *_ in block]
    n_scales = len(labels)
    ids = _id_frame(responses, order)

    def stacked(position: int, dtype=None) -> np.ndarray:
        columns = [entry[position][order] for _, block in blocks for entry in block]
        if not columns:
            return np.empty(0, dtype=dtype or float)
        return np.column_stack(columns).ravel().astype(dtype) if dtype else \
            np.column_stack(columns).ravel()

    def stacked_labels(position: int) -> pd.Categorical:
        # each scale's texts factorised on their own (a handful each), under one set of categories
        categories: dict[str, int] = {}
        codes = []
        for _, block in blocks:
            for entry in block:
                local, texts = pd.factorize(entry[position][order])
                recode = np.array([categories.setdefault(text, len(categories)) for text in texts] + [-1],
                                  dtype=np.int32)
                codes.append(recode[local])
        stacked_codes = np.column_stack(codes).ravel() if codes else np.empty(0, dtype=np.int32)
        return pd.Categorical.from_codes(stacked_codes, pd.Index(list(categories), dtype=object))

    def repeated(values: np.ndarray, each: bool):
        if not labels_as_categories:
            return np.repeat(values, n_scales) if each else np.tile(values, n_rows)
        codes, distinct = pd.factorize(values)
        codes = np.repeat(codes, n_scales) if each else np.tile(codes, n_rows)
        return pd.Categorical.from_codes(codes, pd.Index(distinct, dtype=object))

    columns = {
        "participant": repeated(ids["participant"].to_numpy(), each=True),
        "wave": repeated(ids["wave"].to_numpy(), each=True),
        "group": repeated(ids["group"].to_numpy(), each=True),
        "instrument": repeated(np.array([label[0] for label in labels], dtype=object), each=False),
        "scale": repeated(np.array([label[1] for label in labels], dtype=object), each=False),
        "score": stacked(2, float),
        "n_items": np.tile(np.array([label[2] for label in labels], dtype=np.int64), n_rows),
        "n_answered": stacked(3, np.int64),
        "rule": stacked_labels(4) if labels_as_categories else stacked(4, object),
    }
    # The arrays are new: the frame takes them as they are (a copy of 12 million rows would
    # double the peak memory of a large cohort).
    return pd.DataFrame({name: columns[name] for name in LONG_COLUMNS}, copy=False)


def score_instrument(responses: pd.DataFrame, instrument: Instrument, pattern: str,
                     waves: Sequence[str] | None = None) -> pd.DataFrame:
    """Score every scale of one instrument for every participant x wave.

    Parameters
    ----------
    responses : DataFrame
        ``participant``, ``wave``, ``group`` (optional) and the raw item columns: numeric codes,
        NaN = missing (ingest has already turned out-of-range values into NaN).
    instrument : Instrument
        From :func:`wellbeing.instruments.load_instrument`.
    pattern : str or list of str
        Item column pattern, ``{n}`` being the item number (``"FFMQ_{n}"``), or the item columns
        in item order.
    waves : sequence of str, optional
        Wave order for sorting (the study's ``waves``); default the column's categories, else the
        order of first appearance.

    Returns
    -------
    DataFrame
        Columns ``participant, wave, group, instrument, scale, score, n_items, n_answered, rule``;
        rows sorted by participant, wave (in order), then scale in file order.

    Raises
    ------
    UserError
        Missing id or item columns, non-numeric item values, values outside the response range,
        duplicate participant x wave rows.

    Examples
    --------
    PSS-10 (0-4, items 4, 5, 7, 8 reversed), one complete and one short respondent. p1:
    2 + 1 + 3 + (4 - 4) + (4 - 3) + 2 + (4 - 4) + (4 - 3) + 1 + 2 = 13; p2 answered 7 of 10,
    below the 80% rule:

    >>> from wellbeing.instruments import load_instrument
    >>> pss = load_instrument("pss10")
    >>> answers = {"p1": [2, 1, 3, 4, 3, 2, 4, 3, 1, 2], "p2": [2, 2, 2, None, None, 2, None, 2, 2, 2]}
    >>> responses = pd.DataFrame({"participant": list(answers), "wave": "pre", "group": "control"})
    >>> for n in range(1, 11):
    ...     responses[f"PSS_{n}"] = [answers[p][n - 1] for p in answers]
    >>> score_instrument(responses, pss, "PSS_{n}")[["participant", "score", "rule"]]
      participant  score                          rule
    0          p1   13.0                      complete
    1          p2    NaN  missing: 7/10 answered < 80%
    """
    _check_ids(responses)
    order = _row_order(responses, waves)
    blocks = [(instrument.id, _score_block(responses, instrument, pattern))]
    return _long_frame(responses, order, blocks)


def score_study(responses: pd.DataFrame, instruments: Sequence[tuple[Instrument, str]],
                measures: Sequence[Mapping[str, str]] = (),
                waves: Sequence[str] | None = None,
                factors: Sequence[Mapping] = (),
                labels_as_categories: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score all of a study's instruments; the long scores table and the wide analysis table.

    Parameters
    ----------
    responses : DataFrame
        As for :func:`score_instrument`, with every instrument's items and every measure's column.
    instruments : sequence of (Instrument, pattern)
        In the study's configured order; ids must be distinct.
    measures : sequence of mappings with keys ``column`` and ``name``
        Numeric columns passed through to the wide table under ``name``, as they are.
    waves : sequence of str, optional
        Wave order, as for :func:`score_instrument`.
    factors : sequence of mappings with keys ``column`` and optional ``name``
        Further between factors, carried to the wide table under their names, as they are.
    labels_as_categories : bool
        The long table's label columns as categories (what the score job writes; the same
        file, in a fraction of the memory and time for a large cohort).

    Returns
    -------
    long : DataFrame
        As :func:`score_instrument`, all instruments; rows sorted by participant, wave, then
        instrument (configured order) and scale (file order).
    wide : DataFrame
        One row per participant x wave (same order): ``participant, wave, group``, the
        factors under their names, then one column per ``<instrument>.<scale>``, then the
        measures under their names.

    Examples
    --------
    >>> from wellbeing.instruments import load_instrument
    >>> brs = load_instrument("brs")
    >>> responses = pd.DataFrame({"participant": ["b", "a", "a"], "wave": ["pre", "post", "pre"],
    ...                           "group": "imp", "minutes": [10, 30, 20]})
    >>> for n in range(1, 7):
    ...     responses[f"BRS{n}"] = 3
    >>> long, wide = score_study(responses, [(brs, "BRS{n}")],
    ...                          [{"column": "minutes", "name": "home_practice"}],
    ...                          waves=["pre", "post"])
    >>> wide
      participant  wave group  brs.total  home_practice
    0           a   pre   imp        3.0             20
    1           a  post   imp        3.0             30
    2           b   pre   imp        3.0             10
    """
    _check_ids(responses)
    seen: dict[str, str] = {}
    for instrument, pattern in instruments:
        if instrument.id in seen:
            raise UserError(f"instrument {instrument.id!r} is configured twice (patterns "
                            f"{seen[instrument.id]!r} and {pattern!r}); score it once")
        seen[instrument.id] = pattern
    order = _row_order(responses, waves)
    blocks = [(instrument.id, _score_block(responses, instrument, pattern))
              for instrument, pattern in instruments]
    long = _long_frame(responses, order, blocks, labels_as_categories)

    wide = _id_frame(responses, order)
    for factor in factors:
        column, name = factor["column"], factor.get("name") or factor["column"]
        if column not in responses.columns:
            raise UserError(f"factor {name!r}: column {column!r} not found in the responses; "
                            "fix factors[].column in the study config")
        wide[name] = responses[column].to_numpy()[order]
    for instrument_id, block in blocks:
        for name, _, score, _, _ in block:
            wide[f"{instrument_id}.{name}"] = score[order]
    for measure in measures:
        column, name = measure["column"], measure["name"]
        if column not in responses.columns:
            raise UserError(f"measure {name!r}: column {column!r} not found in the responses; "
                            "fix measures[].column in the study config")
        if name in wide.columns:
            raise UserError(f"measure {name!r}: the name is already used by another column; "
                            "choose a different measures[].name")
        wide[name] = responses[column].to_numpy()[order]
    return long, wide


def for_study(responses: pd.DataFrame, study: Mapping, repo_root,
              labels_as_categories: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score one study as configured: its instruments (bundled or its own files) and measures.

    Returns the long ``scores.csv`` and the wide ``scores_wide.csv`` tables of
    :func:`score_study`.
    """
    from .study import study_instruments

    return score_study(responses, study_instruments(study, repo_root), study.get("measures", []),
                       waves=study["waves"], factors=study.get("factors", []),
                       labels_as_categories=labels_as_categories)
