"""The whole workflow through Snakemake, on a copy of the repository: outputs, audit counts,
privacy, untouched raw files, clean lint, and one-line errors without partial output."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from workspace import PROJECT, WORKFLOW, copy_repository  # noqa: E402

SNAKEMAKE = [sys.executable, "-m", "snakemake"]
COPIED = PROJECT + ("scripts",)

pytestmark = pytest.mark.pipeline


def run_snakemake(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.run(SNAKEMAKE + list(args), cwd=folder, capture_output=True, text=True,
                          env=env, timeout=600)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = copy_repository(tmp_path_factory.mktemp("pipeline"), COPIED)
    raw_before = {p: digest(p) for p in (folder / "data" / "raw").rglob("*") if p.is_file()}
    result = run_snakemake(folder, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    report = make_report(folder)
    assert report.returncode == 0, report.stderr[-3000:]
    return folder, raw_before


def config_studies():
    return yaml.safe_load((ROOT / "config.yaml").read_text())["studies"]


def raw_data_rows(path: Path, fmt: str) -> int:
    """Data rows of a raw text export, counted independently of the ingest code."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        records = [record for record in csv.reader(handle) if record]
    header_rows = {"qualtrics": 3, "redcap": 1, "csv": 1}[fmt]
    if fmt == "qualtrics" and not records[2][0].startswith('{"ImportId"'):
        header_rows = 2
    return len(records) - header_rows


def test_every_output_is_built(built):
    folder, _ = built
    expected = {
        "imp_feasibility": ["ingest/responses.csv", "ingest/ledger.csv", "ingest/issues.csv",
                            "ingest/codebook.csv", "ingest/raw_manifest.csv", "screening/careless.csv",
                            "scores/scores.csv", "scores/scores_wide.csv", "participants/characteristics.csv",
                            "reliability/reliability.csv", "reliability/items.csv",
                            "anova/anova.csv", "anova/cells.csv", "anova/followups.csv",
                            "anova/mixed_model.csv", "anova/assumptions.csv", "anova/ledger.csv",
                            "correlations/practice_vs_change.csv",
                            "correlations/practice_vs_change_matrix.csv",
                            "tables/participants.md", "tables/participants.html", "tables/participants.tex",
                            "tables/correlations_practice_vs_change.md",
                            "figures/correlations_practice_vs_change_heatmap.png",
                            "figures/correlations_practice_vs_change_heatmap.pdf",
                            "correlations/baseline.csv", "correlations/baseline_rmcorr.csv",
                            "tables/correlations_baseline_rmcorr.md",
                            "tables/correlations_baseline_rmcorr.tex", "manifest.json"],
        "trainee_wellbeing": ["correlations/wellbeing.csv", "figures/correlations_wellbeing_scatter.png",
                              "tables/correlations_wellbeing.tex", "reliability/reliability.csv",
                              "screening/careless.csv", "manifest.json"],
    }
    for study, names in expected.items():
        for name in names:
            assert (folder / "results" / study / name).stat().st_size > 0, (study, name)
        assert (folder / "logs" / study / "ingest.log").exists()
        assert (folder / "benchmarks" / study / "ingest.tsv").exists()
    # Only sets that ask for it get repeated-measures correlations (and no set is read as one).
    assert not (folder / "results" / "imp_feasibility" / "correlations" / "practice_vs_change_rmcorr.csv").exists()
    assert sorted(p.name for p in (folder / "results" / "imp_feasibility" / "correlations").iterdir()) == [
        "baseline.csv", "baseline_matrix.csv", "baseline_rmcorr.csv",
        "practice_vs_change.csv", "practice_vs_change_matrix.csv"]
    # Nothing is left to do after a build.
    again = run_snakemake(folder, "-n")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_manifest_lists_every_output_and_input_with_its_hash(built):
    folder, _ = built
    content = json.loads((folder / "results" / "imp_feasibility" / "manifest.json").read_text())
    outputs = {entry["path"]: entry for entry in content["outputs"]}
    responses = "results/imp_feasibility/ingest/responses.csv"
    assert outputs[responses]["sha256"] == digest(folder / responses)
    inputs = {entry["path"] for entry in content["inputs"]}
    assert {"data/raw/imp_feasibility/pre.csv", "data/raw/imp_feasibility/post.csv",
            "workflow/instruments/ffmq39.yaml"} <= inputs
    assert content["config"]["design"] == "mixed"
    assert content["packages"]["pandas"] and content["python"].startswith("3.")
    assert set(content["code"]) == {"commit", "dirty"}


def test_ledger_accounts_for_every_raw_row(built):
    folder, _ = built
    for study_id, study in config_studies().items():
        ledger = list(csv.DictReader(open(folder / "results" / study_id / "ingest" / "ledger.csv")))
        for source in study["sources"]:
            entries = [row for row in ledger if row["source"] == source["path"]]
            expected = raw_data_rows(folder / source["path"], source["format"])
            assert len(entries) == expected, source["path"]
            assert {row["status"] for row in entries} <= {"kept", "excluded"}


def test_example_messiness_is_in_the_audit_trail(built):
    folder, _ = built
    ingest = folder / "results" / "imp_feasibility" / "ingest"
    ledger = list(csv.DictReader(open(ingest / "ledger.csv")))
    excluded = [row for row in ledger if row["status"] == "excluded"]
    # The second, unfinished opening of the post survey is the one exclusion.
    assert len(excluded) == 1 and excluded[0]["reason"].startswith("duplicate response at wave post")
    assert "(unfinished," in excluded[0]["reason"]
    issues = list(csv.DictReader(open(ingest / "issues.csv")))
    assert [(i["column"], i["value"], i["action"]) for i in issues] == [("SCS_12", "55", "set missing")]
    responses = list(csv.DictReader(open(ingest / "responses.csv")))
    waves = {}
    for row in responses:
        waves.setdefault(row["participant"], []).append(row["wave"])
    assert len(waves) == 47
    assert sorted(len(w) for w in waves.values()).count(1) == 1     # one participant without post


def identifying_values(folder: Path) -> set[str]:
    """E-mail addresses, IP addresses, names and free-text answers in the raw exports."""
    values: set[str] = set()
    for path in (folder / "data" / "raw").rglob("*.csv"):
        with open(path, newline="", encoding="utf-8-sig") as handle:
            records = [record for record in csv.reader(handle) if record]
        header, data = records[0], records[1:]
        if len(data) > 1 and data[1] and data[1][0].startswith('{"ImportId"'):
            data = data[2:]                 # Qualtrics: question text and ImportId rows
        for row in (dict(zip(header, record)) for record in data):
            for column, value in row.items():
                value = (value or "").strip()
                if column in ("IPAddress", "RecipientEmail", "RecipientFirstName", "RecipientLastName",
                              "first_name", "last_name", "email", "Comments", "comments") and len(value) > 2:
                    values.add(value)
    return values


def readable_text(path: Path) -> str:
    """The text a person or program could read from an output: a CSV, HTML or JSON as it is; of a
    PNG its text chunks; of a PDF everything outside its compressed content streams (metadata,
    fonts, structure). Compressed image bytes can look like anything and are not text."""
    data = path.read_bytes()
    if path.suffix == ".png":
        from PIL import Image

        with Image.open(path) as image:
            return "\n".join(f"{key}: {value}" for key, value in image.text.items())
    if path.suffix == ".pdf":
        return re.sub(rb"stream\r?\n.*?endstream", b"", data, flags=re.S).decode("latin-1")
    text = data.decode("utf-8", errors="replace")
    if path.suffix == ".html":
        # The page's own style sheets, scripts and embedded images are not content.
        text = re.sub(r"<(style|script)\b.*?</\1>", "", text, flags=re.S | re.I)
        text = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "", text)
    return text


def test_no_identifying_value_reaches_results(built):
    folder, _ = built
    secrets = identifying_values(folder)
    assert len(secrets) > 100           # the scan has something to find
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    ip = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
    for path in (folder / "results").rglob("*"):
        if not path.is_file():
            continue
        text = readable_text(path)
        assert not email.search(text), f"{path}: e-mail address"
        assert not ip.search(text), f"{path}: IP address"
        for secret in secrets:
            assert not re.search(r"(?<!\w)" + re.escape(secret) + r"(?!\w)", text), \
                f"{path}: contains {secret!r} from a raw export"


def raw_participant_codes(folder: Path, study: dict) -> set[str]:
    """The participant codes of a study's raw text exports, read independently of the ingest code."""
    codes: set[str] = set()
    for source in study["sources"]:
        with open(folder / source["path"], newline="", encoding="utf-8-sig") as handle:
            records = [record for record in csv.reader(handle) if record]
        header, data = records[0], records[1:]
        if source["format"] == "qualtrics":
            data = data[2:] if data[1][0].startswith('{"ImportId"') else data[1:]
        position = header.index(study["id_column"])
        codes |= {record[position].strip() for record in data if record[position].strip()}
    return codes


def test_participant_codes_are_pseudonymised_in_results(built):
    """imp_feasibility's self-typed codes (initials and digits) never reach results/: they are
    replaced by P001, P002, ... and the key is in private/, outside results/. trainee_wellbeing
    declares its REDCap record ids pseudonymous, so they are kept and its key is empty."""
    folder, _ = built
    studies = config_studies()
    assert not studies["imp_feasibility"].get("id_is_pseudonymous", False)
    codes = raw_participant_codes(folder, studies["imp_feasibility"])
    assert len(codes) == 47 and {"KG1608", "CJ0912", "FT2204", "MV1508"} <= codes
    patterns = {code: re.compile(r"(?<![A-Za-z0-9])" + re.escape(code) + r"(?![A-Za-z0-9])")
                for code in sorted(codes)}
    for path in (folder / "results").rglob("*"):
        if path.is_file():
            text = readable_text(path)
            for code, pattern in patterns.items():
                assert not pattern.search(text), f"{path}: raw participant code {code}"
    key = list(csv.DictReader(open(folder / "private" / "imp_feasibility" / "pseudonyms.csv")))
    assert {row["participant_code"] for row in key} == codes
    pseudonyms = [row["pseudonym"] for row in key]
    assert pseudonyms == [f"P{n:03d}" for n in range(1, 48)]
    responses = list(csv.DictReader(open(folder / "results" / "imp_feasibility" / "ingest" / "responses.csv")))
    assert {row["participant"] for row in responses} == set(pseudonyms)
    # The README's messy participants, traced through the key.
    by_code = {row["participant_code"]: row["pseudonym"] for row in key}
    kg = [row["wave"] for row in responses if row["participant"] == by_code["KG1608"]]
    assert kg == ["pre"]                                   # no post wave
    # Declared pseudonymous: codes kept, no key.
    assert studies["trainee_wellbeing"]["id_is_pseudonymous"] is True
    kept = list(csv.DictReader(open(folder / "results" / "trainee_wellbeing" / "ingest" / "responses.csv")))
    assert sorted(row["participant"] for row in kept) == sorted(str(n) for n in range(1, 13))
    assert (folder / "private" / "trainee_wellbeing" / "pseudonyms.csv").read_text() == \
        "participant_code,pseudonym\n"


def test_raw_files_are_unchanged(built):
    folder, raw_before = built
    assert {p: digest(p) for p in raw_before} == raw_before


def test_lint_is_clean():
    result = run_snakemake(ROOT, "--lint")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Lints for" not in output, output


def test_config_error_is_one_line_without_traceback(tmp_path):
    folder = copy_repository(tmp_path, COPIED)
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["studies"]["trainee_wellbeing"]["sources"][0]["formt"] = "redcap"
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(folder, "-n")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert ("error: config.yaml: studies.trainee_wellbeing.sources[0].formt: unknown key 'formt'"
            in result.stderr)


def test_a_study_defined_twice_stops_at_parse_time(tmp_path):
    """YAML keeps the last of two equal keys; the workflow refuses the config instead."""
    folder = copy_repository(tmp_path, COPIED)
    text = (folder / "config.yaml").read_text()
    study = text[text.index("  trainee_wellbeing:"):]
    (folder / "config.yaml").write_text(text + "\n" + study)
    result = run_snakemake(folder, "-n")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    line = text.count("\n") + 2
    assert (f"error: config.yaml: line {line}: key 'trainee_wellbeing' is given twice in the same mapping; "
            "keep one") in result.stderr


def test_degenerate_data_gives_notes_not_crashes(tmp_path):
    """Every participant straight-lines the BRS (one answer to all six items, items 2, 4, 6 keyed
    the other way): the keyed items cancel, so every BRS mean is 3 and the scale total has no
    variance; a measure is the same for everyone. Every stage, figures and notebooks included,
    runs; the tables say why a statistic is not defined."""
    folder = copy_repository(tmp_path, WORKFLOW + ("scripts",))
    raw = folder / "data" / "raw" / "flat"
    raw.mkdir(parents=True)
    lines = ["pid,grp,wave,sessions,minutes," + ",".join(f"BRS_{n}" for n in range(1, 7))]
    for person in range(12):
        for wave in ("pre", "post"):
            answer = 1 + (person + (wave == "post")) % 5
            minutes = (7 * person + (wave == "post") * (person % 3 + 1)) % 13
            lines.append(f"P{person},{'ctl' if person < 6 else 'trt'},{wave},10,{minutes},"
                         + ",".join([str(answer)] * 6))
    (raw / "data.csv").write_text("\n".join(lines) + "\n")
    (folder / "config.yaml").write_text(yaml.safe_dump({"studies": {"flat": {
        "title": "Straight-lining (made up)", "design": "mixed", "id_column": "pid",
        "group_column": "grp", "groups": ["ctl", "trt"], "waves": ["pre", "post"],
        "sources": [{"path": "data/raw/flat/data.csv", "format": "csv", "wave_column": "wave"}],
        "instruments": [{"instrument": "brs", "items": "BRS_{n}"}],
        "measures": [{"column": "sessions", "name": "sessions"},
                     {"column": "minutes", "name": "minutes"}],
        "analyses": {"participants": {"continuous": ["minutes"]}, "reliability": {},
                     "anova": {"outcomes": ["brs.total", "sessions", "minutes"]},
                     "correlations": [{"name": "flat", "variables": ["brs.total", "sessions", "minutes"]}]},
    }}}))
    result = run_snakemake(folder, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    results = folder / "results" / "flat"
    anova_table = pd.read_csv(results / "anova" / "anova.csv", keep_default_na=False)
    flat = anova_table[anova_table.outcome.isin(["brs.total", "sessions"])]
    assert (flat.note.str.startswith("no variance: every analysed score is")).all()
    assert (flat.F == "").all()
    assert (anova_table[anova_table.outcome == "minutes"].note == "").all()
    reliability = pd.read_csv(results / "reliability" / "reliability.csv", keep_default_na=False)
    assert (reliability.alpha == "").all()
    assert reliability.note.str.contains("the scale total has no variance").all()
    for figure in ("figures/reliability_forest.png", "figures/anova_panel.png"):
        assert (results / figure).stat().st_size > 0


def test_single_arm_study_runs_end_to_end(tmp_path):
    """design: repeated (one arm, pre / post / follow-up, no group column): the ANOVA is the
    time effect, marked primary; follow-ups compare the waves with d_z and g_av; the APA table,
    the figures and the single-arm notebook speak of change over time."""
    import numpy as np

    folder = copy_repository(tmp_path, WORKFLOW + ("scripts",))
    raw = folder / "data" / "raw" / "arm"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(7)
    lines = ["code,visit," + ",".join(f"BRS_{n}" for n in range(1, 7)) + ",minutes"]
    for person in range(14):
        level = rng.normal(3, 0.6)
        for visit, gain in (("T1", 0.0), ("T2", 0.5), ("T3", 0.3)):
            answers = np.clip(np.round(level + gain + rng.normal(0, 0.6, 6)), 1, 5).astype(int)
            keyed = [a if n % 2 else 6 - a for n, a in enumerate(answers)]  # items 2, 4, 6 reversed
            if person == 13 and visit == "T3":
                continue                                                  # lost to follow-up
            lines.append(f"C{person:02d},{visit}," + ",".join(map(str, keyed)) + f",{rng.integers(0, 90)}")
    (raw / "arm.csv").write_text("\n".join(lines) + "\n")
    (folder / "config.yaml").write_text(yaml.safe_dump({"studies": {"arm": {
        "title": "Single-arm course (made up)", "design": "repeated", "id_column": "code",
        "waves": ["pre", "post", "followup"],
        "sources": [{"path": "data/raw/arm/arm.csv", "format": "csv", "wave_column": "visit",
                     "wave_map": {"T1": "pre", "T2": "post", "T3": "followup"}}],
        "instruments": [{"instrument": "brs", "items": "BRS_{n}"}],
        "measures": [{"column": "minutes", "name": "minutes", "min": 0}],
        "analyses": {"reliability": {}, "anova": {"outcomes": ["brs.total", "minutes"]}},
    }}}))
    result = run_snakemake(folder, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    results = folder / "results" / "arm"
    table = pd.read_csv(results / "anova" / "anova.csv")
    assert table.effect.tolist() == ["time", "time"] and table.primary.all()
    assert (table.n == 13).all() and (table.n_excluded == 1).all()
    follow = pd.read_csv(results / "anova" / "followups.csv")
    assert set(follow.comparison) == {"within"} and set(follow.group) == {"all"}
    assert follow.contrast.tolist()[:3] == ["post - pre", "followup - post", "followup - pre"]
    assert follow.d_z.notna().all()
    model = pd.read_csv(results / "anova" / "mixed_model.csv")
    brs = model[model.outcome == "brs.total"]
    assert brs.term.tolist() == ["time[post]", "time[followup]", "time"]
    assert (brs.n_participants == 14).all()          # the mixed model keeps the one lost at T3
    markdown = (results / "tables" / "anova.md").read_text()
    assert "Outcomes by wave, and their change over time" in markdown
    assert "| pre | post | followup |" in markdown
    notebook = (results / "notebooks" / "anova_single_arm.html").read_text()
    assert "changed over time" in notebook or "did not change detectably over time" in notebook
    assert not (results / "notebooks" / "anova.html").exists()


def test_data_error_stops_with_one_message_and_no_partial_output(tmp_path):
    folder = copy_repository(tmp_path, COPIED)
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["studies"]["trainee_wellbeing"]["instruments"][0]["items"] = "maas_item_{n}"
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(folder, "--cores", "1", "results/trainee_wellbeing/ingest/responses.csv")
    assert result.returncode != 0
    assert ("error: data/raw/trainee_wellbeing/export.csv: instrument maas15 (items 'maas_item_{n}') "
            "has 15 of 15 item columns missing" in result.stderr)
    assert "Traceback" not in result.stderr
    assert not list((folder / "results").rglob("*.csv"))


def make_report(folder: Path) -> subprocess.CompletedProcess:
    """The report as `make run` writes it (scripts/report.py)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "scripts/report.py", "results/report.html"], cwd=folder,
                          capture_output=True, text=True, env=env, timeout=600)


def test_two_clean_builds_are_byte_identical(built, tmp_path):
    """Every file under results/ (tables, figures, notebooks, manifest, report) is rebuilt byte for byte."""
    folder, _ = built
    second = copy_repository(tmp_path, COPIED)
    result = run_snakemake(second, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert make_report(second).returncode == 0
    first_files = {p.relative_to(folder): digest(p) for p in (folder / "results").rglob("*") if p.is_file()}
    second_files = {p.relative_to(second): digest(p) for p in (second / "results").rglob("*") if p.is_file()}
    assert first_files.keys() == second_files.keys()
    differing = sorted(str(path) for path in first_files if first_files[path] != second_files[path])
    assert not differing, differing


def test_notebook_sources_are_committed_without_outputs():
    from wellbeing.notebooks import NOTEBOOKS, load_json, stripped

    for name in NOTEBOOKS:
        assert stripped(load_json(ROOT / "notebooks" / f"{name}.ipynb")), name


def test_a_failing_notebook_cell_fails_the_rule(tmp_path):
    folder = copy_repository(tmp_path, COPIED)
    source = folder / "notebooks" / "correlations.ipynb"
    notebook = json.loads(source.read_text())
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "id": "boom", "metadata": {},
                              "outputs": [], "source": "raise RuntimeError('cell failed')"})
    source.write_text(json.dumps(notebook))
    target = "results/trainee_wellbeing/notebooks/correlations.html"
    result = run_snakemake(folder, "--cores", "2", target)
    assert result.returncode != 0
    assert not (folder / target).exists()


def test_one_process_run_writes_the_workflows_results(built, tmp_path):
    """scripts/one_process.py (make bench's lower bound) makes the same calls as the rules: every
    file it writes equals the workflow's byte for byte, and it writes every one of them."""
    folder, _ = built
    single = copy_repository(tmp_path, COPIED)
    done = subprocess.run([sys.executable, "scripts/one_process.py", "--root", str(single)], cwd=single,
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1"))
    assert done.returncode == 0, done.stderr[-3000:]
    workflow = {p.relative_to(folder / "results"): digest(p) for p in (folder / "results").rglob("*")
                if p.is_file() and p.name != "report.html"}
    one = {p.relative_to(single / "results"): digest(p) for p in (single / "results").rglob("*") if p.is_file()}
    assert sorted(map(str, one)) == sorted(map(str, workflow))
    assert [str(path) for path in workflow if workflow[path] != one[path]] == []


def test_example_tables_match_the_recorded_hashes(built):
    """Every table of the example studies is byte for byte the recorded one
    (tests/reference/example_outputs.sha256, written before ingest became a package of layers):
    code changes meant to leave results alone do. After a change meant to alter a table, refresh
    the record with scripts/example_output_hashes.py --write."""
    from example_output_hashes import read_record, table_hashes

    folder, _ = built
    built_hashes = table_hashes(folder / "results")
    recorded = read_record()
    assert sorted(built_hashes) == sorted(recorded)
    differing = sorted(name for name in recorded if recorded[name] != built_hashes[name])
    assert not differing, differing


class _RenderedNotebook(HTMLParser):
    """The table cells, the text outside code, and the images of a rendered notebook."""

    def __init__(self):
        super().__init__()
        self.cells, self.prose, self.images = [], [], 0
        self._cell = None
        self._code = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._cell = ""
        elif tag == "img":
            self.images += 1
        elif tag in ("pre", "code"):
            self._code += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(self._cell.strip())
            self._cell = None
        elif tag in ("pre", "code"):
            self._code -= 1

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif not self._code:
            self.prose.append(data)


def test_notebooks_read_as_a_reader_expects(built):
    """Every notebook that draws a figure shows it; no table cell shows NaN, None, a float count
    (12.0) or scientific notation; no table or sentence shows a scale's id where its instrument
    definition has a label."""
    from wellbeing.tables import study_labels
    from wellbeing.study import validated_config

    folder, _ = built
    config = validated_config(yaml.safe_load((folder / "config.yaml").read_text()), folder)
    with_figures = {"scoring_reliability", "anova", "anova_single_arm", "anova_between", "ancova", "reliable_change",
                    "correlations"}      # feasibility and data_audit show tables only
    checked = 0
    for study_id, study in config["studies"].items():
        # scales by their <instrument>.<scale> id (a measure's name may be a plain word: sessions)
        labelled = {variable for variable, text in study_labels(study, folder).items()
                    if text != variable and "." in variable}
        for page in sorted((folder / "results" / study_id / "notebooks").glob("*.html")):
            parsed = _RenderedNotebook()
            parsed.feed(page.read_text(encoding="utf-8"))
            where = f"{study_id}/{page.name}"
            if page.stem in with_figures:
                assert parsed.images >= 1, where
            bad = [c for c in parsed.cells
                   if re.search(r"\b(NaN|nan|None)\b", c)
                   or re.fullmatch(r"-?\d+(\.\d+)?[eE][+-]?\d+|-?\d+\.0", c)]
            assert not bad, (where, bad[:5])
            shown = " ".join(parsed.cells + parsed.prose)
            ids = sorted(v for v in labelled if re.search(rf"(?<![\w./]){re.escape(v)}(?![\w])", shown))
            assert not ids, (where, ids[:5])
            checked += 1
    assert checked == 15


def _labelled_scale_ids(study, folder) -> set:
    """The scales of a study (``<instrument>.<scale>``) whose definitions give them a label."""
    from wellbeing.tables import study_labels

    return {variable for variable, text in study_labels(study, folder).items()
            if text != variable and "." in variable}


def _ids_in(text: str, ids) -> list:
    """The ids that appear in ``text`` as words (not inside a file name or a longer id)."""
    return sorted(v for v in ids if re.search(rf"(?<![\w./]){re.escape(v)}(?![\w])", text))


def test_tables_and_figures_name_scales_by_label(built):
    """No APA table and no text drawn in a figure shows a scale's id where its definition has a
    label: every figure of both example designs is drawn again from the built CSVs and its text
    read back."""
    import matplotlib.text

    from wellbeing import figures, io
    from wellbeing.study import validated_config

    folder, _ = built
    config = validated_config(yaml.safe_load((folder / "config.yaml").read_text()), folder)
    drawn = 0
    for study_id, study in config["studies"].items():
        ids = _labelled_scale_ids(study, folder)
        out = folder / "results" / study_id
        for table in sorted((out / "tables").glob("*.md")):
            assert not _ids_in(table.read_text(encoding="utf-8"), ids), table.name
        wide = io.read_table(out / "scores" / "scores_wide.csv")
        made = [figures.reliability_forest_for_study(io.read_table(out / "reliability" / "reliability.csv"),
                                                     study, folder)]
        analyses = study["analyses"]
        if "anova" in analyses:
            anova, cells = io.read_table(out / "anova" / "anova.csv"), io.read_table(out / "anova" / "cells.csv")
            ledger = io.read_table(out / "anova" / "ledger.csv")
            made.append(figures.anova_panel_for_study(anova, cells, study, folder))
            made += [figures.anova_interaction_for_study(outcome, anova, cells, ledger, wide, study, folder)
                     for outcome in analyses["anova"]["outcomes"]]
        if "ancova" in analyses:
            made.append(figures.ancova_means_for_study(io.read_table(out / "ancova" / "adjusted_means.csv"),
                                                       io.read_table(out / "ancova" / "ancova.csv"), study, folder))
        for entry in analyses.get("correlations", []):
            long = io.read_table(out / "correlations" / f"{entry['name']}.csv")
            matrix = io.read_table(out / "correlations" / f"{entry['name']}_matrix.csv")
            made.append(figures.correlation_heatmap_for_set(long, matrix, study, entry, folder))
            if len(entry["variables"]) <= figures.SCATTER_MATRIX_MAX:
                made.append(figures.scatter_matrix_for_set(wide, study, entry, folder, long=long))
        for figure in made:
            text = " ".join(t.get_text() for t in figure.findobj(matplotlib.text.Text))
            assert not _ids_in(text, ids), (study_id, figure.texts[:1], _ids_in(text, ids))
            figures.plt.close(figure)
            drawn += 1
    assert drawn >= 20
