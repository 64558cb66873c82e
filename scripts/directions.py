"""Where `make run` put everything: the closing lines of the run, naming only what exists.

    .venv/bin/python scripts/directions.py [--root FOLDER] [--config config.yaml]

The report, each study's results folder (with its tables/, figures/ and notebooks/), the logs,
and the private pseudonym keys, which map participant codes to the pseudonyms used in results/
and must never be shared.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: Subfolders of results/<study>/ a reader looks for first.
READABLE = ("tables", "figures", "notebooks")


def study_ids(root: Path, config: Path) -> list[str]:
    """The studies of the config (in its order), else every folder under results/."""
    try:
        import yaml

        studies = yaml.safe_load(config.read_text(encoding="utf-8"))["studies"]
        return list(studies)
    except Exception:       # no config, or not one this script can read: list what is there
        results = root / "results"
        return sorted(p.name for p in results.iterdir() if p.is_dir()) if results.is_dir() else []


def key_entries(path: Path) -> int:
    """Participants in a pseudonym key (its lines below the header)."""
    with open(path, encoding="utf-8") as handle:
        return max(sum(1 for line in handle if line.strip()) - 1, 0)


def directions(root: Path, config: Path) -> list[str]:
    """The closing lines: one per thing that exists, with what it is."""
    entries: list[tuple[str, str]] = []
    if (root / "results" / "report.html").is_file():
        entries.append(("results/report.html",
                        "the report: every table, figure and notebook; open it in a browser"))
    studies = study_ids(root, config)
    for study in studies:
        folder = root / "results" / study
        if folder.is_dir():
            inside = [f"{name}/" for name in READABLE if (folder / name).is_dir()]
            what = ", ".join(inside) + " and the CSVs of each stage" if inside else "the CSVs of each stage"
            entries.append((f"results/{study}/", what))
    if (root / "logs").is_dir():
        entries.append(("logs/", "each job's log, by study (logs/<study>/<job>.log)"
                        + ("; the report's: logs/report.log" if (root / "logs" / "report.log").is_file() else "")))
    keys = [study for study in studies if (root / "private" / study / "pseudonyms.csv").is_file()]
    for study in keys:
        path = root / "private" / study / "pseudonyms.csv"
        count = key_entries(path)
        what = (f"PRIVATE key: participant codes -> pseudonyms ({count}); never share or send it"
                if count else "empty: this study's codes are pseudonymous already")
        entries.append((f"private/{study}/pseudonyms.csv", what))
    if not entries:
        return ["Nothing has been built yet: run `make run`."]
    width = max(len(path) for path, _ in entries) + 2
    return ["", "Where everything is:"] + [f"  {path:<{width}}{what}" for path, what in entries]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("."), help="the project folder (default: .)")
    parser.add_argument("--config", type=Path, default=None, help="default: <root>/config.yaml")
    args = parser.parse_args(argv)
    print("\n".join(directions(args.root, args.config or args.root / "config.yaml")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
