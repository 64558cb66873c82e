"""Participant characteristics by group: the first table of a paper.

At the baseline wave (the first of ``waves``), for the columns named in
``analyses.participants``:

* continuous columns: n, mean and SD per group (and overall); between groups Welch's t test
  (two groups) or Welch's one-way ANOVA (three or more), as R's ``t.test`` and ``oneway.test``;
* categorical columns: n and percentage of each level per group, the percentage of those with an
  answer; between groups Fisher's exact test for a 2 x 2 table (R's ``fisher.test``), otherwise
  Pearson's chi-squared test without continuity correction (``chisq.test(correct = FALSE)``),
  with the smallest expected count reported so a reader can judge it.

Codes are shown with their labels: the study's ``value_labels`` first, then the codebook's
(REDCap choices, SPSS value labels); a whole-number code read back as ``1.0`` is the code ``1``.
Each variable carries the label readers see (a measure's label and unit, else the codebook's
field label). Missing answers are counted, never dropped silently: every variable reports
``n_missing``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .errors import UserError

COLUMNS = ["variable", "label", "kind", "level", "code", "group", "n", "n_missing", "mean", "sd", "count",
           "percent", "test", "statistic", "df1", "df2", "p", "min_expected"]


def code_text(value) -> str:
    """A categorical answer as its code: whole numbers without ``.0``, text stripped.

    >>> code_text(1.0), code_text("2"), code_text(" F "), code_text(2.5)
    ('1', '2', 'F', '2.5')
    """
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def variable_labels(study: Mapping, codebook: pd.DataFrame | None = None) -> dict[str, str]:
    """How the participants table names each characteristic: a measure's ``label`` with its
    ``unit`` (``Age (years)``), else the codebook's label of the column (REDCap field label,
    SPSS variable label, Qualtrics question), else the column.

    >>> book = pd.DataFrame({"column": ["gender"], "label": ["Gender"]})
    >>> study = {"measures": [{"name": "age", "label": "Age", "unit": "years"}]}
    >>> variable_labels(study, book)
    {'gender': 'Gender', 'age': 'Age (years)'}
    """
    labels: dict[str, str] = {}
    if codebook is not None and "label" in codebook:
        for column, label in zip(codebook["column"], codebook["label"]):
            if isinstance(label, str) and label.strip():
                labels.setdefault(str(column), label.strip())
    for measure in study.get("measures") or []:
        text = measure.get("label") or labels.get(measure["name"]) or measure["name"]
        labels[measure["name"]] = f"{text} ({measure['unit']})" if measure.get("unit") else text
    return labels


def value_labels(codebook: pd.DataFrame, column: str, study: Mapping | None = None) -> dict[str, str]:
    """Code -> label for one column: the study's ``value_labels`` of the column, then the
    codebook's ``values`` text (``1=Female; 2=Male``) for codes it does not name.

    Examples
    --------
    >>> book = pd.DataFrame({"column": ["gender"], "values": ["1=Female; 2=Male"]})
    >>> value_labels(book, "gender")
    {'1': 'Female', '2': 'Male'}
    >>> value_labels(book, "gender", {"value_labels": {"gender": {1: "Woman", 3: "Non-binary"}}})
    {'1': 'Woman', '3': 'Non-binary', '2': 'Male'}
    """
    labels = {code_text(code): str(label)
              for code, label in (((study or {}).get("value_labels") or {}).get(column) or {}).items()}
    if codebook is None or "values" not in codebook:
        return labels
    for text in codebook.loc[codebook["column"] == column, "values"].dropna():
        for part in str(text).split("; "):
            if "=" in part:
                code, label = part.split("=", 1)
                labels.setdefault(code_text(code), label.strip())
    return labels


def _level_order(level: str):
    """Numeric codes in numeric order, text levels alphabetically."""
    try:
        return (0, float(level), "")
    except ValueError:
        return (1, 0.0, level.lower())


def _welch(samples: Sequence[np.ndarray]) -> tuple[str, float, float, float, float]:
    if len(samples) == 2:
        result = stats.ttest_ind(samples[0], samples[1], equal_var=False)
        a, b = samples
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
        return "Welch t", float(result.statistic), float(df), float("nan"), float(result.pvalue)
    # Welch's heteroscedastic one-way ANOVA (Welch 1951), as R's oneway.test(var.equal = FALSE).
    k = len(samples)
    n = np.array([len(s) for s in samples], dtype=float)
    means = np.array([s.mean() for s in samples])
    weights = n / np.array([s.var(ddof=1) for s in samples])
    grand = np.sum(weights * means) / np.sum(weights)
    tmp = np.sum((1 - weights / weights.sum()) ** 2 / (n - 1)) / (k ** 2 - 1)
    statistic = np.sum(weights * (means - grand) ** 2) / ((k - 1) * (1 + 2 * (k - 2) * tmp))
    df2 = 1 / (3 * tmp)
    return "Welch F", float(statistic), float(k - 1), float(df2), float(stats.f.sf(statistic, k - 1, df2))


def characteristics(responses: pd.DataFrame, study: Mapping,
                    codebook: pd.DataFrame | None = None) -> pd.DataFrame:
    """Describe the configured characteristics at baseline, by group, with group comparisons.

    Parameters
    ----------
    responses : DataFrame
        ``ingest/responses.csv``.
    study : mapping
        The validated study config; ``analyses.participants`` names the columns.
    codebook : DataFrame, optional
        ``ingest/codebook.csv``, for value labels.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`. One row per continuous variable and group (``group`` ``all``
        for everyone); one row per categorical level and group; the test columns are filled on
        the variable's first row.

    Examples
    --------
    >>> responses = pd.DataFrame({"participant": list("abcdef"), "wave": "pre",
    ...     "group": ["c", "c", "c", "t", "t", "t"], "age": [30, 40, 50, 35, 45, 61],
    ...     "gender": ["F", "F", "M", "F", "F", "F"]})
    >>> study = {"waves": ["pre"], "groups": ["c", "t"],
    ...          "analyses": {"participants": {"continuous": ["age"], "categorical": ["gender"]}}}
    >>> table = characteristics(responses, study)
    >>> first = table.loc[0]
    >>> first.variable, first.group, int(first.n), float(first["mean"]), first.test
    ('age', 'c', 3, 40.0, 'Welch t')
    >>> round(float(table.loc[0, "p"]), 6)   # R: t.test(c(30, 40, 50), c(35, 45, 61))$p.value
    0.505696
    """
    settings = study.get("analyses", {}).get("participants") or {}
    baseline = responses[responses["wave"] == study["waves"][0]]
    groups = list(study.get("groups") or [])
    if not groups:
        groups = sorted(g for g in baseline["group"].dropna().unique() if g != "")
    grouped = len(groups) >= 2
    names = variable_labels(study, codebook)
    rows: list[dict] = []
    for column in list(settings.get("continuous", [])) + list(settings.get("categorical", [])):
        if column not in baseline.columns:
            raise UserError(f"analyses.participants: column '{column}' is not in the responses "
                            f"at wave {study['waves'][0]}; use a column of ingest/responses.csv")
    for column in settings.get("continuous", []):
        values = pd.to_numeric(baseline[column], errors="coerce")
        first = len(rows)
        samples = []
        for group in (groups if grouped else []) + ["all"]:
            mask = baseline["group"] == group if group != "all" else pd.Series(True, index=baseline.index)
            present = values[mask].dropna().to_numpy(dtype=float)
            if group != "all":
                samples.append(present)
            rows.append({"variable": column, "label": names.get(column, column), "kind": "continuous",
                         "level": "", "code": "", "group": group,
                         "n": len(present), "n_missing": int(mask.sum() - len(present)),
                         "mean": present.mean() if len(present) else np.nan,
                         "sd": present.std(ddof=1) if len(present) > 1 else np.nan})
        if grouped and all(len(s) > 1 for s in samples):
            test, statistic, df1, df2, p = _welch(samples)
            rows[first].update(test=test, statistic=statistic, df1=df1, df2=df2, p=p)
    for column in settings.get("categorical", []):
        labels = value_labels(codebook, column, study)
        present = baseline[column].where(baseline[column].astype("string").str.strip() != "")
        text = present.map(code_text, na_action="ignore")
        levels = sorted(text.dropna().unique(), key=_level_order)
        first = len(rows)
        counts = np.zeros((len(levels), len(groups) if grouped else 0))
        for g_index, group in enumerate((groups if grouped else []) + ["all"]):
            mask = baseline["group"] == group if group != "all" else pd.Series(True, index=baseline.index)
            answered = text[mask].dropna()
            for l_index, level in enumerate(levels):
                count = int((answered == level).sum())
                if group != "all":
                    counts[l_index, g_index] = count
                rows.append({"variable": column, "label": names.get(column, column), "kind": "categorical",
                             "level": labels.get(level, level), "code": level, "group": group, "n": len(answered),
                             "n_missing": int(mask.sum() - len(answered)),
                             "count": count, "percent": 100 * count / len(answered) if len(answered) else np.nan})
        if grouped and len(levels) >= 2:
            counts = counts[counts.sum(axis=1) > 0]
            expected = stats.contingency.expected_freq(counts)
            if counts.shape == (2, 2):
                _, p = stats.fisher_exact(counts)
                rows[first].update(test="Fisher exact", p=float(p), min_expected=float(expected.min()))
            else:
                chi2, p, dof, _ = stats.chi2_contingency(counts, correction=False)
                rows[first].update(test="Pearson chi-squared", statistic=float(chi2), df1=float(dof),
                                   p=float(p), min_expected=float(expected.min()))
    return pd.DataFrame(rows, columns=COLUMNS)
