"""Reading and writing the pipeline's plain CSV tables.

Every table the pipeline writes is UTF-8, comma separated, ``.`` decimal, ``\\n`` line ends and
full float precision (Python's shortest round-trip repr), so that two rebuilds are byte-identical
and a reviewer can diff them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV the pipeline wrote, keeping text columns as text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_table(pd.DataFrame({"participant": ["007"], "score": [0.1]}), d / "t.csv")
    >>> read_table(d / "t.csv").participant.tolist()
    ['007']
    """
    frame = pd.read_csv(path, dtype={"participant": str, "source": str, "wave": str,
                                     "group": str}, keep_default_na=True)
    return frame


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` as a plain, diffable CSV (no index), creating parent folders.

    The file is written to a temporary name and renamed, so a failed run never leaves a
    half-written table behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    frame.to_csv(partial, index=False, encoding="utf-8", lineterminator="\n")
    partial.replace(path)


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
