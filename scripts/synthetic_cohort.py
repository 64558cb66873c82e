"""Write a SIMULATED synthetic cohort for benchmarks: N participants x 3 waves x the thirteen
instruments the speed targets were set on (:data:`BENCH_INSTRUMENTS`: 330 items, fixed so that a
newly bundled instrument does not change the benchmark), plus a config.yaml that analyses it, in a
folder of its own (never data/raw/).

    .venv/bin/python scripts/synthetic_cohort.py --participants 10000 --out /tmp/bench/10000

Built on the example studies' simulator (``wellbeing.simulate``): every instrument's items come
from ``simulate.make_plan`` (the scoring keys in ``workflow/instruments/*.yaml`` decide which
latent facet drives each item and which items are reversed) and ``ItemPlan.generate``. Each
participant has a general wellbeing factor; the trained group improves over the waves. About 2%
of item responses are missing at random. The output is a pure function of ``--seed``.

Each participant also has a sex (text, f or m, about 55% f) and, in the trained group, the number
of the 8 sessions attended (Binomial(8, 0.8): about 20% attend fewer than 6; blank for controls),
both the same at every wave. They are drawn from a generator of their own
(``default_rng([seed, 1])``), so every other column is the same as without them.

The config runs the ANOVA, its mixed model and the ANCOVA in their full designs: design mixed
(group x 3 waves) with sex as a further between factor (the ANOVA is the full group x sex x time
factorial, Type III, and the mixed model adds sex), a per-protocol population (trained
participants who attended fewer than 6 sessions are out of it) analysed beside everyone, and the
baseline-adjusted ANCOVA of the same outcomes.

Layout written under ``--out``::

    data/raw/synthetic/responses.csv     long layout: participant, group, wave, age, sex, sessions,
                                         <id>_<n> ...
    config.yaml                          one mixed-design study `synthetic`
    Snakefile, workflow/, notebooks/, envs/   copied from the repository, so snakemake runs there
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workspace import WORKFLOW, copy_repository  # noqa: E402

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from wellbeing import simulate  # noqa: E402

WAVES = ["t1", "t2", "t3"]
GROUPS = ["control", "trained"]
SEXES = ["f", "m"]
SESSIONS = 8                  # sessions offered to the trained group
PER_PROTOCOL_MIN = 6          # per protocol: attended at least this many
#: The columns before the items in responses.csv.
LEADING = ["participant", "group", "wave", "age", "sex", "sessions"]
#: The outcomes of the ANOVA, the ANCOVA and the mixed model.
OUTCOMES = ["pss10.total", "scs26.total", "ffmq39.total", "brs.total"]
CHUNK = 20_000


#: The bundled instruments of the benchmark cohort (330 items per wave).
BENCH_INSTRUMENTS = ["brs", "cdrisc10", "cdrisc25", "eq60", "ffmq15", "ffmq39", "flourishing", "maas15",
                     "mbi_hss", "proqol5", "pss10", "scs26", "scs_sf12"]


def bundled_instruments() -> list[str]:
    return list(BENCH_INSTRUMENTS)


def facets_for(instrument: str, definition: dict) -> list[simulate.Facet]:
    """One latent facet per scale whose items no earlier scale claimed (subscales before totals)."""
    facets, claimed = [], set()
    categories = int(definition["response"]["max"]) - int(definition["response"]["min"]) + 1
    probabilities = tuple(1.0 / categories for _ in range(categories))
    scales = sorted(definition["scales"].items(), key=lambda kv: (len(kv[1]["items"]), kv[0]))
    for name, spec in scales:
        items = set(spec["items"])
        if items & claimed:
            continue
        claimed |= items
        facets.append(simulate.Facet(instrument, name, +1, 0.6, None, 0.0, probabilities))
    return facets


def generate(participants: int, seed: int, out: Path, instruments: list[str] | None = None,
             study: str = "synthetic") -> Path:
    """Write ``data/raw/<study>/responses.csv`` under ``out``: ``participants`` x 3 waves."""
    rng = np.random.default_rng(seed)
    extra = np.random.default_rng([seed, 1])      # sex and sessions: leaves rng's stream as it was
    plans = {}
    for instrument in instruments or bundled_instruments():
        definition = simulate.load_definition(instrument)
        facets = facets_for(instrument, definition)
        plan = simulate.make_plan(instrument, facets, rng, definition=definition)
        plan.loading = {f"{instrument}.{facet.scale}": 0.75 for facet in facets}
        plans[instrument] = (plan, facets)
    raw_dir = out / "data" / "raw" / study
    raw_dir.mkdir(parents=True, exist_ok=True)
    path = raw_dir / "responses.csv"
    columns = LEADING + [
        f"{instrument}_{n}" for instrument, (plan, _) in plans.items()
        for n in range(1, int(plan.definition["items"]) + 1)]
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(",".join(columns) + "\n")
        for start in range(0, participants, CHUNK):
            n = min(CHUNK, participants - start)
            ids = np.array([f"P{i:07d}" for i in range(start + 1, start + n + 1)])
            trained = rng.random(n) < 0.5
            general = rng.standard_normal(n)
            age = rng.integers(22, 66, n)
            sex = np.where(extra.random(n) < 0.55, SEXES[0], SEXES[1])
            sessions = np.where(trained, extra.binomial(SESSIONS, 0.8, n).astype(str), "")
            for w, wave in enumerate(WAVES):
                blocks = []
                for instrument, (plan, facets) in plans.items():
                    latent = {}
                    for facet in facets:
                        specific = rng.standard_normal(n)
                        latent[f"{instrument}.{facet.scale}"] = (
                            0.6 * general + 0.8 * specific + 0.25 * w * trained)
                    noise = rng.standard_normal((n, int(plan.definition["items"])))
                    blocks.append(plan.generate(latent, noise))
                items = np.hstack(blocks)
                items[rng.random(items.shape) < 0.02] = np.nan
                text = np.where(np.isnan(items), "", np.nan_to_num(items).astype(np.int64).astype(str))
                group = np.where(trained, GROUPS[1], GROUPS[0])
                lines = [",".join((pid, grp, wave, str(a), sx, ses, *row))
                         for pid, grp, a, sx, ses, row in zip(ids, group, age, sex, sessions,
                                                              text.tolist())]
                handle.write("\n".join(lines) + "\n")
    return path


def write_config(out: Path, instruments: list[str]) -> Path:
    outcomes = list(OUTCOMES)
    study = {
        "title": "Synthetic benchmark cohort (simulated)",
        "design": "mixed",
        "sources": [{"path": "data/raw/synthetic/responses.csv", "format": "csv",
                     "wave_column": "wave"}],
        "id_column": "participant",
        "group_column": "group",
        "waves": WAVES,
        "groups": GROUPS,
        "factors": [{"column": "sex", "name": "sex", "levels": SEXES}],
        "instruments": [{"instrument": name, "items": f"{name}_{{n}}"} for name in instruments],
        "measures": [{"column": "age", "name": "age", "min": 18, "max": 90},
                     {"column": "sessions", "name": "sessions", "min": 0, "max": SESSIONS}],
        "populations": {"per_protocol": {"exclude": [{"variable": "sessions",
                                                      "below": PER_PROTOCOL_MIN}]}},
        "analyses": {
            "reliability": {},
            "anova": {"outcomes": outcomes, "p_adjust": "holm",
                      "populations": ["all", "per_protocol"]},
            "ancova": {"outcomes": list(outcomes), "p_adjust": "holm"},
            "correlations": [{"name": "baseline", "wave": "t1", "method": "pearson",
                              "variables": ["age", "pss10.total", "scs26.total", "ffmq39.total",
                                            "brs.total", "maas15.total", "flourishing.total"]}],
        },
    }
    config = out / "config.yaml"
    config.write_text("# SIMULATED synthetic benchmark cohort, written by scripts/synthetic_cohort.py\n"
                      + yaml.safe_dump({"studies": {"synthetic": study}}, sort_keys=False),
                      encoding="utf-8")
    return config


def copy_workflow(out: Path) -> None:
    """Make ``out`` a runnable project: a copy of the workflow code, with its own data and config."""
    copy_repository(out, WORKFLOW)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=20240901)
    args = parser.parse_args(argv)
    if (args.out.resolve() / "data").resolve() == (ROOT / "data").resolve():
        parser.error("refusing to write into the repository's data/ folder")
    args.out.mkdir(parents=True, exist_ok=True)
    generate(args.participants, args.seed, args.out)
    write_config(args.out, bundled_instruments())
    copy_workflow(args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
