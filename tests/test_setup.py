"""The set-up contract: pinned dependencies, the conda environment in step with the lock, and
every rule with a log and a benchmark."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from sync_envs import environment_yaml, lock_pins  # noqa: E402


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_lock_line_is_an_exact_pin():
    pins = lock_pins((ROOT / "requirements.lock").read_text())
    assert len(pins) > 50
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", pin) for pin in pins), pins


def test_every_direct_dependency_is_pinned():
    pinned = {normalise(pin.split("==")[0]) for pin in lock_pins((ROOT / "requirements.lock").read_text())}
    wanted = {normalise(line.split("#")[0].strip()) for line in (ROOT / "requirements.in").read_text().splitlines()
              if line.split("#")[0].strip()}
    assert wanted <= pinned, wanted - pinned


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

    for pin in lock_pins((ROOT / "requirements.lock").read_text()):
        name, wanted = pin.split("==")
        try:
            assert version(name) == wanted, name
        except PackageNotFoundError:            # pragma: no cover - the set-up installs the lock
            raise AssertionError(f"{name} from the lock is not installed") from None


def test_every_rule_has_log_benchmark_and_conda():
    for path in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        text = path.read_text()
        blocks = re.split(r"^rule ", text, flags=re.M)[1:]
        for block in blocks:
            name = block.split(":")[0]
            for key in ("log:", "benchmark:", "conda:"):
                assert f"\n    {key}" in block, f"{path.name}: rule {name} has no {key}"
