"""Tables for reading in the notebooks: the pipeline's CSVs shown as a person reads them.

A notebook shows a table through :func:`table`: no row index, blank cells instead of ``NaN``,
*p* values the APA way (``.396``, ``< .001``), statistics rounded as in the APA tables, counts as
integers, and variables by their labels (``scs26.total`` -> ``Self-compassion total``; the CSVs
keep the ids). The HTML it returns has no random ids, so rendered notebooks stay byte-identical.
"""

from __future__ import annotations

import html
import math
import re
from typing import Mapping

import numpy as np
import pandas as pd

from . import io
from .tables import P_ADJUST_NAMES, fmt_bayes_factor, fmt_number, fmt_p, fmt_unit

#: Columns that hold a p value (formatted ``.034`` / ``< .001``).
P_COLUMN = re.compile(r"^(p|p_.*|.*_p)$")
#: Columns of statistics bounded by 1 (written without a leading zero, as APA: .87).
UNIT_COLUMN = re.compile(r"^(r|ges|pes.*|alpha.*|omega.*|item_rest_r|item_total_r|eps_gg|eps_hf|"
                         r"mauchly_w|r_rm|reliability|power)$")
#: Columns that hold variable ids, shown by their labels.
VARIABLE_COLUMNS = ("outcome", "var1", "var2", "variable")
#: Column headers as a reader knows them.
HEADERS = {"p_adjusted": "p (adjusted)", "p_holm_pairs": "p (Holm, pairs)", "pes": "partial η²",
           "pes_ci_low": "η² CI low", "pes_ci_high": "η² CI high", "ges": "generalised η²",
           "ci_low": "CI low", "ci_high": "CI high", "mean_diff": "difference", "sd": "SD",
           "se": "SE", "eps_gg": "ε (GG)", "p_gg": "p (GG)", "n_participants": "participants",
           "n_observations": "observations", "n_excluded": "excluded", "n_items": "items",
           "bf10": "BF₁₀", "bf01": "BF₀₁", "sd_baseline": "SD at the first wave",
           "n_baseline": "n at the first wave", "se_difference": "SE of a difference",
           "reliability_source": "reliability from", "n_per_group": "n per group",
           "n_per_group_at_bound": "n per group at the bound", "d_ci_low": "d CI low", "d_ci_high": "d CI high",
           "es": "effect size", "es_type": "effect size type", "es_ci_low": "ES CI low",
           "es_ci_high": "ES CI high", "d_z": "d_z", "adjusted_mean": "adjusted mean",
           "baseline_mean": "baseline mean", "item_rest_r": "item-rest r",
           "alpha_if_dropped": "alpha if dropped", "omega_total": "omega total",
           "omega_h": "omega hierarchical", "alpha_ci_low": "alpha CI low",
           "alpha_ci_high": "alpha CI high", "below_threshold": "below threshold",
           "statistic_type": "test", "diff_ci_low": "CI low", "diff_ci_high": "CI high",
           "var1": "variable 1", "var2": "variable 2", "part_whole": "part-whole", "dof": "df",
           "d_z_ci_low": "d_z CI low", "d_z_ci_high": "d_z CI high", "omega_total_sl": "omega total (bifactor)",
           "population": "population", "anova_n": "ANOVA n", "anova_p": "ANOVA p", "anova_F": "ANOVA F",
           "anova_pes": "ANOVA partial η²"}
#: The assumption checks as readers know them (values of a ``test`` column, or a pivot's heads).
TEST_NAMES = {"shapiro_wilk": "Shapiro-Wilk", "levene_mean": "Levene (mean)",
              "levene_median": "Levene (median)", "box_m": "Box's M", "slopes": "parallel slopes",
              "mauchly": "Mauchly"}
HEADERS.update(TEST_NAMES)
#: Effect sizes as readers know them (values of an ``es_type`` column).
EFFECT_SIZE_NAMES = {"hedges_g_av": "Hedges' g_av", "hedges_g": "Hedges' g", "d_z": "d_z",
                     "cohens_d": "Cohen's d"}
#: Confidence bounds that share their statistic's scale: bounded by 1 when a correlation's.
CI_COLUMNS = ("ci_low", "ci_high")


def _integral(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(numbers)) and bool((numbers == numbers.round()).all())


def _cell(value, kind: str, decimals: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "p":
        return fmt_p(float(value))
    if kind == "int":
        return str(int(round(float(value))))
    if kind == "number":
        return fmt_number(float(value), decimals)
    if kind == "unit":
        return fmt_unit(float(value), decimals)
    if kind == "bayes factor":
        return fmt_bayes_factor(value)
    if isinstance(value, (bool,)) or str(value) in ("True", "False"):
        return "yes" if str(value) == "True" else "no"
    return str(value)


def formatted(frame: pd.DataFrame, labels: Mapping[str, str] | None = None,
              decimals: int = 2, groups: Mapping[str, str] | None = None,
              adjust: str | None = None) -> pd.DataFrame:
    """The frame as text cells for reading (see the module docstring). With ``adjust`` (the
    file's ``p_adjust``), the ``p_adjusted`` column is headed by its method (``p (Holm)``), or
    left out when nothing was adjusted (``none``: it would repeat ``p``).

    Examples
    --------
    >>> frame = pd.DataFrame({"outcome": ["pss10.total"], "n": [45.0], "F": [0.9123],
    ...                       "p": [0.3958], "p_gg": [0.00001], "pes": [0.0212], "note": [float("nan")]})
    >>> formatted(frame, {"pss10.total": "Perceived stress"}).values.tolist()
    [['Perceived stress', '45', '0.91', '.396', '< .001', '.02', '']]
    >>> formatted(pd.DataFrame({"group": ["imp"]}), groups={"imp": "IMP training"}).values.tolist()
    [['IMP training']]
    >>> list(formatted(pd.DataFrame({"n": [1, 2, 3]}).iloc[[0, 2]]).columns)      # no index column
    ['n']
    >>> p = pd.DataFrame({"p": [0.02], "p_adjusted": [0.04]})
    >>> list(formatted(p, adjust="holm").columns), list(formatted(p, adjust="none").columns)
    (['p', 'p (Holm)'], ['p'])
    """
    labels, groups = labels or {}, groups or {}
    if adjust == "none" and "p_adjusted" in frame.columns:
        frame = frame.drop(columns="p_adjusted")
    if any(name is not None for name in frame.index.names):   # a pivot's rows name something: keep them
        frame = frame.reset_index()
    else:                                                       # row numbers of a filtered file: not shown
        frame = frame.reset_index(drop=True)
    if isinstance(frame.columns, pd.MultiIndex):      # a pivot's heads: groups by their labels
        frame = frame.set_axis([" ".join(groups.get(str(part), str(part)) for part in column if str(part))
                                for column in frame.columns], axis=1)
    out = pd.DataFrame(index=range(len(frame)))
    text_columns = []
    for column in frame.columns:
        values = frame[column].reset_index(drop=True)
        if P_COLUMN.match(str(column)) and pd.api.types.is_numeric_dtype(values):
            kind = "p"
        elif column in ("bf10", "bf01") and pd.api.types.is_numeric_dtype(values):
            kind = "bayes factor"
        elif pd.api.types.is_bool_dtype(values):
            kind = "text"
        elif pd.api.types.is_numeric_dtype(values) and (
                UNIT_COLUMN.match(str(column)) or (column in CI_COLUMNS and "r" in frame.columns)):
            kind = "unit"
        elif pd.api.types.is_numeric_dtype(values):
            kind = "int" if _integral(values) else "number"
        else:
            kind = "text"
        cells = [_cell(value, kind, decimals) for value in values]
        if column in VARIABLE_COLUMNS:
            cells = [labels.get(cell, cell) for cell in cells]
        elif column == "group":
            cells = [groups.get(cell, cell) for cell in cells]
        elif column == "test":
            cells = [TEST_NAMES.get(cell, cell) for cell in cells]
        elif column == "es_type":
            cells = [EFFECT_SIZE_NAMES.get(cell, cell) for cell in cells]
        elif column == "contrast":          # "imp - control"; wave contrasts pass unchanged
            cells = [" - ".join(groups.get(part, part) for part in cell.split(" - ")) for cell in cells]
        header = HEADERS.get(str(column), str(column))
        if column == "p_adjusted" and adjust in P_ADJUST_NAMES and adjust != "none":
            header = f"p ({P_ADJUST_NAMES[adjust][0]})"
        out[header] = cells
        if kind == "text":
            text_columns.append(header)
    out.attrs["text_columns"] = text_columns      # read left-aligned, numbers right-aligned
    return out


class Table:
    """A formatted table that Jupyter shows as HTML (deterministic: no random ids)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def _repr_html_(self) -> str:
        text = set(self.frame.attrs.get("text_columns", []))
        left = ' style="text-align: left"'
        aligned = [left if column in text else "" for column in self.frame.columns]
        head = "".join(f"<th{align}>{html.escape(str(c))}</th>"
                       for c, align in zip(self.frame.columns, aligned))
        rows = "".join("<tr>" + "".join(f"<td{align}>{html.escape(str(v))}</td>"
                                        for v, align in zip(row, aligned)) + "</tr>"
                       for row in self.frame.itertuples(index=False))
        return (f'<table class="dataframe reading"><thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table>")

    def __repr__(self) -> str:
        return self.frame.to_string(index=False)


def table(frame: pd.DataFrame, labels: Mapping[str, str] | None = None, decimals: int = 2,
          limit: int | None = None, groups: Mapping[str, str] | None = None,
          adjust: str | None = None) -> Table:
    """``frame`` for display in a notebook (``limit``: its first rows only)."""
    shown = frame if limit is None else frame.head(limit)
    return Table(formatted(shown, labels, decimals, groups, adjust))


def tally(frame: pd.DataFrame, name: str = "n") -> pd.DataFrame:
    """The distinct rows of ``frame`` in the order they first occur, each with how many times it
    occurs (column ``name``); the columns keep their dtypes and a missing value counts as a value.

    The rows of ``frame.groupby(list(frame.columns), sort=False, dropna=False).size()``, taken
    from ``frame`` itself, in a fraction of its time: the long scores table of a national cohort
    has 12 million rows, whose groupby takes seconds. A table of the distinct rows and their
    counts answers any count over ``frame``'s columns (a pivot, a share) as ``frame`` would.

    Examples
    --------
    >>> scores = pd.DataFrame({"scale": ["total", "total", "sub", "total"],
    ...                        "rule": ["complete", "missing", "complete", "complete"]}, dtype="category")
    >>> tally(scores)
       scale      rule  n
    0  total  complete  2
    1  total   missing  1
    2    sub  complete  1
    >>> tally(scores).drop(columns="n").dtypes.equals(scores.dtypes)      # categories stay categories
    True
    """
    key = np.zeros(len(frame), dtype=np.int64)     # the row's codes, column by column, as one number
    span = 1                                        # how many values key can take
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):       # numbered already (missing: -1)
            codes, width = values.cat.codes.to_numpy(), len(values.cat.categories) + 1
        else:
            codes, distinct = pd.factorize(values)              # a missing value is -1
            width = len(distinct) + 1
        if span > np.iinfo(np.int64).max // width:              # key would overflow: number it afresh
            key, seen = pd.factorize(key)
            key, span = key.astype(np.int64), len(seen)
        key *= width                                            # in place: 12 million rows are 100 MB
        key += codes
        key += 1
        span *= width
    keys = pd.Series(key, copy=False)
    first = keys.drop_duplicates()               # each distinct row where it first occurs, in order
    counted = frame.iloc[first.index].reset_index(drop=True)
    counted[name] = keys.value_counts(sort=False).reindex(first.to_numpy()).to_numpy()
    return counted


class Notebook:
    """What every notebook's hidden first cell sets up: reading the study's results, saying a
    sentence built from them, and showing a table or one of the pipeline's figures.

    Parameters
    ----------
    results : str
        The study's results folder (``results/<study>``).
    labels : mapping
        Variable id -> label (:func:`wellbeing.tables.study_labels`).
    waves : sequence of str
        The study's waves in time order.
    groups : mapping
        Group -> label (:func:`wellbeing.tables.group_labels`), for ``group`` columns and text.
    """

    #: Lists of rows (exclusions, issues, missing scores) show at most this many; the files hold all.
    LIST_LIMIT = 25

    def __init__(self, results: str, labels: Mapping[str, str] | None = None, waves=(),
                 groups: Mapping[str, str] | None = None):
        from pathlib import Path

        self.results = Path(results)
        self.labels = dict(labels or {})
        self.waves = [str(w) for w in waves]
        self.groups = dict(groups or {})

    def read(self, name: str, **options) -> pd.DataFrame:
        """A CSV of the study's results, ids as text."""
        return io.read_table(self.results / name, **options)

    def label(self, variable: str) -> str:
        return self.labels.get(variable, variable)

    def group(self, group: str) -> str:
        """A group as readers know it (``group_labels``)."""
        return self.groups.get(str(group), str(group))

    def say(self, text: str) -> None:
        """Show a sentence built from this study's numbers."""
        from IPython.display import Markdown, display

        display(Markdown(text))

    def say_list(self, lines, total: int, where: str) -> None:
        """The first :attr:`LIST_LIMIT` of ``total`` items as one bulleted list, and where the rest are."""
        text = "\n".join(f"- {line}" for line in list(lines)[:self.LIST_LIMIT])
        if total > self.LIST_LIMIT:
            text += f"\n\n... and {total - self.LIST_LIMIT} more: every one is in `{where}`."
        if text:
            self.say(text)

    def show(self, frame: pd.DataFrame, limit: int | None = None, decimals: int = 2,
             adjust: str | None = None) -> None:
        """A table for reading (:func:`table`); with ``limit``, its first rows and where the rest are;
        ``adjust``: the file's ``p_adjust`` (see :func:`formatted`)."""
        from IPython.display import display

        display(table(frame, self.labels, decimals, limit, self.groups, adjust))
        if limit is not None and len(frame) > limit:
            self.say(f"The first {limit} of {len(frame)} rows; the file holds all.")

    def show_figure(self, name: str, width: int = 900) -> None:
        """One of the pipeline's figures (``figures/<name>``), when the study has it."""
        from IPython.display import Image, display

        path = self.results / "figures" / name
        if path.exists():
            display(Image(filename=str(path), width=width))

    #: A Bayes factor as tables print it (``0.43``, ``42``, ``2.7 × 10¹²``).
    bf_text = staticmethod(fmt_bayes_factor)

    @staticmethod
    def p_text(p: float) -> str:
        """p as APA writes it in a sentence: ``= .038``, ``< .001``."""
        text = fmt_p(p)
        return text if text.startswith("<") else f"= {text}"

    @staticmethod
    def count(number: int, noun: str, plural: str | None = None) -> str:
        """``1 participant``, ``3 participants``: numbers and nouns that agree.

        >>> Notebook.count(1, "row"), Notebook.count(0, "row"), Notebook.count(2, "is", "are")
        ('1 row', '0 rows', '2 are')
        """
        return f"{number} {noun if number == 1 else (plural or noun + 's')}"
