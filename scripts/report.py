"""Write the Snakemake HTML report as `make run` does, byte-identical across clean rebuilds.

    .venv/bin/python scripts/report.py [results/report.html]

Runs ``snakemake --report`` in this process with one change: the rule graph is drawn from a fixed
choice of jobs. Snakemake draws one job per rule and level of the DAG, picked in the order of a
set of jobs that changes from one process to the next, and only that job's links; here the jobs
of each level are taken in order of rule and output, and the graph shows the links of every job
(a notebook that reads the ANOVA in one study and not in another still gets the arrow), listed in
order of their nodes. The job runtimes and timeline are then emptied (``benchmarks/`` keeps each
job's timing).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))

import snakemake.report.html_reporter as html_reporter  # noqa: E402
from snakemake.cli import main as snakemake_main  # noqa: E402
from snakemake.report.rulegraph_spec import get_representatives  # noqa: E402

from wellbeing.report import strip_runtimes  # noqa: E402


def rulegraph_spec(dag):
    """``snakemake.report.rulegraph_spec.rulegraph_spec`` with a fixed choice of jobs and every link."""
    representatives = {}
    levels = []
    for level in dag.toposorted():
        level = sorted(level, key=lambda job: (job.rule.name, sorted(map(str, job.output))))
        levels.append((level, get_representatives(level, representatives)))
    shown = [job for _, chosen in levels for job in chosen]
    nodes = [{"rule": job.rule.name, "fx": 10, "fy": i * 50} for i, job in enumerate(shown)]
    index = {job: i for i, job in enumerate(shown)}
    pairs = sorted({(index[representatives[job]], index[representatives[dependency]])
                    for level, _ in levels for job in level for dependency in dag.dependencies[job]})

    def links(direct: bool):
        return [{"target": target, "source": source, "sourcerule": nodes[source]["rule"],
                 "targetrule": nodes[target]["rule"], "value": 1}
                for target, source in pairs if (target - source == 1) == direct]

    return ({"nodes": nodes, "links": links(direct=False), "links_direct": links(direct=True)},
            100, max((node["fy"] for node in nodes), default=0))


def main(path: Path) -> int:
    html_reporter.rulegraph_spec = rulegraph_spec
    try:
        snakemake_main(["--report", str(path)])
    except SystemExit as stop:
        if stop.code not in (0, None):
            return stop.code if isinstance(stop.code, int) else 1
    path.write_text(strip_runtimes(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/report.html")))
