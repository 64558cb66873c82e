"""Figures of the pipeline: one style, colour-blind-safe colours, byte-identical files.

Every figure is drawn with the project style (``pipeline.mplstyle`` beside this module: the
Okabe-Ito palette, light horizontal grid, no top or right spine) and saved as PNG at 300 dpi and
as PDF, without creation dates or other varying metadata, so that two rebuilds give the same bytes.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

STYLE = Path(__file__).with_name("pipeline.mplstyle")
#: Okabe & Ito (2008) colours, colour-blind safe, in the order groups take them.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
#: Metadata that would otherwise hold a date or a version: fixed for byte-identical files.
PDF_METADATA = {"Creator": "wellbeing pipeline", "Producer": "matplotlib", "CreationDate": None}
PNG_METADATA = {"Software": "wellbeing pipeline (matplotlib)"}


@contextmanager
def styled() -> Iterator[None]:
    """Draw inside the project style.

    Examples
    --------
    >>> with styled():
    ...     plt.rcParams["savefig.dpi"]
    300.0
    """
    with plt.style.context(str(STYLE)):
        yield


def save(figure, png: str | Path, pdf: str | Path | None = None) -> None:
    """Save ``figure`` as PNG (300 dpi) and optionally PDF, reproducibly, then close it."""
    for path in (png, pdf):
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    with styled():      # the style's savefig settings (300 dpi, tight box) apply when saving
        figure.savefig(png, format="png", metadata=PNG_METADATA)
        if pdf is not None:
            figure.savefig(pdf, format="pdf", metadata=PDF_METADATA)
    plt.close(figure)


def correlation_heatmap(matrix, long, title: str, note: str = ""):
    """Heatmap of a correlation matrix: r printed in every cell, a diverging colour-blind-safe
    palette (ColorBrewer RdBu) centred on 0 from -1 to 1, and * ** *** for the adjusted p.

    Parameters
    ----------
    matrix : DataFrame
        ``correlations/<name>_matrix.csv`` (first column ``variable``).
    long : DataFrame
        ``correlations/<name>.csv``, for the adjusted p values.
    """
    from .tables import fmt_unit, stars

    variables = list(matrix["variable"])
    values = matrix.set_index("variable").loc[variables, variables].to_numpy(dtype=float)
    shown = values.copy()
    np.fill_diagonal(shown, np.nan)       # the diagonal (r = 1) says nothing: leave it blank
    adjusted = {}
    for row in long.itertuples(index=False):
        adjusted[(row.var1, row.var2)] = adjusted[(row.var2, row.var1)] = row.p_adjusted
    with styled():
        size = 1.0 + 0.75 * len(variables)
        figure, axes = plt.subplots(figsize=(size + 1.2, size))
        colours = matplotlib.colormaps["RdBu_r"].copy()
        colours.set_bad("#f2f2f2")
        image = axes.imshow(shown, cmap=colours, vmin=-1, vmax=1)
        axes.grid(False)
        for i, first in enumerate(variables):
            for j, second in enumerate(variables):
                if i == j:
                    continue
                r = values[i, j]
                text = fmt_unit(r) + stars(adjusted.get((first, second)))
                axes.text(j, i, text, ha="center", va="center", fontsize=7.5,
                          color="white" if abs(r) > 0.6 else "black")
        axes.set_xticks(range(len(variables)), variables, rotation=40, ha="right")
        axes.set_yticks(range(len(variables)), variables)
        axes.spines[:].set_visible(False)
        bar = figure.colorbar(image, ax=axes, shrink=0.8)
        bar.set_label("correlation r")
        axes.set_title(title, loc="left")
        if note:
            figure.text(0.01, -0.02, note, fontsize=7, ha="left", va="top", wrap=True)
    return figure


def scatter_matrix(frame, variables, title: str):
    """Pairwise scatter plots (lower triangle), histograms on the diagonal, for small sets."""
    k = len(variables)
    with styled():
        figure, grid = plt.subplots(k, k, figsize=(1.45 * k + 0.6, 1.45 * k + 0.6), squeeze=False)
        for i, row_variable in enumerate(variables):
            for j, column_variable in enumerate(variables):
                axes = grid[i][j]
                axes.grid(False)
                if j > i:
                    axes.set_visible(False)
                    continue
                if i == j:
                    axes.hist(frame[row_variable].dropna(), bins=8, color=PALETTE[0], alpha=0.8)
                else:
                    pair = frame[[column_variable, row_variable]].dropna()
                    axes.scatter(pair[column_variable], pair[row_variable], s=9, color=PALETTE[0],
                                 alpha=0.8, linewidths=0)
                axes.tick_params(labelsize=6)
                if i == k - 1:
                    axes.set_xlabel(column_variable, fontsize=7)
                else:
                    axes.set_xticklabels([])
                if j == 0 and i > 0:
                    axes.set_ylabel(row_variable, fontsize=7)
                elif j > 0:
                    axes.set_yticklabels([])
        figure.suptitle(title, x=0.02, ha="left", fontsize=10)
    return figure


#: Sets with at most this many variables also get a scatter matrix.
SCATTER_MATRIX_MAX = 8


def _set_description(long, correlation_set: dict, study: dict) -> tuple[str, str]:
    counts = sorted(set(int(n) for n in long["n"].dropna())) if long is not None else []
    n_text = "" if not counts else (f"n = {counts[0]}" if len(counts) == 1 else f"n = {counts[0]}-{counts[-1]}")
    wave = correlation_set.get("wave") or study["waves"][0]
    data = "change scores" if correlation_set.get("change") else f"wave {wave}"
    return n_text, data


def correlation_heatmap_for_set(long, matrix, study: dict, correlation_set: dict):
    """The heatmap of one configured correlation set, titled and annotated from its config."""
    name = correlation_set["name"]
    method = correlation_set.get("method", "pearson").capitalize()
    n_text, data = _set_description(long, correlation_set, study)
    adjust = {"holm": "Holm-adjusted", "fdr_bh": "Benjamini-Hochberg-adjusted",
              "none": "unadjusted"}[correlation_set.get("p_adjust", "holm")]
    return correlation_heatmap(
        matrix, long, f"{study.get('title', '')}\n{name}: {method} r, {data}, {n_text}",
        note=f"* p < .05, ** p < .01, *** p < .001 ({adjust} across the set's {len(long)} pairs).")


def scatter_matrix_for_set(scores_wide, study: dict, correlation_set: dict):
    """The scatter matrix of one configured set (only built for sets of at most
    :data:`SCATTER_MATRIX_MAX` variables)."""
    from .correlations import analysis_frame

    frame, _, _ = analysis_frame(scores_wide, study, correlation_set)
    _, data = _set_description(None, correlation_set, study)
    return scatter_matrix(frame, list(correlation_set["variables"]),
                          f"{correlation_set['name']}: {data} (n = {len(frame)} participants)")
