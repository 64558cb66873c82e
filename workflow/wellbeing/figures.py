"""Figures of the pipeline: one style, colour-blind-safe colours, byte-identical files.

Every figure is drawn with the project style (``pipeline.mplstyle`` beside this module: the
Okabe-Ito palette, light horizontal grid, no top or right spine) and saved as PNG at 300 dpi and
as PDF, without creation dates or other varying metadata, so that two rebuilds give the same bytes.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

STYLE = Path(__file__).with_name("pipeline.mplstyle")
#: Okabe & Ito (2008) colours, colour-blind safe, in the order groups take them.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
#: Metadata that would otherwise hold a date or a version: fixed for byte-identical files.
PDF_METADATA = {"Creator": "wellbeing pipeline", "Producer": "matplotlib", "CreationDate": None}
PNG_METADATA = {"Software": "wellbeing pipeline (matplotlib)"}


@contextmanager
def styled() -> Iterator[None]:
    """Draw inside the project style.

    Examples
    --------
    >>> with styled():
    ...     plt.rcParams["savefig.dpi"]
    300.0
    """
    with plt.style.context(str(STYLE)):
        yield


def save(figure, png: str | Path, pdf: str | Path | None = None) -> None:
    """Save ``figure`` as PNG (300 dpi) and optionally PDF, reproducibly, then close it."""
    for path in (png, pdf):
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(png, format="png", metadata=PNG_METADATA)
    if pdf is not None:
        figure.savefig(pdf, format="pdf", metadata=PDF_METADATA)
    plt.close(figure)
