"""Reading and writing the pipeline's plain CSV tables.

Every table the pipeline writes is UTF-8, comma separated, ``.`` decimal, ``\\n`` line ends and
full float precision (Python's shortest round-trip repr), so that two rebuilds are byte-identical
and a reviewer can diff them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd


#: Columns read as text whatever they hold: codes such as '007' keep their zeros.
TEXT_COLUMNS = ("participant", "source", "wave", "group", "population")


def read_table(path: str | os.PathLike, **options) -> pd.DataFrame:
    """Read a CSV the pipeline wrote, keeping identifiers as text (:data:`TEXT_COLUMNS`).

    A large table is parsed :data:`_READ_ROWS_PER_CHUNK` rows at a time and each column joined
    once: pandas' own reader holds the parsed chunks and the joined frame at once, twice the
    table's memory (1.6 GB to read 0.65 GB of responses at 300,000 rows). Types are inferred
    chunk by chunk, as pandas does; a column that comes back as a mixture (a reason blank for
    the first chunk, text later) is read again as text, where pandas would warn and mix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_table(pd.DataFrame({"participant": ["007"], "score": [0.1]}), d / "t.csv")
    >>> read_table(d / "t.csv").participant.tolist()
    ['007']
    """
    options.setdefault("dtype", dict.fromkeys(TEXT_COLUMNS, str))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)     # mixtures are mended below
        if os.path.getsize(path) < _READ_CHUNKED_FROM_BYTES:
            frame = pd.read_csv(path, **options)
        else:
            pieces: dict[str, list[pd.Series]] = {}
            names: list[str] = []
            for chunk in pd.read_csv(path, chunksize=_READ_ROWS_PER_CHUNK, **options):
                names = list(chunk.columns)
                for name in names:      # a copy per column, so that each chunk is freed at once
                    pieces.setdefault(name, []).append(chunk[name].copy())
                del chunk
            joined = {}
            for name in names:
                joined[name] = pd.concat(pieces.pop(name), ignore_index=True)
            frame = pd.DataFrame(joined, columns=names, copy=False)
    # Chunks of blanks then text join as objects: text, as pandas reads it in one go.
    kinds = {name: set(frame[name].dropna().map(type)) for name in frame.columns if frame[name].dtype == object}
    for name in [name for name, types in kinds.items() if types == {str}]:
        frame[name] = frame[name].astype("str")
    mixed = [name for name, types in kinds.items() if len(types) > 1]
    if mixed:
        text = pd.read_csv(path, **{**options, "usecols": mixed, "dtype": str})
        frame[mixed] = text[mixed]
    return frame


def read_columns(path: str | os.PathLike, columns: Sequence[str]) -> pd.DataFrame:
    """:func:`read_table` of the file's ``columns`` only (in the file's order), parsed as in the
    whole table; the whole table when one is absent (the caller then names what is missing and
    what there is).

    A stage or a figure reads a handful of the scores table's columns: parsing only those is
    about four times faster at 100,000 participants."""
    header = pd.read_csv(path, nrows=0).columns
    if all(column in header for column in columns):
        return read_table(path, usecols=list(dict.fromkeys(columns)))
    return read_table(path)


#: Files from this size on are read chunk by chunk (:func:`read_table`).
_READ_CHUNKED_FROM_BYTES = 32 * 2 ** 20
_READ_ROWS_PER_CHUNK = 50_000


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` as a plain, diffable CSV (no index), creating parent folders.

    The bytes are those of pandas' ``to_csv(index=False, lineterminator="\\n")`` (tests/test_io.py
    holds the two to each other); the file is written to a temporary name and renamed, so a
    failed run never leaves a half-written table behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    handled = frame.shape[1] > 0 and all(_csv_codes(frame.iloc[:0, position]) is not None
                                         for position in range(frame.shape[1]))
    if not handled:
        frame.to_csv(partial, index=False, encoding="utf-8", lineterminator="\n")
    else:
        with open(partial, "w", newline="", encoding="utf-8") as handle:
            handle.write(",".join(_quoted(str(name)) for name in frame.columns) + "\n")
            for start in range(0, len(frame), _ROWS_PER_CHUNK):
                chunk = frame.iloc[start:start + _ROWS_PER_CHUNK]
                coded = [_csv_codes(chunk.iloc[:, position]) for position in range(frame.shape[1])]
                if len(coded) == 1:
                    codes, texts = coded[0]
                    texts = np.where(texts == "", '""', texts)   # as csv does: a lone empty field is quoted
                    coded = [(codes, texts)]
                columns = [texts[codes] for codes, texts in _joined_neighbours(coded)]
                handle.write("\n".join(map(",".join, zip(*columns))) + "\n")
    partial.replace(path)


def _joined_neighbours(coded: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Neighbouring columns joined into one (their fields with the comma between) wherever the
    rows hold few distinct combinations of them.

    Why: joining each row's fields is most of the time of writing a long table (12 million rows of
    participant, wave, group, instrument, scale...). Its repetitive columns have a few hundred
    combinations, each joined once and broadcast, so each row joins three or four pieces, not nine.
    """
    joined = [coded[0]]
    for codes, texts in coded[1:]:
        left_codes, left_texts = joined[-1]
        pairs = left_codes.astype(np.int64) * len(texts) + codes
        pair_codes, distinct = factorise_small_ints(pairs, len(left_texts) * len(texts))
        if len(distinct) > max(len(pairs) // 8, 1):
            joined.append((codes, texts))           # nearly one combination per row: no gain
            continue
        left, right = np.divmod(distinct, len(texts))
        joined[-1] = (pair_codes, np.array([a + "," + b for a, b in zip(left_texts[left], texts[right])],
                                           dtype=object))
    return joined


#: Rows formatted at a time: bounds the memory of the cell texts of a long table.
_ROWS_PER_CHUNK = 250_000


def _characters_csv_quotes() -> re.Pattern:
    """The characters that make the csv module quote a field (QUOTE_MINIMAL, lineterminator
    "\\n"), asked of the running Python itself: its rule for "\\r" has changed between versions."""
    def quoted(character: str) -> bool:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(["a" + character + "b", "c"])
        return buffer.getvalue().startswith('"')
    return re.compile("[" + re.escape("".join(c for c in ',"\r\n\t ;' if quoted(c))) + "]")


_NEEDS_QUOTES = _characters_csv_quotes()


def _quoted(text: str) -> str:
    """A field as the csv module's QUOTE_MINIMAL writes it (pandas' default)."""
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def _csv_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """The fields of one column exactly as pandas' ``to_csv`` writes them (missing as "", text
    quoted where needed), as the distinct fields and each row's index among them; None for a
    dtype left to pandas (dates, nullable floats and booleans).

    Why: pandas formats each float cell by numpy's shortest repr, one by one (about 0.5 us a
    cell, 45 s for a 300,000 x 280 response table), and quotes each row through the csv
    module. A questionnaire column holds a handful of distinct values, so each distinct value
    is formatted and quoted once, by the same numpy conversion pandas uses, and broadcast.
    """
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiu":
        values = np.ascontiguousarray(column.to_numpy())
        # Distinct bit patterns, so that -0.0 stays apart from 0.0.
        codes, distinct = pd.factorize(values.view(f"i{values.itemsize}"))
        texts = distinct.view(dtype).astype(str).astype(object)
        if dtype.kind == "f":
            texts[np.isnan(distinct.view(dtype))] = ""
        return codes, texts
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and getattr(dtype, "kind", "") in "iu" \
            and hasattr(dtype, "numpy_dtype"):                       # nullable Int64 and kin
        codes, distinct = pd.factorize(column.to_numpy(dtype=dtype.numpy_dtype, na_value=0))
        texts = np.append(distinct.astype(str).astype(object), "")
        codes[column.isna().to_numpy()] = len(texts) - 1
        return codes, texts
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return column.to_numpy().astype(np.int8), np.array(["False", "True"], dtype=object)
    if isinstance(dtype, pd.CategoricalDtype):
        missing = len(dtype.categories)
        codes = column.cat.codes.to_numpy().astype(np.int64)
        codes[codes < 0] = missing
        codes, used = factorise_small_ints(codes, missing + 1)   # only the categories these rows use
        present = used[used < missing]
        categories = _csv_codes(pd.Series(dtype.categories[present]))
        if categories is None:
            return None
        texts = np.full(len(used), "", dtype=object)          # missing: the empty field
        texts[used < missing] = categories[1][categories[0]]
        return codes, texts
    if (isinstance(dtype, np.dtype) and dtype.kind == "O") or isinstance(dtype, pd.StringDtype):
        codes, distinct = _factorised_runs(column)
        if all(type(value) is str for value in distinct):
            codes[codes < 0] = len(distinct)          # missing: the empty field after the texts
            return codes, np.array([_quoted(value) for value in distinct] + [""], dtype=object)
        # hashing makes 1, 1.0 and True one value: mixed objects are written cell by cell, a
        # float by repr and anything else by str, as the csv module does
        values = column.to_numpy(dtype=object)
        missing = column.isna().to_numpy()
        return np.arange(len(values)), np.array(
            ["" if absent else _quoted(float.__repr__(value) if isinstance(value, float) else str(value))
             for value, absent in zip(values, missing)], dtype=object)
    return None


def factorise_small_ints(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for integers in ``range(size)``: the distinct
    values in increasing order and each value's index among them, by a look-up table when
    ``size`` is small (no sort: the writer, the ANOVA's participant sums and its level checks
    call it on millions of codes)."""
    if size > 1 << 20:
        distinct, codes = np.unique(values, return_inverse=True)
        return codes.reshape(-1), distinct
    present = np.zeros(size, dtype=bool)
    present[values] = True
    distinct = np.flatnonzero(present)
    index = np.empty(size, dtype=np.int64)
    index[distinct] = np.arange(len(distinct))
    return index[values], distinct


def _factorised_runs(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(column)``, taking a column that holds runs of one value (a long table's
    participant, wave and group) a run at a time: text is hashed once per run, not per row."""
    values = column.to_numpy(dtype=object)
    if len(values) > 1:
        starts = np.empty(len(values), dtype=bool)
        starts[0] = True
        try:
            np.not_equal(values[1:], values[:-1], out=starts[1:])
        except TypeError:                   # pd.NA: no truth value; take the rows one by one
            return pd.factorize(column)
        heads = np.flatnonzero(starts)
        if len(heads) <= len(values) // 4:
            codes, distinct = pd.factorize(values[heads])
            return np.repeat(codes, np.diff(np.append(heads, len(values)))), distinct
    return pd.factorize(column)


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes, read in binary and read-only.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
