"""Make results/report.html byte-identical across clean rebuilds (run by `make run` after
`snakemake --report`): the job runtimes and timeline are emptied; benchmarks/ keeps the timings."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))

from wellbeing.report import strip_runtimes  # noqa: E402

path = Path(sys.argv[1] if len(sys.argv) > 1 else "results/report.html")
path.write_text(strip_runtimes(path.read_text(encoding="utf-8")), encoding="utf-8")
