"""The set-up contract: pinned dependencies, the conda environment in step with the lock, and
every rule with a log and a benchmark."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from sync_envs import ROLE_LOCKS, environment_yaml, lock_pins, role_lock  # noqa: E402


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def names(requirements) -> set[str]:
    return {normalise(Requirement(text).name) for text in requirements}


def pinned(lock: str) -> dict[str, str]:
    """Canonical name -> version, of a lock file."""
    return {normalise(pin.split("==")[0]): pin.split("==")[1] for pin in lock_pins((ROOT / lock).read_text())}


def from_the_lock() -> None:
    """Skip unless this Python was installed from requirements-dev.lock (`make setup-dev` leaves
    its stamp in the environment): `pip install .[test]` takes the newest versions instead. In
    CI, which runs `make test`, a missing stamp is a failure."""
    if not (Path(sys.prefix) / ".installed-dev").exists():
        if os.environ.get("CI"):
            pytest.fail(f"{sys.prefix} was not set up by `make setup-dev`")
        pytest.skip("this environment was not installed from requirements-dev.lock (`make setup-dev`)")


@pytest.mark.parametrize("lock", [*ROLE_LOCKS, "requirements-dev.lock"])
def test_every_lock_line_is_an_exact_pin(lock):
    pins = lock_pins((ROOT / lock).read_text())
    assert len(pins) > 50
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", pin) for pin in pins), pins


@pytest.mark.parametrize("lock", ROLE_LOCKS)
def test_the_locks_hold_what_pyproject_declares_by_role(lock):
    """requirements.lock: the runtime dependencies, none of the test or cluster tools;
    requirements-test.lock and requirements-cluster.lock: those plus their own extra and nothing
    of the other; requirements-dev.lock: every extra. All at the same versions."""
    extras = ROLE_LOCKS[lock][0]
    pins, dev = pinned(lock), pinned("requirements-dev.lock")
    optional = project()["optional-dependencies"]
    wanted = names(project()["dependencies"]).union(*(names(optional[extra]) for extra in extras))
    others = set().union(*(names(optional[extra]) for extra in optional if extra not in extras))
    every_extra = set().union(*(names(requirements) for requirements in optional.values()))
    assert wanted <= set(pins), wanted - set(pins)
    assert not others & set(pins), others & set(pins)
    assert names(project()["dependencies"]) | every_extra <= set(dev)
    if not extras:
        assert not {"pingouin", "statsmodels", "pytest", "hypothesis", "ruff", "scikit-learn"} & set(pins)
    assert all(dev.get(name) == version for name, version in pins.items()), \
        {name: (version, dev.get(name)) for name, version in pins.items() if dev.get(name) != version}


@pytest.mark.parametrize("lock", ROLE_LOCKS)
def test_each_role_lock_is_the_closure_of_its_dependencies(lock):
    """What scripts/sync_envs.py writes from requirements-dev.lock and the installed metadata
    (the test set-up installs the dev lock, so every package's metadata is here)."""
    from_the_lock()
    assert (ROOT / lock).read_text() == role_lock((ROOT / "requirements-dev.lock").read_text(), ROLE_LOCKS[lock][0])


def test_conda_environment_pins_the_same_versions_as_the_lock():
    environment = yaml.safe_load((ROOT / "envs" / "pipeline.yaml").read_text())
    pip_section = next(entry for entry in environment["dependencies"] if isinstance(entry, dict))["pip"]
    lock = lock_pins((ROOT / "requirements.lock").read_text())
    assert sorted(pip_section) == sorted(lock)
    assert "python=3.11" in environment["dependencies"]
    # And the file is exactly what the generator writes (no hand edits drifting apart).
    assert (ROOT / "envs" / "pipeline.yaml").read_text() == environment_yaml(lock)


def test_installed_versions_match_the_lock():
    from importlib.metadata import PackageNotFoundError, version

    from_the_lock()

    for pin in lock_pins((ROOT / "requirements-dev.lock").read_text()):
        name, wanted = pin.split("==")
        try:
            assert version(name) == wanted, name
        except PackageNotFoundError:            # pragma: no cover - the set-up installs the lock
            raise AssertionError(f"{name} from the lock is not installed") from None


def test_every_rule_has_log_benchmark_conda_and_resources():
    for path in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        text = path.read_text()
        blocks = re.split(r"^rule ", text, flags=re.M)[1:]
        for block in blocks:
            name = block.split(":")[0]
            for key in ("log:", "benchmark:", "conda:", "resources:"):
                assert f"\n    {key}" in block, f"{path.name}: rule {name} has no {key}"


def test_python_lint_is_clean():
    """ruff with the project's configuration (pyproject.toml [tool.ruff]): library, scripts,
    tests and notebooks."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_are_formatted():
    """snakefmt over the Snakefile and the rules (as `make lint` runs it)."""
    result = subprocess.run([sys.executable, "-m", "snakefmt", "--check", "Snakefile", "workflow/rules"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
