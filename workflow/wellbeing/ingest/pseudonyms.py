"""Pseudonyms: participant codes replaced in every ingest table before anything is written."""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from .records import ISSUE_COLUMNS, IngestResult  # noqa: F401  (ISSUE_COLUMNS: the doctest)

PSEUDONYM_COLUMNS = ["participant_code", "pseudonym"]


def pseudonymise(result: IngestResult, study: Mapping) -> tuple[IngestResult, pd.DataFrame]:
    """Replace participant codes by pseudonyms in every ingest table, unless the study's
    ``id_is_pseudonymous`` says the codes already are pseudonyms.

    Pseudonyms are ``P001``, ``P002``, ... (more digits past 999) in order of the code's first
    appearance in the ledger, that is in the sources as configured, row by row: a rebuild gives
    the same pseudonyms, and appending rows to an export does not renumber earlier participants.
    Every table downstream reads the pseudonymised responses, so no code reaches ``results/``.

    Returns
    -------
    (IngestResult, DataFrame)
        The tables with pseudonyms, and the key (``participant_code, pseudonym``) that links
        them back, to be kept out of ``results/`` (the pipeline writes it to
        ``private/<study>/pseudonyms.csv``, git-ignored). Empty when the codes are kept.

    Examples
    --------
    >>> result = IngestResult(
    ...     responses=pd.DataFrame({"participant": ["KG1608", "AB0101"], "wave": ["pre", "pre"],
    ...                             "group": ["", ""]}),
    ...     ledger=pd.DataFrame({"source": ["a.csv"] * 3, "row": [2, 3, 4],
    ...                          "participant": ["KG1608", "", "AB0101"], "wave": ["pre"] * 3,
    ...                          "status": ["kept", "excluded", "kept"], "reason": ["kept"] * 3}),
    ...     issues=pd.DataFrame(columns=ISSUE_COLUMNS), codebook=pd.DataFrame(),
    ...     raw_manifest=pd.DataFrame())
    >>> coded, key = pseudonymise(result, {"waves": ["pre"]})
    >>> coded.ledger.participant.tolist(), coded.responses.participant.tolist()
    (['P001', '', 'P002'], ['P001', 'P002'])
    >>> key.values.tolist()
    [['KG1608', 'P001'], ['AB0101', 'P002']]
    """
    if study.get("id_is_pseudonymous", False):
        return result, pd.DataFrame(columns=PSEUDONYM_COLUMNS)
    order: dict[str, None] = {}
    for frame in (result.ledger, result.issues, result.responses):
        for code in frame["participant"]:
            if isinstance(code, str) and code:
                order.setdefault(code, None)
    width = max(3, len(str(len(order))))
    mapping = {code: f"P{index:0{width}d}" for index, code in enumerate(order, start=1)}

    def coded(frame: pd.DataFrame) -> pd.DataFrame:
        # assign, not copy: the other columns are shared until written (copy on write)
        return frame.assign(participant=frame["participant"].map(lambda code: mapping.get(code, code)))

    wave_rank = {wave: index for index, wave in enumerate(study["waves"])}

    def in_pseudonym_order(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        return (frame.assign(_w=frame["wave"].map(wave_rank))
                .sort_values(["participant", "_w"], kind="mergesort")
                .drop(columns="_w").reset_index(drop=True))

    responses = in_pseudonym_order(coded(result.responses))
    key = pd.DataFrame(list(mapping.items()), columns=PSEUDONYM_COLUMNS)
    careless = None if result.careless is None else in_pseudonym_order(coded(result.careless))
    return IngestResult(responses, coded(result.ledger), coded(result.issues), result.codebook,
                        result.raw_manifest, careless), key


