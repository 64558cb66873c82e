"""Tests of the APA tables (reliability, ANOVA, correlations, participants):
``wellbeing.tables.reliability_table`` and ``anova_table``.

Expected strings are worked out by hand from the small frames below, following APA 7th edition
(section 6.36, chapter 7): statistics in italics, no leading zero for values bounded by 1 (alpha,
omega, p, partial eta squared), ``< .001`` below .001, a title above and a note below.
"""

from __future__ import annotations

import pandas as pd
import pytest

from wellbeing import tables
from wellbeing.instruments import load_instrument


def reliability_frame() -> pd.DataFrame:
    rows = [
        # instrument, scale, wave, n, k, k used, alpha, CI, omega, below, negative, note
        ("demo", "one", "pre", 40, 4, 4, 0.8123, 0.7012, 0.8899, 0.8234, False, False, ""),
        ("demo", "one", "post", 38, 4, 4, 0.655, 0.449, 0.798, 0.6712, True, False, ""),
        ("demo", "two", "pre", 40, 2, 2, 0.7, 0.4, 0.85, None, False, False,
         "omega not defined for 2 items (a one-factor model needs at least 3)"),
        ("demo", "two", "post", 39, 2, 2, -0.1234, -0.98, 0.41, None, True, True,
         "omega not defined for 2 items (a one-factor model needs at least 3)"),
        ("solo", "total", "pre", 12, 20, 19, 0.9004, 0.8, 0.96, None, False, False,
         "omega not estimated: 12 respondents for 19 items (the correlation matrix is singular)"),
        ("solo", "total", "post", 11, 20, 20, 0.95, 0.9, 0.98, 0.951, False, False, ""),
    ]
    columns = ["instrument", "scale", "wave", "n", "n_items", "n_items_used", "alpha", "alpha_ci_low",
               "alpha_ci_high", "omega_total", "below_threshold", "negative_average_cov", "note"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["missing"] = "listwise"
    frame["threshold"] = 0.7
    return frame


def test_reliability_rows_by_hand():
    table = tables.reliability_table(reliability_frame())
    assert table.columns == ["Scale", "Wave", "*n*", "Items", "α [95% CI]", "ω"]
    assert table.rows == [
        ["demo", "", "", "", "", ""],                                   # instrument heading
        ["    one", "pre", "40", "4", ".81 [.70, .89]", ".82"],
        ["", "post", "38", "4", ".66 [.45, .80]ᵃ", ".67"],              # under .70: marked
        ["    two", "pre", "40", "2", ".70 [.40, .85]", "—"],           # exactly .70: not marked
        ["", "post", "39", "2", "-.12 [-.98, .41]ᵃᵇ", "—"],
        ["solo", "pre", "12", "19/20", ".90 [.80, .96]", "—"],          # one scale: one row
        ["", "post", "11", "20", ".95 [.90, .98]", ".95"],
    ]
    note = table.note
    assert "listwise deletion, as SPSS RELIABILITY" in note
    assert "ᵃ α below the study's threshold of .70" in note
    assert "ᵇ Negative average inter-item covariance" in note
    assert "Items *k*/*m*" in note
    assert ("ω not estimated (—) for two (pre, post): not defined for scales of two items "
            "(a one-factor model needs at least three).") in note
    assert ("ω not estimated (—) for solo (pre): no more respondents than items (the correlation "
            "matrix is singular).") in note


def test_reliability_single_wave_has_no_wave_column_and_no_marks_when_all_pass():
    frame = reliability_frame()
    frame = frame[(frame.wave == "pre") & (frame.scale == "one")]
    table = tables.reliability_table(frame)
    assert table.columns == ["Scale", "*n*", "Items", "α [95% CI]", "ω"]
    assert table.rows == [["demo", "40", "4", ".81 [.70, .89]", ".82"]]
    assert "ᵃ" not in table.note and "ᵇ" not in table.note and "not estimated" not in table.note
    assert table.title == "Internal consistency of the scales"


def test_reliability_labels_come_from_the_instrument_definitions():
    frame = reliability_frame()
    frame["instrument"] = frame["instrument"].map({"demo": "scs26", "solo": "pss10"})
    frame["scale"] = frame["scale"].map({"one": "self_kindness", "two": "isolation", "total": "total"})
    instruments = {"scs26": load_instrument("scs26"), "pss10": load_instrument("pss10")}
    table = tables.reliability_table(frame, instruments)
    labels = [row[0] for row in table.rows if row[0]]
    assert labels == ["Self-Compassion Scale (26 items)", "    Self-kindness", "    Isolation (unreversed)",
                      "Perceived Stress Scale (10 items)"]


def test_reliability_renders_in_every_format():
    table = tables.reliability_table(reliability_frame())
    markdown = tables.to_markdown(table)
    assert markdown.splitlines()[2] == "| Scale | Wave | *n* | Items | α [95% CI] | ω |"
    assert markdown.splitlines()[3] == "|:---|:---|---:|---:|---:|---:|"
    assert "|     one | pre | 40 | 4 | .81 [.70, .89] | .82 |" in markdown
    html = tables.to_html(table)
    assert '<th class="r"><i>n</i></th>' in html and ".66 [.45, .80]ᵃ" in html
    latex = tables.to_latex(table)
    assert r".66 [.45, .80]$^{a}$" in latex
    assert r"-.12 [-.98, .41]$^{a}$$^{b}$" in latex
    assert r"$\alpha$ [95\% CI] & $\omega$ \\" in latex


def anova_frames(waves=("pre", "post"), p_adjust="holm"):
    anova = pd.DataFrame([
        # outcome, effect, df1, df2, F, p, p_adjusted, pes, low, high, eps_gg, p_gg
        ("a.total", "group", 1, 44, 0.5, 0.48, 0.96, 0.011, 0.0, 0.1, None, None),
        ("a.total", "time", 1, 44, 3.1, 0.085, 0.17, 0.066, 0.0, 0.2, 1.0, 0.085),
        ("a.total", "group:time", 1, 44, 12.345, 0.0004, 0.0008, 0.2191, 0.0641, 0.3829, 1.0, 0.0004),
        ("b", "group", 1, 43, 0.2, 0.66, 0.96, 0.005, 0.0, 0.08, None, None),
        ("b", "time", 1, 43, 1.0, 0.32, 0.32, 0.023, 0.0, 0.15, 1.0, 0.32),
        ("b", "group:time", 1, 43, 0.9063, 0.3464, 0.3464, 0.0206, 0.0, 0.1357, 1.0, 0.3464),
    ], columns=["outcome", "effect", "df1", "df2", "F", "p", "p_adjusted", "pes", "pes_ci_low",
                "pes_ci_high", "eps_gg", "p_gg"])
    anova["p_adjust"] = p_adjust
    anova["ci_level"] = 0.9
    anova["n"] = anova["df2"] + 2
    anova["n_excluded"] = 48 - anova["n"]
    cells = []
    for outcome, n_t in (("a.total", 25), ("b", 24)):
        for group, n in (("control", 21), ("trained", n_t)):
            for w, wave in enumerate(waves):
                cells.append({"outcome": outcome, "group": group, "wave": wave, "n": n,
                              "mean": 10 + w + (group == "trained") * 0.125, "sd": 2.0 / (w + 1)})
    study = {"groups": ["control", "trained"], "waves": list(waves)}
    return anova, pd.DataFrame(cells), study


def test_anova_rows_by_hand():
    anova, cells, study = anova_frames()
    table = tables.anova_table(anova, cells, study)
    assert table.columns == ["Outcome", "*n*", "control pre", "control post", "trained pre", "trained post",
                             "*df*", "*F*", "*p*", "*p* (Holm)", "ηₚ² [90% CI]"]
    assert table.rows == [
        ["a.total", "46", "10.00 (2.00)", "11.00 (1.00)", "10.12 (2.00)", "11.12 (1.00)",
         "1, 44", "12.35", "< .001", "< .001", ".22 [.06, .38]"],
        ["b", "45", "10.00 (2.00)", "11.00 (1.00)", "10.12 (2.00)", "11.12 (1.00)",
         "1, 43", "0.91", ".346", ".346", ".02 [.00, .14]"],
    ]
    note = table.note
    assert note.startswith("Group columns are *M* (*SD*). *n* = participants with a score at every "
                           "wave: control 21, trained 24–25 per outcome; 2–3 excluded per outcome "
                           "(reasons in anova/ledger.csv).")
    assert "Type III sums of squares" in note
    assert "90% confidence interval" in note
    assert "*p* (Holm): Holm-adjusted across the 2 outcomes." in note


def test_anova_unadjusted_has_no_adjusted_column_and_uses_scale_labels():
    anova, cells, study = anova_frames(p_adjust="none")
    for frame in (anova, cells):
        frame["outcome"] = frame["outcome"].replace({"a.total": "pss10.total"})
    table = tables.anova_table(anova, cells, study, {"pss10": load_instrument("pss10")})
    assert "*p* (Holm)" not in table.columns and len(table.columns) == 10
    assert [row[0] for row in table.rows] == ["Perceived stress", "b"]
    assert "*p* unadjusted across the 2 outcomes." in table.note


def test_anova_three_waves_reports_greenhouse_geisser():
    anova, cells, study = anova_frames(waves=("t1", "t2", "t3"))
    anova["df1"] = anova["df1"] * 2
    anova["df2"] = anova["df2"] * 2
    anova.loc[anova.effect == "group:time", "eps_gg"] = 0.75
    anova.loc[anova.effect == "group:time", "p_gg"] = [0.0021, 0.33]
    table = tables.anova_table(anova, cells, study)
    assert table.columns[2:8] == ["control t1", "control t2", "control t3", "trained t1", "trained t2",
                                  "trained t3"]
    first = table.rows[0]
    assert first[8:11] == ["1.50, 66.00", "12.35", ".002"]       # df x .75, p_gg
    assert "Greenhouse-Geisser corrected" in table.note
    assert "(from the Greenhouse-Geisser-corrected *p*)" in table.note


def test_anova_markdown_and_latex(tmp_path):
    anova, cells, study = anova_frames()
    table = tables.anova_table(anova, cells, study)
    paths = tables.write_table_files(table, tmp_path / "anova")
    assert [p.name for p in paths] == ["anova.md", "anova.html", "anova.tex"]
    markdown = paths[0].read_text(encoding="utf-8")
    assert markdown.startswith("*Outcomes by group and wave, and the group × time interaction*\n")
    assert ("| a.total | 46 | 10.00 (2.00) | 11.00 (1.00) | 10.12 (2.00) | 11.12 (1.00) | 1, 44 | 12.35 "
            "| < .001 | < .001 | .22 [.06, .38] |") in markdown
    latex = paths[2].read_text(encoding="utf-8")
    assert r"\textit{F} & \textit{p} & \textit{p} (Holm) & $\eta$$_p$$^2$ [90\% CI] \\" in latex
    assert r"\textless{} .001" in latex
    html = paths[1].read_text(encoding="utf-8")
    assert "<th class=\"r\"><i>df</i></th>" in html


@pytest.mark.parametrize("value, expected", [(0.0004, "< .001"), (0.001, ".001"), (0.0456, ".046")])
def test_p_values_the_apa_way(value, expected):
    assert tables.fmt_p(value) == expected


def test_rmcorr_rows_by_hand():
    rm = pd.DataFrame({
        "var1": ["a.total", "a.total", "b"], "var2": ["b", "c", "c"],
        "n_participants": [40, 39, 2], "n_observations": [80, 78, 4], "n_excluded": [2, 3, 40],
        "dof": [39, 38, 1], "r": [-0.4123, 0.0549, float("nan")],
        "ci_low": [-0.6371, -0.2655, float("nan")], "ci_high": [-0.1169, 0.3648, float("nan")],
        "p": [0.00826, 0.7407, float("nan")], "p_adjusted": [0.02478, 0.7407, float("nan")],
        "waves": "pre; mid; post",
        "note": ["", "", "a variable does not vary within participants"]})
    table = tables.rmcorr_table(rm, {"name": "within", "p_adjust": "holm"})
    assert table.columns == ["Variable 1", "Variable 2", "*r*", "95% CI", "*df*", "*p*", "*p* (Holm)",
                             "Participants", "Observations"]
    assert table.rows == [
        ["a.total", "b", "-.41", "[-.64, -.12]", "39", ".008", ".025", "40", "80"],
        ["a.total", "c", ".05", "[-.27, .36]", "38", ".741", ".741", "39", "78"],
        ["b", "c", "—", "", "1", "", "", "2", "4"],
    ]
    assert "across waves pre, mid, post" in table.note
    assert "*p* (Holm): Holm-adjusted across the set's 3 pairs." in table.note
    assert table.note.endswith("Not estimated: b with c (a variable does not vary within participants).")
    assert "correlations/within_rmcorr.csv" in table.note
    unadjusted = tables.rmcorr_table(rm.iloc[:2], {"name": "within", "p_adjust": "none"})
    assert "*p* (Holm)" not in unadjusted.columns and len(unadjusted.rows[0]) == 8
    assert "*p* unadjusted across the set's 2 pairs." in unadjusted.note
    latex = tables.to_latex(table)
    assert r"\textit{r}" in latex and "---" in latex   # the em dash of an unestimated r


def test_ancova_table_of_an_undefined_analysis_shows_dashes_and_the_reason():
    """An outcome without variance: no adjusted means, no contrast; the row has dashes and the
    note says why."""
    from wellbeing import ancova

    scores = pd.DataFrame({"participant": [p for p in "abcdef" for _ in (0, 1)],
                           "wave": ["pre", "post"] * 6, "group": [g for g in "ccctttt"[:6] for _ in (0, 1)],
                           "age": 30.0})
    study = {"design": "mixed", "waves": ["pre", "post"], "groups": ["c", "t"],
             "analyses": {"ancova": {"outcomes": ["age"]}}}
    result = ancova.for_study(scores, study)
    table = tables.ancova_table(result.ancova, result.adjusted_means, result.contrasts, study)
    assert table.rows == [["age", "6", "—", "—", "—", "—", "—", "—"]]
    assert "— not defined for age: no variance: every analysed score is 30; the ANCOVA is not defined." in table.note


def test_part_whole_pairs_are_marked_not_starred_and_labels_used():
    # FFMQ total contains its own non-reactivity facet: r = .81 is partly items with themselves.
    frame = pd.DataFrame({"ffmq39.total": [120.0, 130, 140, 150], "ffmq39.nonreact": [20.0, 22, 25, 27],
                          "pss10.total": [20.0, 18, 15, 12]})
    long = pd.DataFrame({"var1": ["ffmq39.total", "ffmq39.total", "ffmq39.nonreact"],
                         "var2": ["ffmq39.nonreact", "pss10.total", "pss10.total"], "n": [4, 4, 4],
                         "r": [0.81, -0.45, -0.30], "p": [0.0001, 0.004, 0.06],
                         "p_adjusted": [0.0003, 0.008, 0.06], "shared_items": [7, 0, 0]})
    labels = {"ffmq39.total": "FFMQ total", "ffmq39.nonreact": "Non-reactivity", "pss10.total": "Perceived stress"}
    table = tables.correlation_table(long, frame, {"name": "demo", "variables": list(frame.columns)},
                                     labels=labels)
    assert table.rows[1][:5] == ["2. Non-reactivity", "4", "23.50", "3.11", ".81†"]
    assert table.rows[2][4:] == ["-.45**", "-.30"]
    assert "† Part-whole pair" in table.note
    plain = tables.correlation_table(long.assign(shared_items=0), frame,
                                     {"name": "demo", "variables": list(frame.columns)})
    assert plain.rows[1][4] == ".81***" and "Part-whole" not in plain.note

    rm = long.assign(n_participants=40, n_observations=80, dof=39, ci_low=-0.5, ci_high=0.9,
                     waves="pre; post", note="")
    rows = tables.rmcorr_table(rm, {"name": "demo", "p_adjust": "holm"}, labels=labels).rows
    assert rows[0][:3] == ["FFMQ total", "Non-reactivity", ".81†"]
    assert rows[1][:3] == ["FFMQ total", "Perceived stress", "-.45"]


def test_significance_stars_in_a_note_stay_stars_in_every_format():
    frame = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 1, 4, 3]})
    long = pd.DataFrame({"var1": ["a"], "var2": ["b"], "n": [4], "r": [0.6], "p": [0.4], "p_adjusted": [0.4]})
    table = tables.correlation_table(long, frame, {"name": "demo", "variables": ["a", "b"]})
    assert "\\* *p* < .05, \\*\\* *p* < .01, \\*\\*\\* *p* < .001" in tables.to_markdown(table)
    assert "* <i>p</i> &lt; .05, ** <i>p</i> &lt; .01, *** <i>p</i> &lt; .001" in tables.to_html(table)
    assert r"* \textit{p} \textless{} .05, ** \textit{p} \textless{} .01" in tables.to_latex(table)
