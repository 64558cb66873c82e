"""Refresh README's example results from a build (`make docs`, after `make run`): the panel
figure of imp_feasibility's ANOVA is copied to docs/ and its main table pasted between markers."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- example-table:start -->", "<!-- example-table:end -->"


def main() -> None:
    results = ROOT / "results" / "imp_feasibility"
    shutil.copyfile(results / "figures" / "anova_panel.png", ROOT / "docs" / "imp_feasibility_anova_panel.png")
    table = (results / "tables" / "anova.md").read_text(encoding="utf-8").strip()
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{table}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
