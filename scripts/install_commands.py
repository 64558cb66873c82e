"""Write a launcher in the environment's bin/ for each command of pyproject.toml's
[project.scripts] (``wellbeing = "wellbeing.cli:main"``), as pip's installer writes them.

``make setup`` runs it with the environment's Python: the library is used in place (the
``wellbeing.pth`` it writes puts workflow/ on the path), so no build backend, no wheel and no
network are needed, and the uv and pip branches of the set-up end the same way.
"""

import sys
import sysconfig
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAUNCHER = """#!{python}
import sys
from {module} import {function}
if __name__ == "__main__":
    sys.exit({function}())
"""


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    scripts_dir = Path(sysconfig.get_paths()["scripts"])
    for name, target in project.get("scripts", {}).items():
        module, function = target.split(":")
        path = scripts_dir / name
        path.write_text(LAUNCHER.format(python=sys.executable, module=module, function=function),
                        encoding="utf-8")
        path.chmod(0o755)
        print(f"installed {path}")


if __name__ == "__main__":
    main()
