"""The designs end to end through Snakemake: a between-subjects factorial experiment (group x
mindset at one session) and a two-arm trial with a further factor, a per-protocol population and
the baseline-adjusted ANCOVA. Checks that every output the design promises is written, with the
design's effects, columns and populations, and that the tables, figures and notebooks follow
the design; the statistics themselves are checked against R in test_anova_designs.py and
test_ancova.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from workspace import WORKFLOW, copy_repository  # noqa: E402

pytestmark = pytest.mark.pipeline


def brs_items(rng, latent):
    """Six BRS answers (1-5) around a latent level; items 2, 4 and 6 are worded negatively."""
    answers = np.clip(np.rint(latent[:, None] + rng.normal(0, 0.7, (len(latent), 6))), 1, 5)
    answers[:, [1, 3, 5]] = 6 - answers[:, [1, 3, 5]]
    return answers.astype(int)


def experiment(folder: Path) -> dict:
    """Simulated: 80 people, control/trained x fixed/growth mindset, one session."""
    rng = np.random.default_rng(7)
    n = 80
    group = np.repeat(["control", "trained"], n // 2)
    mindset = np.tile(["fixed", "growth"], n // 2)
    latent = 3 + 0.4 * (group == "trained") + 0.2 * (mindset == "growth") + rng.normal(0, 0.6, n)
    frame = pd.DataFrame(brs_items(rng, latent), columns=[f"BRS_{i}" for i in range(1, 7)])
    frame.insert(0, "mindset", mindset)
    frame.insert(0, "condition", group)
    frame.insert(0, "pid", [f"E{i:03d}" for i in range(n)])
    path = folder / "data" / "raw" / "experiment" / "session.csv"
    path.parent.mkdir(parents=True)
    frame.to_csv(path, index=False)
    return {"title": "Brief experiment (simulated)", "design": "between",
            "sources": [{"path": "data/raw/experiment/session.csv", "format": "csv", "wave": "session"}],
            "id_column": "pid", "group_column": "condition", "groups": ["control", "trained"],
            "waves": ["session"], "factors": [{"column": "mindset", "levels": ["fixed", "growth"]}],
            "instruments": [{"instrument": "brs", "items": "BRS_{n}"}],
            "analyses": {"reliability": {}, "anova": {"outcomes": ["brs.total"]}}}


def trial(folder: Path) -> dict:
    """Simulated: 60 people, control/trained x sex, pre and post, attendance per person."""
    rng = np.random.default_rng(11)
    n = 60
    group = np.repeat(["control", "trained"], n // 2)
    sex = np.tile(["f", "m", "f"], n // 3)
    sessions = np.where(group == "trained", rng.integers(1, 9, n), 0)
    person = rng.normal(0, 0.6, n)
    rows = []
    for wave, gain in (("pre", 0.0), ("post", 0.5)):
        latent = 3 + person + gain * (group == "trained") + rng.normal(0, 0.3, n)
        frame = pd.DataFrame(brs_items(rng, latent), columns=[f"BRS_{i}" for i in range(1, 7)])
        frame.insert(0, "visit", wave)
        frame.insert(0, "sex", sex)
        frame.insert(0, "arm", group)
        frame.insert(0, "pid", [f"T{i:03d}" for i in range(n)])
        rows.append(frame if wave == "pre" else frame.iloc[:-3])      # three lost at post
    folder = folder / "data" / "raw" / "trial"
    folder.mkdir(parents=True)
    pd.concat(rows).to_csv(folder / "surveys.csv", index=False)
    pd.DataFrame({"pid": [f"T{i:03d}" for i in range(n)], "attended": sessions}).to_csv(
        folder / "attendance.csv", index=False)
    return {"title": "Two-arm trial (simulated)", "design": "mixed",
            "sources": [{"path": "data/raw/trial/surveys.csv", "format": "csv", "wave_column": "visit"},
                        {"path": "data/raw/trial/attendance.csv", "format": "csv", "per_participant": True}],
            "id_column": "pid", "group_column": "arm", "groups": ["control", "trained"],
            "waves": ["pre", "post"], "factors": [{"column": "sex", "levels": ["f", "m"]}],
            "instruments": [{"instrument": "brs", "items": "BRS_{n}"}],
            "measures": [{"column": "attended", "name": "sessions", "min": 0, "max": 8}],
            "populations": {"per_protocol": {"exclude": [
                {"variable": "sessions", "below": 4, "groups": ["trained"]},
                {"variable": "sessions", "missing": True}]}},
            "analyses": {"anova": {"outcomes": ["brs.total"], "populations": ["all", "per_protocol"]},
                         "ancova": {"outcomes": ["brs.total"], "populations": ["all", "per_protocol"]}}}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = copy_repository(tmp_path_factory.mktemp("designs"), WORKFLOW)
    studies = {"experiment": experiment(folder), "trial": trial(folder)}
    (folder / "config.yaml").write_text(yaml.safe_dump({"studies": studies}, sort_keys=False))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    run = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2"], cwd=folder,
                         capture_output=True, text=True, env=env, timeout=1200)
    assert run.returncode == 0, run.stderr[-3000:]
    return folder / "results"


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"participant": str})


def test_between_factorial_outputs(built):
    out = built / "experiment"
    anova = read(out / "anova" / "anova.csv")
    assert anova.effect.tolist() == ["group", "mindset", "group:mindset"]
    assert anova.loc[anova.primary, "effect"].tolist() == ["group"]
    assert (anova.population == "all").all() and (anova.n == 80).all()
    cells = read(out / "anova" / "cells.csv")
    assert list(cells.columns[:5]) == ["outcome", "population", "group", "mindset", "wave"]
    assert len(cells) == 4 and (cells.n == 20).all()
    assert read(out / "anova" / "mixed_model.csv").empty      # one wave: no mixed model
    table = (out / "tables" / "anova.md").read_text()
    assert "| control fixed | control growth | trained fixed | trained growth |" in table
    assert "group effect of a between-subjects ANOVA (group × mindset factorial)" in table
    assert "*n* = participants with a score at session: 20 per cell." in table
    assert "(Holm)" not in table            # one outcome: nothing to adjust across
    for name in ("anova_brs.total.png", "anova_panel.png"):
        assert (out / "figures" / name).stat().st_size > 10_000
    notebook = (out / "notebooks" / "anova_between.html").read_text()
    assert "Do the groups differ?" in notebook and "Traceback" not in notebook
    assert not (out / "notebooks" / "anova.html").exists()


def test_trial_with_a_factor_populations_and_ancova(built):
    out = built / "trial"
    anova = read(out / "anova" / "anova.csv")
    assert anova.population.unique().tolist() == ["all", "per_protocol"]
    assert anova.effect.unique().tolist() == ["group", "sex", "group:sex", "time", "group:time",
                                              "sex:time", "group:sex:time"]
    ledger = read(out / "anova" / "ledger.csv")
    attendance = pd.read_csv(built.parent / "data" / "raw" / "trial" / "attendance.csv")
    low = attendance[(attendance.attended < 4) & (attendance.pid >= "T030")]    # trained arm only
    out_pp = ledger[(ledger.population == "per_protocol") & ledger.reason.str.startswith("per_protocol:")]
    assert out_pp.participant.nunique() == len(low)      # pseudonymised: count, not codes
    assert (out_pp.reason.str.match(r"per_protocol: sessions \d < 4")).all()
    n = anova.drop_duplicates("population").set_index("population").n
    assert n["all"] == 57 and n["per_protocol"] == 57 - len(low[low.pid < "T057"])
    model = read(out / "anova" / "mixed_model.csv")
    assert model.term.tolist() == ["time[post]:group[trained]"] * 2
    assert (model.statistic_type == "t").all()
    ancova = read(out / "ancova" / "ancova.csv")
    assert ancova.term.unique().tolist() == ["baseline", "group", "sex", "group:sex"]
    means = read(out / "ancova" / "adjusted_means.csv")
    assert means.group.tolist() == ["control", "trained"] * 2
    contrasts = read(out / "ancova" / "contrasts.csv")
    assert contrasts.contrast.tolist() == ["trained - control"] * 2
    table = (out / "tables" / "ancova.md").read_text()
    assert "(per_protocol)" in table and "averaged over sex" in table
    anova_table = (out / "tables" / "anova.md").read_text()
    assert "| control f pre |" in anova_table and "Populations: all, per_protocol" in anova_table
    for name in ("ancova.png", "anova_brs.total.png"):
        assert (out / "figures" / name).stat().st_size > 10_000
    for name in ("anova", "ancova"):
        page = (out / "notebooks" / f"{name}.html").read_text()
        assert "Traceback" not in page and "per_protocol" in page
