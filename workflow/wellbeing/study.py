"""What every stage needs to know about a study: its validated config, its instruments and the
files it reads."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from . import config as config_module
from .errors import UserError
from .instruments import BUNDLED_DIR, Instrument, load_instrument


def study_instruments(study: Mapping, repo_root: str | Path) -> list[tuple[Instrument, str]]:
    """The instruments a study scores, loaded and validated, each with its item column pattern."""
    return [(load_instrument(use["instrument"], repo_root), use["items"]) for use in study["instruments"]]


def validated_config(config: Mapping, repo_root: str | Path, source_name: str = "config.yaml") -> dict:
    """Validate the whole config and check that every analysis variable names a scale or measure.

    Raises
    ------
    UserError
        Naming the study and key, e.g. ``config.yaml: studies.demo.instruments[1].instrument: ...``.
    """
    repo_root = Path(repo_root)
    checked = config_module.validate(config, repo_root, source_name)
    for study_id, study in checked["studies"].items():
        scales = {}
        for index, use in enumerate(study["instruments"]):
            try:
                instrument = load_instrument(use["instrument"], repo_root)
            except UserError as error:
                raise UserError(f"{source_name}: studies.{study_id}.instruments[{index}].instrument: "
                                f"{error}") from None
            scales[instrument.id] = instrument.scale_names
            check_item_use(study_id, index, use, instrument, source_name)
        config_module.check_variables(study_id, study, scales, source_name)
    return checked


def check_item_use(study_id: str, index: int, use: Mapping, instrument: Instrument,
                   source_name: str = "config.yaml") -> None:
    """An instrument's items as the study names them fit its definition: one column per item,
    reversed items that exist, answer labels that are response codes."""
    key = f"{source_name}: studies.{study_id}.instruments[{index}]"
    items = use["items"]
    if not isinstance(items, str) and len(items) != instrument.n_items:
        raise UserError(f"{key}.items: lists {len(items)} columns but {instrument.id} has "
                        f"{instrument.n_items} items; list one column per item, in item order")
    for number in use.get("reversed_in_export", []):
        if not 1 <= number <= instrument.n_items:
            raise UserError(f"{key}.reversed_in_export: item {number} does not exist; "
                            f"{instrument.id} has items 1 to {instrument.n_items}")
    codes = set(instrument.response_values)
    for text, code in (use.get("labels") or {}).items():
        if code not in codes:
            raise UserError(f"{key}.labels.{text}: {code} is not a response code of {instrument.id} "
                            f"({instrument.response_min} to {instrument.response_max})")


def instrument_definition_files(study: Mapping, repo_root: str | Path) -> list[str]:
    """The definition files of a study's instruments, relative to the repository root."""
    repo_root = Path(repo_root).resolve()
    files = []
    for use in study["instruments"]:
        ref = use["instrument"]
        if ref.endswith((".yaml", ".yml")) or "/" in ref:
            files.append(ref)
        else:
            files.append(str((BUNDLED_DIR / f"{ref}.yaml").relative_to(repo_root)))
    return files


def study_input_files(study: Mapping, repo_root: str | Path) -> list[str]:
    """Every file a study's ingest reads (relative to the repository root): raw exports, REDCap
    dictionaries and instrument definitions (their item counts and response ranges decide which
    values are valid), so that changing any of them reruns what depends on it."""
    files = []
    for source in study["sources"]:
        files.append(source["path"])
        if source.get("dictionary"):
            files.append(source["dictionary"])
    return files + instrument_definition_files(study, repo_root)
