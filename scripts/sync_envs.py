"""Write envs/pipeline.yaml from requirements.lock, so `--sdm conda` users get the same versions.

Run by `make lock` after re-resolving; tests/test_setup.py checks the two agree.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lock_pins(lock_text: str) -> list[str]:
    return [line.strip() for line in lock_text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def environment_yaml(pins: list[str]) -> str:
    lines = [
        "# Conda environment for `snakemake --sdm conda`; generated from requirements.lock by",
        "# scripts/sync_envs.py. Same versions as the pip lock: edit requirements.in, then `make lock`.",
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
    pins = lock_pins((ROOT / "requirements.lock").read_text())
    (ROOT / "envs" / "pipeline.yaml").write_text(environment_yaml(pins))
