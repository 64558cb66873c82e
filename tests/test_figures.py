"""Tests of the figures: ``wellbeing.figures``.

Each figure function is drawn on a small frame and checked for what it must show (axes, one
line per participant or per group, one marker per estimate, the threshold, the axis label with
the scale's range), and saving it twice must give identical bytes, PNG and PDF.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wellbeing import anova as anova_module
from wellbeing import figures
from wellbeing.instruments import load_instrument


def reliability_frame() -> pd.DataFrame:
    rows = [("demo", "one", "pre", 0.81, 0.70, 0.89, False), ("demo", "one", "post", 0.66, 0.45, 0.80, True),
            ("demo", "two", "pre", 0.75, 0.60, 0.85, False), ("demo", "two", "post", 0.72, 0.55, 0.83, False),
            ("solo", "total", "pre", 0.90, 0.80, 0.96, False), ("solo", "total", "post", 0.88, 0.79, 0.95, False)]
    frame = pd.DataFrame(rows, columns=["instrument", "scale", "wave", "alpha", "alpha_ci_low",
                                        "alpha_ci_high", "below_threshold"])
    frame["threshold"] = 0.7
    return frame


def lines(figure, gid):
    return [line for axes in figure.axes for line in axes.get_lines() if line.get_gid() == gid]


def test_reliability_forest_content():
    figure = figures.reliability_forest(reliability_frame(), title="demo")
    assert len(figure.axes) == 1
    axes = figure.axes[0]
    estimates = lines(figure, "estimates")
    assert len(estimates) == 2                                    # one per wave
    assert [len(line.get_xdata()) for line in estimates] == [3, 3]   # one point per scale
    assert {line.get_marker() for line in estimates} == {"o", "s"}   # waves: marker and colour
    assert len({line.get_color() for line in estimates}) == 2
    assert len(lines(figure, "interval")) == 6
    below = lines(figure, "below")
    assert len(below) == 1 and list(below[0].get_xdata()) == [0.66]   # open marker under .70
    assert below[0].get_markerfacecolor() == "white"
    dashed = [line for line in axes.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_xdata()) == [0.7, 0.7]
    labels = [tick.get_text() for tick in axes.get_yticklabels()]
    assert labels == ["demo", "one", "two", "solo"]             # heading, scales, one-scale instrument
    assert axes.get_yticklabels()[0].get_fontweight() == "bold"
    assert not lines(figure, "clipped")
    figures.plt.close(figure)


def test_reliability_forest_clips_intervals_below_zero_with_an_arrow():
    frame = reliability_frame()
    frame.loc[1, ["alpha", "alpha_ci_low"]] = [0.3, -1.2]
    figure = figures.reliability_forest(frame)
    assert len(lines(figure, "clipped")) == 1
    left = figure.axes[0].get_xlim()[0]
    assert -0.1 < left < 0                                        # axis from 0 (a margin for the arrow)
    figures.plt.close(figure)


def anova_inputs():
    rng = np.random.default_rng(5)
    rows = []
    for i in range(9):
        group = "control" if i < 5 else "trained"
        base = rng.normal(20, 4)
        for w, wave in enumerate(["pre", "post"]):
            if i == 8 and wave == "post":
                continue                                          # no post wave: excluded
            rows.append({"participant": f"P{i}", "wave": wave, "group": group,
                         "pss10.total": base - 3 * w * (group == "trained") + rng.normal(0, 1),
                         "minutes": rng.normal(30, 5)})
    scores = pd.DataFrame(rows)
    study = {"groups": ["control", "trained"], "waves": ["pre", "post"],
             "analyses": {"anova": {"outcomes": ["pss10.total", "minutes"], "p_adjust": "none"}}}
    result = anova_module.for_study(scores, study)
    return scores, study, result


def test_anova_interaction_content():
    scores, study, result = anova_inputs()
    instruments = {"pss10": load_instrument("pss10")}
    figure = figures.anova_interaction("pss10.total", result.cells, scores, result.ledger, result.anova,
                                       study["groups"], study["waves"], instruments)
    assert len(figure.axes) == 1
    axes = figure.axes[0]
    assert len(lines(figure, "trajectory")) == 8               # P8 has no post wave: not drawn
    means = lines(figure, "means")
    assert len(means) == 2 and all(len(line.get_xdata()) == 2 for line in means)
    # a short axis label (the score's range); the instrument is named once, in the caption
    assert axes.get_ylabel() == "Score (0–40)"
    captions = [t.get_text().replace("\n", " ") for t in axes.texts]
    assert sum("Perceived Stress Scale (10 items)" in text for text in captions) == 1
    assert [t.get_text() for t in axes.get_xticklabels()] == ["pre", "post"]
    assert "group × time" in axes.get_title(loc="left")
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert legend == ["control (n = 5)", "trained (n = 3)"]
    figures.plt.close(figure)


def test_anova_interaction_of_a_measure_is_labelled_by_its_name():
    scores, study, result = anova_inputs()
    figure = figures.anova_interaction("minutes", result.cells, scores, result.ledger, result.anova,
                                       study["groups"], study["waves"], {})
    assert figure.axes[0].get_ylabel() == "minutes"
    figures.plt.close(figure)


def test_anova_panel_content():
    scores, study, result = anova_inputs()
    figure = figures.anova_panel(["pss10.total", "minutes", "pss10.total"], result.cells, result.anova,
                                 study["groups"], study["waves"], {"pss10": load_instrument("pss10")},
                                 columns=2)
    visible = [axes for axes in figure.axes if axes.get_visible()]
    assert len(figure.axes) == 4 and len(visible) == 3         # 2 x 2 grid, one cell hidden
    for axes in visible:
        assert len([line for line in axes.get_lines() if line.get_gid() == "means"]) == 2
        # a title per panel (the outcome), the test under it
        assert sum("$F$(1, " in text.get_text() for text in axes.texts) == 1
    assert [axes.get_title(loc="left") for axes in visible] == ["Perceived stress", "minutes", "Perceived stress"]
    assert visible[0].get_ylabel() == "Score (0–40)"
    # the instrument named once for the whole figure, not on every axis
    notes = [t.get_text().replace("\n", " ") for t in figure.texts]
    assert sum(text.count("Perceived Stress Scale (10 items)") for text in notes) == 1
    assert len(figure.legends) == 1
    # n per group in the legend: control 5 analysed, trained 3 (P8 has no post wave)
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["control (n = 5)", "trained (n = 3)"]
    # the groups' markers are dodged: at each wave the two means stand apart
    xs = [line.get_xdata() for line in lines(figure, "means")[:2]]
    assert abs(xs[1][0] - xs[0][0]) >= 0.15
    figures.plt.close(figure)


def _draw(kind):
    if kind == "forest":
        return figures.reliability_forest(reliability_frame(), title="demo")
    scores, study, result = anova_inputs()
    if kind == "interaction":
        return figures.anova_interaction("pss10.total", result.cells, scores, result.ledger, result.anova,
                                         study["groups"], study["waves"])
    return figures.anova_panel(["pss10.total", "minutes"], result.cells, result.anova)


@pytest.mark.parametrize("kind", ["forest", "interaction", "panel"])
def test_saving_twice_gives_identical_bytes(tmp_path, kind):
    contents = []
    for run in ("a", "b"):
        png, pdf = tmp_path / f"{run}.png", tmp_path / f"{run}.pdf"
        figures.save(_draw(kind), png, pdf)
        contents.append((png.read_bytes(), pdf.read_bytes()))
    assert contents[0][0] == contents[1][0]
    assert contents[0][1] == contents[1][1]
    assert contents[0][0].startswith(b"\x89PNG") and contents[0][1].startswith(b"%PDF")
    assert b"CreationDate" not in contents[0][1]


def test_trajectories_are_sampled_for_large_groups():
    rng = np.random.default_rng(9)
    rows = [{"participant": f"P{i:04d}", "wave": wave, "group": "control" if i < 400 else "trained",
             "pss10.total": rng.normal(20, 4)} for i in range(700) for wave in ("pre", "post")]
    scores = pd.DataFrame(rows)
    study = {"groups": ["control", "trained"], "waves": ["pre", "post"],
             "analyses": {"anova": {"outcomes": ["pss10.total"], "p_adjust": "none"}}}
    result = anova_module.for_study(scores, study)

    def drawn():
        figure = figures.anova_interaction("pss10.total", result.cells, scores, result.ledger,
                                           result.anova, study["groups"], study["waves"])
        trajectories = lines(figure, "trajectory")
        texts = [t.get_text() for t in figure.axes[0].texts]
        ydata = [tuple(line.get_ydata()) for line in trajectories]
        figures.plt.close(figure)
        return trajectories, texts, ydata

    trajectories, texts, first = drawn()
    # 400 control and 300 trained participants: 150 of each are drawn.
    assert len(trajectories) == 2 * figures.TRAJECTORIES_PER_GROUP
    colours = [line.get_color() for line in trajectories]
    assert colours.count(figures.PALETTE[0]) == colours.count(figures.PALETTE[1]) == 150
    assert any("150 randomly chosen participants per group" in text for text in texts)
    assert drawn()[2] == first                                   # the same sample every time
    # the means are still those of every participant
    assert result.cells.set_index(["group", "wave"]).loc[("control", "pre"), "n"] == 400


def test_scatter_matrix_uses_hexagonal_bins_for_many_participants():
    from matplotlib.collections import PathCollection, PolyCollection

    rng = np.random.default_rng(3)
    for n, expected in ((figures.SCATTER_POINTS_MAX, PathCollection),
                        (figures.SCATTER_POINTS_MAX + 1, PolyCollection)):
        frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
        figure = figures.scatter_matrix(frame, ["a", "b", "c"], "demo")
        panel = figure.axes[3]                                   # row b, column a
        assert [type(c) for c in panel.collections] == [expected]
        note = [t.get_text() for t in figure.texts if "hexagonal" in t.get_text()]
        assert bool(note) == (expected is PolyCollection)
        figures.plt.close(figure)


def correlation_outputs():
    """A set of three variables where ffmq39.total contains ffmq39.nonreact (7 shared items)."""
    long = pd.DataFrame({"var1": ["ffmq39.total", "ffmq39.total", "ffmq39.nonreact"],
                         "var2": ["ffmq39.nonreact", "pss10.total", "pss10.total"],
                         "r": [0.81, -0.45, -0.30], "p_adjusted": [0.0001, 0.004, 0.06],
                         "shared_items": [7, 0, 0], "p_adjust": "holm"})
    variables = ["ffmq39.total", "ffmq39.nonreact", "pss10.total"]
    r = np.eye(3)
    r[0, 1] = r[1, 0] = 0.81
    r[0, 2] = r[2, 0] = -0.45
    r[1, 2] = r[2, 1] = -0.30
    matrix = pd.DataFrame(r, columns=variables).assign(variable=variables)[["variable", *variables]]
    return long, matrix, variables


def test_heatmap_shows_one_triangle_and_marks_the_part_whole_pair():
    long, matrix, variables = correlation_outputs()
    figure = figures.correlation_heatmap(matrix, long, "demo", note="n")
    axes = figure.axes[0]
    # rows: every variable but the first; columns: every one but the last; each pair once
    assert [t.get_text() for t in axes.get_yticklabels()] == variables[1:]
    assert [t.get_text() for t in axes.get_xticklabels()] == variables[:-1]
    cells = sorted(t.get_text() for t in axes.texts)
    assert cells == ["-.30", "-.45**", ".81†"]        # the part-whole r is marked, not starred
    figures.plt.close(figure)


def test_scatter_matrix_prints_r_above_the_diagonal():
    long, _, variables = correlation_outputs()
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.normal(size=(30, 3)), columns=variables)
    figure = figures.scatter_matrix(frame, variables, "demo", long=long)
    upper = {(i, j): figure.axes[3 * i + j] for i in range(3) for j in range(3) if j > i}
    assert [t.get_text() for t in upper[(0, 1)].texts] == ["r = .81†"]
    assert [t.get_text() for t in upper[(0, 2)].texts] == ["r = -.45**"]
    assert any("part-whole" in t.get_text() for t in figure.texts)
    figures.plt.close(figure)


def set_scores() -> pd.DataFrame:
    """Three waves; ``age`` recorded at pre only, ``minutes`` at pre and post; P4 has no mid
    row and P5 no pre row; a code such as 7 read as a number."""
    rng = np.random.default_rng(11)
    rows = []
    for i, participant in enumerate(["P1", "P2", "P3", "P4", "P5", 7]):
        for wave in ("pre", "mid", "post"):
            if (participant, wave) in (("P4", "mid"), ("P5", "pre")):
                continue
            rows.append({"participant": participant, "wave": wave, "group": "c" if i % 2 else "t",
                         "a.total": rng.normal(), "b.total": None if (i, wave) == (2, "post") else rng.normal(),
                         "age": 30.0 + i if wave == "pre" else None,
                         "minutes": None if wave == "mid" else float(rng.integers(0, 60))})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("entry", [
    {"variables": ["a.total", "b.total", "age", "minutes"]},                    # the first wave
    {"variables": ["age", "b.total"], "wave": "mid"},                           # age from pre
    {"variables": ["minutes", "a.total", "age"], "wave": "post"},
    {"variables": ["a.total", "b.total", "age", "minutes"], "change": True},
])
def test_scatter_matrix_values_are_those_correlated(entry):
    """The scatter matrix builds its frame without wellbeing.correlations (and its scipy): the
    same values, participants and order as correlations.analysis_frame."""
    from wellbeing.correlations import analysis_frame

    scores, study = set_scores(), {"waves": ["pre", "mid", "post"]}
    entry = {"name": "demo", **entry}
    expected = analysis_frame(scores, study, entry)[0][entry["variables"]]
    pd.testing.assert_frame_equal(figures._set_frame(scores, study, entry), expected)


def test_ancova_figure_settings_are_the_analysis_defaults():
    from wellbeing import design
    from wellbeing.ancova import settings_of

    for ancova in ({"outcomes": ["a.total"]}, {"outcomes": ["a.total"], "baseline": "mid", "outcome_wave": "post"}):
        study = {"waves": ["pre", "mid", "post"], "analyses": {"ancova": ancova}}
        drawn, analysed = design.ancova_settings(study), settings_of(study)
        assert {key: drawn[key] for key in ("outcomes", "baseline", "outcome_wave")} == \
            {key: analysed[key] for key in ("outcomes", "baseline", "outcome_wave")}


def test_ancova_means_unadjusted_interval_is_the_t_interval():
    from scipy import stats

    means = pd.DataFrame({"outcome": "a.total", "group": ["c", "t"], "n": [12, 30], "mean": [10.0, 12.0],
                          "sd": [2.0, 3.0], "adjusted_mean": [10.5, 11.5], "ci_low": [9.0, 10.0],
                          "ci_high": [12.0, 13.0]})
    ancova = pd.DataFrame({"outcome": ["a.total"], "term": ["group"], "F": [4.0], "df1": [1], "df2": [39],
                           "p": [0.05], "pes": [0.09]})
    figure = figures.ancova_means(means, ancova, ["a.total"], ["c", "t"])
    unadjusted = [line for line in lines(figure, "unadjusted")]
    assert len(unadjusted) == 2
    bars = [c for c in figure.axes[0].collections if len(c.get_segments()) == 1][::2]   # unadjusted bars
    for row, bar in zip(means.itertuples(), bars):
        low, high = bar.get_segments()[0][:, 1]
        half = stats.t.ppf(0.975, row.n - 1) * row.sd / np.sqrt(row.n)
        assert low == pytest.approx(row.mean - half, abs=1e-12) and high == pytest.approx(row.mean + half, abs=1e-12)
    figures.plt.close(figure)


def test_figure_inputs_read_only_the_columns_drawn(tmp_path):
    from wellbeing import io

    study = {"waves": ["pre", "post"], "factors": [{"column": "Sex", "name": "sex", "levels": ["f", "m"]}]}
    io.write_table(set_scores().assign(sex="f"), tmp_path / "scores_wide.csv")
    scores = figures.read_scores(tmp_path / "scores_wide.csv", study, ["b.total"])
    assert list(scores.columns) == ["participant", "wave", "group", "b.total", "sex"]
    assert scores["participant"].iloc[-1] == "7"                      # identifiers as text
    ledger = pd.DataFrame({"outcome": ["a.total", "b.total"], "population": "all", "participant": ["007", "007"],
                           "group": "c", "sex": "f", "status": "included", "reason": "", "n_waves_scored": 2})
    io.write_table(ledger, tmp_path / "ledger.csv")
    read = figures.read_ledger(tmp_path / "ledger.csv", study, "b.total")
    assert read.to_dict("list") == {"outcome": ["b.total"], "population": ["all"], "participant": ["007"],
                                    "group": ["c"], "sex": ["f"], "status": ["included"]}
