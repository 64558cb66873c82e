"""Figures of the pipeline: one style, colour-blind-safe colours, byte-identical files.

Every figure is drawn with the project style (``pipeline.mplstyle`` beside this module: the
Okabe-Ito palette, light horizontal grid, no top or right spine) and saved as PNG at 300 dpi and
as PDF, without creation dates or other varying metadata, so that two rebuilds give the same bytes.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
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


def read_scores(path: str | Path, study: dict, variables):
    """``scores/scores_wide.csv`` with the columns a figure of ``variables`` reads: the
    participant, wave, group and further factors, and those variables. At 100,000 participants
    the table has some 45 columns; reading 3 to 10 of them takes a third of the time."""
    from .design import further_factors
    from .io import read_columns

    return read_columns(path, ["participant", "wave", "group", *further_factors(study), *variables])


def read_ledger(path: str | Path, study: dict, outcome: str):
    """The rows of ``anova/ledger.csv`` about ``outcome``, with the columns the interaction
    figure reads (who is included, in which group and population, at which factor levels)."""
    from .design import further_factors
    from .io import read_columns

    ledger = read_columns(path, ["outcome", "population", "participant", "group", "status",
                                 *further_factors(study)])
    return ledger[ledger["outcome"] == outcome]


def _pairs_by_variables(long) -> dict:
    """Each row of ``correlations/<name>.csv`` under both orders of its pair."""
    pairs = {}
    for row in (long.itertuples(index=False) if long is not None else []):
        pairs[(row.var1, row.var2)] = pairs[(row.var2, row.var1)] = row
    return pairs


def _r_text(pair) -> str:
    """A pair's r as a cell shows it: stars for its adjusted p, or the part-whole mark."""
    from .tables import PART_WHOLE_MARK, _missing, fmt_unit, part_whole, stars

    if pair is None or _missing(pair.r):
        return ""
    if part_whole(pair):
        return fmt_unit(pair.r) + PART_WHOLE_MARK
    return fmt_unit(pair.r) + stars(pair.p_adjusted)


def _correlation_note(long, correlation_set: dict) -> str:
    """A figure's note on a set's significance marks, and on part-whole pairs when it has one."""
    from .tables import P_ADJUST_NAMES, part_whole

    adjust = P_ADJUST_NAMES[correlation_set.get("p_adjust", "holm")][1]
    note = f"* p < .05, ** p < .01, *** p < .001 ({adjust} across the set's {len(long)} pairs)."
    if any(part_whole(row) for row in long.itertuples(index=False)):
        note += (" † part-whole pair (the scales share items, e.g. a total and its own subscale): "
                 "not a finding, not starred.")
    return note


def correlation_heatmap(matrix, long, title: str, note: str = "", labels: dict | None = None):
    """Heatmap of a correlation matrix, one triangle: each pair once below the diagonal, r
    printed in its cell, a diverging colour-blind-safe palette (ColorBrewer RdBu) centred on 0
    from -1 to 1, * ** *** for the adjusted p, and a part-whole pair (``shared_items`` above 0)
    hatched and marked † instead of starred.

    Parameters
    ----------
    matrix : DataFrame
        ``correlations/<name>_matrix.csv`` (first column ``variable``).
    long : DataFrame
        ``correlations/<name>.csv``, for the adjusted p values and the shared items.

    Returns
    -------
    matplotlib.figure.Figure
        Rows are the variables but the first, columns all but the last; one text per pair.
    """
    from matplotlib.patches import Rectangle

    from .tables import part_whole

    variables = list(matrix["variable"])
    values = matrix.set_index("variable").loc[variables, variables].to_numpy(dtype=float)
    pairs = _pairs_by_variables(long)
    rows, columns = variables[1:], variables[:-1]
    shown = np.full((len(rows), len(columns)), np.nan)
    for i in range(len(rows)):
        shown[i, :i + 1] = values[i + 1, :i + 1]
    with styled():
        size = 1.0 + 0.72 * max(len(rows), 1)
        figure, axes = plt.subplots(figsize=(size + 1.6, size))
        colours = matplotlib.colormaps["RdBu_r"].with_extremes(bad=(1, 1, 1, 0))   # the empty triangle blank
        image = axes.imshow(shown, cmap=colours, vmin=-1, vmax=1)
        axes.grid(False)
        for i, first in enumerate(rows):
            for j, second in enumerate(columns[:i + 1]):
                pair = pairs.get((first, second))
                if pair is not None and part_whole(pair):
                    axes.add_patch(Rectangle(
                        (j - 0.5, i - 0.5), 1, 1, fill=False, hatch="////", edgecolor="#777777",
                        linewidth=0))
                r = values[i + 1, j]
                axes.text(j, i, _r_text(pair), ha="center", va="center", fontsize=7.5,
                          color="white" if np.isfinite(r) and abs(r) > 0.6 else "black")
        name = (labels or {}).get
        axes.set_xticks(range(len(columns)), [_wrap(name(v, v), 24) for v in columns], rotation=40,
                        ha="right")
        axes.set_yticks(range(len(rows)), [_wrap(name(v, v), 28) for v in rows])
        axes.spines[:].set_visible(False)
        axes.tick_params(length=0)
        bar = figure.colorbar(image, ax=axes, shrink=0.6, anchor=(0.0, 0.9))
        bar.set_label("correlation r")
        axes.set_title(title, loc="left")
        if note:
            # as the x label: placed below the tick labels, however long the variable names
            axes.set_xlabel(_wrap(note, int(14 * size)), fontsize=7, loc="left", labelpad=8)
    return figure


def scatter_matrix(frame, variables, title: str, labels: dict | None = None, long=None):
    """Pairwise scatter plots below the diagonal, each variable's histogram on it, and above it
    the pair's r as the heatmap and tables print it (from ``long``, ``correlations/<name>.csv``),
    for small sets.

    Returns
    -------
    matplotlib.figure.Figure
        k x k axes; the upper ones hold only the r text (hidden without ``long``).
    """
    from matplotlib.ticker import MaxNLocator

    k = len(variables)
    pairs = _pairs_by_variables(long)
    name = (labels or {}).get
    with styled():
        figure, grid = plt.subplots(k, k, figsize=(1.55 * k + 0.6, 1.55 * k + 0.9), squeeze=False)
        for i, row_variable in enumerate(variables):
            for j, column_variable in enumerate(variables):
                axes = grid[i][j]
                axes.grid(False)
                if j > i:
                    pair = pairs.get((row_variable, column_variable))
                    if pair is None:
                        axes.set_visible(False)
                        continue
                    axes.axis("off")
                    axes.text(0.5, 0.5, "r = " + _r_text(pair), ha="center", va="center",
                              fontsize=9, transform=axes.transAxes)
                    continue
                if i == j:
                    axes.hist(frame[row_variable].dropna(), bins=8, color=PALETTE[0], alpha=0.8,
                              edgecolor="white", linewidth=0.6)
                    axes.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
                else:
                    pair = frame[[column_variable, row_variable]].dropna()
                    if len(pair) > SCATTER_POINTS_MAX:
                        # Thousands of dots hide each other: show how many fall in each hexagon.
                        axes.hexbin(pair[column_variable], pair[row_variable], gridsize=22, cmap="Blues",
                                    mincnt=1, linewidths=0)
                    else:
                        axes.scatter(pair[column_variable], pair[row_variable], s=9, color=PALETTE[0],
                                     alpha=0.8, linewidths=0)
                axes.tick_params(labelsize=6)
                axes.xaxis.set_major_locator(MaxNLocator(nbins=4))
                if i == k - 1:
                    axes.set_xlabel(_wrap(name(column_variable, column_variable), 22), fontsize=7)
                else:
                    axes.set_xticklabels([])
                if j == 0:
                    axes.set_ylabel(_wrap(name(row_variable, row_variable), 22) if i > 0 else "count",
                                    fontsize=7)
                elif i != j:
                    axes.set_yticklabels([])
        figure.suptitle(title, x=0.02, ha="left", fontsize=10)
        notes = []
        if long is not None and len(long):
            notes.append("Histograms on the diagonal, r above it: " + _correlation_note(
                long, {"p_adjust": str(long["p_adjust"].iloc[0])}))
        if len(frame) > SCATTER_POINTS_MAX:
            notes.append(f"Above {SCATTER_POINTS_MAX} participants a pair is drawn as hexagonal bins: "
                         "the darker, the more participants.")
        if notes:
            figure.text(0.02, 0.005, _wrap(" ".join(notes), int(15 * figure.get_figwidth())), ha="left",
                        va="bottom", fontsize=6.5, color="#555555")
        figure.tight_layout(rect=(0, 0.05, 1, 0.97))
    return figure


#: A scatter panel with more complete pairs than this is drawn as hexagonal bins.
SCATTER_POINTS_MAX = 2000


from .figure_limits import SCATTER_MATRIX_MAX  # noqa: E402,F401  (sets this small get a scatter matrix)


def _set_description(long, correlation_set: dict, study: dict) -> tuple[str, str]:
    counts = sorted(set(int(n) for n in long["n"].dropna())) if long is not None else []
    n_text = "" if not counts else (f"n = {counts[0]}" if len(counts) == 1 else f"n = {counts[0]}-{counts[-1]}")
    wave = correlation_set.get("wave") or study["waves"][0]
    data = "change scores" if correlation_set.get("change") else f"wave {wave}"
    return n_text, data


def correlation_heatmap_for_set(long, matrix, study: dict, correlation_set: dict, root=None):
    """The heatmap of one configured correlation set, titled and annotated from its config."""
    from .tables import study_labels

    name = correlation_set["name"]
    method = correlation_set.get("method", "pearson").capitalize()
    n_text, data = _set_description(long, correlation_set, study)
    return correlation_heatmap(
        matrix, long, f"{study.get('title', '')}\n{name}: {method} r, {data}, {n_text}",
        note=_correlation_note(long, correlation_set), labels=study_labels(study, root))


def _set_frame(scores_wide, study: dict, correlation_set: dict):
    """One row per participant with the set's variables, the values
    :func:`wellbeing.correlations.analysis_frame` correlates (tests/test_figures.py holds the
    two to each other): at the set's wave, or last minus first wave for a scale of a change set,
    a measure recorded at a single wave taken there. Without analysis_frame's checks, which the
    correlations job has passed before its figures are drawn; and without importing
    :mod:`wellbeing.correlations`, whose scipy is half a second of the figure job.
    """
    import pandas as pd

    waves = list(study["waves"])
    variables = list(correlation_set["variables"])
    data = pd.DataFrame({"participant": scores_wide["participant"].astype(str),
                         "wave": scores_wide["wave"].astype(str)})
    change = bool(correlation_set.get("change", False))
    wave = correlation_set.get("wave") or waves[0]
    base_wave = waves[0] if change else wave
    ids = data["participant"] if change else data.loc[data["wave"] == wave, "participant"]
    participants = pd.Index(pd.unique(ids), name="participant")
    rows = {}

    def at(variable, at_wave):
        if at_wave not in rows:
            rows[at_wave] = (data["wave"] == at_wave).to_numpy()
        mask = rows[at_wave]
        values = pd.Series(scores_wide[variable].to_numpy()[mask],
                           index=pd.Index(data["participant"].to_numpy()[mask], name="participant"),
                           name=variable)
        return pd.to_numeric(values, errors="raise").astype(float)

    columns = {}
    for variable in variables:
        if "." not in variable:             # a measure: where it was recorded, if at one wave only
            present = set(data.loc[scores_wide[variable].notna().to_numpy(), "wave"].unique())
            recorded = [w for w in waves if w in present]
            values = at(variable, recorded[0] if len(recorded) == 1 else base_wave)
        elif change:
            values = at(variable, waves[-1]).sub(at(variable, waves[0]))
        else:
            values = at(variable, wave)
        columns[variable] = values.reindex(participants)
    return pd.DataFrame(columns, index=participants)


def scatter_matrix_for_set(scores_wide, study: dict, correlation_set: dict, root=None, long=None):
    """The scatter matrix of one configured set (only built for sets of at most
    :data:`SCATTER_MATRIX_MAX` variables), with the set's r from ``long`` above the diagonal."""
    from .tables import study_labels

    frame = _set_frame(scores_wide, study, correlation_set)
    # n as the heatmap and the table give it: participants with both values of a pair
    n_text, data = _set_description(long, correlation_set, study)
    return scatter_matrix(frame, list(correlation_set["variables"]),
                          f"{study.get('title', '')}\n{correlation_set['name']}: {data}, "
                          f"{n_text or f'n = {len(frame)}'}",
                          labels=study_labels(study, root), long=long)


# --------------------------------------------------------------------------------------------
# Reliability and the time x group ANOVA

#: Markers that waves take in order (colours: :data:`PALETTE`).
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) if width else text


def axis_label(variable: str, instruments: dict | None = None, width: int = 0,
               labels: dict | None = None, units: dict | None = None) -> str:
    """The y-axis label of a variable whose figure or panel is titled with its label: a scale's
    score and its possible range (``Score (0–40)``; the instrument is named once, in the
    figure's note, by :func:`instruments_note`), a measure's label and unit.

    Examples
    --------
    >>> from wellbeing.instruments import load_instrument
    >>> axis_label("pss10.total", {"pss10": load_instrument("pss10")})
    'Score (0–40)'
    >>> axis_label("home_practice")
    'home_practice'
    >>> axis_label("home_practice", labels={"home_practice": "Home practice"},
    ...            units={"home_practice": "minutes"})
    'Home practice (minutes)'
    """
    instrument_id, _, scale = variable.partition(".")
    instrument = (instruments or {}).get(instrument_id)
    if not scale or instrument is None or scale not in instrument.scales:
        text = (labels or {}).get(variable, variable)
        unit = (units or {}).get(variable)
        return _wrap(f"{text} ({unit})" if unit else text, width)
    low, high = instrument.score_range(scale)
    return _wrap(f"Score ({low:g}–{high:g})", width)


def instruments_note(variables, instruments: dict | None = None) -> str:
    """The instruments a figure's scales come from, each named once, in the variables' order.

    Examples
    --------
    >>> from wellbeing.instruments import load_instrument
    >>> print(instruments_note(["pss10.total", "home_practice"], {"pss10": load_instrument("pss10")}))
    Instrument: Perceived Stress Scale (10 items). Brackets after Score give its possible range.
    """
    names = []
    for variable in variables:
        instrument = (instruments or {}).get(variable.partition(".")[0])
        if instrument is not None and "." in variable and instrument.name not in names:
            names.append(instrument.name)
    if not names:
        return ""
    return f"{'Instrument' if len(names) == 1 else 'Instruments'}: {'; '.join(names)}. " \
           "Brackets after Score give its possible range."


def _flag(value) -> bool:
    from .tables import _flag as flag

    return flag(value)


def _missing(value) -> bool:
    from .tables import _missing as missing

    return missing(value)


def reliability_forest(frame, instruments: dict | None = None, title: str = ""):
    """Forest plot of Cronbach's alpha with its 95% CI (Feldt) per scale and wave.

    Scales are grouped under their instrument (bold heading; an instrument with one scale takes
    one row). Waves take a colour and a marker each, offset within a scale's row; a dashed line
    marks the threshold, and an estimate under it is drawn with an open marker. An interval
    reaching below the left edge ends in an arrowhead.

    Parameters
    ----------
    frame : DataFrame
        ``reliability/reliability.csv`` (instrument, scale, wave, alpha, alpha_ci_low,
        alpha_ci_high, threshold, below_threshold).
    instruments : dict, optional
        Instrument id -> definition, for names and scale labels.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; one ``Line2D`` per wave with ``gid="estimates"`` (one point per scale) and one
        per estimate with ``gid="interval"``.
    """
    from .tables import _scale_label

    instruments = instruments or {}
    waves = list(dict.fromkeys(str(w) for w in frame["wave"]))
    threshold = next((float(t) for t in frame.get("threshold", []) if not _missing(t)), 0.7)
    entries = []                      # (label, heading?, {wave: row})
    owner = []                        # the instrument of each entry
    for instrument_id, block in frame.groupby("instrument", sort=False):
        instrument = instruments.get(instrument_id)
        name = instrument.name if instrument is not None else str(instrument_id)
        scales = list(dict.fromkeys(block["scale"]))
        if len(scales) > 1:
            entries.append((name, True, {}))
            owner.append(instrument_id)
        for scale in scales:
            rows = {str(r["wave"]): r for r in block[block["scale"] == scale].to_dict("records")}
            label = name if len(scales) == 1 else _scale_label(instrument, scale)
            entries.append((label, False, rows))
            owner.append(instrument_id)
    alphas = [float(r["alpha"]) for _, _, rows in entries for r in rows.values() if not _missing(r["alpha"])]
    lows = [float(r["alpha_ci_low"]) for _, _, rows in entries for r in rows.values()
            if not _missing(r.get("alpha_ci_low"))]
    lowest_alpha = min(alphas, default=0.0)
    lowest = min(lows + [lowest_alpha], default=0.0)
    if lowest >= 0:
        left = max(0.0, np.floor(lowest * 10) / 10 - 0.05)
    else:                              # intervals below 0 say nothing more: clip them at 0
        left = min(0.0, np.floor(lowest_alpha * 10) / 10 - 0.1)
    left = min(left, threshold - 0.1)
    margin = 0.025 * (1.0 - left)       # room for an arrowhead at the left edge
    k = len(waves)
    spread = min(0.4, 0.18 * (k - 1)) if k > 1 else 0.0
    offsets = [spread * (0.5 - i / (k - 1)) if k > 1 else 0.0 for i in range(k)]
    with styled():
        height = 1.3 + 0.22 * len(entries) + 0.1 * len(entries) * (k > 1)
        figure, axes = plt.subplots(figsize=(6.6, height))
        axes.grid(False)
        axes.grid(True, axis="x")
        axes.axvline(threshold, color="#555555", linestyle="--", linewidth=1.0, zorder=1)
        positions = np.arange(len(entries))[::-1].astype(float)
        any_clipped = False
        for i in range(1, len(entries)):            # a thin rule between instruments
            if owner[i] != owner[i - 1]:
                axes.axhline(positions[i] + 0.5, color="#cccccc", linewidth=0.6, zorder=0)
        for w, wave in enumerate(waves):
            colour, marker = PALETTE[w % len(PALETTE)], MARKERS[w % len(MARKERS)]
            ys, xs, open_ys, open_xs = [], [], [], []
            for (label, heading, rows), y in zip(entries, positions):
                row = rows.get(wave)
                if row is None or _missing(row.get("alpha")):
                    continue
                yy, alpha = y + offsets[w], float(row["alpha"])
                low, high = row.get("alpha_ci_low"), row.get("alpha_ci_high")
                if not (_missing(low) or _missing(high)):
                    clipped = float(low) < left
                    axes.plot([max(float(low), left), float(high)], [yy, yy], color=colour,
                              linewidth=1.1, solid_capstyle="butt", gid="interval", zorder=2)
                    if clipped:
                        any_clipped = True
                        axes.plot([left], [yy], marker="<", color=colour, markersize=4,
                                  gid="clipped", zorder=3)
                below = _flag(row.get("below_threshold")) or alpha < threshold
                (open_ys if below else ys).append(yy)
                (open_xs if below else xs).append(alpha)
            axes.plot(xs + open_xs, ys + open_ys, linestyle="none", marker=marker, color=colour,
                      markersize=5, gid="estimates", label=f"wave {wave}", zorder=4)
            if open_xs:       # drawn again, open, on top: estimates under the threshold
                axes.plot(open_xs, open_ys, linestyle="none", marker=marker, markersize=5,
                          markerfacecolor="white", markeredgecolor=colour, markeredgewidth=1.2,
                          gid="below", zorder=5)
        for (label, heading, rows), y in zip(entries, positions):
            undefined = [wave for wave in waves if wave in rows and _missing(rows[wave].get("alpha"))]
            if undefined:     # say so on the row rather than leave it empty
                axes.text(left + margin, y, f"α not defined ({', '.join(undefined)}): see the note "
                          "in reliability.csv", va="center", ha="left", fontsize=7, color="#555555")
        axes.set_yticks(positions, [label for label, _, _ in entries])
        for tick, (_, heading, _) in zip(axes.get_yticklabels(), entries):
            if heading:
                tick.set_fontweight("bold")
        axes.tick_params(axis="y", length=0)
        axes.set_ylim(-0.7, len(entries) - 0.3)
        axes.set_xlim(left - margin, 1.0)
        axes.set_xlabel("Cronbach's α with 95% CI (Feldt)")
        from matplotlib.lines import Line2D

        handles, labels = axes.get_legend_handles_labels()
        handles += [Line2D([], [], color="#555555", linestyle="--", linewidth=1.0),
                    Line2D([], [], linestyle="none", marker="o", markerfacecolor="white",
                           markeredgecolor="#555555", markersize=5)]
        labels += [f"threshold α = {threshold:.2f}".replace("0.", "."),
                   f"α below {threshold:.2f}".replace("0.", ".")]
        if any_clipped:
            handles.append(Line2D([], [], linestyle="none", marker="<", color="#555555", markersize=4))
            labels.append(f"CI continues below {left:g}")
        axes.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.0),
                    ncol=len(labels), handletextpad=0.4, columnspacing=1.2, borderaxespad=0.2)
        if title:
            axes.set_title(title, loc="left", pad=22)
    return figure


def _adjusted_text(effect) -> str:
    """`` (Holm .088)`` after a p when the study adjusts across outcomes, as the tables do."""
    from .tables import P_ADJUST_NAMES, _missing, fmt_p

    adjust = effect.get("p_adjust")
    if not isinstance(adjust, str) or adjust not in P_ADJUST_NAMES or adjust == "none" \
            or _missing(effect.get("p_adjusted")):
        return ""
    return f" ({P_ADJUST_NAMES[adjust][0]} {fmt_p(effect['p_adjusted'])})"


def _effect_text(effect) -> str:
    """``F(1, 44) = 5.89, p = .019, ηp² = .12`` for a row of anova/anova.csv (mathtext); with
    three or more waves df and p are Greenhouse-Geisser corrected, as in the APA table; the
    adjusted p beside it when the study adjusts across outcomes."""
    from .tables import _missing, fmt_number, fmt_p, fmt_unit

    if effect is None:
        return ""
    if _missing(effect["F"]):
        return "$F$ not defined: no variance"      # anova.csv's note says more
    eps = effect.get("eps_gg")
    corrected = not _missing(eps) and float(effect["df1"]) > 1   # as the APA table: Greenhouse-Geisser
    p = fmt_p(effect["p_gg"] if corrected else effect["p"])
    p_text = f"p {p}" if p.startswith("<") else f"p = {p}"
    df = (f"{fmt_number(float(effect['df1']) * float(eps))}, {fmt_number(float(effect['df2']) * float(eps))}"
          if corrected else f"{int(effect['df1'])}, {int(effect['df2'])}")
    return (f"$F$({df}) = {fmt_number(effect['F'])}, "
            f"${p_text.split(' ')[0]}$ {' '.join(p_text.split(' ')[1:])}{_adjusted_text(effect)}, "
            f"$\\eta_p^2$ = {fmt_unit(effect['pes'])}")


def _interaction_row(anova, outcome):
    """The row of anova/anova.csv the study's question is about (``primary``: the group x time
    interaction, or the time effect of a single arm)."""
    if "primary" in anova.columns:
        chosen = anova["primary"].astype(str).str.lower() == "true"
    else:
        chosen = anova["effect"] == "group:time"
    rows = anova[(anova["outcome"] == outcome) & chosen]
    return None if rows.empty else rows.iloc[0]


def _effect_name(effect) -> str:
    """How a figure names the effect it reports."""
    if effect is None:
        return "group × time"
    return "change over time" if effect["effect"] == "time" else str(effect["effect"]).replace(":", " × ")


def _factor_panels(cells, factors: dict | None) -> list[tuple[str, object]]:
    """The cells of each panel: one per combination of the further factors' levels (``sex = f``),
    or a single untitled panel."""
    from itertools import product

    factors = {name: levels for name, levels in (factors or {}).items() if name in cells.columns}
    if not factors:
        return [("", cells)]
    panels = []
    for combo in product(*factors.values()):
        mask = np.ones(len(cells), dtype=bool)
        for name, level in zip(factors, combo):
            mask &= _levels(cells[name]).to_numpy() == str(level)
        panels.append((", ".join(f"{name} = {level}" for name, level in zip(factors, combo)),
                       cells[mask]))
    return panels


def _levels(values):
    """A factor column as its levels' text (a code read back as 2.0 is the level 2), each
    distinct value converted once."""
    from .design import level_text

    return values.map({value: level_text(value) for value in values.dropna().unique()})


def _draw_means(axes, cells, outcome, groups, waves, dodge: float = 0.16, label_n: bool = True,
                names: dict | None = None):
    x = np.arange(len(waves), dtype=float)
    if len(waves) == 1:         # one wave: the groups side by side
        dodge = 0.25
    for g, group in enumerate(groups):
        block = cells[(cells["outcome"] == outcome) & (cells["group"].astype(str) == group)]
        block = block.set_index(block["wave"].astype(str)).reindex(waves)
        shift = dodge * (g - (len(groups) - 1) / 2)
        mean = block["mean"].to_numpy(float)
        lower = mean - block["ci_low"].to_numpy(float)
        upper = block["ci_high"].to_numpy(float) - mean
        ns = sorted(set(int(n) for n in block["n"].dropna()))
        label = (names or {}).get(group, group) + (f" (n = {ns[0]})" if label_n and len(ns) == 1 else "")
        colour = PALETTE[g % len(PALETTE)]
        container = axes.errorbar(x + shift, mean, yerr=[lower, upper], color=colour,
                                  marker=MARKERS[g % len(MARKERS)], markersize=6, linewidth=2.0,
                                  capsize=3, elinewidth=1.2, label=label, zorder=4)
        container.lines[0].set_gid("means")
    axes.set_xticks(x, waves)
    axes.set_xlim(-0.35 - (0.25 if len(waves) == 1 else 0), len(waves) - 0.65 + (0.25 if len(waves) == 1 else 0))


def anova_interaction(outcome: str, cells, scores_wide=None, ledger=None, anova=None,
                      groups=None, waves=None, instruments: dict | None = None, title: str = "",
                      factors: dict | None = None, text: "StudyText | None" = None):
    """The interaction figure of one outcome: group means with 95% CI across waves, and each
    analysed participant's trajectory faint behind them; with further between ``factors``
    (name -> levels) one panel per combination of their levels. With one wave (a between
    design) the groups' means stand side by side.

    Parameters
    ----------
    outcome : str
        The variable (``scs26.total`` or a measure's name).
    cells : DataFrame
        ``anova/cells.csv`` (outcome, group, wave, n, mean, ci_low, ci_high).
    scores_wide : DataFrame, optional
        ``scores/scores_wide.csv``, for the trajectories (none drawn without it).
    ledger : DataFrame, optional
        ``anova/ledger.csv``: only participants ``included`` for the outcome are drawn.
    anova : DataFrame, optional
        ``anova/anova.csv``: the group x time test is written under the title.
    groups, waves : list of str, optional
        Order of groups and waves (default: as in ``cells``).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per panel; one ``Line2D`` per participant with ``gid="trajectory"`` and one per
        group with ``gid="means"``.
    """
    import pandas as pd

    mine = cells[cells["outcome"] == outcome]
    groups = [str(g) for g in (groups or dict.fromkeys(mine["group"].astype(str)))]
    waves = [str(w) for w in (waves or dict.fromkeys(mine["wave"].astype(str)))]
    panels = _factor_panels(mine, factors)
    sampled = False
    with styled():
        figure, grid = plt.subplots(1, len(panels), figsize=(4.8 + 3.4 * (len(panels) - 1), 3.9),
                                    sharey=True, squeeze=False)
        matrix = group_of = None
        if scores_wide is not None and len(waves) > 1:
            # only the columns the trajectories need: not a copy of every score
            participants = scores_wide["participant"].astype(str)
            if ledger is not None:
                keep = ledger[(ledger["outcome"] == outcome) & (ledger["status"] == "included")]
            else:
                keep = scores_wide.assign(participant=participants).dropna(subset=["group"]) \
                    .drop_duplicates("participant")
            data = pd.DataFrame({"participant": participants, "wave": scores_wide["wave"].astype(str),
                                 outcome: scores_wide[outcome]})
            matrix = data.pivot(index="participant", columns="wave", values=outcome).reindex(columns=waves)
        for axes, (panel_title, block) in zip(grid.flat, panels):
            if matrix is not None:
                members = keep
                for part in filter(None, panel_title.split(", ")):
                    name, level = part.split(" = ", 1)
                    members = members[_levels(members[name]) == level]
                group_of = dict(zip(members["participant"].astype(str).tolist(),
                                    members["group"].astype(str).tolist()))
                x = np.arange(len(waves), dtype=float)
                drawn, sampled_here = _trajectories_drawn(group_of, groups, matrix.index.tolist())
                sampled = sampled or sampled_here
                values = matrix.loc[drawn].to_numpy(float)      # one row per drawn participant
                for participant, row in zip(drawn, values):
                    g = groups.index(group_of[participant])
                    shift = 0.16 * (g - (len(groups) - 1) / 2)     # as the means (dodged)
                    axes.plot(x + shift, row, color=PALETTE[g % len(PALETTE)], alpha=0.22, linewidth=0.7,
                              gid="trajectory", zorder=2)
            _draw_means(axes, block, outcome, groups, waves, label_n=len(panels) == 1,
                        names=text.groups if text else None)
            axes.set_xlabel("wave")
            if panel_title:
                axes.text(0.02, 0.98, panel_title, transform=axes.transAxes, ha="left", va="top",
                          fontsize=8, color="#333333")
        axes = grid.flat[0]
        axes.set_ylabel(axis_label(outcome, instruments, width=40, **(text.axes if text else {})))
        axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(groups), borderaxespad=0.2,
                    handlelength=1.6)
        effect = _interaction_row(anova, outcome) if anova is not None else None
        heading = _wrap(title or outcome, 56)
        if effect is not None:
            heading += f"\n{_effect_name(effect)}: " + _effect_text(effect)
        axes.set_title(heading, loc="left", pad=24, fontsize=9)
        caption = "Means with 95% CI" + ("" if matrix is None else "; faint lines: " + (
            f"{TRAJECTORIES_PER_GROUP} randomly chosen participants per group" if sampled
            else "individual participants")) + ". " + instruments_note([outcome], instruments)
        grid.flat[0].text(0.0, -0.16, _wrap(caption.strip(), int(19 * figure.get_figwidth())),
                          transform=grid.flat[0].transAxes, ha="left", va="top", fontsize=6.5,
                          color="#555555")
    return figure


#: Trajectories drawn per group; above it a fixed random sample (thousands of lines are a blot).
TRAJECTORIES_PER_GROUP = 150


def _trajectories_drawn(group_of: dict, groups: list, available) -> tuple[list, bool]:
    """The participants whose trajectories are drawn, in participant order, and whether they are
    a sample: all, or per group a seeded random :data:`TRAJECTORIES_PER_GROUP` (the same on every
    rebuild)."""
    available = set(available)
    drawn, sampled = [], False
    rng = np.random.default_rng(20261123)
    for group in groups:
        members = sorted(p for p, g in group_of.items() if g == group and p in available)
        if len(members) > TRAJECTORIES_PER_GROUP:
            members = sorted(rng.choice(members, TRAJECTORIES_PER_GROUP, replace=False).tolist())
            sampled = True
        drawn += members
    return sorted(drawn), sampled


def _cells_by_series(cells, groups: list, factors: dict | None):
    """With further factors, every cell (group and factor levels) as a line of its own: cells
    relabelled ``imp, f`` and the list of those labels (the single arm's ``all`` left out)."""
    from itertools import product

    from .design import SINGLE_ARM

    factors = {name: levels for name, levels in (factors or {}).items() if name in cells.columns}
    if not factors:
        return cells, groups

    def label(parts):
        return ", ".join(str(part) for part in parts if part != SINGLE_ARM)

    relabelled = cells.assign(group=[label([g, *values]) for g, *values in
                                     zip(cells["group"].astype(str), *[_levels(cells[n]) for n in factors])])
    series = [label([g, *combo]) for g in groups for combo in product(*factors.values())]
    return relabelled, series


def _panel_title(axes, outcome: str, instruments: dict | None, labels: dict, test: str = "") -> None:
    """A panel's title: the outcome's label in bold, and under it the test the panel reports."""
    from .tables import variable_label

    axes.set_title(_wrap(variable_label(outcome, instruments, labels), 34), fontsize=8, loc="left",
                   fontweight="bold", pad=14 if test else 6)
    if test:
        axes.text(0.0, 1.01, test, transform=axes.transAxes, fontsize=7, ha="left", va="bottom")


def _outcome_grid(count: int, columns: int):
    """A figure with one axes per outcome, ``columns`` to a row (the unused cells hidden)."""
    ncols = max(1, min(columns, count))
    nrows = int(np.ceil(count / ncols))
    figure, grid = plt.subplots(nrows, ncols, figsize=(2.6 * ncols + 0.4, 3.0 * nrows + 0.6),
                                squeeze=False)
    for axes in grid.flat[count:]:
        axes.set_visible(False)
    return figure, grid


def anova_panel(outcomes, cells, anova=None, groups=None, waves=None,
                instruments: dict | None = None, title: str = "", columns: int = 4,
                factors: dict | None = None, text: "StudyText | None" = None):
    """One panel per outcome: group means with 95% CI across waves and the study's primary
    test; with further between ``factors`` one line per cell (group and factor levels).

    Returns
    -------
    matplotlib.figure.Figure
        One visible axes per outcome (unused grid cells hidden); one ``Line2D`` per group with
        ``gid="means"`` in each.
    """
    outcomes = list(outcomes)
    groups = [str(g) for g in (groups or dict.fromkeys(cells["group"].astype(str)))]
    waves = [str(w) for w in (waves or dict.fromkeys(cells["wave"].astype(str)))]
    cells, groups = _cells_by_series(cells, groups, factors)
    names = dict(text.groups) if text else {}
    for group in groups:        # the legend says how many each line averages: n = 21 or 21–22
        counts = sorted(set(int(n) for n in cells.loc[(cells["group"].astype(str) == group)
                                                      & cells["outcome"].isin(outcomes), "n"].dropna()))
        if counts:
            span = str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
            names[group] = f"{names.get(group, group)} (n = {span})"
    labelled = (text.labels if text else {})
    with styled():
        figure, grid = _outcome_grid(len(outcomes), columns)
        for axes, outcome in zip(grid.flat, outcomes):
            _draw_means(axes, cells, outcome, groups, waves, label_n=False, names=names)
            axes.set_ylabel(axis_label(outcome, instruments, width=30, **(text.axes if text else {})),
                            fontsize=7)
            axes.tick_params(labelsize=7)
            effect = _interaction_row(anova, outcome) if anova is not None else None
            _panel_title(axes, outcome, instruments, labelled,
                         _effect_text(effect) if effect is not None else "")
        handles, labels = grid.flat[0].get_legend_handles_labels()
        width = figure.get_figwidth()
        # about 0.075 in per character at 8 pt, plus the marker: beside the title when it fits
        # there, else under the panels in as many columns as fit
        needed = sum(0.5 + 0.075 * len(label) for label in labels)
        if needed <= width / 2:
            figure.legend(handles, labels, loc="upper right", bbox_to_anchor=(1.0, 1.0),
                          ncol=len(groups), fontsize=8)
            rect = (0, 0, 1, 1)
        else:
            per_row = max(1, int(width // (0.5 + 0.075 * max(len(label) for label in labels))))
            rows = int(np.ceil(len(labels) / per_row))
            figure.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0),
                          ncol=per_row, fontsize=8)
            rect = (0, 0.3 * rows / figure.get_figheight(), 1, 1)
        figure.suptitle(title or "Group means with 95% CI", x=0.01, y=1.0, ha="left", fontsize=10)
        note = instruments_note(outcomes, instruments)
        if note:
            bottom = rect[1] + 0.32 / figure.get_figheight()
            figure.text(0.01, rect[1] + 0.05 / figure.get_figheight(),
                        _wrap(note, int(17 * figure.get_figwidth())), ha="left", va="bottom",
                        fontsize=6.5, color="#555555")
            rect = (rect[0], bottom, rect[2], rect[3])
        figure.tight_layout(h_pad=1.6, w_pad=1.0, rect=rect)
    return figure


def reliability_forest_for_study(frame, study: dict, root=None):
    """The reliability forest plot of one study, labelled from its instrument definitions."""
    from .tables import study_instruments_by_id

    return reliability_forest(frame, study_instruments_by_id(study, root),
                              title=f"{study.get('title', '')}\nInternal consistency by scale and wave")


@dataclass
class StudyText:
    """How a study's figures name things: its groups (``group_labels``), and on axes each
    variable's label and a measure's unit."""

    groups: dict
    labels: dict
    units: dict

    @property
    def axes(self) -> dict:
        return {"labels": self.labels, "units": self.units}

    @classmethod
    def of(cls, study: dict, root=None) -> "StudyText":
        from .tables import group_labels, study_labels

        return cls(groups=group_labels(study),
                   labels=study_labels(study, root),
                   units={m["name"]: m["unit"] for m in study.get("measures") or [] if m.get("unit")})


def _main_population(study: dict, *frames):
    """The rows of the first population the ANOVA lists, the one figures show."""
    from .design import main_population

    return [None if frame is None else main_population(frame, study) for frame in frames]


def anova_interaction_for_study(outcome: str, anova, cells, ledger, scores_wide, study: dict, root=None):
    """The interaction figure of one configured ANOVA outcome (the first population listed)."""
    from .design import analysed_groups, further_factors
    from .tables import study_instruments_by_id, variable_label

    instruments = study_instruments_by_id(study, root)
    anova, cells, ledger = _main_population(study, anova, cells, ledger)
    text = StudyText.of(study, root)
    return anova_interaction(outcome, cells, scores_wide, ledger, anova, analysed_groups(study),
                             study["waves"], instruments,
                             title=variable_label(outcome, instruments, text.labels),
                             factors=further_factors(study), text=text)


def anova_panel_for_study(anova, cells, study: dict, root=None):
    """The panel figure of every configured ANOVA outcome, in config order."""
    from .design import analysed_groups, further_factors, primary_effect
    from .tables import study_instruments_by_id

    outcomes = list(study["analyses"]["anova"]["outcomes"])
    primary = primary_effect(study)
    what = ("Means with 95% CI; change over time" if primary == "time"
            else f"{'Cell' if study.get('factors') else 'Group'} means with 95% CI; "
                 f"{primary.replace(':', ' × ')} {'interaction' if ':' in primary else 'effect'}")
    anova, cells = _main_population(study, anova, cells)
    return anova_panel(outcomes, cells, anova, analysed_groups(study), study["waves"],
                       study_instruments_by_id(study, root), title=f"{study.get('title', '')}\n{what}",
                       factors=further_factors(study), text=StudyText.of(study, root))


def ancova_means(means, ancova, outcomes, groups, instruments: dict | None = None, title: str = "",
                 columns: int = 4, text: "StudyText | None" = None):
    """One panel per outcome: each group's mean at the compared wave with its 95% CI, unadjusted
    (hollow) beside adjusted for baseline (filled, as emmeans), and the ANCOVA's group test.

    Parameters
    ----------
    means : DataFrame
        ``ancova/adjusted_means.csv`` of one population (group, n, mean, sd, adjusted_mean,
        ci_low, ci_high).
    ancova : DataFrame
        ``ancova/ancova.csv`` of the same population: the ``group`` row is written over each panel.

    Returns
    -------
    matplotlib.figure.Figure
        One visible axes per outcome; per group two error bars, ``gid="unadjusted"`` and
        ``gid="adjusted"``.
    """
    # t.ppf of scipy.stats is this function; scipy.stats itself would take half a second to import
    from scipy.special import stdtrit

    from .tables import _missing, fmt_number, fmt_p, fmt_unit

    outcomes = list(outcomes)
    with styled():
        figure, grid = _outcome_grid(len(outcomes), columns)
        for axes, outcome in zip(grid.flat, outcomes):
            block = means[means["outcome"] == outcome].set_index("group")
            block.index = block.index.astype(str)
            effect = ancova[(ancova["outcome"] == outcome) & (ancova["term"] == "group")]
            for g, group in enumerate(groups):
                if group not in block.index:
                    continue
                row = block.loc[group]
                n, sd = float(row["n"]), float(row["sd"])
                half = stdtrit(n - 1, 0.975) * sd / np.sqrt(n) if n > 1 else np.nan
                colour = PALETTE[g % len(PALETTE)]
                bar = axes.errorbar(g - 0.12, row["mean"], yerr=half, color=colour, marker="o",
                                    markerfacecolor="white", markersize=5, capsize=3, linewidth=0,
                                    elinewidth=1.2)
                bar.lines[0].set_gid("unadjusted")
                if not _missing(row["adjusted_mean"]):
                    bar = axes.errorbar(g + 0.12, row["adjusted_mean"],
                                        yerr=[[row["adjusted_mean"] - row["ci_low"]],
                                              [row["ci_high"] - row["adjusted_mean"]]],
                                        color=colour, marker="o", markersize=6, capsize=3,
                                        linewidth=0, elinewidth=1.6)
                    bar.lines[0].set_gid("adjusted")
            axes.set_xticks(range(len(groups)), [(text.groups if text else {}).get(g, g) for g in groups],
                            fontsize=7)
            axes.set_xlim(-0.6, len(groups) - 0.4)
            axes.set_ylabel(axis_label(outcome, instruments, width=30, **(text.axes if text else {})),
                            fontsize=7)
            axes.tick_params(labelsize=7)
            heading = ""
            if not effect.empty:
                e = effect.iloc[0]
                if _missing(e["F"]):
                    heading = "$F$ not defined (see ancova/ancova.csv)"
                else:
                    p = fmt_p(e["p"])
                    heading = (f"$F$({int(e['df1'])}, {int(e['df2'])}) = {fmt_number(e['F'])}, "
                            f"$p$ {p if p.startswith('<') else '= ' + p}{_adjusted_text(e)}, "
                            f"$\\eta_p^2$ = {fmt_unit(e['pes'])}")
            _panel_title(axes, outcome, instruments, text.labels if text else {}, heading)
        from matplotlib.lines import Line2D

        proxies = [Line2D([], [], color="#555555", marker="o", markerfacecolor="white", linewidth=0),
                   Line2D([], [], color="#555555", marker="o", linewidth=0)]
        grid.flat[0].legend(proxies, ["unadjusted", "adjusted for baseline"], loc="best", fontsize=6.5,
                            handletextpad=0.3, borderaxespad=0.3)
        figure.suptitle(title or "Means with 95% CI", x=0.01, y=1.0, ha="left", fontsize=10)
        note = instruments_note(outcomes, instruments)
        rect = (0, 0, 1, 1)
        if note:
            figure.text(0.01, 0.05 / figure.get_figheight(), _wrap(note, int(17 * figure.get_figwidth())),
                        ha="left", va="bottom", fontsize=6.5, color="#555555")
            rect = (0, 0.32 / figure.get_figheight(), 1, 1)
        figure.tight_layout(h_pad=1.6, w_pad=1.0, rect=rect)
    return figure


def ancova_means_for_study(means, ancova, study: dict, root=None):
    """The ANCOVA figure of one study (the first population its ANCOVA lists)."""
    from .design import ancova_settings, main_population
    from .tables import study_instruments_by_id

    settings = ancova_settings(study)
    means = main_population(means, study, "ancova")
    ancova = main_population(ancova, study, "ancova")
    title = (f"{study.get('title', '')}\nMeans at {settings['outcome_wave']} with 95% CI, unadjusted "
             f"and adjusted for {settings['baseline']}")
    return ancova_means(means, ancova, settings["outcomes"], [str(g) for g in study["groups"]],
                        study_instruments_by_id(study, root), title=title, text=StudyText.of(study, root))


#: Colours of the reliable-change categories (Okabe-Ito): better, no reliable change, worse.
CHANGE_COLOURS = {"improved": "#009E73", "unchanged": "#BBBBBB", "deteriorated": "#D55E00"}


def reliable_change_bars(summary, outcomes, groups, labels: dict | None = None, group_names: dict | None = None,
                         title: str = ""):
    """Per outcome and group a bar of 100%: the shares improved, unchanged and deteriorated
    (Jacobson & Truax), n and the improved count printed beside it.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; one bar segment per outcome, group and category with ``gid`` the category.
    """
    rows = [(outcome, group) for outcome in outcomes for group in groups
            if not summary[(summary["outcome"] == outcome) & (summary["group"].astype(str) == group)].empty]
    with styled():
        figure, axes = plt.subplots(figsize=(7.2, 0.9 + 0.36 * len(rows) + 0.25 * len(outcomes)))
        y, names, position = [], [], 0.0
        for index, (outcome, group) in enumerate(rows):
            if index and rows[index - 1][0] != outcome:
                position += 0.6                       # a gap between outcomes
            y.append(position)
            position += 1
        for (outcome, group), at in zip(rows, y):
            row = summary[(summary["outcome"] == outcome) & (summary["group"].astype(str) == group)].iloc[0]
            left = 0.0
            n = float(row["n"]) if row["n"] == row["n"] else 0.0
            for category, colour in CHANGE_COLOURS.items():
                share = 100 * float(row[category]) / n if n and row[category] == row[category] else 0.0
                bar = axes.barh(at, share, left=left, color=colour, height=0.8, edgecolor="white", linewidth=0.6)
                bar.patches[0].set_gid(category)
                left += share
            label = (labels or {}).get(outcome, outcome)
            group_text = (group_names or {}).get(group, group)
            names.append(_wrap(f"{label}: {group_text}" if len(groups) > 1 else label, 46))
            text = (f"n = {int(n)}" if n else "not computed") if row["improved"] == row["improved"] or not n \
                else "not computed"
            axes.text(101, at, text, va="center", ha="left", fontsize=7, color="#333333")
        axes.set_yticks(y, names, fontsize=7)
        axes.invert_yaxis()
        axes.set_xlim(0, 112)
        axes.set_xticks(range(0, 101, 20))
        axes.set_xlabel("participants (%)")
        axes.grid(False)
        axes.spines[["left"]].set_visible(False)
        axes.tick_params(axis="y", length=0)
        from matplotlib.patches import Patch

        words = {"improved": "improved", "unchanged": "no reliable change", "deteriorated": "deteriorated"}
        axes.legend([Patch(color=c) for c in CHANGE_COLOURS.values()], [words[k] for k in CHANGE_COLOURS],
                    loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, fontsize=7, frameon=False)
        axes.set_title(title, loc="left", pad=22, fontsize=9)
        figure.text(0.01, 0.005, "|RCI| > 1.96 (Jacobson & Truax 1991); improved in the direction each "
                    "scale declares as better (increased when it declares none).", fontsize=6.5,
                    color="#555555", ha="left", va="bottom")
        figure.tight_layout(rect=(0, 0.03, 1, 1))
    return figure


def reliable_change_for_study(summary, study: dict, root=None):
    """The reliable-change figure of one study, outcomes and groups by their labels."""
    from .design import analysed_groups
    from .tables import group_labels, study_labels

    groups = analysed_groups(study)
    outcomes = list(study["analyses"]["reliable_change"]["outcomes"])
    waves = study["waves"]
    return reliable_change_bars(summary, outcomes, groups, study_labels(study, root), group_labels(study),
                                title=f"{study.get('title', '')}\nReliable change from {waves[0]} to {waves[-1]}")


def _span(values) -> str:
    values = sorted(set(int(v) for v in values))
    if not values:
        return "0"
    return str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}"


def flow_diagram(flow, groups: list[str], waves: list[str], group_names: dict | None = None, title: str = ""):
    """A CONSORT-style diagram of ``flow/flow.csv``: assessed and excluded, then one column per
    group (allocated, or enrolled without allocation), who responded and who was lost at each
    later wave, and who was analysed (the range over the ANOVA's outcomes, first population).

    Returns
    -------
    matplotlib.figure.Figure
        One axes without spines; each box a text with ``gid`` its stage.
    """
    from matplotlib.patches import FancyArrowPatch

    def n_of(stage, **where):
        rows = flow[flow["stage"] == stage]
        for key, value in where.items():
            rows = rows[rows[key].fillna("").astype(str) == str(value)]
        return rows

    later = waves[1:]
    analysed = n_of("analysed")
    if len(analysed):
        analysed = analysed[analysed["population"] == analysed["population"].iloc[0]]
    levels = 3 + len(later) + (1 if len(analysed) else 0)
    columns = max(1, len(groups))
    with styled():
        width = max(7.0, 3.3 * columns + 1.0)
        figure, axes = plt.subplots(figsize=(width, 1.35 * levels + 0.6))
        axes.set_xlim(0, width)
        axes.set_ylim(0, levels)
        axes.axis("off")
        box = dict(boxstyle="square,pad=0.5", facecolor="white", edgecolor="#333333", linewidth=0.9)

        def draw(x, y, text, gid, side=False):
            item = axes.text(x, y, text, ha="center" if not side else "left", va="center", fontsize=7.5,
                             bbox=dict(box, facecolor="#f5f5f5" if side else "white"), gid=gid, wrap=True)
            return item

        def arrow(x0, y0, x1, y1):
            axes.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=8,
                                           color="#333333", linewidth=0.8))

        top = levels - 0.5
        centre = width / 2
        assessed = int(n_of("assessed")["n"].sum())
        draw(centre, top, f"Participants in the exports (n = {assessed})", "assessed")
        excluded = n_of("excluded")
        uncoded = n_of("records without a code")
        if len(excluded) or len(uncoded):
            lines = [f"Excluded (n = {int(excluded['n'].sum())})"]
            lines += [f"  {row.reason} (n = {int(row.n)})" for row in excluded.itertuples()]
            lines += [f"  {row.reason}: {int(row.n)}" for row in uncoded.itertuples()]
            draw(centre + 0.6, top - 0.5, "\n".join(_wrap(line, 48) for line in lines), "excluded", side=True)
        xs = [width * (index + 0.5) / columns for index in range(columns)]
        allocation = "allocated" if (flow["stage"] == "allocated").any() else "enrolled"
        level = top - 1.2
        for x, group in zip(xs, groups):
            n = int(n_of(allocation, group=group)["n"].sum())
            name = (group_names or {}).get(group, group)
            text = f"Allocated to {name}\n(n = {n})" if allocation == "allocated" else f"Enrolled (n = {n})"
            arrow(centre, top - 0.25, x, level + 0.3)
            draw(x, level, text, allocation)
        not_allocated = n_of("not allocated")
        if len(not_allocated):
            axes.text(width - 0.1, level + 0.45, f"not allocated: {int(not_allocated['n'].sum())}", ha="right",
                      fontsize=6.5, color="#555555")
        for wave in later:
            previous, level = level, level - 1.1
            for x, group in zip(xs, groups):
                responded = int(n_of("responded", group=group, wave=wave)["n"].sum())
                lost_rows = n_of("lost", group=group, wave=wave)
                lost = int(lost_rows["n"].sum())
                careless = int(lost_rows.loc[lost_rows["reason"].astype(str).str.contains("careless"), "n"].sum())
                arrow(x, previous - 0.3, x, level + 0.3)
                lost_text = (f"Lost (n = {lost}): no {wave} response" if not careless else
                             f"Lost (n = {lost}): no {wave} response,\n{careless} excluded as careless")
                draw(x, level, f"Responded at {wave} (n = {responded})\n{lost_text}", "followed up")
        if len(analysed):
            previous, level = level, level - 1.1
            for x, group in zip(xs, groups):
                mine = analysed[analysed["group"].astype(str) == group]
                out = n_of("excluded from analysis", group=group)
                out = out[out["population"] == analysed["population"].iloc[0]]
                reasons = out.groupby("reason")["n"].agg(list)
                lines = [f"Analysed (n = {_span(mine['n'])} per outcome)"]
                lines += [f"  excluded: {reason} (n = {_span(ns)})" for reason, ns in reasons.items()]
                arrow(x, previous - 0.3, x, level + 0.3)
                draw(x, level, "\n".join(_wrap(line, 40) for line in lines), "analysed")
        axes.set_title(title, loc="left", fontsize=9)
    return figure


def flow_for_study(flow, study: dict):
    """The flow diagram of one study, groups by their labels."""
    from .tables import group_labels

    allocated = study.get("design", "mixed") in ("mixed", "between") and bool(study.get("groups"))
    groups = [str(g) for g in study["groups"]] if allocated else ["all"]
    return flow_diagram(flow, groups, [str(w) for w in study["waves"]], group_labels(study),
                        title=f"{study.get('title', '')}\nParticipant flow")
