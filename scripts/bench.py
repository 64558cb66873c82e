"""`make bench`: how long the pipeline takes and how it scales; writes bench/results.json and
bench/results.png (both git-ignored).

    .venv/bin/python scripts/bench.py [--sizes 1000 10000 100000] [--timeout 900] [--work DIR]

Measured side by side, each in a fresh copy of the repository under a temporary folder (never
data/raw/ or results/ of the checkout):

- ``cold_rebuild_s``: clean ``snakemake --cores all`` on the default config.yaml;
  ``one_process_s``: the same library calls in one Python process (scripts/one_process.py);
  ``cold_rebuild_ratio`` = the first over the second (target <= 2.5).
- ``noop_s``: ``snakemake --cores all`` again with nothing to do, against ``bare_noop_s`` (a bare
  one-rule Snakefile, also up to date); ``noop_ratio`` (target <= 1.2). Medians of --repeat runs.
- ``scale``: a synthetic cohort (scripts/synthetic_cohort.py, built on wellbeing.simulate) of each
  size x 3 waves x 13 bundled instruments, run end to end with ``--cores 2``: wall seconds,
  peak RSS of the whole process tree (sampled every 0.1 s) and of the largest job, CPU seconds of
  the whole tree (``cpu_s``, user + system of every finished descendant) and the load average
  before and after (``loadavg``: other work on the machine lengthens the wall time, not
  ``cpu_s``), and the fitted ``exponent`` of time against size between the two largest sizes that
  finished (target <= 1.15). A size that exceeds --timeout is stopped and recorded as such. The
  cohort's design (``design``): group x sex x 3 waves (the full-factorial ANOVA and the mixed
  model with a further between factor), the ANOVA for everyone and a per-protocol population,
  and the baseline-adjusted ANCOVA of the same outcomes.
- ``setup``: ``make setup`` in a fresh copy with a new ``.venv``, with pip (``pip_s``) and, when
  ``uv`` is on the PATH, with uv (``uv_s``); then ``first_result_s``: the faster set-up plus a
  cold ``make run``-equivalent build of the example studies (the figure a new user waits for).
  ``--skip-setup`` leaves it out (it downloads every package).
- ``reliability``: at the largest cohort, ``reliability.for_study`` alone in one process with
  ``missing: listwise`` and with ``missing: pairwise`` (seconds and peak memory of each).
- ``r_equivalent``: psych::alpha (every scale, every wave) + afex::aov_ez (the ANOVA outcomes,
  group x sex x wave, each population) + car::Anova type 3 of lm (the ANCOVA: last wave on the
  first, group x sex, sum contrasts) + psych::corr.test (the baseline set) on the largest
  synthetic cohort, when Rscript with psych, afex (and its car) and data.table is installed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workspace import PROJECT, copy_repository  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SNAKEMAKE = [PYTHON, "-m", "snakemake"]
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
           PYTHONHASHSEED="0")
TARGETS = {"cold_rebuild_ratio": 2.5, "noop_ratio": 1.2, "scale_100000_s": 90.0,
           "scale_100000_peak_rss_mb": 3072.0, "exponent": 1.15}

BARE_SNAKEFILE = """\
rule all:
    input: "done.txt"

rule one:
    output: "done.txt"
    shell: "echo done > {output}"
"""

R_SCRIPT = r"""
suppressPackageStartupMessages({library(psych); library(afex); library(data.table)})
args <- commandArgs(trailingOnly = TRUE)
data <- as.data.frame(fread(args[1]))
spec <- as.data.frame(fread(args[2]))   # scale, reverse (0/1), column (a data.frame: in a
                                        # data.table, spec$scale == scale would be all TRUE)
outcomes <- strsplit(args[3], ",")[[1]]
baseline <- strsplit(args[4], ",")[[1]]
between <- c("group", strsplit(args[5], ",")[[1]])                 # group, then the factors
rule <- strsplit(args[6], ",")[[1]]   # per-protocol: variable,minimum (NA passes), or empty
waves <- unique(data$wave)
keep <- intersect(c("participant", "wave", "age", between, rule[1]), names(data))
scores <- data[, keep]
for (scale in unique(spec$scale)) {
  s <- spec[spec$scale == scale, ]
  for (w in waves) {
    rows <- data$wave == w
    invisible(psych::alpha(data[rows, s$column], keys = s$column[s$reverse == 1], warnings = FALSE))
  }
  scores[[scale]] <- rowMeans(data[, s$column], na.rm = TRUE)
}
populations <- list(all = scores)
if (length(rule) == 2) {
  value <- scores[[rule[1]]]
  populations$per_protocol <- scores[is.na(value) | value >= as.numeric(rule[2]), ]
}
for (population in populations) {
  for (outcome in outcomes) {
    invisible(suppressWarnings(suppressMessages(afex::aov_ez(
      id = "participant", dv = outcome, data = population, between = between,
      within = "wave", type = 3, na.rm = TRUE))))
  }
}
first <- scores[scores$wave == waves[1], ]
last <- scores[scores$wave == waves[length(waves)], ]
for (outcome in outcomes) {
  d <- merge(first[, c("participant", between, outcome)], last[, c("participant", outcome)],
             by = "participant")
  names(d) <- c("participant", between, "base", "post")
  for (f in between) d[[f]] <- factor(d[[f]])
  contrasts <- setNames(rep(list("contr.sum"), length(between)), between)
  fit <- lm(as.formula(paste("post ~ base +", paste(between, collapse = " * "))), data = d,
            contrasts = contrasts)
  invisible(car::Anova(fit, type = 3))
}
invisible(psych::corr.test(scores[scores$wave == waves[1], baseline], adjust = "holm"))
cat("ok\n")
"""


class TreeSampler(threading.Thread):
    """Peak summed RSS of a process and all its descendants, sampled every ``interval`` s."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self.done = pid, interval, 0, False

    def run(self):
        try:
            parent = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self.done:
            total = 0
            try:
                for process in [parent] + parent.children(recursive=True):
                    try:
                        total += process.memory_info().rss
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        pass
            except psutil.NoSuchProcess:
                break
            self.peak = max(self.peak, total)
            time.sleep(self.interval)


def timed(command: list[str], cwd: Path, timeout: float | None = None, sample: bool = False) -> dict:
    """Run ``command``; wall seconds, exit code, and (``sample``) the peak RSS of its tree in MB,
    its CPU seconds and the load average before and after."""
    load_before = os.getloadavg()
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    sampler = TreeSampler(process.pid) if sample else None
    if sampler:
        sampler.start()
    timed_out = False
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate()
    wall = time.perf_counter() - start
    result = {"seconds": round(wall, 3), "returncode": process.returncode, "timed_out": timed_out}
    if sampler:
        sampler.done = True
        sampler.join()
        result["peak_rss_mb"] = round(sampler.peak / 2 ** 20, 1)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        result["cpu_s"] = round(usage.ru_utime + usage.ru_stime
                                - usage_before.ru_utime - usage_before.ru_stime, 2)
        result["loadavg"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    if process.returncode != 0 and not timed_out:
        result["stderr_tail"] = stderr[-2000:]
    return result


def check(result: dict, what: str) -> dict:
    if result["returncode"] != 0:
        raise SystemExit(f"bench: {what} failed:\n{result.get('stderr_tail', '')}")
    return result


def job_benchmarks(folder: Path) -> dict:
    """Per rule: summed seconds, the largest max_rss (MB) and summed cpu_time (``cpu_s``; Snakemake
    samples it, so it is a lower bound) from Snakemake's benchmark files."""
    rules: dict = {}
    for tsv in (folder / "benchmarks").rglob("*.tsv"):
        lines = tsv.read_text().splitlines()
        if len(lines) < 2:
            continue
        header, values = lines[0].split("\t"), lines[-1].split("\t")
        row = dict(zip(header, values))
        name = tsv.stem
        entry = rules.setdefault(name, {"seconds": 0.0, "max_rss_mb": 0.0, "cpu_s": 0.0})
        entry["seconds"] = round(entry["seconds"] + float(row["s"]), 2)
        try:
            entry["cpu_s"] = round(entry["cpu_s"] + float(row["cpu_time"]), 2)
        except (KeyError, ValueError):
            pass
        try:
            entry["max_rss_mb"] = max(entry["max_rss_mb"], float(row["max_rss"]))
        except ValueError:
            pass
    return dict(sorted(rules.items(), key=lambda kv: -kv[1]["seconds"]))


def declared_memory(folder: Path) -> dict:
    """Per job (named as its benchmark file is, after its log file): the mem_mb its rule declares
    for a cluster (workflow/rules/common.smk, cluster_resources), from a forced dry run over the
    finished results, so that the bench can set it beside the peak the job reached."""
    result = subprocess.run(SNAKEMAKE + ["-n", "-F", "--cores", "1"], cwd=folder, capture_output=True,
                            text=True)
    declared, log, memory = {}, None, None
    for line in (result.stdout + result.stderr).splitlines() + ["rule end:"]:
        if re.match(r"^(local)?rule \w+:", line):
            if log and memory:
                declared[log] = memory
            log, memory = None, None
        elif line.strip().startswith("log:"):
            log = Path(line.split(":", 1)[1].strip().split(",")[0]).stem
        elif "mem_mb=" in line:
            memory = int(re.search(r"\bmem_mb=(\d+)", line).group(1))
    return declared


def bench_setup(work: Path) -> dict:
    """Fresh set-up times (pip, and uv when installed) and the time to the first results."""
    result = {}
    for tool in ("pip", "uv"):
        if tool == "uv" and shutil.which("uv") is None:
            continue
        folder = copy_repository(work / f"setup_{tool}", PROJECT + ("Makefile", "pyproject.toml",
                                                                     "requirements.lock", "profiles"))
        run = timed(["make", "setup", "UV=uv" if tool == "uv" else "UV=/nonexistent/uv"], folder)
        result[f"{tool}_s"] = check(run, f"make setup with {tool}")["seconds"]
    fastest = min(result, key=result.get)
    folder = work / f"setup_{fastest.removesuffix('_s')}"
    build = check(timed([str(folder / ".venv" / "bin" / "python"), "-m", "snakemake", "--cores", "all",
                         "--profile", "profiles/quiet"], folder), "first build")
    result["first_result_s"] = round(result[fastest] + build["seconds"], 2)
    return result


RELIABILITY_ALONE = """
import json, resource, sys, time, yaml
sys.path.insert(0, "workflow")
from wellbeing import io, reliability
from wellbeing.study import validated_config
config = validated_config(yaml.safe_load(open("config.yaml")), ".", source_name="config.yaml")
study = config["studies"]["synthetic"]
study["analyses"]["reliability"] = {**(study["analyses"].get("reliability") or {}), "missing": sys.argv[1]}
responses = io.read_table("results/synthetic/ingest/responses.csv")
start = time.perf_counter()
reliability.for_study(responses, study, ".")
print(json.dumps({"seconds": round(time.perf_counter() - start, 2),
                  "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def bench_reliability(folder: Path) -> dict:
    """reliability.for_study alone on a built cohort, listwise and pairwise."""
    result = {}
    for missing in ("listwise", "pairwise"):
        run = subprocess.run([PYTHON, "-c", RELIABILITY_ALONE, missing], cwd=folder, capture_output=True,
                             text=True)
        if run.returncode != 0:
            raise SystemExit(f"bench: reliability ({missing}) failed:\n{run.stderr[-2000:]}")
        result[missing] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def bench_default(work: Path, repeat: int) -> dict:
    cold = copy_repository(work / "cold")
    single = copy_repository(work / "one_process")
    cold_run = check(timed(SNAKEMAKE + ["--cores", "all"], cold, sample=True), "cold rebuild")
    one_run = check(timed([PYTHON, str(ROOT / "scripts" / "one_process.py"), "--root", str(single)],
                          single, sample=True), "one-process run")
    identical = subprocess.run(["diff", "-r", "-q", str(cold / "results"), str(single / "results")],
                               capture_output=True, text=True)
    bare = work / "bare"
    bare.mkdir()
    (bare / "Snakefile").write_text(BARE_SNAKEFILE)
    check(timed(SNAKEMAKE + ["--cores", "all"], bare), "bare Snakefile")
    noop = [check(timed(SNAKEMAKE + ["--cores", "all"], cold), "no-op rerun")["seconds"]
            for _ in range(repeat)]
    bare_noop = [check(timed(SNAKEMAKE + ["--cores", "all"], bare), "bare no-op")["seconds"]
                 for _ in range(repeat)]
    result = {
        "cold_rebuild_s": cold_run["seconds"],
        "cold_rebuild_peak_rss_mb": cold_run["peak_rss_mb"],
        "one_process_s": one_run["seconds"],
        "one_process_peak_rss_mb": one_run["peak_rss_mb"],
        "cold_rebuild_ratio": round(cold_run["seconds"] / one_run["seconds"], 3),
        "one_process_outputs_identical": identical.returncode == 0,
        "one_process_differences": identical.stdout.splitlines()[:20],
        "noop_s": round(statistics.median(noop), 3),
        "noop_runs_s": noop,
        "bare_noop_s": round(statistics.median(bare_noop), 3),
        "bare_noop_runs_s": bare_noop,
        "jobs": job_benchmarks(cold),
    }
    result["noop_ratio"] = round(result["noop_s"] / result["bare_noop_s"], 3)
    return result


def cohort_design(folder: Path) -> dict:
    """What the synthetic cohort's config asks of the analyses (recorded beside its timings)."""
    import yaml

    study = yaml.safe_load((folder / "config.yaml").read_text())["studies"]["synthetic"]
    analyses = study.get("analyses", {})
    return {"design": study["design"], "waves": len(study["waves"]),
            "between": ["group"] + [f.get("name") or f["column"] for f in study.get("factors", [])],
            "populations": sorted(study.get("populations", {})),
            "analyses": {name: ({key: settings.get(key, ["all"] if key == "populations" else None)
                                 for key in ("outcomes", "populations")}
                                if isinstance(settings, dict) and "outcomes" in settings else True)
                         for name, settings in analyses.items()}}


def bench_scale(work: Path, sizes: list[int], timeout: float) -> list[dict]:
    rows = []
    for size in sizes:
        folder = work / f"cohort_{size}"
        start = time.perf_counter()
        check(timed([PYTHON, str(ROOT / "scripts" / "synthetic_cohort.py"), "--participants",
                     str(size), "--out", str(folder)], ROOT), f"synthetic cohort {size}")
        generate_s = time.perf_counter() - start
        run = timed(SNAKEMAKE + ["--cores", "2"], folder, timeout=timeout, sample=True)
        raw = folder / "data" / "raw" / "synthetic" / "responses.csv"
        header = raw.open().readline().rstrip("\n").split(",")
        row = {"participants": size, "waves": 3, "rows": 3 * size, "columns": len(header),
               "items": sum(1 for column in header if re.fullmatch(r"[a-z0-9_]+_[0-9]+", column)),
               "raw_mb": round(raw.stat().st_size / 2 ** 20, 1),
               "generate_s": round(generate_s, 2), "seconds": run["seconds"],
               "peak_rss_mb": run["peak_rss_mb"], "cpu_s": run["cpu_s"], "loadavg": run["loadavg"],
               "returncode": run["returncode"], "timed_out": run["timed_out"],
               "design": cohort_design(folder), "jobs": job_benchmarks(folder)}
        row["max_job_rss_mb"] = max((j["max_rss_mb"] for j in row["jobs"].values()), default=None)
        for name, memory in declared_memory(folder).items():
            if name in row["jobs"]:
                row["jobs"][name]["declared_mem_mb"] = memory
        short = [name for name, job in row["jobs"].items()
                 if job["max_rss_mb"] > job.get("declared_mem_mb", float("inf"))]
        if short:
            print(f"bench: {size} participants: jobs that used more memory than they declare: "
                  + ", ".join(short), flush=True)
        if "stderr_tail" in run:
            row["stderr_tail"] = run["stderr_tail"]
        rows.append(row)
        print(f"bench: {size} participants: {row['seconds']} s, peak {row['peak_rss_mb']} MB, "
              f"CPU {row['cpu_s']} s, load {row['loadavg'][0]} -> {row['loadavg'][1]}"
              + (" (TIMED OUT)" if row["timed_out"] else "")
              + (" (FAILED)" if row["returncode"] != 0 and not row["timed_out"] else ""), flush=True)
        if row["timed_out"] or row["returncode"] != 0:
            break                     # a larger size would not finish either
    return rows


def exponent(rows: list[dict]) -> float | None:
    done = [row for row in rows if row["returncode"] == 0 and not row["timed_out"]]
    if len(done) < 2:
        return None
    a, b = done[-2], done[-1]
    return round(math.log(b["seconds"] / a["seconds"]) / math.log(b["participants"] / a["participants"]), 3)


def r_available() -> bool:
    if not shutil.which("Rscript"):
        return False
    probe = subprocess.run(["Rscript", "-e", "library(psych); library(afex); library(data.table)"],
                           capture_output=True)
    return probe.returncode == 0


def bench_r(work: Path, size: int, timeout: float) -> dict:
    sys.path.insert(0, str(ROOT / "workflow"))
    import yaml

    from wellbeing import simulate

    folder = work / f"cohort_{size}"
    config = yaml.safe_load((folder / "config.yaml").read_text())["studies"]["synthetic"]
    lines = ["scale,reverse,column"]
    for use in config["instruments"]:
        definition = simulate.load_definition(use["instrument"])
        for scale, spec in definition["scales"].items():
            for item in spec["items"]:
                reverse = int(item in (spec.get("reverse") or []))
                lines.append(f"{use['instrument']}.{scale},{reverse},{use['items'].format(n=item)}")
    (work / "scales.csv").write_text("\n".join(lines) + "\n")
    (work / "equivalent.R").write_text(R_SCRIPT)
    anova = config["analyses"]["anova"]["outcomes"]
    baseline = config["analyses"]["correlations"][0]["variables"]
    factors = [f["column"] for f in config.get("factors", [])]
    rule = ""
    if "per_protocol" in config["analyses"]["anova"].get("populations", []):
        below = [r for r in config["populations"]["per_protocol"]["exclude"] if "below" in r]
        rule = f"{below[0]['variable']},{below[0]['below']}" if below else ""
    run = timed(["Rscript", str(work / "equivalent.R"),
                 str(folder / "data" / "raw" / "synthetic" / "responses.csv"), str(work / "scales.csv"),
                 ",".join(anova), ",".join(baseline), ",".join(factors), rule],
                work, timeout=timeout, sample=True)
    between = " x ".join(["group", *factors, "wave"])
    populations = "all and per protocol" if rule else "all"
    return {"participants": size, "what": "fread + psych::alpha (every scale x wave) + afex::aov_ez "
            f"({len(anova)} outcomes, {between}, {populations}) + car::Anova type 3 of lm "
            f"(ANCOVA, {len(anova)} outcomes) + psych::corr.test (baseline set)", **run}


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 4, figsize=(17, 4))
    d = results["default"]
    axes[0].bar(["cold rebuild\n(snakemake)", "one process"], [d["cold_rebuild_s"], d["one_process_s"]],
                color=["#4c72b0", "#999999"])
    axes[0].set_title(f"Example studies: ratio {d['cold_rebuild_ratio']:.2f} (target <= 2.5)")
    axes[0].set_ylabel("seconds")
    axes[1].bar(["no-op rerun", "bare one-rule\nSnakefile"], [d["noop_s"], d["bare_noop_s"]],
                color=["#4c72b0", "#999999"])
    axes[1].set_title(f"Nothing to do: ratio {d['noop_ratio']:.2f} (target <= {TARGETS['noop_ratio']})")
    rows = [row for row in results["scale"] if row["returncode"] == 0 and not row["timed_out"]]
    if rows:
        sizes = [row["participants"] for row in rows]
        axes[2].loglog(sizes, [row["seconds"] for row in rows], "o-", label="pipeline (--cores 2)")
        r = results.get("r_equivalent")
        if r:
            timed_out = r.get("timed_out") or r.get("returncode") != 0
            axes[2].loglog([r["participants"]], [r["seconds"]], "^" if timed_out else "s", color="#c44e52",
                           label="R equivalent" + (" (stopped: more than this)" if timed_out else ""))
        axes[2].axhline(TARGETS["scale_100000_s"], color="#999999", linestyle=":",
                        label=f"{TARGETS['scale_100000_s']:.0f} s target")
        axes[2].set_xlabel("participants (x 3 waves)")
        axes[2].set_ylabel("seconds")
        axes[2].legend(fontsize=8)
        axes[3].semilogx(sizes, [row["peak_rss_mb"] / 1024 for row in rows], "o-",
                         label="whole run (process tree)")
        axes[3].semilogx(sizes, [row["max_job_rss_mb"] / 1024 for row in rows], "s--", color="#55a868",
                         label="largest job")
        axes[3].axhline(4, color="#999999", linestyle=":", label="4 GB target")
        axes[3].set_xlabel("participants (x 3 waves)")
        axes[3].set_ylabel("peak RSS (GB)")
        axes[3].legend(fontsize=8)
    axes[2].set_title(f"Scale: exponent {results.get('exponent')} (target <= 1.15)")
    axes[3].set_title("Memory")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2 ** 30, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per scale run")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each no-op measurement")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--skip-default", action="store_true")
    parser.add_argument("--skip-r", action="store_true", help="do not time the R equivalent")
    parser.add_argument("--skip-setup", action="store_true", help="do not time a fresh make setup")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="wellbeing-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "targets": TARGETS,
               "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    try:
        if not args.skip_default:
            results["default"] = bench_default(work, args.repeat)
            print(f"bench: cold {results['default']['cold_rebuild_s']} s vs one process "
                  f"{results['default']['one_process_s']} s; no-op {results['default']['noop_s']} s "
                  f"vs bare {results['default']['bare_noop_s']} s", flush=True)
        if not args.skip_setup:
            results["setup"] = bench_setup(work)
            print("bench: set-up " + ", ".join(f"{key} {value} s" for key, value in results["setup"].items()),
                  flush=True)
        results["scale"] = bench_scale(work, args.sizes, args.timeout)
        results["exponent"] = exponent(results["scale"])
        finished = [row for row in results["scale"] if row["returncode"] == 0 and not row["timed_out"]]
        if finished:
            largest = finished[-1]["participants"]
            results["reliability"] = {"participants": largest,
                                      **bench_reliability(work / f"cohort_{largest}")}
            print(f"bench: reliability alone at {largest}: " + ", ".join(
                f"{rule} {values['seconds']} s" for rule, values in results["reliability"].items()
                if isinstance(values, dict)), flush=True)
        if not args.skip_r and r_available() and results["scale"]:
            largest = results["scale"][-1]["participants"]
            results["r_equivalent"] = bench_r(work, largest, args.timeout)
            print(f"bench: R equivalent at {largest}: {results['r_equivalent']['seconds']} s", flush=True)
        else:
            results["r_equivalent"] = None
        results["finished_sizes"] = [row["participants"] for row in finished]
    finally:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if "default" in results:
        plot(results, args.out.with_suffix(".png"))
    print(f"bench: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
