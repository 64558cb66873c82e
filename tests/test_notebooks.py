"""What the notebooks read instead of the largest tables, and the shortcuts they take at a national
cohort's size, give what the large tables would: the screening table less its exclusions is the
responses (data audit, who answered when), the wide scores laid out row by row are the long scores
(scoring and reliability, means and SDs), and ``wellbeing.reading.tally`` counts as a groupby does
(data audit, how each score was computed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wellbeing import ingest, io
from wellbeing.config import validate
from wellbeing.instruments import load_instrument
from wellbeing.notebooks import NOTEBOOKS
from wellbeing.reading import tally
from wellbeing.score import score_study

BRS_ITEMS = [f"BRS_{n}" for n in range(1, 7)]


# ------------------------------------------------------------------------------ the inputs


def test_the_notebooks_read_no_table_of_every_answer():
    """The responses (every answer) and, for the scale summary, the long scores (a row per scale
    and response: 12 million rows at 100,000 participants) are read from smaller tables."""
    assert "ingest/responses.csv" not in NOTEBOOKS["data_audit"]
    assert "scores/scores.csv" not in NOTEBOOKS["scoring_reliability"]
    assert "scores/scores_wide.csv" in NOTEBOOKS["scoring_reliability"]


def two_wave_study(root: Path, rows, screening: dict) -> dict:
    lines = ["pid,grp,visit," + ",".join(BRS_ITEMS)] + [",".join(map(str, row)) for row in rows]
    (root / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    study = {"title": "t", "design": "mixed", "id_column": "pid", "group_column": "grp",
             "waves": ["pre", "post"], "groups": ["ctl", "trt"],
             "sources": [{"path": "data.csv", "format": "csv", "wave_column": "visit"}],
             "instruments": [{"instrument": "brs", "items": "BRS_{n}"}],
             "analyses": {"screening": screening}}
    return validate({"studies": {"demo": study}}, root)["studies"]["demo"]


ROWS = [["A1", "ctl", "pre", 1, 2, 4, 2, 5, 1], ["A1", "ctl", "post", 2, 4, 1, 3, 2, 5],
        ["B2", "trt", "pre", 5, 5, 5, 5, 5, 5], ["B2", "trt", "post", 1, 3, 2, 4, 1, 3],
        ["C3", "trt", "post", 3, 1, 2, 4, 1, 3], ["D4", "ctl", "pre", 4, 4, 4, 4, 4, 4],
        ["E5", "ctl", "pre", 2, 3, 3, 2, 4, 1], ["E5", "ctl", "post", 3, 3, 3, 3, 3, 3]]


@pytest.mark.parametrize("exclude", [[], ["longstring"]])
def test_the_screening_table_less_its_exclusions_is_the_responses(tmp_path, exclude):
    """The data audit counts who answered when from screening/careless.csv, a row per response as
    ingested: without those the screening excluded, its participant, wave and group are those of
    ingest/responses.csv, row for row, as written and read back."""
    study = two_wave_study(tmp_path, ROWS, {"longstring": 6, "exclude": exclude})
    result, _ = ingest.pseudonymise(ingest.for_study(study, tmp_path), study)
    io.write_table(result.careless, tmp_path / "careless.csv")
    io.write_table(result.responses, tmp_path / "responses.csv")

    careless = io.read_table(tmp_path / "careless.csv")
    kept = careless.loc[~careless["excluded"].astype(str).str.lower().eq("true"), ["participant", "wave", "group"]]
    responses = pd.read_csv(tmp_path / "responses.csv", usecols=["participant", "wave", "group"], dtype=str)
    pd.testing.assert_frame_equal(kept.reset_index(drop=True), responses, check_dtype=False)
    assert len(responses) == (8 if not exclude else 5)       # B2, D4 (pre) and E5 (post): one answer throughout


# ------------------------------------------------------------------------------ scores


def test_the_wide_scores_row_by_row_are_the_long_scores():
    """scores_wide.csv's scale columns, read a row at a time, are scores.csv's scores in its
    order (a row per response, each instrument's scales in turn): the scoring notebook's means
    and SDs add up the same numbers in the same order from either."""
    rng = np.random.default_rng(7)
    pss, brs = load_instrument("pss10"), load_instrument("brs")
    n = 40
    responses = pd.DataFrame({"participant": [f"p{i // 2:02d}" for i in range(n)],
                              "wave": ["pre", "post"] * (n // 2), "group": "imp"})
    for name, count in (("PSS_{n}", 10), ("BRS{n}", 6)):
        answers = rng.integers(1, 5, size=(n, count)).astype(float)
        answers[rng.random(answers.shape) < 0.15] = np.nan
        for item in range(count):
            responses[name.format(n=item + 1)] = answers[:, item]
    long, wide = score_study(responses, [(pss, "PSS_{n}"), (brs, "BRS{n}")], waves=["pre", "post"])
    variables = [column for column in wide.columns if "." in column]
    assert (long.instrument + "." + long.scale).tolist() == variables * len(wide)
    assert long.wave.tolist() == np.repeat(wide.wave.to_numpy(), len(variables)).tolist()
    np.testing.assert_array_equal(long.score.to_numpy(), wide[variables].to_numpy().ravel())


# ------------------------------------------------------------------------------ tally


def random_frame(rng, n: int) -> pd.DataFrame:
    columns = {}
    for index in range(int(rng.integers(1, 4))):
        values = rng.choice(["complete", "prorated: 5/6", "missing: 2/6", None][:int(rng.integers(1, 5))], n)
        columns[f"c{index}"] = pd.Series(values, dtype=["category", object, "str"][index % 3])
    return pd.DataFrame(columns)


def key_tuples(index) -> list[tuple]:
    frame = index.to_frame(index=False)
    return [tuple(None if pd.isna(value) else value for value in row) for row in frame.itertuples(index=False)]


@pytest.mark.parametrize("seed", range(20))
def test_tally_counts_as_a_groupby_does(seed):
    rng = np.random.default_rng(seed)
    frame = random_frame(rng, int(rng.integers(0, 80)))
    counted = tally(frame)
    assert list(counted.columns) == [*frame.columns, "n"] and counted["n"].sum() == len(frame)
    pd.testing.assert_series_equal(counted.dtypes.drop("n"), frame.dtypes)
    expected = frame.groupby(list(frame.columns), sort=False, dropna=False, observed=True).size()
    assert key_tuples(counted.set_index(list(frame.columns)).index) == key_tuples(expected.index)
    assert counted["n"].tolist() == expected.tolist()


def test_tally_of_many_columns_of_many_values():
    """The row's codes as one number would overflow 64 bits: renumbered on the way."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"c{i}": rng.integers(0, 1000, 3000) for i in range(10)})
    frame.iloc[1500:] = frame.iloc[:1500].to_numpy()            # every row twice
    counted = tally(frame)
    assert len(counted) == 1500 and (counted["n"] == 2).all()
    pd.testing.assert_frame_equal(counted.drop(columns="n"), frame.iloc[:1500])


def test_a_pivot_of_the_tally_is_the_pivot_of_the_rows():
    """The data audit's table of complete, prorated and missing scores, from the tally of the
    scores' instrument, scale and rule: the same rows, columns, order and counts."""
    rng = np.random.default_rng(3)
    n = 5000
    scales = [("pss10", "total"), ("scs26", "self_kindness"), ("scs26", "total"), ("brs", "total")]
    pairs = [scales[i % len(scales)] for i in range(n)]
    rules = rng.choice(["complete", "prorated: 9/10 answered >= 80%", "missing: 3/10 answered < 80%",
                        "prorated: 5/6 answered >= 1 item"], n, p=[0.2, 0.3, 0.3, 0.2])
    scores = pd.DataFrame({"instrument": [p[0] for p in pairs], "scale": [p[1] for p in pairs],
                           "rule": rules}, dtype="category")

    def table(frame, values, aggfunc):
        frame = frame.assign(outcome=frame.rule.map(lambda rule: rule.split(":")[0]).astype("category"))
        return frame.pivot_table(index=["instrument", "scale"], columns="outcome", values=values,
                                 aggfunc=aggfunc, fill_value=0, sort=False, observed=True)

    pd.testing.assert_frame_equal(table(tally(scores), "n", "sum"),
                                  table(scores.assign(participant="p"), "participant", "count"))
