"""Provenance of a study's results: ``results/<study>/manifest.json``.

The manifest lists every output of the study with its sha256 and size, the sha256 of every raw
input (exports, dictionaries, instrument definitions), the study's validated config, the
versions of Python and of every installed package, and the git commit of the code with a flag
saying whether the working tree had uncommitted changes. Keys are sorted and no time stamp is
written, so two rebuilds of the same commit give the same bytes.
"""

from __future__ import annotations

import json
import re
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Mapping, Sequence

from .io import sha256_file


def package_versions() -> dict[str, str]:
    """Name -> version of every installed distribution, sorted by name."""
    versions = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            versions[name.lower()] = distribution.version
    return dict(sorted(versions.items()))


def git_state(repo_root: str | Path) -> dict:
    """The commit of the code and whether tracked files differ from it (``dirty``).

    Outside a git checkout both are ``null``.
    """
    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(["git", *args], cwd=repo_root, capture_output=True, text=True,
                                    timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}


def _file_entry(path: Path, repo_root: Path) -> dict:
    return {"path": str(path.relative_to(repo_root)), "sha256": sha256_file(path),
            "bytes": path.stat().st_size}


def manifest(study_id: str, study: Mapping, outputs: Sequence[str | Path], inputs: Sequence[str | Path],
             repo_root: str | Path) -> dict:
    """The manifest of one study as a dict (see the module docstring).

    Parameters
    ----------
    outputs, inputs : sequences of paths relative to ``repo_root``
    """
    repo_root = Path(repo_root).resolve()
    return {
        "study": study_id,
        "config": study,
        "outputs": sorted((_file_entry(repo_root / p, repo_root) for p in outputs), key=lambda e: e["path"]),
        "inputs": sorted((_file_entry(repo_root / p, repo_root) for p in inputs), key=lambda e: e["path"]),
        "python": platform.python_version(),
        "packages": package_versions(),
        "code": git_state(repo_root),
    }


def write_manifest(content: Mapping, path: str | Path) -> None:
    Path(path).write_text(json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                          encoding="utf-8")


_RUNTIME_BLOCK = re.compile(
    r'(<script id="(?:runtimes|timeline)">\s*var \w+ = \{.*?"data": \{"values": )\[.*?\](\})', re.S)


def strip_runtimes(html: str) -> str:
    """Empty the job runtime and timeline data of a Snakemake HTML report.

    They are the only parts of the report that change from one clean rebuild to the next; each
    job's timing stays available in ``benchmarks/<study>/<rule>.tsv``.

    Examples
    --------
    >>> page = ('<script id="timeline">\\n    var timeline_spec = {"description": "x", "data": '
    ...         '{"values": [{"rule": "a", "starttime": "2026-01-01T10:00:00"}]}};')
    >>> strip_runtimes(page)
    '<script id="timeline">\\n    var timeline_spec = {"description": "x", "data": {"values": []}};'
    """
    return _RUNTIME_BLOCK.sub(r"\1[]\2", html)
