"""Every result of every study by the same library calls as the workflow, in ONE Python process
and without Snakemake: the lower bound `make bench` compares a cold `snakemake` rebuild with.

    .venv/bin/python scripts/one_process.py [--root FOLDER] [--skip-notebooks]

Writes ``results/<study>/...`` under ``--root`` (default: the current folder), the same files the
rules write, with the same calls as ``workflow/scripts/*.py`` (ingest, score, participants,
reliability, anova, correlations, tables, figures, notebooks, manifest), so the two can be
compared byte for byte. Logs and benchmarks are not written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(root: Path, notebooks_too: bool = True, timings: dict | None = None) -> dict:
    sys.path.insert(0, str(root / "workflow"))
    import pandas as pd
    import yaml

    from wellbeing import (ancova, anova, bayes, change, correlations, feasibility, figures, flow, ingest,
                           io, participants, planning, reliability, report, score, tables)
    from wellbeing import notebooks as nb
    from wellbeing.figures import SCATTER_MATRIX_MAX
    from wellbeing.study import study_input_files, validated_config

    timings = {} if timings is None else timings

    def timed(name):
        class Timer:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - self.start
        return Timer()

    config = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))
    config = validated_config(config, root, source_name="config.yaml")
    root_text = str(root)
    for study_id in sorted(config["studies"]):
        study = config["studies"][study_id]
        analyses = study["analyses"]
        out = root / "results" / study_id
        with timed("ingest"):
            result = ingest.for_study(study, root_text)
            result, key = ingest.pseudonymise(result, study)
            io.write_table(key, root / "private" / study_id / "pseudonyms.csv")
            for name in ("responses", "ledger", "issues", "codebook", "raw_manifest"):
                io.write_table(getattr(result, name), out / "ingest" / f"{name}.csv")
            io.write_table(result.careless, out / "screening" / "careless.csv")
        with timed("score"):
            responses = io.read_table(out / "ingest" / "responses.csv")
            scores, wide = score.for_study(responses, study, root_text, labels_as_categories=True)
            io.write_table(scores, out / "scores" / "scores.csv")
            io.write_table(wide, out / "scores" / "scores_wide.csv")
        wide = io.read_table(out / "scores" / "scores_wide.csv")

        if analyses.get("participants"):
            with timed("participants"):
                codebook = io.read_table(out / "ingest" / "codebook.csv")
                table = participants.characteristics(responses, study, codebook)
                io.write_table(table, out / "participants" / "characteristics.csv")
                characteristics = io.read_table(out / "participants" / "characteristics.csv")
                tables.write_table_files(tables.participants_table(characteristics, study),
                                         out / "tables" / "participants")
        if study["instruments"] and "reliability" in analyses:
            with timed("reliability"):
                table, per_item = reliability.for_study(responses, study, root_text)
                io.write_table(table, out / "reliability" / "reliability.csv")
                io.write_table(per_item, out / "reliability" / "items.csv")
                rel = io.read_table(out / "reliability" / "reliability.csv")
                tables.write_table_files(tables.reliability_for_study(rel, study, root_text),
                                         out / "tables" / "reliability")
            with timed("figures"):
                figures.save(figures.reliability_forest_for_study(rel, study, root_text),
                             out / "figures" / "reliability_forest.png",
                             out / "figures" / "reliability_forest.pdf")
        if "anova" in analyses:
            with timed("anova"):
                result = anova.for_study(wide, study)
                for name in ("anova", "cells", "followups", "mixed_model", "assumptions", "ledger"):
                    io.write_table(getattr(result, name), out / "anova" / f"{name}.csv")
                table = io.read_table(out / "anova" / "anova.csv")
                cells = io.read_table(out / "anova" / "cells.csv")
                ledger = io.read_table(out / "anova" / "ledger.csv")
                tables.write_table_files(tables.anova_for_study(table, cells, study, root_text),
                                         out / "tables" / "anova")
                if analyses["anova"]["bayes"]:
                    io.write_table(bayes.for_anova(wide, ledger, study), out / "anova" / "bayes.csv")
                    tables.write_table_files(tables.bayes_for_study(io.read_table(out / "anova" / "bayes.csv"),
                                                                    study, root_text), out / "tables" / "bayes")
                if analyses["anova"].get("planning") is not None:
                    io.write_table(planning.for_anova(wide, ledger, study), out / "anova" / "planning.csv")
                    tables.write_table_files(
                        tables.planning_for_study(io.read_table(out / "anova" / "planning.csv"), study, root_text),
                        out / "tables" / "planning")
            with timed("figures"):
                for outcome in analyses["anova"]["outcomes"]:
                    figure = figures.anova_interaction_for_study(outcome, table, cells, ledger, wide,
                                                                 study, root_text)
                    figures.save(figure, out / "figures" / f"anova_{outcome}.png",
                                 out / "figures" / f"anova_{outcome}.pdf")
                figures.save(figures.anova_panel_for_study(table, cells, study, root_text),
                             out / "figures" / "anova_panel.png", out / "figures" / "anova_panel.pdf")
        if "ancova" in analyses:
            with timed("ancova"):
                result = ancova.for_study(wide, study)
                for name in ("ancova", "adjusted_means", "contrasts", "assumptions", "ledger"):
                    io.write_table(getattr(result, name), out / "ancova" / f"{name}.csv")
                terms = io.read_table(out / "ancova" / "ancova.csv")
                means = io.read_table(out / "ancova" / "adjusted_means.csv")
                tables.write_table_files(
                    tables.ancova_for_study(terms, means, io.read_table(out / "ancova" / "contrasts.csv"),
                                            study, root_text), out / "tables" / "ancova")
            with timed("figures"):
                figures.save(figures.ancova_means_for_study(means, terms, study, root_text),
                             out / "figures" / "ancova.png", out / "figures" / "ancova.pdf")
        if analyses.get("feasibility") is not None:
            with timed("feasibility"):
                io.write_table(feasibility.for_study(responses, io.read_table(out / "scores" / "scores.csv"),
                                                     wide, study, tables.study_instruments_by_id(study, root_text)),
                               out / "participants" / "feasibility.csv")
                tables.write_table_files(
                    tables.feasibility_for_study(io.read_table(out / "participants" / "feasibility.csv"), study,
                                                 root_text), out / "tables" / "feasibility")
        if analyses.get("reliable_change") is not None:
            with timed("reliable_change"):
                reliability_table = (io.read_table(out / "reliability" / "reliability.csv")
                                     if analyses["reliable_change"]["reliability"] == "baseline_alpha" else None)
                summary, people = change.for_study(wide, reliability_table, study,
                                                   tables.study_instruments_by_id(study, root_text))
                io.write_table(summary, out / "change" / "reliable_change.csv")
                io.write_table(people, out / "change" / "reliable_change_participants.csv")
                summary = io.read_table(out / "change" / "reliable_change.csv")
                tables.write_table_files(tables.reliable_change_for_study(summary, study, root_text),
                                         out / "tables" / "reliable_change")
            with timed("figures"):
                figures.save(figures.reliable_change_for_study(summary, study, root_text),
                             out / "figures" / "reliable_change.png", out / "figures" / "reliable_change.pdf")
        for entry in analyses.get("correlations", []):
            name = entry["name"]
            with timed("correlations"):
                instruments = tables.study_instruments_by_id(study, root_text)
                long, matrix = correlations.for_set(wide, study, entry, instruments)
                io.write_table(long, out / "correlations" / f"{name}.csv")
                io.write_table(matrix, out / "correlations" / f"{name}_matrix.csv")
                long = io.read_table(out / "correlations" / f"{name}.csv")
                matrix = io.read_table(out / "correlations" / f"{name}_matrix.csv")
                tables.write_table_files(tables.correlations_for_set(long, wide, study, entry),
                                         out / "tables" / f"correlations_{name}")
                if entry["repeated_measures"]:
                    io.write_table(correlations.repeated_measures(wide, study, entry, instruments=instruments),
                                   out / "correlations" / f"{name}_rmcorr.csv")
                    tables.write_table_files(
                        tables.rmcorr_for_set(io.read_table(out / "correlations" / f"{name}_rmcorr.csv"), study,
                                              entry, root_text),
                        out / "tables" / f"correlations_{name}_rmcorr")
            with timed("figures"):
                figures.save(figures.correlation_heatmap_for_set(long, matrix, study, entry),
                             out / "figures" / f"correlations_{name}_heatmap.png",
                             out / "figures" / f"correlations_{name}_heatmap.pdf")
                if len(entry["variables"]) <= SCATTER_MATRIX_MAX:
                    figures.save(figures.scatter_matrix_for_set(wide, study, entry, root_text, long=long),
                                 out / "figures" / f"correlations_{name}_scatter.png",
                                 out / "figures" / f"correlations_{name}_scatter.pdf")
        with timed("flow"):
            who = pd.read_csv(out / "ingest" / "responses.csv", dtype=str,
                              usecols=lambda column: column in ("participant", "wave", "group"))
            anova_ledger = io.read_table(out / "anova" / "ledger.csv") if "anova" in analyses else None
            careless = pd.read_csv(out / "screening" / "careless.csv", dtype=str,
                                   usecols=["participant", "wave", "excluded"])
            io.write_table(flow.for_study(io.read_table(out / "ingest" / "ledger.csv"), who, study, anova_ledger,
                                          careless), out / "flow" / "flow.csv")
            figures.save(figures.flow_for_study(io.read_table(out / "flow" / "flow.csv"), study),
                         out / "figures" / "flow.png", out / "figures" / "flow.pdf")
            tables.write_table_files(tables.flow_table(pd.read_csv(out / "flow" / "flow.csv", keep_default_na=False),
                                                       study), out / "tables" / "flow")
        if notebooks_too:
            with timed("notebooks"):
                for notebook in nb.notebooks_for(study):
                    nb.render(root / "notebooks" / f"{notebook}.ipynb", study_id,
                              f"{study['title']}: {notebook}", f"results/{study_id}", root_text,
                              out / "notebooks" / f"{notebook}.html",
                              labels=tables.study_labels(study, root_text), waves=study["waves"],
                              groups=tables.group_labels(study))
        with timed("manifest"):
            outputs = sorted(str(path.relative_to(root)) for path in out.rglob("*")
                             if path.is_file() and path.name != "manifest.json")
            content = report.manifest(study_id, study, outputs, study_input_files(study, root), root_text)
            report.write_manifest(content, out / "manifest.json")
    return timings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--skip-notebooks", action="store_true")
    parser.add_argument("--timings", action="store_true", help="print seconds per stage")
    args = parser.parse_args(argv)
    import os
    os.chdir(args.root)            # notebooks and relative paths resolve as under snakemake
    timings = run(args.root.resolve(), notebooks_too=not args.skip_notebooks)
    if args.timings:
        for name, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
            print(f"{name:14s} {seconds:8.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
