"""Fuzzing every reader: random bytes and mutated valid exports, in every format, read
and ingested. Whatever the bytes, ingest either returns its tables or stops with a UserError (one
line, naming the file); any other exception is a crash to fix.

The budget is small in the test suite (``FUZZ_EXAMPLES``, default 40 per test, about ten seconds);
``make fuzz`` runs the same tests with ``FUZZ_EXAMPLES=2000``.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pyreadstat
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from wellbeing import ingest
from wellbeing.config import validate
from wellbeing.errors import UserError
from wellbeing.exports import write_qualtrics_csv, write_redcap_csv, write_redcap_dictionary

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ITEMS = [f"BRS_{n}" for n in range(1, 7)]
FRAME = pd.DataFrame({
    "ResponseId": ["R_1a", "R_2b", "R_3c"], "Finished": ["1", "1", "0"], "pid": ["A1", "A2", "A1"],
    "redcap_event_name": ["baseline_arm_1"] * 3, "Age": ["30", "41", "30"],
    "Comments": ["fine, thanks", "", "n/a"],
    **{item: [str(1 + (i + n) % 5) for i in range(3)] for n, item in enumerate(ITEMS)},
})
FILES = {"csv": "data.csv", "qualtrics": "data.csv", "redcap": "data.csv", "spss": "data.sav",
         "excel": "data.xlsx"}


def seed_file(fmt: str, folder: Path) -> Path:
    """A valid export of FRAME in ``fmt``."""
    path = folder / FILES[fmt]
    if fmt == "csv":
        FRAME.to_csv(path, index=False, sep=";")
    elif fmt == "qualtrics":
        write_qualtrics_csv(FRAME, path)
    elif fmt == "redcap":
        write_redcap_csv(FRAME.rename(columns={"pid": "record_id"}), path)
        write_redcap_dictionary(
            [{"field_name": "record_id", "form_name": "f", "field_type": "text", "field_label": "ID"},
             {"field_name": "Comments", "form_name": "f", "field_type": "notes", "field_label": "C",
              "identifier": "y"}]
            + [{"field_name": item, "form_name": "f", "field_type": "radio", "field_label": item,
                "choices": {1: "low", 5: "high"}} for item in ITEMS], folder / "dictionary.csv")
    elif fmt == "spss":
        frame = FRAME.copy()
        for column in ["Age"] + ITEMS:
            frame[column] = pd.to_numeric(frame[column])
        pyreadstat.write_sav(frame, str(path), missing_ranges={"Age": [99.0]})
    elif fmt == "excel":
        FRAME.to_excel(path, index=False)
    return path


SEEDS: dict[str, bytes] = {}
with tempfile.TemporaryDirectory() as _folder:
    for _fmt in FILES:
        SEEDS[_fmt] = seed_file(_fmt, Path(_folder)).read_bytes()
        if _fmt == "redcap":
            SEEDS["dictionary"] = (Path(_folder) / "dictionary.csv").read_bytes()


def study_for(fmt: str, name: str) -> dict:
    source = {"path": name, "format": fmt, "wave": "pre"}
    if fmt == "redcap":
        source = {"path": name, "format": fmt, "dictionary": "dictionary.csv",
                  "wave_column": "redcap_event_name", "wave_map": {"baseline_arm_1": "pre"}}
    config = {"studies": {"fuzz": {
        "title": "fuzz", "design": "cross_sectional", "waves": ["pre"], "sources": [source],
        "id_column": "record_id" if fmt == "redcap" else "pid", "drop_columns": ["Comments"],
        "instruments": [{"instrument": "brs", "items": "BRS_{n}"}],
        "measures": [{"column": "Age", "name": "age", "min": 18, "max": 90}]}}}
    return config


# Mutations of a byte string: flip, insert, delete, duplicate, truncate, or splice in bytes that
# trouble parsers (quotes, delimiters, line ends, NUL, a BOM, invalid UTF-8, huge numbers).
NASTY = [b'"', b",", b";", b"\t", b"\r\n", b"\n", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xe9",
         b"1e999", b"-0", b"NaN", b"inf", b"3 - Neutral", b"04-Mar", b"99", b"{\"ImportId\":",
         b"R_x", b"2024-01-01 10:00:00", b"", b" "]
MUTATION = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.one_of(st.sampled_from(NASTY), st.binary(max_size=8))),
    st.tuples(st.just("delete"), st.integers(0, 1 << 20), st.integers(1, 64)),
    st.tuples(st.just("duplicate"), st.integers(0, 1 << 20), st.integers(1, 200)),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 20), st.just(0)),
)


def mutate(data: bytes, mutations) -> bytes:
    for kind, where, what in mutations:
        at = where % (len(data) + 1)
        if kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ (what or 1)]) + data[at + 1:]
        elif kind == "insert":
            data = data[:at] + what + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + what:]
        elif kind == "duplicate":
            data = data[:at] + data[at:at + what] + data[at:]
        elif kind == "truncate":
            data = data[:at]
    return data


def mutate_xlsx(data: bytes, member: int, mutations) -> bytes:
    """Mutate one file inside the workbook's zip (a sheet, shared strings, styles...), so the
    damage reaches openpyxl's XML parsing, not only the zip layer."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    target = names[member % len(names)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            content = source.read(name)
            archive.writestr(name, mutate(content, mutations) if name == target else content)
    return out.getvalue()


def ingest_bytes(fmt: str, data: bytes, dictionary: bytes | None = None) -> None:
    """Ingest ``data`` as the one source of a study; only a UserError may come out."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        name = FILES[fmt]
        (folder / name).write_bytes(data)
        (folder / "dictionary.csv").write_bytes(SEEDS["dictionary"] if dictionary is None else dictionary)
        study = validate(study_for(fmt, name), folder)["studies"]["fuzz"]
        try:
            result = ingest.for_study(study, folder)
        except UserError as error:
            message = str(error)
            assert message and "\n" not in message, repr(message)
            return
        # Handled: every data row accounted for, and the raw file untouched.
        manifest = result.raw_manifest.iloc[0]
        assert manifest.kept + manifest.excluded == manifest.data_rows == len(result.ledger)
        assert (folder / name).read_bytes() == data
        assert "Comments" not in result.responses.columns


def test_the_seeds_are_valid_exports():
    for fmt in FILES:
        ingest_bytes(fmt, SEEDS[fmt])


@FUZZ
@given(fmt=st.sampled_from(sorted(FILES)), data=st.binary(max_size=2048))
def test_random_bytes(fmt, data):
    ingest_bytes(fmt, data)


@FUZZ
@given(fmt=st.sampled_from(sorted(FILES)), mutations=st.lists(MUTATION, min_size=1, max_size=6))
def test_mutated_exports(fmt, mutations):
    ingest_bytes(fmt, mutate(SEEDS[fmt], mutations))


@FUZZ
@given(member=st.integers(0, 50), mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_workbook_contents(member, mutations):
    ingest_bytes("excel", mutate_xlsx(SEEDS["excel"], member, mutations))


@FUZZ
@given(mutations=st.lists(MUTATION, min_size=1, max_size=6))
def test_mutated_redcap_dictionary(mutations):
    ingest_bytes("redcap", SEEDS["redcap"], mutate(SEEDS["dictionary"], mutations))


@FUZZ
@given(fmt=st.sampled_from(["csv", "qualtrics", "redcap"]),
       text=st.lists(st.sampled_from(list(',;\t"\n\r x1234567890-.RA_')
                                     + ["BRS_1", "pid", "Age", "record_id", "\ufeff", "Finished"]),
                     max_size=300).map("".join))
def test_csv_like_text(fmt, text):
    """Text built from the pieces CSV parsing cares about (delimiters, quotes, line ends, ids)."""
    ingest_bytes(fmt, text.encode("utf-8"))
