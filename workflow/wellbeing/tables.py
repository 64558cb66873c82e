"""APA-style tables in Markdown, HTML and LaTeX, from the pipeline's CSV outputs.

A :class:`Table` holds text cells already formatted the APA way (7th edition, section 6.36 and
chapter 7): statistics symbols in italics, no leading zero where a value cannot exceed 1
(correlations, proportions, alpha, p, partial eta squared), p as ``< .001`` below .001, a title in
italics above and a note below. The three renderers write the same table for a manuscript
(LaTeX with booktabs), a web page or notebook (HTML) and a README or review (Markdown).

Examples
--------
>>> table = Table(title="Reliability", columns=["Scale", "*n*", "α"],
...               rows=[["PSS-10", "47", fmt_unit(0.8712)]], note="α = Cronbach's alpha.")
>>> print(to_markdown(table))
*Reliability*
<BLANKLINE>
| Scale | *n* | α |
|:---|---:|---:|
| PSS-10 | 47 | .87 |
<BLANKLINE>
*Note.* α = Cronbach's alpha.
<BLANKLINE>
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value, decimals: int = 2) -> str:
    """A statistic that can exceed 1 (means, SDs, F, t), with its leading zero.

    Examples
    --------
    >>> fmt_number(3.14159), fmt_number(-0.5), fmt_number(float("nan")), fmt_number(12, 1)
    ('3.14', '-0.50', '', '12.0')
    """
    if _missing(value):
        return ""
    text = f"{float(value):.{decimals}f}"
    return "0." + "0" * decimals if text in ("-0." + "0" * decimals,) else text


def fmt_unit(value, decimals: int = 2) -> str:
    """A statistic bounded by 1 in absolute value (r, alpha, eta squared): no leading zero.

    Examples
    --------
    >>> fmt_unit(0.8712), fmt_unit(-0.62), fmt_unit(1.0), fmt_unit(0.0004, 3)
    ('.87', '-.62', '1.00', '.000')
    """
    text = fmt_number(value, decimals)
    return re.sub(r"^(-?)0\.", r"\1.", text)


def fmt_p(p, decimals: int = 3) -> str:
    """A p value the APA way: exact to three decimals, ``< .001`` below that.

    Examples
    --------
    >>> fmt_p(0.0342), fmt_p(0.00002), fmt_p(0.5), fmt_p(1.0)
    ('.034', '< .001', '.500', '1.000')
    """
    if _missing(p):
        return ""
    if p < 10 ** -decimals:
        return "< ." + "0" * (decimals - 1) + "1"
    return fmt_unit(p, decimals)


def stars(p) -> str:
    """Significance marks used in correlation tables: * p < .05, ** p < .01, *** p < .001.

    Examples
    --------
    >>> stars(0.2), stars(0.03), stars(0.004), stars(0.0001)
    ('', '*', '**', '***')
    """
    if _missing(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


@dataclass
class Table:
    """A table of formatted text cells; ``*x*`` marks italics in every renderer."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    number: int | None = None
    #: Per column "l" or "r"; default: first column left, the rest right (numbers).
    align: list[str] = field(default_factory=list)

    def alignment(self) -> list[str]:
        return self.align or ["l"] + ["r"] * (len(self.columns) - 1)


_ITALIC = re.compile(r"\*([^*]+)\*")
#: A literal asterisk in a table's text (significance stars in a note) is written ``\*``, as in
#: Markdown; HTML and LaTeX print it as a star, never as the start of italics.
_LITERAL_STAR = "\\*"
_STAR_HOLDER = "\x00"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(table: Table) -> str:
    """GitHub-flavoured Markdown."""
    align = {"l": ":---", "r": "---:", "c": ":---:"}
    label = f"**Table {table.number}**\n\n" if table.number else ""
    lines = [f"{label}*{table.title}*", "",
             "| " + " | ".join(_md_cell(c) for c in table.columns) + " |",
             "|" + "|".join(align[a] for a in table.alignment()) + "|"]
    lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in table.rows]
    if table.note:
        lines += ["", f"*Note.* {table.note}"]
    return "\n".join(lines) + "\n"


def _html_text(text: str) -> str:
    r"""Escaped HTML with ``*x*`` in italics and ``\*`` a literal star.

    >>> _html_text("\\* *p* < .05")
    '* <i>p</i> &lt; .05'
    """
    text = html.escape(text.replace(_LITERAL_STAR, _STAR_HOLDER), quote=False)
    return _ITALIC.sub(r"<i>\1</i>", text).replace(_STAR_HOLDER, "*")


def to_html(table: Table) -> str:
    """A standalone HTML fragment with APA rules (top, below the header, bottom)."""
    style = ("<style>table.apa{border-collapse:collapse;font-family:serif;margin:1em 0}"
             "table.apa caption{text-align:left;padding-bottom:.5em}"
             "table.apa th{border-top:1px solid #000;border-bottom:1px solid #000;padding:.25em .6em;"
             "font-weight:normal}"
             "table.apa td{padding:.15em .6em}table.apa tr:last-child td{border-bottom:1px solid #000}"
             "table.apa .l{text-align:left}table.apa .r{text-align:right}table.apa .c{text-align:center}"
             "p.apa-note{font-family:serif;max-width:60em}</style>")
    label = f"<b>Table {table.number}</b><br>" if table.number else ""
    head = "".join(f'<th class="{a}">{_html_text(c)}</th>' for c, a in zip(table.columns, table.alignment()))
    body = "".join("<tr>" + "".join(f'<td class="{a}">{_html_text(cell)}</td>'
                                    for cell, a in zip(row, table.alignment())) + "</tr>"
                   for row in table.rows)
    note = f'<p class="apa-note"><i>Note.</i> {_html_text(table.note)}</p>' if table.note else ""
    return (f'{style}<table class="apa"><caption>{label}<i>{_html_text(table.title)}</i></caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}\n")


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
                  "<": r"\textless{}", ">": r"\textgreater{}", "−": "-"}
_LATEX_UNICODE = {"α": r"$\alpha$", "ω": r"$\omega$", "η": r"$\eta$", "²": r"$^2$", "ε": r"$\varepsilon$",
                  "χ": r"$\chi$", "±": r"$\pm$", "≥": r"$\geq$", "≤": r"$\leq$", "×": r"$\times$",
                  "–": "--", "—": "---", "ₚ": r"$_p$", "ᵢ": r"$_i$",
                  "ᵃ": r"$^{a}$", "ᵇ": r"$^{b}$", "√": r"$\surd$", "∞": r"$\infty$"}
#: Runs of Unicode sub- and superscript digits (BF₁₀, 10¹²), each set as one LaTeX script.
_SUBSCRIPTS, _SUPERSCRIPTS = "₀₁₂₃₄₅₆₇₈₉", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"
_SCRIPT_RUN = re.compile(f"[{_SUBSCRIPTS}]+|[{_SUPERSCRIPTS}]+")


def _latex_script(run: str) -> str:
    """``₁₀`` -> ``$_{10}$``, ``¹²`` -> ``$^{12}$``.

    >>> _latex_script("₁₀"), _latex_script("⁻³")
    ('$_{10}$', '$^{-3}$')
    """
    if run[0] in _SUBSCRIPTS:
        mark, text = "_", "".join(str(_SUBSCRIPTS.index(ch)) for ch in run)
    else:
        mark, text = "^", "".join("-" if ch == "⁻" else str(_SUPERSCRIPTS.index(ch) - 1) for ch in run)
    return f"${mark}{text}$" if len(text) == 1 else f"${mark}{{{text}}}$"


def _latex_text(text: str) -> str:
    out = []
    text = text.replace(_LITERAL_STAR, _STAR_HOLDER)
    for part in re.split(r"(\*[^*]+\*)", text):
        italic = part.startswith("*") and part.endswith("*") and len(part) > 2
        core = part[1:-1] if italic else part
        escaped = "".join(_latex_script(piece) if _SCRIPT_RUN.fullmatch(piece) else
                          "".join(_LATEX_SPECIAL.get(ch, _LATEX_UNICODE.get(ch, ch)) for ch in piece)
                          for piece in re.split(f"({_SCRIPT_RUN.pattern})", core) if piece)
        out.append(r"\textit{" + escaped + "}" if italic else escaped)
    return "".join(out).replace(_STAR_HOLDER, "*")


def to_latex(table: Table) -> str:
    """A ``table`` float with booktabs rules (``\\usepackage{booktabs}``)."""
    spec = "".join(table.alignment())
    lines = [r"\begin{table}[htbp]", r"\centering",
             r"\caption{\textit{" + _latex_text(table.title) + "}}",
             r"\begin{tabular}{" + spec + "}", r"\toprule",
             " & ".join(_latex_text(c) for c in table.columns) + r" \\", r"\midrule"]
    lines += [" & ".join(_latex_text(cell) for cell in row) + r" \\" for row in table.rows]
    lines += [r"\bottomrule", r"\end{tabular}"]
    if table.note:
        lines += [r"\par\smallskip", r"\begin{minipage}{\linewidth}\footnotesize\textit{Note.} "
                  + _latex_text(table.note) + r"\end{minipage}"]
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def write_table_files(table: Table, stem: str | Path) -> list[Path]:
    """Write ``<stem>.md``, ``<stem>.html`` and ``<stem>.tex``; return the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, render in ((".md", to_markdown), (".html", to_html), (".tex", to_latex)):
        path = stem.with_suffix(suffix)
        path.write_text(render(table), encoding="utf-8")
        paths.append(path)
    return paths


def join_nonempty(parts: Sequence[str], separator: str = " ") -> str:
    return separator.join(part for part in parts if part)


# --------------------------------------------------------------------------------------------
# The pipeline's tables


#: How tables and figures name a p-value adjustment: (column head, in a sentence).
P_ADJUST_NAMES = {"holm": ("Holm", "Holm-adjusted"), "fdr_bh": ("BH", "Benjamini-Hochberg-adjusted"),
                  "none": ("", "unadjusted")}


def correlation_table(long, frame, correlation_set: dict, number: int | None = None,
                      default_wave: str = "", labels: dict | None = None) -> Table:
    """The APA correlation table of one set: M and SD, then the lower triangle of r.

    Parameters
    ----------
    long : DataFrame
        ``correlations/<name>.csv`` (var1, var2, n, r, p, p_adjusted, method, ...).
    frame : DataFrame
        The set's analysis data, one row per participant (``correlations.analysis_frame``),
        for the means and SDs.
    correlation_set : dict
        The validated set config (name, variables, method, p_adjust, missing, change, wave).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 1, 4, 3]})
    >>> long = pd.DataFrame({"var1": ["a"], "var2": ["b"], "n": [4], "r": [0.6], "p": [0.4],
    ...                      "p_adjusted": [0.4]})
    >>> t = correlation_table(long, frame, {"name": "demo", "variables": ["a", "b"]})
    >>> t.rows
    [['1. a', '4', '2.50', '1.29', '—'], ['2. b', '4', '2.50', '1.29', '.60']]
    """
    variables = list(correlation_set["variables"])
    pairs = {(row.var1, row.var2): row for row in long.itertuples(index=False)}
    rows = []
    any_part_whole = False
    for i, variable in enumerate(variables):
        values = frame[variable].dropna()
        cells = [f"{i + 1}. {(labels or {}).get(variable, variable)}", str(len(values)), fmt_number(values.mean()),
                 fmt_number(values.std(ddof=1))]
        for j in range(len(variables) - 1):
            if j < i:
                pair = pairs.get((variables[j], variable)) or pairs.get((variable, variables[j]))
                if pair is None or _missing(pair.r):
                    cells.append("")
                elif part_whole(pair):
                    any_part_whole = True
                    cells.append(fmt_unit(pair.r) + PART_WHOLE_MARK)
                else:
                    cells.append(fmt_unit(pair.r) + stars(pair.p_adjusted))
            elif j == i:
                cells.append("—")
            else:
                cells.append("")
        rows.append(cells)
    method = correlation_set.get("method", "pearson")
    adjust = correlation_set.get("p_adjust", "holm")
    n_values = sorted(set(int(n) for n in long["n"].dropna()))
    n_text = f"*n* = {n_values[0]}" if len(n_values) == 1 else f"*n* = {n_values[0]}–{n_values[-1]} per pair"
    data = ("change scores (last wave minus first; measures as recorded)" if correlation_set.get("change")
            else f"wave {correlation_set.get('wave') or default_wave}".strip())
    adjust_text = P_ADJUST_NAMES[adjust][1]
    note = (f"{n_text}. {method.capitalize()} correlations on {data}, "
            f"{correlation_set.get('missing', 'pairwise')} deletion. "
            f"*p* values {adjust_text} across the set's {len(long)} pairs: \\* *p* < .05, \\*\\* *p* < .01, "
            f"\\*\\*\\* *p* < .001. 95% confidence intervals are in correlations/{correlation_set['name']}.csv."
            + (f" {PART_WHOLE_NOTE}" if any_part_whole else ""))
    columns = ["Variable", "*n*", "*M*", "*SD*"] + [str(k + 1) for k in range(len(variables) - 1)]
    return Table(title=f"Means, standard deviations and correlations: {correlation_set['name']}",
                 columns=columns, rows=rows, note=note, number=number)


#: How a table marks a part-whole pair's r, and the note that says why it is no finding.
PART_WHOLE_MARK = "†"
PART_WHOLE_NOTE = ("† Part-whole pair: the two scales share items (a total and its own subscale), "
                   "so *r* partly correlates items with themselves; it is not a finding and its "
                   "*p* is not starred.")


def part_whole(pair) -> bool:
    """Whether a row of a correlation table (``shared_items`` column) is a part-whole pair.

    >>> import pandas as pd
    >>> [part_whole(row) for row in pd.DataFrame({"shared_items": [7, 0]}).itertuples()]
    [True, False]
    """
    shared = getattr(pair, "shared_items", 0)
    return not _missing(shared) and float(shared) > 0


def rmcorr_for_set(rmcorr, study: dict, correlation_set: dict, root=None) -> Table:
    """The repeated-measures correlation table of one configured set, variables by label."""
    return rmcorr_table(rmcorr, correlation_set, labels=study_labels(study, root))


def correlations_for_set(long, scores_wide, study: dict, correlation_set: dict, root=None) -> Table:
    """The correlation table of one configured set, from its outputs and the scores it used."""
    from .correlations import analysis_frame

    frame, _, _ = analysis_frame(scores_wide, study, correlation_set)
    return correlation_table(long, frame, correlation_set, default_wave=study["waves"][0],
                             labels=study_labels(study, root))


def rmcorr_table(rmcorr, correlation_set: dict, number: int | None = None,
                 labels: dict | None = None) -> Table:
    """The APA table of a set's repeated-measures correlations: one row per pair.

    As in the ANOVA table, a column ``*p* (Holm)`` (or ``(BH)``) holds the adjusted p unless the
    set's ``p_adjust`` is none.

    Parameters
    ----------
    rmcorr : DataFrame
        ``correlations/<name>_rmcorr.csv`` (columns ``correlations.RM_COLUMNS``).
    correlation_set : dict
        The validated set config (name, p_adjust).

    Examples
    --------
    >>> import pandas as pd
    >>> rm = pd.DataFrame({"var1": ["a"], "var2": ["b"], "n_participants": [40],
    ...     "n_observations": [80], "dof": [39], "r": [-0.4123], "ci_low": [-0.64],
    ...     "ci_high": [-0.11], "p": [0.0083], "p_adjusted": [0.0083], "waves": ["pre; post"],
    ...     "note": [""]})
    >>> rmcorr_table(rm, {"name": "demo", "p_adjust": "holm"}).rows
    [['a', 'b', '-.41', '[-.64, -.11]', '39', '.008', '.008', '40', '80']]
    """
    adjust = correlation_set.get("p_adjust", "holm")
    adjusted = adjust != "none"
    rows = []
    names = labels or {}
    for row in rmcorr.itertuples(index=False):
        ci = "" if _missing(row.ci_low) or _missing(row.ci_high) else \
            f"[{fmt_unit(row.ci_low)}, {fmt_unit(row.ci_high)}]"
        r_text = "—" if _missing(row.r) else fmt_unit(row.r) + (PART_WHOLE_MARK if part_whole(row) else "")
        rows.append([names.get(row.var1, row.var1), names.get(row.var2, row.var2), r_text, ci,
                     str(int(row.dof)), fmt_p(row.p)] + ([fmt_p(row.p_adjusted)] if adjusted else [])
                    + [str(int(row.n_participants)), str(int(row.n_observations))])
    waves = str(rmcorr["waves"].iloc[0]).replace("; ", ", ") if len(rmcorr) else ""
    unestimated = [f"{names.get(row.var1, row.var1)} with {names.get(row.var2, row.var2)} ({row.note})"
                   for row in rmcorr.itertuples(index=False) if _missing(row.r)]
    short, adjusted_text = P_ADJUST_NAMES[adjust]
    note = join_nonempty([
        f"*r* = repeated-measures correlation across waves {waves} (Bakdash & Marusich, 2017):",
        "the association of the two variables within participants (each participant's values centred",
        "on their own mean), free of differences between participants.",
        "*df* = observations − participants − 1, counting participants with both variables at two or",
        "more waves; participants seen once or missing a variable do not count (column n_excluded of",
        f"correlations/{correlation_set['name']}_rmcorr.csv). 95% CI by Fisher's *z*.",
        (f"*p* ({short}): {adjusted_text} across the set's {len(rmcorr)} pairs." if adjusted
         else f"*p* unadjusted across the set's {len(rmcorr)} pairs."),
        ("Not estimated: " + "; ".join(unestimated) + ".") if unestimated else "",
        PART_WHOLE_NOTE if any(part_whole(row) for row in rmcorr.itertuples(index=False)) else "",
    ])
    columns = (["Variable 1", "Variable 2", "*r*", "95% CI", "*df*", "*p*"]
               + ([f"*p* ({short})"] if adjusted else []) + ["Participants", "Observations"])
    return Table(title=f"Repeated-measures correlations: {correlation_set['name']}", columns=columns,
                 rows=rows, note=note, number=number, align=["l", "l"] + ["r"] * (len(columns) - 2))


def participants_table(characteristics, study: dict, number: int | None = None) -> Table:
    """Participant characteristics by group: M (SD) or n (%), and the group comparison.

    Parameters
    ----------
    characteristics : DataFrame
        ``participants/characteristics.csv`` (:func:`wellbeing.participants.characteristics`).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame([
    ...     {"variable": "age", "kind": "continuous", "level": "", "group": "c", "n": 3, "mean": 40.0,
    ...      "sd": 10.0, "test": "Welch t", "statistic": -0.7, "df1": 3.9, "p": 0.51},
    ...     {"variable": "age", "kind": "continuous", "level": "", "group": "t", "n": 3, "mean": 47.0,
    ...      "sd": 13.1},
    ...     {"variable": "age", "kind": "continuous", "level": "", "group": "all", "n": 6, "mean": 43.5,
    ...      "sd": 11.5}])
    >>> participants_table(rows, {"groups": ["c", "t"], "waves": ["pre"]}).rows
    [['age, *M* (*SD*)', '40.00 (10.00)', '47.00 (13.10)', '43.50 (11.50)', '*t*(3.90) = -0.70', '.510']]
    """
    groups = [g for g in study.get("groups") or [] if g in set(characteristics["group"])]
    columns_groups = groups + ["all"]
    rows = []
    for variable, block in characteristics.groupby("variable", sort=False):
        first = block.iloc[0]
        name = variable if _missing(first.get("label")) or not str(first.get("label")) else first["label"]
        test = _test_text(first)
        p = fmt_p(first.get("p"))
        if first["kind"] == "continuous":
            by_group = block.set_index("group")
            cells = [f"{name}, *M* (*SD*)"]
            for group in columns_groups:
                entry = by_group.loc[group] if group in by_group.index else None
                cells.append("" if entry is None else f"{fmt_number(entry['mean'])} ({fmt_number(entry['sd'])})")
            rows.append(cells + [test, p])
            continue
        rows.append([f"{name}, *n* (%)"] + [""] * len(columns_groups) + [test, p])
        for level, level_rows in block.groupby("level", sort=False):
            by_group = level_rows.set_index("group")
            cells = [f"    {level}"]
            for group in columns_groups:
                entry = by_group.loc[group] if group in by_group.index else None
                cells.append("" if entry is None else f"{int(entry['count'])} ({fmt_number(entry['percent'], 1)})")
            rows.append(cells + ["", ""])
    counts = characteristics[(characteristics["group"].isin(columns_groups))]
    header_n = {}
    for group in columns_groups:
        n = counts.loc[counts["group"] == group, "n"]
        header_n[group] = int(n.max()) if len(n) else 0
    columns = (["Characteristic"] + [f"{group_label(g, study)} (*n* = {header_n[g]})" for g in groups]
               + [f"All (*n* = {header_n['all']})", "Test", "*p*"])
    note = ("Characteristics at the first wave. Percentages of those who answered; missing answers "
            "are counted in participants/characteristics.csv.")
    if groups:
        note += (" Continuous variables compared by Welch's *t* test (two groups) or Welch's *F* "
                 "test; categorical variables by Fisher's exact test (2 x 2) or Pearson's "
                 "chi-squared test (smallest expected count in the CSV).")
    else:                                   # one group: nothing to compare
        columns = columns[:-2]
        rows = [row[:-2] for row in rows]
    return Table(title="Participant characteristics" + (" by group" if groups else ""), columns=columns,
                 rows=rows, note=note, number=number)


def _test_text(first) -> str:
    test = first.get("test")
    if not isinstance(test, str) or not test:
        return ""
    if test == "Welch t":
        return f"*t*({fmt_number(first['df1'])}) = {fmt_number(first['statistic'])}"
    if test == "Welch F":
        return f"*F*({fmt_number(first['df1'], 0)}, {fmt_number(first['df2'])}) = {fmt_number(first['statistic'])}"
    if test == "Pearson chi-squared":
        return f"χ²({fmt_number(first['df1'], 0)}) = {fmt_number(first['statistic'])}"
    return test


# --------------------------------------------------------------------------------------------
# Reliability and the time x group ANOVA


def _flag(value) -> bool:
    """A boolean column read back from CSV: True, "True" and 1 are set; empty is not."""
    if _missing(value):
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def study_instruments_by_id(study: dict, root=None) -> dict:
    """The study's instrument definitions by id (``{}`` when the study has none)."""
    from .instruments import load_instrument

    loaded = {}
    for use in study.get("instruments") or []:
        instrument = load_instrument(use["instrument"], root)
        loaded[instrument.id] = instrument
    return loaded


def study_labels(study: dict, root=None) -> dict[str, str]:
    """Every analysable variable of a study with the label readers see: each scale of its
    instruments (``<instrument>.<scale>``: the definition's label) and each measure (its
    ``label``, else its name). Tables, figures and notebooks read labels from here; the CSVs
    keep the ids."""
    labels = {}
    for instrument_id, instrument in study_instruments_by_id(study, root).items():
        for scale in instrument.scales:
            labels[f"{instrument_id}.{scale}"] = instrument.scale(scale).label or scale
    for measure in study.get("measures") or []:
        labels[measure["name"]] = measure.get("label") or measure["name"]
    return labels


def group_labels(study: dict) -> dict[str, str]:
    """Every group's label (:func:`group_label`), and a single arm's one series as everyone.

    >>> group_labels({"groups": ["control", "imp"], "group_labels": {"imp": "IMP training"}})
    {'all': 'All participants', 'control': 'control', 'imp': 'IMP training'}
    """
    from .design import SINGLE_ARM

    return {SINGLE_ARM: "All participants",
            **{str(g): group_label(g, study) for g in study.get("groups") or []}}


def group_label(group, study: dict | None = None) -> str:
    """How tables and figures name a group: its ``group_labels`` entry, else the group.

    >>> group_label("imp", {"group_labels": {"imp": "IMP training"}}), group_label("control", {})
    ('IMP training', 'control')
    """
    return str(((study or {}).get("group_labels") or {}).get(str(group), group))


def variable_label(variable: str, instruments: dict | None = None,
                   labels: dict | None = None) -> str:
    """A variable's label for tables and figures: ``labels`` (:func:`study_labels`) when it has
    the variable, else the scale's label from its instrument definition (``scs26.total`` ->
    ``Self-compassion total``), else the variable as it is.

    Examples
    --------
    >>> from wellbeing.instruments import load_instrument
    >>> variable_label("ffmq39.nonreact", {"ffmq39": load_instrument("ffmq39")})
    'Non-reactivity to inner experience'
    >>> variable_label("home_practice"), variable_label("xyz.total")
    ('home_practice', 'xyz.total')
    >>> variable_label("home_practice", labels={"home_practice": "Home practice"})
    'Home practice'
    """
    if labels and variable in labels:
        return labels[variable]
    instrument_id, _, scale = variable.partition(".")
    instrument = (instruments or {}).get(instrument_id)
    if not scale or instrument is None or scale not in instrument.scales:
        return variable
    return instrument.scale(scale).label or scale


def _scale_label(instrument, scale: str) -> str:
    if instrument is None or scale not in instrument.scales:
        return scale
    return instrument.scale(scale).label or scale


def _omega_reason(note) -> str:
    text = "" if _missing(note) else str(note)
    if re.search(r"not defined for \d+ items?", text):
        return "not defined for scales of two items (a one-factor model needs at least three)"
    if "respondents for" in text:
        return "no more respondents than items (the correlation matrix is singular)"
    return text.split(";")[0].strip() or "not estimated"


#: Marks on the alpha cell, explained in the table note.
BELOW_MARK, NEGATIVE_MARK = "ᵃ", "ᵇ"


def reliability_table(frame, instruments: dict | None = None, number: int | None = None) -> Table:
    """The APA reliability table: per scale and wave *n*, items, alpha [95% CI] and omega.

    Scales are grouped under their instrument (a one-scale instrument takes one row, named after
    the instrument). An alpha under the study's threshold is marked ``ᵃ`` (as a paper marks the
    subscales it does not interpret), a negative average inter-item covariance ``ᵇ``; an omega
    that could not be estimated is shown as ``—`` and the note says why.

    Parameters
    ----------
    frame : DataFrame
        ``reliability/reliability.csv`` (instrument, scale, wave, missing, n, n_items,
        n_items_used, alpha, alpha_ci_low, alpha_ci_high, omega_total, threshold,
        below_threshold, negative_average_cov, note).
    instruments : dict, optional
        Instrument id -> :class:`~wellbeing.instruments.Instrument`, for names and scale labels;
        ids and scale names are shown without it.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"instrument": "brs", "scale": "total", "wave": ["pre", "post"],
    ...     "missing": "listwise", "n": [40, 38], "n_items": 6, "n_items_used": 6,
    ...     "alpha": [0.8123, 0.655], "alpha_ci_low": [0.71, 0.45], "alpha_ci_high": [0.88, 0.79],
    ...     "omega_total": [0.821, 0.67], "threshold": 0.7, "below_threshold": [False, True],
    ...     "negative_average_cov": False, "note": ""})
    >>> reliability_table(frame).rows
    [['brs', 'pre', '40', '6', '.81 [.71, .88]', '.82'], ['', 'post', '38', '6', '.66 [.45, .79]ᵃ', '.67']]
    """
    instruments = instruments or {}
    waves = list(dict.fromkeys(str(w) for w in frame["wave"]))
    several_waves = len(waves) > 1
    width = 5 + several_waves
    rows: list[list[str]] = []
    below = negative = fewer_items = False
    omega_missing: dict[str, dict[str, list[str]]] = {}
    for instrument_id, block in frame.groupby("instrument", sort=False):
        instrument = instruments.get(instrument_id)
        name = instrument.name if instrument is not None else str(instrument_id)
        scales = list(dict.fromkeys(block["scale"]))
        single = len(scales) == 1
        if not single:
            rows.append([name] + [""] * (width - 1))
        for scale in scales:
            label = name if single else _scale_label(instrument, scale)
            for index, row in enumerate(block[block["scale"] == scale].to_dict("records")):
                alpha = row.get("alpha")
                if _missing(alpha):
                    alpha_text = "—"
                else:
                    alpha_text = fmt_unit(alpha)
                    if not (_missing(row.get("alpha_ci_low")) or _missing(row.get("alpha_ci_high"))):
                        alpha_text += f" [{fmt_unit(row['alpha_ci_low'])}, {fmt_unit(row['alpha_ci_high'])}]"
                if _flag(row.get("below_threshold")):
                    alpha_text += BELOW_MARK
                    below = True
                if _flag(row.get("negative_average_cov")):
                    alpha_text += NEGATIVE_MARK
                    negative = True
                omega = row.get("omega_total")
                if _missing(omega):
                    omega_text = "—"
                    reason = _omega_reason(row.get("note"))
                    omega_missing.setdefault(reason, {}).setdefault(label, []).append(str(row["wave"]))
                else:
                    omega_text = fmt_unit(omega)
                items = int(row["n_items"])
                used = row.get("n_items_used")
                items_text = str(items)
                if not _missing(used) and int(used) != items:
                    items_text = f"{int(used)}/{items}"
                    fewer_items = True
                shown = (label if index == 0 else "") if single else ("    " + label if index == 0 else "")
                cells = [shown] + ([str(row["wave"])] if several_waves else [])
                n = row.get("n")
                cells += ["" if _missing(n) else str(int(n)), items_text, alpha_text, omega_text]
                rows.append(cells)
    columns = ["Scale"] + (["Wave"] if several_waves else []) + ["*n*", "Items", "α [95% CI]", "ω"]

    rules = set(str(m) for m in frame.get("missing", []) if not _missing(m))
    if rules == {"pairwise"}:
        n_text = ("*n* = respondents who answered any item of the scale at that wave (pairwise "
                  "deletion; the smallest pair count is in reliability/reliability.csv).")
    else:
        n_text = ("*n* = respondents who answered every item of the scale at that wave (listwise "
                  "deletion, as SPSS RELIABILITY).")
    parts = [n_text, "α = Cronbach's alpha with its 95% confidence interval (Feldt); "
             "ω = McDonald's omega total from a one-factor model."]
    if fewer_items:
        parts.append("Items *k*/*m*: *k* of the scale's *m* items used (items without variance left out).")
    if below:
        threshold = next((t for t in frame.get("threshold", []) if not _missing(t)), 0.7)
        parts.append(f"{BELOW_MARK} α below the study's threshold of {fmt_unit(threshold)}: the "
                     "scale is not consistent enough at that wave to be interpreted on its own.")
    if negative:
        parts.append(f"{NEGATIVE_MARK} Negative average inter-item covariance: α is not meaningful "
                     "(check the reverse keys).")
    for reason, labels in omega_missing.items():
        listed = "; ".join(label + (f" ({', '.join(w)})" if several_waves else "")
                           for label, w in labels.items())
        parts.append(f"ω not estimated (—) for {listed}: {reason}.")
    parts.append("Duhachek intervals, omega hierarchical and per-item statistics are in "
                 "reliability/reliability.csv and reliability/items.csv.")
    return Table(title="Internal consistency of the scales" + (" at each wave" if several_waves else ""),
                 columns=columns, rows=rows, note=" ".join(parts), number=number,
                 align=["l"] + (["l"] if several_waves else []) + ["r"] * 4)


def reliability_for_study(frame, study: dict, root=None) -> Table:
    """The reliability table of one study, labelled from its instrument definitions."""
    return reliability_table(frame, study_instruments_by_id(study, root))


def _ci_level_text(level) -> str:
    return "" if _missing(level) else f"{100 * float(level):g}%"


def anova_table(anova, cells, study: dict, instruments: dict | None = None,
                number: int | None = None, labels: dict | None = None) -> Table:
    """The main results table of a time x group study: per outcome *M* (*SD*) of every group at
    every wave, then *F*, *p* and partial eta squared with its CI for the group x time
    interaction.

    With three or more waves the interaction's degrees of freedom and *p* are
    Greenhouse-Geisser corrected (the note says so). With ``p_adjust`` other than none a column of
    adjusted *p* (across the outcomes, from the uncorrected *p* as in ``anova/anova.csv``)
    follows.

    Parameters
    ----------
    anova : DataFrame
        ``anova/anova.csv`` (outcome, effect, df1, df2, F, p, p_adjusted, p_adjust, pes,
        pes_ci_low, pes_ci_high, ci_level, eps_gg, p_gg, n, n_excluded).
    cells : DataFrame
        ``anova/cells.csv`` (outcome, group, wave, n, mean, sd).
    study : dict
        The study's config (``groups``, ``waves``).
    instruments : dict, optional
        Instrument id -> definition, for the outcomes' labels.

    Examples
    --------
    >>> import pandas as pd
    >>> anova = pd.DataFrame({"outcome": "pss10.total", "effect": ["group", "time", "group:time"],
    ...     "df1": 1, "df2": 44, "F": [0.5, 3.1, 12.345], "p": [0.48, 0.085, 0.0004],
    ...     "p_adjusted": [0.48, 0.085, 0.0004], "p_adjust": "none", "pes": [0.01, 0.07, 0.219],
    ...     "pes_ci_low": [0.0, 0.0, 0.064], "pes_ci_high": [0.1, 0.2, 0.383], "ci_level": 0.9,
    ...     "eps_gg": 1.0, "p_gg": [None, 0.085, 0.0004], "n": 46, "n_excluded": 1})
    >>> cells = pd.DataFrame({"outcome": "pss10.total", "group": ["c", "c", "t", "t"],
    ...     "wave": ["pre", "post"] * 2, "n": [21, 21, 25, 25], "mean": [18.2, 18.0, 19.1, 14.85],
    ...     "sd": [5.1, 4.9, 6.0, 5.55]})
    >>> table = anova_table(anova, cells, {"groups": ["c", "t"], "waves": ["pre", "post"]})
    >>> table.columns
    ['Outcome', '*n*', 'c pre', 'c post', 't pre', 't post', '*df*', '*F*', '*p*', 'ηₚ² [90% CI]']
    >>> table.rows  # doctest: +NORMALIZE_WHITESPACE
    [['pss10.total', '46', '18.20 (5.10)', '18.00 (4.90)', '19.10 (6.00)', '14.85 (5.55)', '1, 44', '12.35',
      '< .001', '.22 [.06, .38]']]
    """
    from itertools import product

    from .design import (SINGLE_ARM, analysed_groups, analysed_populations, further_factors,
                         has_group_factor, primary_effect)

    design = study.get("design", "mixed")
    single_arm = design == "repeated"
    primary = primary_effect(study)
    groups = analysed_groups(study)
    further = further_factors(study)
    waves = [str(w) for w in study["waves"]]
    corrected = len(waves) > 2 and "time" in primary.split(":")
    populations = (analysed_populations(study) if "population" in anova.columns
                   else ["all"])
    if "population" not in anova.columns:
        anova, cells = anova.assign(population="all"), cells.assign(population="all")
    chosen = anova[anova["effect"] == primary].drop_duplicates(["population", "outcome"])
    outcomes = list(dict.fromkeys(chosen["outcome"]))
    undefined_notes: dict[str, list[str]] = {}
    method = next((m for m in chosen.get("p_adjust", []) if not _missing(m)), "none")
    adjusted = method != "none" and len(outcomes) > 1     # one outcome: nothing to adjust across
    level = next((lv for lv in chosen.get("ci_level", []) if not _missing(lv)), 0.9)
    key_columns = ["outcome", "population", "group", *further, "wave"]
    cell_of = {tuple(str(r[c]) for c in key_columns): r for r in cells.to_dict("records")}
    combos = [list(combo) for combo in product(groups, *further.values())]
    rows = []
    for population in populations:
        for outcome in outcomes:
            found = chosen[(chosen["population"].astype(str) == population) & (chosen["outcome"] == outcome)]
            if found.empty:
                continue
            effect = found.iloc[0]
            cells_text = []
            for combo in combos:
                for wave in waves:
                    cell = cell_of.get((outcome, population, *combo, wave))
                    cells_text.append("" if cell is None else
                                      f"{fmt_number(cell['mean'])} ({fmt_number(cell['sd'])})")
            if corrected and not _missing(effect.get("eps_gg")):
                eps = float(effect["eps_gg"])
                df_text = f"{fmt_number(effect['df1'] * eps)}, {fmt_number(effect['df2'] * eps)}"
                p = effect.get("p_gg")
            else:
                df_text = ("" if _missing(effect.get("df1")) else
                           f"{int(effect['df1'])}, {int(effect['df2'])}")
                p = effect["p"]
            pes = fmt_unit(effect["pes"])
            if not (_missing(effect.get("pes_ci_low")) or _missing(effect.get("pes_ci_high"))):
                pes += f" [{fmt_unit(effect['pes_ci_low'])}, {fmt_unit(effect['pes_ci_high'])}]"
            label = variable_label(outcome, instruments, labels)
            if len(populations) > 1:
                label += f" ({population})"
            undefined = _missing(effect["F"])
            if undefined:       # no variance: a dash, and the reason under the table
                reason = str(effect.get("note") or "not defined")
                undefined_notes.setdefault(reason, []).append(label)
                pes = "—"
            row = [label, str(int(effect["n"])), *cells_text,
                   df_text or "—", "—" if undefined else fmt_number(effect["F"]),
                   "—" if undefined else fmt_p(p)]
            if adjusted:
                row.append("—" if undefined else fmt_p(effect.get("p_adjusted")))
            rows.append(row + [pes])
    adjust_name, adjusted_text = P_ADJUST_NAMES.get(method, (method, f"{method}-adjusted"))
    heads = [" ".join(group_label(part, study) if index == 0 else str(part)
                      for index, part in enumerate(combo)
                      if not (part == SINGLE_ARM and not has_group_factor(study)))
             for combo in combos]
    columns = (["Outcome", "*n*"] + [f"{head} {w}".strip() if len(waves) > 1 or not head else head
                                     for head in heads for w in waves]
               + ["*df*", "*F*", "*p*"] + ([f"*p* ({adjust_name})"] if adjusted else [])
               + [f"ηₚ² [{_ci_level_text(level)} CI]"])

    group_n = {}
    main_cells = cells[cells["population"].astype(str) == populations[0]]
    for group in groups:
        ns = sorted(set(int(n) for g, o, n in zip(main_cells["group"].astype(str), main_cells["outcome"],
                                                  main_cells["n"]) if g == group and o in outcomes))
        group_n[group] = ns
    varies = any(len(ns) > 1 for ns in group_n.values())
    n_text = ", ".join(f"{group_label(g, study)} {ns[0]}" if len(ns) == 1
                       else f"{group_label(g, study)} {ns[0]}–{ns[-1]}"
                       for g, ns in group_n.items() if ns) + (" per outcome" if varies else "")
    if further:     # with further factors the cells' n, not the groups'
        per_cell = main_cells[main_cells["outcome"].isin(outcomes)].groupby(
            ["group", *further], sort=False)["n"].agg(lambda ns: sorted(set(int(n) for n in ns)))
        every = sorted({n for ns in per_cell for n in ns})
        if len(every) == 1:
            n_text = f"{every[0]} per cell"
        elif len(per_cell) <= 8:
            n_text = ", ".join(" ".join(str(k) for k in (key if isinstance(key, tuple) else (key,))
                                        if k != SINGLE_ARM)
                               + " " + (str(ns[0]) if len(ns) == 1 else f"{ns[0]}–{ns[-1]}")
                               for key, ns in per_cell.items())
        else:
            n_text = f"{every[0]}–{every[-1]} per cell"
    main_chosen = chosen[chosen["population"].astype(str) == populations[0]]
    excluded = sorted(set(int(x) for x in main_chosen.get("n_excluded", []) if not _missing(x)))
    excluded_text = ""
    if excluded and excluded != [0]:
        count = str(excluded[0]) if len(excluded) == 1 else f"{excluded[0]}–{excluded[-1]}"
        excluded_text = f"; {count} excluded per outcome (reasons in anova/ledger.csv)"
    scored = "with a score at every wave" if len(waves) > 1 else f"with a score at {waves[0]}"
    if single_arm:
        n_text = n_text.removeprefix(f"{SINGLE_ARM} ")
    columns_are = "Wave columns" if single_arm and not further else "Cell columns" if further else "Group columns"
    parts = [f"{columns_are} are *M* (*SD*). *n* = participants {scored}: {n_text}{excluded_text}."]
    if len(populations) > 1:
        parts.append(f"Populations: {', '.join(populations)} (who is in each: anova/ledger.csv); "
                     f"the *n* in this note is for {populations[0]}; each row gives its own *n*.")
    effect_text = primary.replace(":", " × ")
    if primary == "time":
        kind = ("the time effect of a one-way repeated-measures ANOVA" if not further
                else "the time effect of a repeated-measures ANOVA with Type III sums of squares")
        parts.append("*F*, *p* and ηₚ² (partial eta squared, with its "
                     f"{_ci_level_text(level)} confidence interval) are for the change over time "
                     f"({kind}, as SPSS GLM and R's afex).")
    else:
        kind = "a mixed ANOVA" if len(waves) > 1 else "a between-subjects ANOVA"
        factorial = (" (" + " × ".join(["group", *further] if "group" in primary.split(":")
                                        else list(further)) + " factorial)") if further else ""
        parts.append("*F*, *p* and ηₚ² (partial eta squared, with its "
                     f"{_ci_level_text(level)} confidence interval) are for the {effect_text} "
                     f"{'interaction' if ':' in primary else 'effect'} of {kind}{factorial} with "
                     "Type III sums of squares (as SPSS GLM and R's afex).")
    if corrected:
        parts.append("Degrees of freedom and *p* are Greenhouse-Geisser corrected; Mauchly's test "
                     "and Huynh-Feldt corrections are in anova/anova.csv.")
    if adjusted:
        parts.append(f"*p* ({adjust_name}): {adjusted_text} across the {len(outcomes)} outcomes"
                     + (" (from the Greenhouse-Geisser-corrected *p*)." if corrected else "."))
    elif len(outcomes) > 1:
        parts.append(f"*p* unadjusted across the {len(outcomes)} outcomes.")
    for reason, labels in undefined_notes.items():
        parts.append(f"— not defined for {', '.join(labels)}: {reason}.")
    if len(waves) > 1:
        parts.append(("Pairwise comparisons of the waves" if single_arm else "Main effects, follow-up tests")
                     + " and the mixed-model sensitivity analysis are in "
                     "anova/anova.csv, anova/followups.csv and anova/mixed_model.csv.")
    else:
        parts.append("Every effect and the pairwise comparisons are in anova/anova.csv and "
                     "anova/followups.csv.")
    if single_arm:
        title = "Outcomes by wave, and their change over time"
    elif len(waves) > 1:
        title = f"Outcomes by {'cell' if further else 'group'} and wave, and the group × time interaction"
    else:
        title = f"Outcomes by {'cell' if further else 'group'}, and the {effect_text} effect"
    return Table(title=title,
                 columns=columns, rows=rows, note=" ".join(parts), number=number)


def ancova_table(ancova, means, contrasts, study: dict, instruments: dict | None = None,
                 number: int | None = None, labels: dict | None = None) -> Table:
    """The baseline-adjusted comparison of the groups: per outcome (and population) each group's
    adjusted mean with its 95% CI, each group's difference from the reference with its CI, and
    *F*, *p* and partial eta squared of the group effect.

    Examples
    --------
    >>> import pandas as pd
    >>> ancova = pd.DataFrame({"outcome": "pss", "population": "all", "term": ["baseline", "group"],
    ...     "df1": 1, "df2": 99, "F": [80.0, 6.5], "p": [1e-14, 0.0123], "p_adjusted": [1e-14, 0.0123],
    ...     "p_adjust": "none", "pes": [0.45, 0.062], "pes_ci_low": [0.33, 0.008],
    ...     "pes_ci_high": [0.55, 0.15], "ci_level": 0.9, "n": 102, "baseline_wave": "t1",
    ...     "outcome_wave": "t2", "note": ""})
    >>> means = pd.DataFrame({"outcome": "pss", "population": "all", "group": ["c", "t"],
    ...     "n": [65, 37], "adjusted_mean": [3.1, 2.8], "ci_low": [3.0, 2.6], "ci_high": [3.2, 3.0]})
    >>> contrasts = pd.DataFrame({"outcome": "pss", "population": "all", "contrast": ["t - c"],
    ...     "estimate": [-0.3], "ci_low": [-0.52], "ci_high": [-0.08]})
    >>> table = ancova_table(ancova, means, contrasts, {"groups": ["c", "t"], "waves": ["t1", "t2"]})
    >>> table.columns
    ['Outcome', '*n*', 'c', 't', 't − c', '*F*(1, 99)', '*p*', 'ηₚ² [90% CI]']
    >>> table.rows
    [['pss', '102', '3.10 [3.00, 3.20]', '2.80 [2.60, 3.00]', '-0.30 [-0.52, -0.08]', '6.50', '.012', '.06 [.01, .15]']]
    """
    from .design import analysed_populations, ancova_settings

    settings = ancova_settings(study)
    groups = [str(g) for g in study["groups"]]
    populations = analysed_populations(study, "ancova")
    effects = ancova[ancova["term"] == "group"]
    outcomes = list(dict.fromkeys(effects["outcome"]))
    method = next((m for m in effects.get("p_adjust", []) if not _missing(m)), "none")
    adjusted = method != "none" and len(outcomes) > 1     # one outcome: nothing to adjust across
    level = next((lv for lv in effects.get("ci_level", []) if not _missing(lv)), 0.9)
    contrast_names = [str(c) for c in dict.fromkeys(contrasts.get("contrast", []))] or \
        [f"{g} - {groups[0]}" for g in groups[1:]]
    df_texts = sorted({f"{int(r.df1)}, {int(r.df2)}" for r in effects.itertuples() if not _missing(r.df1)})
    one_df = len(df_texts) == 1

    def interval(estimate, low, high):
        if _missing(estimate):
            return "—"
        return f"{fmt_number(estimate)} [{fmt_number(low)}, {fmt_number(high)}]"

    mean_of = {(str(r["outcome"]), str(r["population"]), str(r["group"])): r
               for r in means.to_dict("records")}
    contrast_of = {(str(r["outcome"]), str(r["population"]), str(r["contrast"])): r
                   for r in contrasts.to_dict("records")}
    rows, undefined_notes = [], {}
    for population in populations:
        for outcome in outcomes:
            mine = effects[(effects["outcome"] == outcome) & (effects["population"].astype(str) == population)]
            if mine.empty:
                continue
            effect = mine.iloc[0]
            label = variable_label(outcome, instruments, labels) + (f" ({population})" if len(populations) > 1 else "")
            row = [label, str(int(effect["n"]))]
            for group in groups:
                entry = mean_of.get((outcome, population, group))
                row.append("—" if entry is None else interval(entry["adjusted_mean"], entry["ci_low"],
                                                              entry["ci_high"]))
            for name in contrast_names:
                entry = contrast_of.get((outcome, population, name))
                row.append("—" if entry is None else interval(entry["estimate"], entry["ci_low"],
                                                              entry["ci_high"]))
            undefined = _missing(effect["F"])
            if undefined:
                undefined_notes.setdefault(str(effect.get("note") or "not defined"), []).append(label)
            F = "—" if undefined else fmt_number(effect["F"])
            row += [F if one_df or undefined else f"{F} ({int(effect['df1'])}, {int(effect['df2'])})",
                    "—" if undefined else fmt_p(effect["p"])]
            if adjusted:
                row.append("—" if undefined else fmt_p(effect.get("p_adjusted")))
            pes = "—" if undefined else fmt_unit(effect["pes"])
            if not undefined and not (_missing(effect.get("pes_ci_low")) or _missing(effect.get("pes_ci_high"))):
                pes += f" [{fmt_unit(effect['pes_ci_low'])}, {fmt_unit(effect['pes_ci_high'])}]"
            rows.append(row + [pes])
    adjust_name, adjusted_text = P_ADJUST_NAMES.get(method, (method, f"{method}-adjusted"))
    columns = (["Outcome", "*n*", *[group_label(g, study) for g in groups],
                *[" − ".join(group_label(part, study) for part in name.split(" - ")) for name in contrast_names],
                f"*F*({df_texts[0]})" if one_df else "*F* (*df*)", "*p*"]
               + ([f"*p* ({adjust_name})"] if adjusted else []) + [f"ηₚ² [{_ci_level_text(level)} CI]"])
    covariates = list(settings["covariates"])
    further = [f.get("name") or f["column"] for f in study.get("factors", [])]
    adjusted_for = " and ".join(filter(None, [f"the {settings['baseline']} score",
                                              ", ".join(covariates)]))
    parts = [f"Group columns are the {settings['outcome_wave']} means adjusted for {adjusted_for} "
             "(at the sample's mean" + ("s" if covariates else "")
             + (", averaged over " + ", ".join(further) if further else "")
             + ") with 95% CIs, as R's emmeans; difference columns are each group minus the "
             "reference, with 95% CIs.",
             f"*F*, *p* and ηₚ² (partial eta squared, with its {_ci_level_text(level)} confidence "
             "interval) are for the group effect of an ANCOVA with Type III sums of squares (as R's "
             "car::Anova). *n* = participants with both scores; reasons for the others are in "
             "ancova/ledger.csv."]
    if len(populations) > 1:
        parts.append(f"Populations: {', '.join(populations)} (who is in each: ancova/ledger.csv).")
    if adjusted:
        parts.append(f"*p* ({adjust_name}): {adjusted_text} across the {len(outcomes)} outcomes.")
    elif len(outcomes) > 1:
        parts.append(f"*p* unadjusted across the {len(outcomes)} outcomes.")
    for reason, names in undefined_notes.items():
        parts.append(f"— not defined for {', '.join(names)}: {reason}.")
    parts.append("Unadjusted means, contrast tests and the parallel-slopes check are in "
                 "ancova/adjusted_means.csv, ancova/contrasts.csv and ancova/assumptions.csv.")
    return Table(title=f"Outcomes at {settings['outcome_wave']} by group, adjusted for baseline",
                 columns=columns, rows=rows, note=" ".join(parts), number=number)


def ancova_for_study(ancova, means, contrasts, study: dict, root=None) -> Table:
    """The ANCOVA table of one study, outcomes labelled from its instrument definitions."""
    return ancova_table(ancova, means, contrasts, study, study_instruments_by_id(study, root),
                        labels=study_labels(study, root))


def anova_for_study(anova, cells, study: dict, root=None) -> Table:
    """The main ANOVA table of one study, outcomes labelled from its instrument definitions."""
    return anova_table(anova, cells, study, study_instruments_by_id(study, root),
                       labels=study_labels(study, root))


def fmt_bayes_factor(value) -> str:
    """A Bayes factor for a table: two decimals below 10, whole numbers to 1,000, then powers of
    ten (JASP's style).

    >>> [fmt_bayes_factor(v) for v in (0.2127, 3.456, 42.4, 2.7e12, float("nan"))]
    ['0.21', '3.46', '42', '2.7 × 10¹²', '']
    """
    if _missing(value):
        return ""
    value = float(value)
    if value == math.inf:
        return "∞"
    if value < 10:
        return f"{value:.2f}"
    if value < 1000:
        return f"{value:.0f}"
    exponent = int(math.floor(math.log10(value)))
    superscript = str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{value / 10 ** exponent:.1f} × 10{superscript}"


def _outcome_rows(frame, labels: dict | None, computed: str):
    """Each row of a per-outcome (and population) table with its name (the outcome's label, the
    population when there are several), and for rows whose ``computed`` column is blank the
    reason (the ``note`` without "not computed: "), else None."""
    several = frame["population"].astype(str).nunique() > 1
    for row in frame.itertuples(index=False):
        name = (labels or {}).get(row.outcome, row.outcome) + (f" ({row.population})" if several else "")
        reason = None
        if _missing(getattr(row, computed)):
            reason = "" if _missing(row.note) else str(row.note).removeprefix("not computed: ")
        yield row, name, reason


def bayes_table(bayes, study: dict, labels: dict | None = None, number: int | None = None) -> Table:
    """The APA table of ``anova/bayes.csv``: per outcome (and population) n, t, BF10, BF01 and
    the evidence in words.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame([{"outcome": "pss10.total", "population": "all", "effect": "group:time",
    ...     "test": "JZS two-sample t of the change post - pre", "n": 45, "n1": 21, "n2": 24,
    ...     "t": -0.95, "bf10": 0.4257, "bf01": 2.349, "prior": "Cauchy r = 0.707",
    ...     "evidence": "anecdotal evidence for no difference in change", "note": ""}])
    >>> bayes_table(rows, {"waves": ["pre", "post"]}, {"pss10.total": "Perceived stress"}).rows
    [['Perceived stress', '45', '-0.95', '0.43', '2.35', 'anecdotal evidence for no difference in change']]
    """
    rows, notes = [], {}
    for row, name, reason in _outcome_rows(bayes, labels, "bf10"):
        if reason is not None:
            notes.setdefault(reason, []).append(name)
            rows.append([name, "" if _missing(row.n) else str(int(row.n)), "", "—", "—", ""])
            continue
        rows.append([name, str(int(row.n)), fmt_number(row.t), fmt_bayes_factor(row.bf10),
                     fmt_bayes_factor(row.bf01), str(row.evidence)])
    tests = [str(t) for t in bayes["test"].dropna().unique()]
    parts = []
    if tests:
        two = "two-sample" in tests[0]
        parts.append(("BF₁₀ of the group × time interaction: the JZS two-sample *t* test of the change "
                      "scores" if two else "BF₁₀ of the change: the JZS paired *t* test of the two waves")
                     + f" ({', '.join(dict.fromkeys(t.split(' of ', 1)[-1] for t in tests))}), "
                     "for the participants in the ANOVA; Cauchy prior on the standardised effect, "
                     "scale *r* = √2/2 (Rouder et al., 2009; R's BayesFactor).")
    parts.append("BF₁₀ > 1 favours an effect; BF₀₁ = 1/BF₁₀ > 1 favours none. Evidence in words after "
                 "Jeffreys (1961): 1–3 anecdotal, 3–10 moderate, 10–30 strong, 30–100 very strong, "
                 "> 100 extreme.")
    for reason, names in notes.items():
        parts.append(f"— not computed for {', '.join(names)}: {reason}.")
    return Table(title="Bayes factors of the study's question", number=number, note=" ".join(parts),
                 columns=["Outcome", "*n*", "*t*", "BF₁₀", "BF₀₁", "Evidence"], rows=rows,
                 align=["l", "r", "r", "r", "r", "l"])


def bayes_for_study(bayes, study: dict, root=None) -> Table:
    """The Bayes factor table of one study, outcomes by their labels."""
    return bayes_table(bayes, study, study_labels(study, root))



def planning_table(planning, study: dict, labels: dict | None = None, number: int | None = None) -> Table:
    """The APA table of ``anova/planning.csv``: per outcome d [95% CI] and the n per group for
    the configured power, at d and at the CI bound nearer zero.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame([{"outcome": "pss10.total", "population": "all", "test": "two-sample t",
    ...     "n": 45, "d": -0.29, "d_ci_low": -0.87, "d_ci_high": 0.30, "power": 0.8, "alpha": 0.05,
    ...     "n_per_group": 188, "bound": float("nan"), "n_per_group_at_bound": float("nan"), "note": ""}])
    >>> planning_table(rows, {"waves": ["pre", "post"]}, {"pss10.total": "Perceived stress"}).rows
    [['Perceived stress', '45', '-0.29 [-0.87, 0.30]', '188', '—']]
    """
    rows, notes = [], {}
    for row, name, reason in _outcome_rows(planning, labels, "d"):
        if reason is not None:
            notes.setdefault(reason, []).append(name)
            rows.append([name, "" if _missing(row.n) else str(int(row.n)), "—", "—", "—"])
            continue
        at_bound = ("—" if _missing(row.n_per_group_at_bound)
                    else f"{int(row.n_per_group_at_bound)} (*d* = {fmt_number(row.bound)})")
        rows.append([name, str(int(row.n)),
                     f"{fmt_number(row.d)} [{fmt_number(row.d_ci_low)}, {fmt_number(row.d_ci_high)}]",
                     "" if _missing(row.n_per_group) else str(int(row.n_per_group)), at_bound])
    first = planning.iloc[0]
    two = "two-sample" in str(first.get("test", ""))
    parts = [("*d* = the difference between the groups' mean changes over the pooled *SD* of the "
              "changes (Cohen's *d*)" if two else "*d* = the mean change over the *SD* of the changes "
              "(*d_z*)") + ", with its 95% confidence interval (noncentral *t*), for the "
             "participants in the ANOVA.",
             f"*n* per group: the {'two-sample' if two else 'paired'} two-sided *t* test's *n* for a "
             f"power of {fmt_unit(first['power'])} at α = {fmt_unit(first['alpha'])} (as R's "
             "pwr::pwr.t.test), rounded up; the last column at the confidence bound nearer zero "
             "(— when the interval includes zero: no finite *n*).",
             "A pilot's effect size is imprecise and, when only promising pilots go on, optimistic: "
             "the *n* from it is often too small (Kraemer et al., 2006; Leon, Davis & Kraemer, 2011)."]
    for reason, names in notes.items():
        parts.append(f"— not computed for {', '.join(names)}: {reason}.")
    return Table(title="Sample size of a definitive trial", number=number, note=" ".join(parts),
                 columns=["Outcome", "*n*", "*d* [95% CI]", "*n* per group", "*n* per group at the bound"],
                 rows=rows)


def planning_for_study(planning, study: dict, root=None) -> Table:
    """The planning table of one study, outcomes by their labels."""
    return planning_table(planning, study, study_labels(study, root))


def reliable_change_table(summary, study: dict, labels: dict | None = None, number: int | None = None) -> Table:
    """The APA table of ``change/reliable_change.csv``: per outcome and group n and the counts
    (%) improved, unchanged and deteriorated, the smallest reliable change and the test of the
    improved share.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame([
    ...     {"outcome": "pss10.total", "group": "c", "n": 20, "improved": 2, "unchanged": 17,
    ...      "deteriorated": 1, "better": "lower", "reliability": 0.8, "criterion": 7.4, "note": ""},
    ...     {"outcome": "pss10.total", "group": "t", "n": 25, "improved": 9, "unchanged": 16,
    ...      "deteriorated": 0, "better": "lower", "reliability": 0.8, "criterion": 7.4, "note": ""},
    ...     {"outcome": "pss10.total", "group": "all", "n": 45, "improved": 11, "unchanged": 33,
    ...      "deteriorated": 1, "better": "lower", "reliability": 0.8, "criterion": 7.4,
    ...      "test": "Fisher exact", "p": 0.083, "note": ""}])
    >>> [row[:6] for row in reliable_change_table(rows, {"groups": ["c", "t"]}).rows]  # doctest: +NORMALIZE_WHITESPACE
    [['pss10.total', '', '', '', '', '7.40'], ['    c', '20', '2 (10.0)', '17 (85.0)', '1 (5.0)', ''],
     ['    t', '25', '9 (36.0)', '16 (64.0)', '0 (0.0)', '']]
    """
    rows, undirected, notes = [], [], {}
    grouped = (summary["group"].astype(str) != "all").any() and len(set(summary["group"].astype(str))) > 1
    for outcome, block in summary.groupby("outcome", sort=False):
        name = (labels or {}).get(outcome, outcome)
        first = block.iloc[0]
        if not str(first.get("better") or "") or _missing(first.get("better")):
            undirected.append(name)
        total = block[block["group"].astype(str) == "all"]
        test_row = total.iloc[0] if len(total) else first
        test = "" if _missing(test_row.get("test")) else str(test_row["test"]).replace("Pearson chi-squared", "χ²")
        if test.startswith("χ²") and not _missing(test_row.get("df")):
            test = f"χ²({int(test_row['df'])}) = {fmt_number(test_row['statistic'])}"
        criterion = "" if _missing(first.get("criterion")) else fmt_number(first["criterion"])
        rows.append([name, "", "", "", "", criterion, test, fmt_p(test_row.get("p"))])
        if not _missing(first.get("note")) and str(first["note"]):
            notes.setdefault(str(first["note"]).removeprefix("not computed: "), []).append(name)
            continue
        shown = block if not grouped else block[block["group"].astype(str) != "all"]
        for row in shown.itertuples(index=False):
            cells = [f"{int(getattr(row, k))} ({fmt_number(100 * getattr(row, k) / row.n, 1)})" if row.n else "0"
                     for k in ("improved", "unchanged", "deteriorated")]
            rows.append([f"    {group_label(row.group, study) if row.group != 'all' else 'All participants'}",
                         str(int(row.n)), *cells, "", "", ""])
    note = ("Participants scored at the first and the last wave. A change is reliable when the "
            "reliable change index |RCI| > 1.96 (Jacobson & Truax, 1991): RCI = change / *SE*, "
            "*SE* = √2 · *SD* · √(1 − *r*), with *SD* at the first wave and *r* the scale's "
            "Cronbach's alpha at the first wave unless the config gives one; Criterion is the "
            "smallest reliable change in score points (1.96 *SE*). Improved and deteriorated follow "
            "the direction each scale declares as better.")
    if grouped:
        note += (" The share improved is compared between groups by Fisher's exact test (two groups) or "
                 "Pearson's χ² test.")
    if undirected:
        note += f" No direction is declared for {', '.join(undirected)}: the columns count increases and decreases."
    for reason, names in notes.items():
        note += f" — not computed for {', '.join(names)}: {reason}."
    columns = ["Outcome", "*n*", "Improved, *n* (%)", "Unchanged, *n* (%)", "Deteriorated, *n* (%)",
               "Criterion", "Test", "*p*"]
    if not grouped:
        columns, rows = columns[:-2], [row[:-2] for row in rows]
    return Table(title="Reliable change from the first to the last wave", columns=columns, rows=rows,
                 note=note, number=number)


def reliable_change_for_study(summary, study: dict, root=None) -> Table:
    """The reliable-change table of one study, outcomes by their labels."""
    return reliable_change_table(summary, study, study_labels(study, root))


def feasibility_table(feasibility, study: dict, instruments: dict | None = None,
                      labels: dict | None = None, number: int | None = None) -> Table:
    """The APA table of ``participants/feasibility.csv``: retention per wave, completion per
    instrument and wave as *n* of *N* (%), each group a column; adherence as M (SD), median
    [range], n.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame([
    ...     {"section": "retention", "variable": "responded", "group": "c", "wave": "post", "n": 21,
    ...      "of": 22, "percent": 95.45},
    ...     {"section": "retention", "variable": "responded", "group": "all", "wave": "post", "n": 21,
    ...      "of": 22, "percent": 95.45}])
    >>> feasibility_table(rows, {"groups": ["c"]}).rows
    [['Retention: responded', '', ''], ['    post', '21 of 22 (95.5)', '21 of 22 (95.5)']]
    """
    groups = [g for g in dict.fromkeys(feasibility["group"].astype(str))]
    heads = {"retention": "Retention: responded", "items answered": "Items answered",
             "scores computed": "Scale scores computed", "adherence": "Adherence"}
    rows = []
    for section, block in feasibility.groupby("section", sort=False):
        for variable, inner in block.groupby("variable", sort=False):
            if section == "retention":
                title = heads[section]
            else:
                instrument = (instruments or {}).get(variable)
                name = instrument.name if instrument is not None else (labels or {}).get(variable, variable)
                title = f"{heads[section]}: {name}"
            rows.append([title] + [""] * len(groups))
            for wave, at in inner.groupby(inner["wave"].fillna("").astype(str), sort=False):
                cells = []
                for group in groups:
                    entry = at[at["group"].astype(str) == group]
                    if entry.empty:
                        cells.append("")
                        continue
                    e = entry.iloc[0]
                    if section == "adherence":
                        cells.append("" if _missing(e["mean"]) else
                                     f"{fmt_number(e['mean'])} ({fmt_number(e['sd'])}), {fmt_number(e['median'])} "
                                     f"[{fmt_number(e['min'])}, {fmt_number(e['max'])}], *n* = {int(e['n'])}")
                    else:
                        cells.append(f"{int(e['n'])} of {int(e['of'])} ({fmt_number(e['percent'], 1)})")
                rows.append([f"    {wave or 'per participant'}"] + cells)
    columns = ["Measure"] + [("All" if g == "all" else group_label(g, study)) for g in groups]
    note = ("Retention: participants who responded at the wave, of those who responded at any wave. "
            "Items answered: item answers given by the wave's responders, of every item of the "
            "instrument. Scale scores computed: complete or prorated under the instrument's "
            "missing-item rule, of those expected. Adherence: *M* (*SD*), median [range] of those "
            "with a value.")
    return Table(title="Feasibility: retention, questionnaire completion and adherence", columns=columns,
                 rows=rows, note=note, number=number)


def feasibility_for_study(feasibility, study: dict, root=None) -> Table:
    """The feasibility table of one study, instruments by name and measures by label."""
    return feasibility_table(feasibility, study, study_instruments_by_id(study, root), study_labels(study, root))


def flow_table(flow, study: dict, number: int | None = None) -> Table:
    """The participant flow as a table beside its diagram: each stage (and reason) a row, each
    group a column (one column without groups); the analysed stages give the range over the
    ANOVA's outcomes for its first population.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame([
    ...     {"stage": "assessed", "group": "", "wave": "", "outcome": "", "population": "", "n": 5, "reason": ""},
    ...     {"stage": "allocated", "group": "c", "wave": "", "outcome": "", "population": "", "n": 5, "reason": ""},
    ...     {"stage": "lost", "group": "c", "wave": "post", "outcome": "", "population": "", "n": 1,
    ...      "reason": "no post response"}])
    >>> flow_table(rows, {"groups": ["c"], "design": "mixed"}).rows
    [['Participants in the exports', '5'], ['Allocated', '5'], ['Lost at post: no post response', '1']]
    """
    text = lambda value: "" if _missing(value) else str(value)  # noqa: E731
    frame = flow.assign(**{column: flow[column].map(text) for column in ("group", "wave", "outcome", "population",
                                                                         "reason")})
    groups = [g for g in dict.fromkeys(frame["group"]) if g]
    analysed = frame[frame["stage"].isin(["analysed", "excluded from analysis"])]
    if len(analysed):
        analysed = analysed[analysed["population"] == analysed["population"].iloc[0]]
    names = {"assessed": "Participants in the exports", "records without a code": "Rows without a participant code",
             "excluded": "Excluded", "allocated": "Allocated", "enrolled": "Enrolled",
             "not allocated": "Not allocated", "responded": "Responded", "lost": "Lost",
             "analysed": "Analysed (per outcome)", "excluded from analysis": "Excluded from analysis (per outcome)"}
    rows = []
    people = frame[~frame["stage"].isin(["analysed", "excluded from analysis"])]
    for (stage, wave, reason), block in list(people.groupby(["stage", "wave", "reason"], sort=False)) + \
            list(analysed.groupby(["stage", "wave", "reason"], sort=False)):
        label = names.get(stage, stage) + (f" at {wave}" if wave else "") + (f": {reason}" if reason else "")
        if stage in ("assessed", "records without a code", "excluded", "not allocated") or not groups:
            rows.append([label, _range_text(block["n"])] + [""] * max(0, len(groups) - 1))
            continue
        rows.append([label] + [_range_text(block.loc[block["group"] == g, "n"]) for g in groups])
    named = group_labels(study)
    columns = ["Stage"] + ([named.get(g, g) for g in groups] if groups else ["*n*"])
    careless = frame["reason"].str.contains("careless").any()
    note = ("Participants (rows, for rows without a code). Lost: allocated (or enrolled) participants "
            "without a response at the wave"
            + (" or whose response the careless-response screening excluded (screening/careless.csv)"
               if careless else "")
            + ". Analysed: the range over the ANOVA's outcomes, for its first "
            "population. Every count is derived from ingest/ledger.csv, ingest/responses.csv and "
            "anova/ledger.csv (flow/flow.csv).")
    return Table(title="Participant flow", columns=columns, rows=rows, note=note, number=number)


def _range_text(values) -> str:
    numbers = sorted(set(int(v) for v in values if not _missing(v)))
    if not numbers:
        return ""
    return str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}–{numbers[-1]}"
