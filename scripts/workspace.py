"""A runnable copy of the project in another folder, for tests, benchmarks and the SLURM check.

The workflow resolves every path against its own folder, so a copy (not links) of the code and
whatever data it needs is a project of its own that the original never sees.
"""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: What the workflow needs to run, without data or config.
WORKFLOW = ("Snakefile", "workflow", "envs", "notebooks")
#: The whole example project: the workflow with its config and the example studies.
PROJECT = WORKFLOW + ("config.yaml", "data")


def copy_repository(target: Path, names=PROJECT) -> Path:
    """Copy ``names`` (files or folders of the repository) into ``target``; return ``target``.

    A name already in ``target`` is replaced; a name missing from the repository is skipped.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        source, destination = ROOT / name, target / name
        if destination.is_dir():
            shutil.rmtree(destination)
        if source.is_dir():
            shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, destination)
    return target
