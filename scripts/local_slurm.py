"""A single-node SLURM on localhost (Debian's slurm-wlm and munge), to prove the pipeline runs
through ``snakemake --executor slurm`` and gives byte for byte the results of a local run.

    sudo .venv/bin/python scripts/local_slurm.py check [--work DIR] [--targets ...]
    sudo .venv/bin/python scripts/local_slurm.py start | stop

``check`` starts munged and slurmd/slurmctld, copies the repository twice under --work, runs the
example pipeline once with ``--cores 2`` and once through SLURM (profiles/slurm plus the flags a
one-node cluster without accounting needs), compares every file under results/ byte for byte,
and stops the daemons it started, by PID (also on failure). Needs root (it writes
/etc/slurm/slurm.conf and runs munged as the munge user); install the daemons with
``apt-get install slurm-wlm munge``.

What this set-up needs, learnt the hard way (Debian slurm 22.05, executor plugin 2.8):

- slurm.conf must be at /etc/slurm/slurm.conf: the job step does not see SLURM_CONF.
- No accounting database: the plugin's default ``sacct`` status check fails quietly and
  Snakemake waits forever, so we pass ``--slurm-status-command squeue`` and keep finished jobs
  visible to squeue with ``MinJobAge=300``.
- ``--slurm-no-account``: there are no accounts without slurmdbd.
- ``DefMemPerCPU``: without it every job asks for the whole node's memory and jobs run one at
  a time.
- munged runs as the munge user; each daemon runs in the foreground as our child, so its PID is
  the one we stop.
- the snakemake run is wrapped in ``timeout -k`` so a wrong set-up fails instead of hanging.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workspace import PROJECT, copy_repository  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONF = Path("/etc/slurm/slurm.conf")
MARKER = "# written by scripts/local_slurm.py"
COPIED = PROJECT + ("profiles",)
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONHASHSEED="0")


class SlurmUnavailable(RuntimeError):
    """SLURM or munge is not installed, or this process may not start them (not root)."""


def binaries() -> dict:
    found = {name: shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
             for name in ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise SlurmUnavailable(f"not installed: {', '.join(missing)} (apt-get install slurm-wlm munge)")
    if os.geteuid() != 0:
        raise SlurmUnavailable("needs root: writes /etc/slurm/slurm.conf and starts munged as munge")
    return found


def memory_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return 2048


def slurm_conf(state: Path, node: str, cpus: int, real_memory: int) -> str:
    return f"""{MARKER}: a one-node cluster on localhost for the pipeline's SLURM test.
ClusterName=wellbeing-local
SlurmctldHost={node}(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation={state}/ctld
SlurmdSpoolDir={state}/d
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
SlurmctldLogFile={state}/slurmctld.log
SlurmdLogFile={state}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=300
DefMemPerCPU=1000
SlurmdTimeout=60
NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={real_memory} State=UNKNOWN
PartitionName=local Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


class LocalSlurm:
    """Start munged, slurmctld and slurmd as our own children; stop exactly those, by PID."""

    def __init__(self, state: Path):
        self.bin = binaries()
        self.state = state
        self.processes: list[subprocess.Popen] = []
        self.previous_conf: str | None = None

    def _spawn(self, command: list[str], log: str, **kwargs) -> subprocess.Popen:
        handle = open(self.state / log, "w")
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True, **kwargs)
        self.processes.append(process)
        return process

    def start(self, timeout: float = 60) -> None:
        node = socket.gethostname().split(".")[0]
        for sub in ("ctld", "d"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        CONF.parent.mkdir(parents=True, exist_ok=True)
        if CONF.exists():
            text = CONF.read_text()
            if MARKER not in text:
                self.previous_conf = text
        cpus = os.cpu_count() or 1
        CONF.write_text(slurm_conf(self.state, node, cpus, max(1000, memory_mb() - 1024)))
        try:
            self._start_munge()
            self._spawn([self.bin["slurmctld"], "-D", "-i"], "slurmctld.out")
            self._spawn([self.bin["slurmd"], "-D", "-N", node], "slurmd.out")
            self._wait_idle(node, timeout)
        except Exception:
            self.stop()
            raise

    def _start_munge(self) -> None:
        # munged runs as munge and may not traverse a root-only work folder (pytest's tmp_path):
        # its pid, seed and log files go to /run/munge, which the munge user owns.
        run_dir = Path("/run/munge")
        if not run_dir.exists():
            run_dir.mkdir(parents=True)
        shutil.chown(run_dir, "munge", "munge")
        munge_dir = run_dir
        if not Path("/etc/munge/munge.key").exists():
            raise SlurmUnavailable("no /etc/munge/munge.key (the munge package creates it)")
        # slurm's auth/munge talks to the default socket, so munged must listen there.
        default_socket = run_dir / "munge.socket.2"
        if default_socket.exists() and subprocess.run(["munge", "-n"], capture_output=True).returncode == 0:
            return                                   # a munged is already running: use it, not ours
        self._spawn([self.bin["munged"], "--foreground", "--force",
                     f"--pid-file={munge_dir}/local-slurm-munged.pid",
                     f"--seed-file={munge_dir}/local-slurm-munged.seed",
                     f"--log-file={munge_dir}/local-slurm-munged.log"], "munged.out", user="munge", group="munge")
        deadline = time.time() + 20
        while time.time() < deadline:
            if subprocess.run(["munge", "-n"], capture_output=True).returncode == 0:
                return
            time.sleep(0.2)
        raise SlurmUnavailable("munged did not start: " + (self.state / "munged.out").read_text()[-500:])

    def _wait_idle(self, node: str, timeout: float) -> None:
        deadline = time.time() + timeout
        last = ""
        while time.time() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise SlurmUnavailable(f"{process.args[0]} exited with {process.returncode}:\n"
                                           + self.logs())
            result = subprocess.run([self.bin["sinfo"], "-h", "-N", "-o", "%T"], capture_output=True, text=True)
            last = (result.stdout + result.stderr).strip()
            if result.returncode == 0 and last.rstrip("*") in ("idle", "mixed", "allocated"):
                return
            if result.returncode == 0 and last.startswith(("down", "drain")):
                subprocess.run([self.bin["scontrol"], "update", f"nodename={node}", "state=resume"],
                               capture_output=True)
            time.sleep(0.5)
        raise SlurmUnavailable(f"node not idle after {timeout} s (sinfo: {last!r}):\n" + self.logs())

    def logs(self) -> str:
        parts = []
        for name in ("slurmctld.log", "slurmd.log", "slurmctld.out", "slurmd.out", "munged.out"):
            path = self.state / name
            if path.exists():
                parts.append(f"--- {name}\n" + path.read_text(errors="replace")[-1500:])
        return "\n".join(parts)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        if CONF.exists() and MARKER in CONF.read_text():
            if self.previous_conf is not None:
                CONF.write_text(self.previous_conf)
            else:
                CONF.unlink()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def slurm_command(timeout: int, targets: list[str]) -> list[str]:
    return ["timeout", "-k", "30", str(timeout), sys.executable, "-m", "snakemake",
            "--workflow-profile", "profiles/slurm",
            "--slurm-no-account", "--slurm-status-command", "squeue",
            "--slurm-init-seconds-before-status-checks", "5", "--seconds-between-status-checks", "5",
            *targets]


def rule_of(comment: str) -> str:
    """The rule a SLURM job ran, from the comment the executor plugin gives it
    ('rule_ingest_wildcards_trainee_wellbeing' -> 'ingest')."""
    return comment.removeprefix("rule_").split("_wildcards_")[0]


def megabytes(memory: str) -> int:
    """squeue's %m ('403M', '2G') in MB."""
    number, unit = float(memory[:-1]), memory[-1].upper()
    return round(number * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 ** 2}[unit])


def differing(a: Path, b: Path) -> list[str]:
    """Files under ``a`` and ``b`` that are missing on one side or differ in a single byte."""
    names_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    names_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    problems = [f"only in one run: {name}" for name in sorted(names_a ^ names_b)]
    problems += [f"differs: {name}" for name in sorted(names_a & names_b)
                 if not filecmp.cmp(a / name, b / name, shallow=False)]
    return problems


def check(work: Path, targets: list[str], timeout: int, jobs: list | None = None) -> list[str]:
    """Run the pipeline locally and through the local SLURM; return the differences (none = ok).

    ``jobs``, when given, receives (rule, state, memory SLURM granted in MB) for every job."""
    local = copy_repository(work / "local", COPIED)
    cluster = copy_repository(work / "slurm", COPIED)
    result = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *targets], cwd=local,
                            env=ENV, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError("local run failed:\n" + result.stderr[-3000:])
    with LocalSlurm(work / "slurm-state") as slurm:
        result = subprocess.run(slurm_command(timeout, targets), cwd=cluster, env=ENV,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"snakemake --executor slurm failed (exit {result.returncode}"
                               f"{', killed by timeout' if result.returncode in (124, 137) else ''}):\n"
                               + result.stderr[-4000:] + "\n" + slurm.logs())
        # Finished jobs stay visible for MinJobAge: every one of them went through SLURM.
        listed = [line.split("|") for line in subprocess.run(
            [slurm.bin["squeue"], "-h", "-t", "all", "-o", "%i|%T|%k|%m"],
            capture_output=True, text=True).stdout.splitlines() if line.count("|") == 3]
        completed = [line for line in listed if line[1] == "COMPLETED"]
        if not completed:
            raise RuntimeError("no job went through SLURM:\n" + result.stderr[-3000:])
        print(f"{len(completed)} SLURM jobs completed", flush=True)
        if jobs is not None:
            jobs.extend((rule_of(comment), state, megabytes(memory)) for _, state, comment, memory in listed)
    return differing(local / "results", cluster / "results")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["check", "start", "stop"])
    parser.add_argument("--work", type=Path)
    parser.add_argument("--timeout", type=int, default=900, help="seconds for each pipeline run")
    parser.add_argument("--targets", nargs="*", default=[], help="snakemake targets (default: all)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="wellbeing-slurm-"))
    if args.action == "check":
        problems = check(work, args.targets, args.timeout)
        for line in problems:
            print(line)
        print("identical" if not problems else f"{len(problems)} files differ")
        return 1 if problems else 0
    slurm = LocalSlurm(work / "slurm-state")
    if args.action == "start":
        slurm.start()
        pids = " ".join(str(p.pid) for p in slurm.processes)
        print(f"started (PIDs {pids}); stop them with: kill {pids}")
        # The daemons are in their own sessions; leave them running for interactive use.
        slurm.processes.clear()
        return 0
    # stop: the daemons of an earlier `start` are stopped by the PIDs their pid files hold.
    for path in (work / "slurm-state" / "slurmd.pid", work / "slurm-state" / "slurmctld.pid",
                 Path("/run/munge/local-slurm-munged.pid")):
        if path.exists():
            os.kill(int(path.read_text().split()[0]), signal.SIGTERM)
    return 0


if __name__ == "__main__":
    sys.exit(main())
