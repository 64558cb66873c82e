"""The documentation stands alone and stays true.

- docs/outputs.md lists every column of every CSV file of the example build under that file's
  heading (and every key of manifest.json);
- README's minimal study builds, as printed, on a generated export;
- README's full study block names every key of the config schema;
- docs/instruments.md is what the instrument definitions say (scripts/update_docs.py writes it);
- every relative link in README.md and docs/*.md points to a file (and heading) that exists;
- no file of the repository points to the team's data folder outside the checkout or cites an
  issue number.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import update_docs  # noqa: E402
from workspace import PROJECT, WORKFLOW, copy_repository  # noqa: E402

SNAKEMAKE = [sys.executable, "-m", "snakemake"]
README = ROOT / "README.md"
OUTPUTS = ROOT / "docs" / "outputs.md"


def run_snakemake(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.run(SNAKEMAKE + list(args), cwd=folder, capture_output=True, text=True,
                          env=env, timeout=900)


def config_studies() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["studies"]


@pytest.fixture(scope="module")
def example_results(tmp_path_factory) -> Path:
    """The example build's results/: the checkout's own when every configured study has been
    built (`make run`), else a fresh build of the example project in a copy, as
    tests/test_pipeline.py builds it."""
    results = ROOT / "results"
    if all((results / study / "manifest.json").is_file() for study in config_studies()):
        return results
    folder = copy_repository(tmp_path_factory.mktemp("docs_build"), PROJECT)
    result = run_snakemake(folder, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return folder / "results"


# --------------------------------------------------------------------------------------------
# docs/outputs.md
# --------------------------------------------------------------------------------------------

def output_sections(text: str) -> dict[str, set[str]]:
    """Each `### <path pattern>` heading of docs/outputs.md -> the names in the first cell of
    the table rows under it (a cell may name several, `ci_low`, `ci_high`)."""
    sections: dict[str, set[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("#"):
            heading = re.match(r"###\s+`([^`]+)`", line)
            current = heading.group(1) if heading else None
            if current is not None:
                sections.setdefault(current, set())
        elif current is not None and line.startswith("|"):
            sections[current].update(re.findall(r"`([^`]+)`", line.split("|")[1]))
    return sections


def heading_for(relative: str, patterns) -> str | None:
    """The most specific heading pattern (most literal characters) that matches the path;
    `<name>` in a pattern stands for any file-name part."""
    matching = []
    for pattern in patterns:
        regex = "".join("[^/]+" if part.startswith("<") else re.escape(part)
                        for part in re.split(r"(<[^>]+>)", pattern) if part)
        if re.fullmatch(regex, relative):
            matching.append(pattern)
    return max(matching, key=lambda p: len(re.sub(r"<[^>]+>", "", p)), default=None)


def column_families(results: Path, study_id: str, study: dict) -> dict[str, set[str]]:
    """What each `<placeholder>` of docs/outputs.md stands for in one study's files."""
    codebook = pd.read_csv(results / study_id / "ingest" / "codebook.csv", dtype=str,
                           keep_default_na=False)
    roles = codebook.groupby("column")["role"].agg(set).to_dict()
    scores = pd.read_csv(results / study_id / "scores" / "scores.csv", dtype=str,
                         keep_default_na=False, usecols=["instrument", "scale"]).drop_duplicates()
    scales = {f"{row.instrument}.{row.scale}" for row in scores.itertuples(index=False)}
    measures = {measure["name"] for measure in study.get("measures", [])}

    def with_role(test) -> set[str]:
        return {column for column, found in roles.items() if any(test(role) for role in found)}

    return {
        "<instrument>.<scale>": scales,
        "<measure>": measures,
        "<factor>": {factor.get("name") or factor["column"] for factor in study.get("factors", [])},
        "<variable>": scales | measures,
        "<item column>": with_role(lambda role: role.startswith("item:")),
        "<measure column>": with_role(lambda role: role.startswith("measure:")),
        "<factor column>": with_role(lambda role: role.startswith("factor ")),
        "<other column>": with_role(lambda role: role == "other"),
    }


def test_every_csv_column_is_documented_under_its_file(example_results):
    sections = output_sections(OUTPUTS.read_text(encoding="utf-8"))
    problems, checked = [], 0
    for study_id, study in config_studies().items():
        folder = example_results / study_id
        families = column_families(example_results, study_id, study)
        unknown = {name for names in sections.values() for name in names
                   if name.startswith("<") and name not in families}
        assert not unknown, f"docs/outputs.md uses placeholders the test does not know: {unknown}"
        for path in sorted(folder.rglob("*.csv")):
            relative = path.relative_to(folder).as_posix()
            heading = heading_for(relative, sections)
            if heading is None:
                problems.append(f"{study_id}/{relative}: no '### `{relative}`' heading")
                continue
            with open(path, newline="", encoding="utf-8") as handle:
                header = next(csv.reader(handle))
            documented = sections[heading]
            for column in header:
                checked += 1
                if column in documented or any(column in families[name] for name in documented
                                               if name.startswith("<")):
                    continue
                problems.append(f"{study_id}/{relative}: column {column!r} is not in the table "
                                f"under '### `{heading}`'")
    assert checked > 500, f"only {checked} columns found: is the example build complete?"
    assert not problems, "docs/outputs.md is missing:\n" + "\n".join(problems)


def test_every_manifest_key_is_documented(example_results):
    documented = output_sections(OUTPUTS.read_text(encoding="utf-8"))["manifest.json"]
    for study_id in config_studies():
        manifest = json.loads((example_results / study_id / "manifest.json").read_text())
        assert set(manifest) <= documented, (study_id, set(manifest) - documented)


# --------------------------------------------------------------------------------------------
# README's studies
# --------------------------------------------------------------------------------------------

def readme_section(title: str) -> str:
    """The text of README's `## <title>` section, up to the next `## ` heading."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def code_blocks(text: str, language: str = "") -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)


def minimal_export(header: list[str], waves=("pre", "post")) -> list[list]:
    """12 simulated participants, 6 per group, PSS-10 answers 0-4 at every wave; the trained
    group's stress falls after the course."""
    import numpy as np

    rng = np.random.default_rng(2024)
    rows = []
    for number in range(1, 13):
        group = "control" if number <= 6 else "trained"
        level = rng.uniform(1, 3)
        for wave in waves:
            shift = -0.7 if (group == "trained" and wave != waves[0]) else 0.0
            answers = np.clip(np.rint(level + shift + rng.normal(0, 0.7, 10)), 0, 4).astype(int)
            answers[[3, 4, 6, 7]] = 4 - answers[[3, 4, 6, 7]]      # items 4, 5, 7, 8 reversed
            values = {"id": f"S{number:02d}", "group": group, "wave": wave,
                      **{f"PSS_{n}": int(answers[n - 1]) for n in range(1, 11)}}
            rows.append([values[column] for column in header])
    return rows


@pytest.mark.pipeline
def test_the_minimal_study_builds_as_printed(tmp_path):
    section = readme_section("A minimal study to copy")
    export_lines = code_blocks(section)[0].splitlines()
    header = export_lines[0].split(",")
    assert header == ["id", "group", "wave"] + [f"PSS_{n}" for n in range(1, 11)]
    config_text = code_blocks(section, "yaml")[0]
    studies = yaml.safe_load(config_text)["studies"]
    (study_id, study), = studies.items()
    source = study["sources"][0]["path"]

    folder = copy_repository(tmp_path / "project", WORKFLOW)
    (folder / source).parent.mkdir(parents=True)
    with open(folder / source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(minimal_export(header, tuple(study["waves"])))
    (folder / "config.yaml").write_text(config_text, encoding="utf-8")

    result = run_snakemake(folder, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    out = folder / "results" / study_id
    built = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(built) == 38, built                       # README: "38 files"
    anova = pd.read_csv(out / "anova" / "anova.csv")
    primary = anova.loc[anova["primary"]].iloc[0]
    assert primary["effect"] == "group:time" and primary["n"] == 12
    assert pd.read_csv(out / "ingest" / "ledger.csv")["status"].eq("kept").all()
    for name in ("tables/anova.md", "figures/anova_pss10.total.png",
                 "notebooks/data_audit.html", "reliability/reliability.csv"):
        assert (out / name).stat().st_size > 0, name


def schema_keys(node) -> set[str]:
    """Every property name anywhere in a JSON Schema."""
    keys = set()
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "properties" and isinstance(value, dict):
                keys |= set(value)
            keys |= schema_keys(value)
    elif isinstance(node, list):
        for value in node:
            keys |= schema_keys(value)
    return keys


def test_the_full_study_block_names_every_config_key():
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    block = "\n".join(code_blocks(readme_section("Adding a study in full"), "yaml"))
    absent = sorted(key for key in schema_keys(schema)
                    if key != "studies" and not re.search(rf"\b{re.escape(key)}\b", block))
    assert not absent, f"README's 'Adding a study in full' block lacks: {', '.join(absent)}"


# --------------------------------------------------------------------------------------------
# Generated pages, links, and what no file may cite
# --------------------------------------------------------------------------------------------

def test_instruments_page_is_current():
    page = ROOT / "docs" / "instruments.md"
    assert page.read_text(encoding="utf-8") == update_docs.instruments_markdown(), \
        "run: .venv/bin/python scripts/update_docs.py --instruments-only"


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def prose(text: str) -> str:
    """Markdown without fenced code blocks and inline code, where links are not links."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {slug(title) for title in re.findall(r"^#+\s+(.*)$", text, flags=re.M)}


def test_relative_links_point_to_existing_files():
    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    broken, checked = [], 0
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", prose(page.read_text(encoding="utf-8"))):
            if re.match(r"[a-z]+:", target):
                continue                       # http:, https:, mailto:
            checked += 1
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert checked > 20
    assert not broken, "\n".join(broken)


#: What no file of the repository may contain: a path into the team's data folder beside the
#: checkout, an issue's number (in words, or a number after a hash sign in prose), a pointer to
#: the place where problems are reported.
FORBIDDEN = [
    (re.compile(re.escape("shared" + "/")), "a path into the team's data folder"),
    (re.compile(r"\bissues?\s+#?\d", re.I), "an issue number"),
    (re.compile(r"(?:^|[\s(\[])#\d{1,5}(?=[\s).,:]|$)", re.M), "a #number reference"),
    (re.compile(r"\bissue[- ]tracker", re.I), "a pointer to where problems are reported"),
    (re.compile(r"github\.com/\S+/(?:issues|pull)/\d", re.I), "a link to an issue"),
]


def repository_files() -> list[Path]:
    """Files git tracks, and new files it would track (not ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def test_no_file_cites_the_data_folder_or_an_issue_number():
    found, read = [], 0
    for path in repository_files():
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue                           # binary: images, SPSS and Excel files
        read += 1
        text = data.decode("utf-8", errors="replace")
        for pattern, what in FORBIDDEN:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}: {match.group().strip()!r}")
    assert read > 100
    assert not found, "\n".join(found)
