"""The sha256 of every table the example studies produce, as recorded in
tests/reference/example_outputs.sha256.

tests/test_pipeline.py rebuilds the example studies and compares their tables with the recorded
hashes, so a change of code that was meant to leave results alone (a restructure, a speed-up)
is shown to do so. After a change that is meant to alter a table, rebuild (`make run`) and
refresh the record with `python scripts/example_output_hashes.py --write`, and say in the commit
which tables changed and why.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "tests" / "reference" / "example_outputs.sha256"


def table_hashes(results: Path) -> dict[str, str]:
    """``results/``-relative path -> sha256 of every CSV table under ``results``."""
    return {path.relative_to(results).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(results.rglob("*.csv"))}


def read_record(path: Path = RECORD) -> dict[str, str]:
    entries = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            entries[name] = digest
    return entries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--write", action="store_true", help="write the record instead of comparing")
    args = parser.parse_args()
    hashes = table_hashes(args.results)
    if args.write:
        lines = ["# sha256 of the example studies' tables (scripts/example_output_hashes.py --write)"]
        lines += [f"{digest}  {name}" for name, digest in hashes.items()]
        RECORD.write_text("\n".join(lines) + "\n")
        print(f"wrote {len(hashes)} hashes to {RECORD.relative_to(ROOT)}")
        return 0
    recorded = read_record()
    differing = sorted(name for name in recorded.keys() | hashes.keys()
                       if recorded.get(name) != hashes.get(name))
    for name in differing:
        print(f"differs: {name}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
