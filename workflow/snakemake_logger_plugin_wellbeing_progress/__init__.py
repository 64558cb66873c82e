"""A Snakemake logger that prints one line per finished job with a progress count.

    .venv/bin/snakemake --cores all --logger wellbeing-progress     (what `make run` does, through
                                                                     profiles/quiet/)

Snakemake's own output (a block of input, output and reason per job, the inputs of the manifest
job on one line of several kilobytes) stays complete in ``.snakemake/log/``; on the console a
clean build of the example studies is about 80 lines::

    72 jobs to run (the full Snakemake log: .snakemake/log/)
    [ 1/72] ingest mindful_practice
    [ 2/72] ingest trainee_wellbeing
    ...

Warnings and errors pass through as Snakemake writes them, a failed job as one line naming its
rule and its log (with ``--show-failed-logs``, the log's content below it). A dry run (``-n``)
is printed as Snakemake prints it.

Snakemake finds the plugin by its package name (``snakemake_logger_plugin_<name>``) on the
Python path: ``make setup`` puts ``workflow/`` there (``wellbeing.pth`` in the virtual
environment).
"""

from __future__ import annotations

import sys
from logging import WARNING, LogRecord
from typing import Optional

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent

#: Snakemake's informational messages that say nothing a reader of one line per job needs (they
#: are in .snakemake/log/ all the same).
CHATTY = ("Building DAG of jobs", "Using shell:", "Select jobs to execute",
          "Assuming unrestricted shared filesystem usage", "Conda environments: ignored",
          "Provided cores", "Rules claiming more threads", "Provided resources",
          "Apptainer: ignored", "Group jobs: inactive")

#: Events shown only through the one line per job (or not at all).
SILENT_EVENTS = {LogEvent.WORKFLOW_STARTED, LogEvent.RESOURCES_INFO, LogEvent.JOB_STARTED,
                 LogEvent.GROUP_INFO, LogEvent.RULEGRAPH}


def describe(rule: str, wildcards: Optional[dict]) -> str:
    """A job as its rule and wildcard values: ``notebook trainee_wellbeing/correlations``.

    >>> describe("notebook", {"study": "trainee_wellbeing", "notebook": "correlations"})
    'notebook trainee_wellbeing/correlations'
    >>> describe("all", {})
    'all'
    """
    values = "/".join(str(value) for value in (wildcards or {}).values())
    return f"{rule} {values}" if values else rule


class LogHandler(LogHandlerBase):
    def __post_init__(self) -> None:
        from snakemake.logging import DefaultFormatter

        self.standard = DefaultFormatter(self.common_settings.quiet,
                                         self.common_settings.show_failed_logs)
        self.stream = sys.stdout if self.common_settings.stdout else sys.stderr
        self.jobs: dict[int, str] = {}       # job id -> description, from the job's start
        self.finished: list[str] = []        # finished jobs waiting for their progress count

    @property
    def writes_to_stream(self) -> bool:
        return True

    @property
    def writes_to_file(self) -> bool:
        return False

    @property
    def has_filter(self) -> bool:
        return False     # Snakemake's own filter (--quiet, --printshellcmds) applies

    @property
    def has_formatter(self) -> bool:
        return True

    @property
    def needs_rulegraph(self) -> bool:
        return False

    def write(self, text: str) -> None:
        if text:
            self.stream.write(text.rstrip("\n") + "\n")
            self.stream.flush()

    def emit(self, record: LogRecord) -> None:
        try:
            self.write(self.line(record))
        except Exception:
            self.handleError(record)

    def line(self, record: LogRecord) -> str:
        """What the console shows for one record ('' for nothing)."""
        event = getattr(record, "event", None)
        if self.common_settings.dryrun:
            return self.standard.format(record)
        if event == LogEvent.JOB_INFO:
            self.jobs[record.jobid] = describe(record.rule_name, record.wildcards)
            return ""
        if event == LogEvent.JOB_FINISHED:
            self.finished.append(self.jobs.pop(record.job_id, f"job {record.job_id}"))
            return ""
        if event == LogEvent.PROGRESS:
            done, total = record.done, record.total
            job = self.finished.pop(0) if self.finished else ""
            return f"[{done:>{len(str(total))}}/{total}] {job}".rstrip()
        if event == LogEvent.RUN_INFO and isinstance(getattr(record, "stats", None), dict):
            total = record.stats.get("total", 0)
            return f"{total} job{'s' if total != 1 else ''} to run (the full Snakemake log: .snakemake/log/)"
        if event == LogEvent.JOB_ERROR:
            return self.job_error(record)
        if event in SILENT_EVENTS or event == LogEvent.RUN_INFO:
            return ""
        if event is None and record.levelno < WARNING:
            message = record.getMessage()
            if message.startswith(CHATTY) or message == "None":
                return ""
        return self.standard.format(record)

    def job_error(self, record: LogRecord) -> str:
        """A failed job: its rule and log on one line (Snakemake's block, with every input and
        output, is in .snakemake/log/), the log's content below it with --show-failed-logs."""
        from snakemake.logging import show_logs

        logs = list(record.log or [])
        where = f"; its log: {', '.join(logs)}" if logs else ""
        lines = [f"Failed: rule {record.rule_name} (job {record.jobid}){where}"]
        if record.rule_msg:
            lines.append(f"    {record.rule_msg}")
        for key, value in (record.aux or {}).items():
            lines.append(f"    {key}: {value}")
        if self.common_settings.show_failed_logs and logs:
            lines.extend(show_logs(logs))
        return "\n".join(lines)
