"""Write the locks by role and envs/pipeline.yaml from one resolved environment.

`make lock` resolves pyproject.toml's dependencies with every extra (test, cluster) into
requirements-dev.lock, installs it, then runs this script, which writes, at the versions of
requirements-dev.lock:

- requirements.lock: the runtime packages only (pyproject.toml ``dependencies`` and everything
  they pull in), what ``make run`` installs;
- requirements-test.lock: the runtime packages and the ``test`` extra's closure, what
  ``pip install .[test]`` needs to run the suite;
- requirements-cluster.lock: the runtime packages and the ``cluster`` extra's closure (the SLURM
  executor plugin), what a cluster's login node needs;
- envs/pipeline.yaml: the runtime pins for ``snakemake --sdm conda``.

Each set is the dependency closure read from the installed packages' metadata, so it needs no
registry. tests/test_setup.py checks that the files agree with pyproject.toml.
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def canonical(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins(lock_text: str) -> list[str]:
    return [line.strip() for line in lock_text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def pinned(lock_text: str) -> dict[str, str]:
    """Canonical name -> the lock's line for it."""
    return {canonical(line.split("==")[0]): line for line in lock_pins(lock_text)}


def project_dependencies(extra: str | None = None) -> list[Requirement]:
    """pyproject.toml's runtime dependencies, or those of one extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return [Requirement(text) for text in texts]


def closure(requirements: list[Requirement]) -> set[str]:
    """Every distribution the requirements need, transitively, by the installed metadata (markers
    evaluated for this Python; a dependency's extras followed where it asks for them)."""
    environment = default_environment()
    needed: set[str] = set()
    queue = [(requirement, frozenset(requirement.extras)) for requirement in requirements]
    seen: set[tuple[str, frozenset]] = set()
    while queue:
        requirement, extras = queue.pop()
        name = canonical(requirement.name)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        needed.add(name)
        for text in metadata.requires(requirement.name) or []:
            child = Requirement(text)
            if child.marker is None or any(child.marker.evaluate({**environment, "extra": extra})
                                           for extra in extras | {""}):
                queue.append((child, frozenset(child.extras)))
    return needed


#: Lock file -> the extras it adds to the runtime dependencies, and what it is for.
ROLE_LOCKS = {
    "requirements.lock": ((), "The runtime packages (pyproject.toml dependencies); `make run` installs this file."),
    "requirements-test.lock": (("test",), "The runtime packages and the test extra (pytest, hypothesis and the "
                                          "oracles); `pip install .[test]` at these versions."),
    "requirements-cluster.lock": (("cluster",), "The runtime packages and the cluster extra (the SLURM executor "
                                                "plugin), for a cluster's login node."),
}


def role_lock(dev_lock_text: str, extras: tuple[str, ...] = ()) -> str:
    """The closure of the runtime dependencies plus ``extras``, pinned at the dev lock's versions."""
    pins = pinned(dev_lock_text)
    requirements = project_dependencies() + [r for extra in extras for r in project_dependencies(extra)]
    needed = closure(requirements)
    missing = sorted(needed - set(pins))
    if missing:
        raise SystemExit(f"sync_envs: {', '.join(missing)} installed but not in requirements-dev.lock; "
                         "run `make lock`")
    name = next(lock for lock, (role, _) in ROLE_LOCKS.items() if role == tuple(extras))
    lines = [pins[package] for package in sorted(needed, key=lambda n: pins[n].lower())]
    return (f"# {ROLE_LOCKS[name][1]}\n"
            "# At the versions of requirements-dev.lock; written by scripts/sync_envs.py (`make lock`).\n"
            + "\n".join(lines) + "\n")


def environment_yaml(pins: list[str]) -> str:
    lines = [
        "# Conda environment for `snakemake --sdm conda`; generated from requirements.lock by",
        "# scripts/sync_envs.py: the runtime packages only, at the lock's versions.",
        "name: wellbeing-pipeline",
        "channels:",
        "  - conda-forge",
        "  - nodefaults",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {pin}" for pin in pins]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    dev_lock = (ROOT / "requirements-dev.lock").read_text()
    for lock, (extras, _) in ROLE_LOCKS.items():
        text = role_lock(dev_lock, extras)
        (ROOT / lock).write_text(text)
        print(f"sync_envs: {lock}: {len(lock_pins(text))} packages", file=sys.stderr)
    runtime = (ROOT / "requirements.lock").read_text()
    (ROOT / "envs" / "pipeline.yaml").write_text(environment_yaml(lock_pins(runtime)))
