"""Write the locks by role and envs/pipeline.yaml from one resolved environment.

`make lock` resolves pyproject.toml's dependencies with every extra (test, cluster) into
requirements-dev.lock, installs it, then runs this script, which writes:

- requirements.lock: the runtime packages only (pyproject.toml ``dependencies`` and everything
  they pull in, at the versions of requirements-dev.lock), what ``make run`` installs;
- envs/pipeline.yaml: the same runtime pins for ``snakemake --sdm conda``.

The runtime set is the dependency closure read from the installed packages' metadata, so it
needs no registry. tests/test_setup.py checks that the three files agree with pyproject.toml.
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


def runtime_lock(dev_lock_text: str) -> str:
    pins = pinned(dev_lock_text)
    runtime = closure(project_dependencies())
    missing = sorted(runtime - set(pins))
    if missing:
        raise SystemExit(f"sync_envs: {', '.join(missing)} installed but not in requirements-dev.lock; "
                         "run `make lock`")
    lines = [pins[name] for name in sorted(runtime, key=lambda n: pins[n].lower())]
    return ("# The runtime packages (pyproject.toml dependencies) at the versions of requirements-dev.lock;\n"
            "# written by scripts/sync_envs.py (`make lock`). `make run` installs this file.\n"
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
    runtime = runtime_lock((ROOT / "requirements-dev.lock").read_text())
    (ROOT / "requirements.lock").write_text(runtime)
    (ROOT / "envs" / "pipeline.yaml").write_text(environment_yaml(lock_pins(runtime)))
    print(f"sync_envs: requirements.lock and envs/pipeline.yaml: {len(lock_pins(runtime))} runtime packages",
          file=sys.stderr)
