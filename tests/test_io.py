"""wellbeing.io.write_table writes exactly the bytes pandas' own ``to_csv`` writes.

The writer formats each distinct value once instead of each cell (see io._csv_codes); the oracle
is pandas itself, on frames of every dtype the pipeline writes, including the awkward cells:
missing values, infinities, negative zero, floats needing 17 digits, text with commas, quotes and
line breaks, empty text, a lone empty field, duplicate column names.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellbeing import io


def pandas_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, encoding="utf-8", lineterminator="\n").encode("utf-8")


def written_bytes(frame: pd.DataFrame, tmp_path) -> bytes:
    path = tmp_path / "t.csv"
    io.write_table(frame, path)
    return path.read_bytes()


AWKWARD_FLOATS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 0.1, 1 / 3, 1e-5, 1.5e16, 1e300, -2.5, 3.0,
                  123456789.123456789, 5e-324]
AWKWARD_TEXT = ["", "plain", "a,b", 'say "hi"', "two\nlines", "cr\rhere", " lead", "ünï", None,
                np.nan, "007", "1.0"]


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"x": AWKWARD_FLOATS}),
    pd.DataFrame({"x": np.array([x for x in AWKWARD_FLOATS if not abs(x) > 3e38], dtype=np.float32)}),
    pd.DataFrame({"t": pd.Series(AWKWARD_TEXT, dtype=object)}),
    pd.DataFrame({"t": pd.Series(AWKWARD_TEXT, dtype="str")}),
    pd.DataFrame({"n": [3, -1, 0, 2 ** 62], "u": np.array([1, 2, 3, 4], dtype=np.uint8),
                  "b": [True, False, True, True]}),
    pd.DataFrame({"mixed": pd.Series([1, 0.1, "a", None, True, 1.0, False, 0, np.float64(2.5)], dtype=object)}),
    pd.DataFrame({"only": [""]}),
    pd.DataFrame({"x": pd.Series([], dtype=float), "t": pd.Series([], dtype=object)}),
    pd.DataFrame(),
    pd.DataFrame(index=range(3)),
    pd.DataFrame({"only": ["", "a", None, ""]}),
    pd.DataFrame([[1.0, "a"], [np.nan, "b"]], columns=["same", "same"]),
    pd.DataFrame({0: [1.5], "a,b": ["c"]}),
    pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64"), "x": [0.1, 0.2, 0.3],
                  "u": pd.array([None, 255, 0], dtype="UInt8"),
                  "i": pd.array([-2 ** 31, None, 7], dtype="Int32")}),
    # dtypes the fast path leaves to pandas
    pd.DataFrame({"f": pd.array([0.1, None, -0.0], dtype="Float64"),
                  "b": pd.array([True, None, False], dtype="boolean")}),
    pd.DataFrame({"d": pd.to_datetime(["2026-01-02", None]), "c": pd.Categorical(["a", None])}),
], ids=["floats", "float32", "object text", "str text", "ints and bools", "mixed objects",
        "lone empty field", "no rows", "nothing", "rows without columns", "one column with blanks",
        "duplicate names", "odd names", "nullable ints", "nullable floats and booleans", "dates and categories"])
def test_written_bytes_are_pandas_bytes(frame, tmp_path):
    assert written_bytes(frame, tmp_path) == pandas_bytes(frame)


@pytest.mark.parametrize("rows", [1, 3, 7])
def test_tables_longer_than_a_chunk_are_whole(rows, tmp_path, monkeypatch):
    monkeypatch.setattr(io, "_ROWS_PER_CHUNK", 2)
    frame = pd.DataFrame({"x": np.arange(rows) / 3, "t": [f"r{i}," for i in range(rows)]})
    assert written_bytes(frame, tmp_path) == pandas_bytes(frame)


def long_table(participants: int = 50) -> pd.DataFrame:
    """The shape of scores.csv: each participant x wave row repeated for every scale, the
    scales tiled, blanks and awkward text inside the runs."""
    scales = [("pss10", "total"), ("scs26", "self,kindness"), ("scs26", "total"), ("brs", 'say "hi"')]
    ids = [f"P{n:03d}" for n in range(participants) for _ in ("pre", "post")]
    waves = ["pre", "post"] * participants
    rows = len(ids) * len(scales)
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "participant": pd.Series(np.repeat(ids, len(scales)), dtype="str"),
        "wave": pd.Series(np.repeat(waves, len(scales)), dtype=object),
        "group": pd.Series(np.repeat([None if n % 7 == 0 else "imp" for n in range(len(ids))], len(scales)),
                           dtype=object),
        "instrument": np.tile([i for i, _ in scales], len(ids)),
        "scale": np.tile([s for _, s in scales], len(ids)),
        "score": np.where(rng.random(rows) < 0.1, np.nan, rng.integers(0, 40, rows) / 4),
        "n_items": np.tile([10, 5, 26, 6], len(ids)),
        "rule": pd.Series(np.where(rng.random(rows) < 0.1, "2 of 10 missing", "complete"), dtype="str"),
    })


@pytest.mark.parametrize("labels", ["text", "categories"])
def test_a_long_table_of_runs_and_repeats_is_written_as_pandas_writes_it(labels, tmp_path, monkeypatch):
    # its repeated columns are read a run at a time and its neighbours joined: both must keep the
    # bytes; as categories (what the score job writes), each chunk writes the categories it uses
    frame = long_table()
    if labels == "categories":
        frame = frame.astype({name: "category" for name in ["participant", "wave", "group", "scale"]})
    assert written_bytes(frame, tmp_path) == pandas_bytes(frame)
    monkeypatch.setattr(io, "_ROWS_PER_CHUNK", 37)         # chunks that cut runs in two
    assert written_bytes(frame, tmp_path) == pandas_bytes(frame)


def test_runs_of_values_that_hash_alike_keep_their_own_text(tmp_path):
    # 1, 1.0 and True are equal (one run) but pandas writes each as itself
    frame = pd.DataFrame({"m": pd.Series([1, 1.0, True] * 8 + ["a"] * 8, dtype=object),
                          "na": pd.Series([pd.NA, pd.NA, "x", "x"] * 8, dtype=object)})
    assert written_bytes(frame, tmp_path) == pandas_bytes(frame)


@pytest.mark.parametrize("categories", [["b", "a,c", 'q"'], [3, 1, 2], [0.5, -0.0, 1e300]],
                         ids=["text", "ints", "floats"])
def test_categories_are_written_as_pandas_writes_them(categories, tmp_path):
    codes = np.random.default_rng(1).integers(-1, len(categories), 200)
    frame = pd.DataFrame({"c": pd.Categorical.from_codes(codes, categories), "x": codes / 2})
    assert written_bytes(frame, tmp_path) == pandas_bytes(frame)


@settings(max_examples=60, deadline=None)
@given(runs=st.lists(st.tuples(st.sampled_from(["a", "b", "", None, "x,y"]), st.sampled_from([0.5, np.nan, 2.0]),
                          st.integers(1, 12)), min_size=1, max_size=12))
def test_any_table_of_runs_is_written_as_pandas_writes_it(runs, tmp_path_factory):
    text = [value for value, _, length in runs for _ in range(length)]
    numbers = [number for _, number, length in runs for _ in range(length)]
    frame = pd.DataFrame({"t": pd.Series(text, dtype=object), "x": numbers,
                          "s": pd.Series(text, dtype="str"), "k": ["same"] * len(text)})
    assert written_bytes(frame, tmp_path_factory.mktemp("io")) == pandas_bytes(frame)


cells = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(AWKWARD_FLOATS))
texts = st.one_of(st.none(), st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
                                     max_size=6), st.sampled_from(AWKWARD_TEXT))


@settings(max_examples=150, deadline=None)
@given(columns=st.integers(min_value=0, max_value=8).flatmap(lambda n: st.tuples(
    st.lists(cells, min_size=n, max_size=n), st.lists(texts, min_size=n, max_size=n),
    st.lists(st.integers(min_value=-2 ** 63, max_value=2 ** 63 - 1), min_size=n, max_size=n),
    st.lists(st.booleans(), min_size=n, max_size=n))))
def test_any_frame_is_written_as_pandas_writes_it(columns, tmp_path_factory):
    floats, text, ints, bools = columns
    frame = pd.DataFrame({"x": pd.Series(floats, dtype=float), "t": pd.Series(text, dtype=object),
                          "n": pd.Series(ints, dtype=np.int64), "b": pd.Series(bools, dtype=bool),
                          "m": pd.Series([n if b else None for n, b in zip(ints, bools)], dtype="Int64")})
    assert written_bytes(frame, tmp_path_factory.mktemp("io")) == pandas_bytes(frame)


def test_a_large_table_reads_back_to_the_same_values(tmp_path):
    rng = np.random.default_rng(1)
    answers = rng.integers(0, 5, size=(2000, 30)).astype(float)
    answers[rng.random(answers.shape) < 0.05] = np.nan
    frame = pd.DataFrame(answers, columns=[f"item_{i}" for i in range(30)])
    frame.insert(0, "participant", [f"P{i:04d}" for i in range(2000)])
    frame["mean"] = frame.filter(like="item_").mean(axis=1)
    assert written_bytes(frame, tmp_path) == pandas_bytes(frame)
    pd.testing.assert_frame_equal(io.read_table(tmp_path / "t.csv"), frame, check_dtype=False)


def test_a_text_column_blank_for_its_first_chunk_reads_as_text_without_warning(tmp_path):
    """pandas infers types chunk by chunk by default: a ledger's reason column blank for its
    first few hundred thousand rows came back as mixed types, with a DtypeWarning printed in
    the notebooks of a national cohort."""
    reasons = [""] * 300_000 + ["score missing at t3"]
    io.write_table(pd.DataFrame({"participant": [f"{i:06d}" for i in range(len(reasons))],
                                 "reason": reasons}), tmp_path / "ledger.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ledger = io.read_table(tmp_path / "ledger.csv")
    assert ledger["participant"].iloc[7] == "000007"
    assert ledger["reason"].iloc[-1] == "score missing at t3" and ledger["reason"].isna().sum() == 300_000


@pytest.mark.parametrize("rows_per_chunk", [1, 3, 1000])
def test_a_table_read_chunk_by_chunk_equals_pandas_own_read(rows_per_chunk, tmp_path, monkeypatch):
    """Large tables are parsed a few rows at a time and joined column by column (to halve the
    memory); the frame is the one pandas reads in one go: integers that meet a missing value
    later become floats, texts stay texts, ids keep their zeros."""
    monkeypatch.setattr(io, "_READ_CHUNKED_FROM_BYTES", 0)
    monkeypatch.setattr(io, "_READ_ROWS_PER_CHUNK", rows_per_chunk)
    frame = pd.DataFrame({"participant": ["007", "010", "011", "012", "013", "020", "021"],
                          "n": [1, 2, 3, 4, 5, 6, None], "score": [0.5, np.nan, 1 / 3, 2.0, -1.0, 0.0, 7.25],
                          "flag": [True, False, True, True, False, True, False],
                          "note": ["", "", "", "", "", "", "score missing, too few items"],
                          "count": [1, 2, 3, 4, 5, 6, 7],
                          "below": pd.Series([True, None, False, True, None, None, False], dtype=object)})
    io.write_table(frame, tmp_path / "t.csv")
    expected = pd.read_csv(tmp_path / "t.csv", dtype=dict.fromkeys(io.TEXT_COLUMNS, str))
    pd.testing.assert_frame_equal(io.read_table(tmp_path / "t.csv"), expected)
