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
    return _ITALIC.sub(r"<i>\1</i>", html.escape(text, quote=False))


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
                  "–": "--", "—": "---", "ₚ": r"$_p$", "ᵢ": r"$_i$"}


def _latex_text(text: str) -> str:
    out = []
    for part in re.split(r"(\*[^*]+\*)", text):
        italic = part.startswith("*") and part.endswith("*") and len(part) > 2
        core = part[1:-1] if italic else part
        escaped = "".join(_LATEX_SPECIAL.get(ch, _LATEX_UNICODE.get(ch, ch)) for ch in core)
        out.append(r"\textit{" + escaped + "}" if italic else escaped)
    return "".join(out)


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
