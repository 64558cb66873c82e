"""The participant flow (CONSORT 2010 for randomised trials, TREND for non-randomised ones), every
count derived from the ingest and analysis ledgers.

Stages, in order (``flow/flow.csv``, one row per stage, group, wave, outcome, population and
reason):

* ``assessed``: participants in the exports (distinct codes of the ingest ledger), and
  ``records without a code`` when rows had none (they cannot be counted as people);
* ``excluded``: participants none of whose rows were kept, per reason (the first reason of
  their first row);
* ``allocated``: kept participants per group (``enrolled`` in a single-arm or cross-sectional
  study: no allocation), and ``not allocated`` for kept participants without a group;
* ``responded`` and ``lost``: per later wave and group, who answered and who did not (a response
  the careless-response screening excluded is lost with that reason, apart from those not given);
* ``analysed`` and ``excluded from analysis``: per outcome, population and group of the ANOVA,
  the latter per reason (from ``anova/ledger.csv``).

The counts add up: assessed = excluded + allocated + not allocated; per group and later wave,
allocated = responded + lost.
"""

from __future__ import annotations

import re
from typing import Mapping

import pandas as pd

#: Columns of ``flow/flow.csv``, in order.
FLOW_COLUMNS = ["stage", "group", "wave", "outcome", "population", "n", "reason"]


def _first_reason(reason) -> str:
    text = "" if not isinstance(reason, str) else reason
    first = text.split(";")[0].strip() or "excluded"
    # "careless responding: longstring 24 >= 10, ..." counts by the index, not by each value
    careless = re.match(r"careless responding: (\w+)", first)
    return f"careless responding ({careless.group(1)})" if careless else first


def for_study(ledger: pd.DataFrame, responses: pd.DataFrame, study: Mapping,
              anova_ledger: pd.DataFrame | None = None, careless: pd.DataFrame | None = None) -> pd.DataFrame:
    """The participant flow of one study (see the module docstring).

    Parameters
    ----------
    ledger : DataFrame
        ``ingest/ledger.csv`` (source, row, participant, wave, status, reason).
    responses : DataFrame
        ``ingest/responses.csv`` (participant, wave, group).
    study : mapping
        The validated study config.
    anova_ledger : DataFrame, optional
        ``anova/ledger.csv``, for the analysed stages.
    careless : DataFrame, optional
        ``screening/careless.csv``: responses it excluded are lost for that reason.

    Returns
    -------
    DataFrame
        Columns :data:`FLOW_COLUMNS`.
    """
    waves = [str(w) for w in study["waves"]]
    allocated_design = study.get("design", "mixed") in ("mixed", "between") and bool(study.get("groups"))
    groups = [str(g) for g in study.get("groups") or []] if allocated_design else ["all"]
    rows: list[dict] = []

    def add(stage, n, group="", wave="", outcome="", population="", reason=""):
        rows.append({"stage": stage, "group": group, "wave": wave, "outcome": outcome,
                     "population": population, "n": int(n), "reason": reason})

    codes = ledger["participant"].astype("string").str.strip()
    coded = ledger[codes.notna() & (codes != "")].assign(participant=lambda frame: frame["participant"].astype(str))
    uncoded = int((codes.isna() | (codes == "")).sum())
    add("assessed", coded["participant"].nunique())
    if uncoded:
        add("records without a code", uncoded, reason="rows without a participant code (not counted as people)")
    kept_people = set(coded.loc[coded["status"] == "kept", "participant"])
    excluded = coded[~coded["participant"].isin(kept_people)].drop_duplicates("participant")
    for reason, block in excluded.groupby(excluded["reason"].map(_first_reason), sort=True):
        add("excluded", len(block), reason=reason)

    answered = responses.assign(participant=responses["participant"].astype(str), wave=responses["wave"].astype(str))
    group_of = (answered.dropna(subset=["group"]).drop_duplicates("participant").set_index("participant")["group"]
                .astype(str).to_dict()) if "group" in answered else {}
    members = {group: {p for p in kept_people if (group_of.get(p) == group if allocated_design else True)}
               for group in groups}
    unallocated = kept_people - set().union(*members.values()) if members else kept_people
    for group in groups:
        add("allocated" if allocated_design else "enrolled", len(members[group]), group=group)
    if unallocated:
        add("not allocated", len(unallocated),
            reason="no group, or a group the study does not analyse" if allocated_design else "")
    screened_out: dict[str, set] = {}
    if careless is not None and len(careless):
        out = careless[careless["excluded"].astype(str).str.lower() == "true"]
        for wave, block in out.groupby(out["wave"].astype(str)):
            screened_out[wave] = set(block["participant"].astype(str))
    for wave in waves:
        at = set(answered.loc[answered["wave"] == wave, "participant"])
        for group in groups:
            people = members[group]
            add("responded", len(people & at), group=group, wave=wave)
            careless_out = (people - at) & screened_out.get(wave, set())
            if careless_out:
                add("lost", len(careless_out), group=group, wave=wave,
                    reason=f"{wave} response excluded as careless (analyses.screening.exclude)")
            if wave != waves[0] or len(people - at - careless_out):
                add("lost", len(people - at - careless_out), group=group, wave=wave,
                    reason=f"no {wave} response")
    if anova_ledger is not None and len(anova_ledger):
        chosen = anova_ledger.assign(participant=anova_ledger["participant"].astype(str),
                                     group=anova_ledger["group"].astype(str),
                                     population=anova_ledger["population"].astype(str))
        for (outcome, population), block in chosen.groupby(["outcome", "population"], sort=False):
            for group in groups:
                mine = block[block["group"] == group] if allocated_design else block
                add("analysed", (mine["status"] == "included").sum(), group=group, outcome=outcome,
                    population=population)
                out = mine[mine["status"] == "excluded"]
                for reason, reasons in out.groupby(out["reason"].map(_first_reason), sort=True):
                    add("excluded from analysis", len(reasons), group=group, outcome=outcome,
                        population=population, reason=reason)
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)
