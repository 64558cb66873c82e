"""Participant characteristics by group, against R's stats package.

The R values come from tests/reference/participants_reference.R (R 4.2.2), shown beside each
assertion; the data are the same small samples.
"""

import pandas as pd
import pytest

from wellbeing.participants import characteristics

AGE = {"c": [30, 40, 50, 41, 38], "t": [35, 45, 61, 52], "u": [20, 22, 29, 25]}


def frame(groups):
    rows = []
    for group in groups:
        for index, age in enumerate(AGE[group]):
            rows.append({"participant": f"{group}{index}", "wave": "pre", "group": group, "age": age})
    return pd.DataFrame(rows)


def study(groups, continuous=("age",), categorical=()):
    return {"waves": ["pre", "post"], "groups": list(groups),
            "analyses": {"participants": {"continuous": list(continuous), "categorical": list(categorical)}}}


def test_welch_t_two_groups_matches_r():
    table = characteristics(frame("ct"), study("ct"))
    first = table.iloc[0]
    assert first.test == "Welch t"
    assert first.statistic == pytest.approx(-1.32829512324471, rel=1e-12)   # t.test(...)$statistic
    assert first.df1 == pytest.approx(4.95065902964202, rel=1e-12)         # $parameter
    assert first.p == pytest.approx(0.242018166587641, rel=1e-12)          # $p.value
    # Means and SDs by hand: c = (30+40+50+41+38)/5 = 39.8; all nine: 392/9.
    assert table.set_index("group").loc["c", "mean"] == pytest.approx(39.8)
    assert table.set_index("group").loc["all", "mean"] == pytest.approx(392 / 9)


def test_welch_anova_three_groups_matches_r():
    first = characteristics(frame("ctu"), study("ctu")).iloc[0]
    assert first.test == "Welch F"
    assert first.statistic == pytest.approx(13.3656524083228, rel=1e-12)   # oneway.test(...)
    assert (first.df1, first.df2) == (2, pytest.approx(5.8299607524676, rel=1e-12))
    assert first.p == pytest.approx(0.00664363483392643, rel=1e-10)


def test_fisher_exact_for_two_by_two_and_chi_squared_otherwise():
    data = frame("ct")
    data["gender"] = ["F", "F", "F", "F", "M", "F", "M", "M", "M"]   # c: 4 F 1 M; t: 1 F 3 M
    data["job"] = ["a", "a", "b", "c", "", "a", "b", "c", "c"]       # c: 2 a 2 b 1 c; t: 1 a 1 b 2 c
    data.loc[4, "job"] = "b"                                         # (blank first: see next test)
    table = characteristics(data, study("ct", continuous=(), categorical=("gender", "job")))
    gender = table[table.variable == "gender"].iloc[0]
    assert gender.test == "Fisher exact"
    assert gender.p == pytest.approx(0.206349206349207, rel=1e-12)     # fisher.test(matrix(c(4,1,1,3),2))
    job = table[table.variable == "job"].iloc[0]
    assert job.test == "Pearson chi-squared"
    assert job.statistic == pytest.approx(0.9, rel=1e-12)             # chisq.test(..., correct = FALSE)
    assert job.p == pytest.approx(0.637628151621773, rel=1e-12)
    assert job.min_expected == pytest.approx(4 / 3)
    # Percentages of those who answered: gender in group c, F = 4 of 5.
    female_c = table[(table.variable == "gender") & (table.level == "F") & (table.group == "c")].iloc[0]
    assert (female_c["count"], female_c.percent) == (4, 80.0)


def test_missing_answers_are_counted_and_labels_used():
    data = frame("ct")
    data["gender"] = ["1", "1", "", "2", "1", "2", "2", "1", "1"]
    codebook = pd.DataFrame({"column": ["gender"], "values": ["1=Female; 2=Male"]})
    table = characteristics(data, study("ct", continuous=(), categorical=("gender",)), codebook)
    rows = table[(table.group == "c")]
    assert rows.level.tolist() == ["Female", "Male"]
    assert rows.n_missing.tolist() == [1, 1] and rows.n.tolist() == [4, 4]


def test_value_labels_from_the_config_win_and_codes_read_back_as_floats_are_whole():
    # A CSV column with a blank is read as float: codes 1.0 and 2.0 are the codes 1 and 2.
    data = frame("ct")
    data["gender"] = [1.0, 1.0, None, 2.0, 1.0, 2.0, 2.0, 1.0, 3.0]
    codebook = pd.DataFrame({"column": ["gender", "age"], "label": ["Gender", "Age in years"],
                             "values": ["1=Female; 2=Male", ""]})
    config = study("ct", categorical=("gender",))
    config["value_labels"] = {"gender": {1: "Woman", 3: "Another gender"}}
    config["measures"] = [{"name": "age", "label": "Age", "unit": "years"}]
    table = characteristics(data, config, codebook)
    rows = table[(table.variable == "gender") & (table.group == "all")]
    assert rows.level.tolist() == ["Woman", "Male", "Another gender"]     # config, codebook, config
    assert rows.code.tolist() == ["1", "2", "3"]
    assert rows["count"].tolist() == [4, 3, 1]
    assert set(table.loc[table.variable == "gender", "label"]) == {"Gender"}
    assert set(table.loc[table.variable == "age", "label"]) == {"Age (years)"}   # measure label and unit


def test_participants_table_names_variables_by_label():
    from wellbeing.tables import participants_table

    data = frame("ct")
    data["gender"] = ["1", "1", "", "2", "1", "2", "2", "1", "1"]
    config = study("ct", categorical=("gender",))
    config["value_labels"] = {"gender": {"1": "Female", "2": "Male"}}
    codebook = pd.DataFrame({"column": ["gender"], "label": ["Gender"], "values": [""]})
    rows = participants_table(characteristics(data, config, codebook), config).rows
    assert [row[0] for row in rows] == ["age, *M* (*SD*)", "Gender, *n* (%)", "    Female", "    Male"]
