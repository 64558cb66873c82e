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
    handled = frame.shape[1] > 0 and all(_csv_cells(frame.iloc[:0, position]) is not None
                                         for position in range(frame.shape[1]))
    if not handled:
        frame.to_csv(partial, index=False, encoding="utf-8", lineterminator="\n")
    else:
        with open(partial, "w", newline="", encoding="utf-8") as handle:
            handle.write(",".join(_quoted(str(name)) for name in frame.columns) + "\n")
            for start in range(0, len(frame), _ROWS_PER_CHUNK):
                chunk = frame.iloc[start:start + _ROWS_PER_CHUNK]
                columns = [_csv_cells(chunk.iloc[:, position]) for position in range(frame.shape[1])]
                if len(columns) == 1:
                    columns[0][columns[0] == ""] = '""'     # as csv does: a lone empty field is quoted
                handle.write("\n".join(map(",".join, zip(*columns))) + "\n")
    partial.replace(path)


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


def _csv_cells(column: pd.Series) -> np.ndarray | None:
    """The fields of one column exactly as pandas' ``to_csv`` writes them (missing as "", text
    quoted where needed), or None for a dtype left to pandas (dates, categories, nullable floats
    and booleans).

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
        cells = distinct.view(dtype).astype(str).astype(object)[codes]
        if dtype.kind == "f":
            cells[np.isnan(values)] = ""
        return cells
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and getattr(dtype, "kind", "") in "iu" \
            and hasattr(dtype, "numpy_dtype"):                       # nullable Int64 and kin
        missing = column.isna().to_numpy()
        codes, distinct = pd.factorize(column.to_numpy(dtype=dtype.numpy_dtype, na_value=0))
        cells = distinct.astype(str).astype(object)[codes]
        cells[missing] = ""
        return cells
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return np.where(column.to_numpy(), "True", "False").astype(object)
    if (isinstance(dtype, np.dtype) and dtype.kind == "O") or isinstance(dtype, pd.StringDtype):
        values = column.to_numpy(dtype=object, copy=True)
        values[column.isna().to_numpy()] = ""
        codes, distinct = pd.factorize(values)
        if all(type(value) is str for value in distinct):
            return np.array([_quoted(value) for value in distinct] + [""], dtype=object)[codes]
        # hashing makes 1, 1.0 and True one value: mixed objects are written cell by cell, a
        # float by repr and anything else by str, as the csv module does
        return np.array([_quoted(float.__repr__(value) if isinstance(value, float) else str(value))
                         for value in values], dtype=object)
    return None


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
