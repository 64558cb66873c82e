"""The public config interface: validation against the JSON Schema, defaults, and the checks a
schema cannot express (waves named by sources exist, files are inside the repository, variables
name a scale or a measure).

Every problem is reported as one :class:`~wellbeing.errors.UserError` naming the study and key,
e.g. ``config.yaml: studies.demo.sources[0].format: 'qualtrix' is not one of csv, qualtrics, ...``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterable, Mapping

import jsonschema
import yaml

from .errors import UserError

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml"

#: Files a correlation set writes beside ``correlations/<name>.csv``: ``<name><suffix>.csv``.
CORRELATION_FILE_SUFFIXES = ("_matrix", "_rmcorr")


#: libyaml's parser when PyYAML was built with it (the wheels are): the config, its schema and
#: the instrument files are read on every Snakemake start, about ten times faster than in Python.
FAST_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(FAST_SAFE_LOADER):
    """A safe YAML loader that rejects a key given twice in one mapping."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise UserError(
                f"{getattr(loader, 'name', mark.name)}: line {mark.line + 1}: key {key!r} is given twice in the same "
                "mapping; keep one"
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml_strict(path: str | Path, fix_encoding: str = "save it as UTF-8") -> Any:
    """A YAML file (config or instrument definition), refusing a key given twice in one mapping
    (YAML would silently keep the last: a study defined twice would lose its first definition).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "config.yaml"
    >>> _ = p.write_text("studies:\\n  a: {title: x}\\n  a: {title: y}\\n")
    >>> read_yaml_strict(p)
    Traceback (most recent call last):
    ...
    wellbeing.errors.UserError: config.yaml: line 3: key 'a' is given twice in the same mapping; keep one
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        loader = _UniqueKeyLoader(text)
        loader.name = path.name if path.is_absolute() else str(path)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise UserError(
            f"{path}: {where}not valid YAML ({problem}); check indentation and quoting") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; {fix_encoding}") from None


def load_schema(path: str | Path = SCHEMA_PATH) -> dict:
    """A JSON Schema kept as YAML (the config's, an instrument definition's)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=FAST_SAFE_LOADER)


def _with_defaults(validator_class):
    """A validator that fills in ``default`` values of ``properties`` while validating.

    The usual jsonschema recipe: defaults are applied only where a key is absent, so a user's
    value always wins.
    """
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


_DefaultingValidator = _with_defaults(jsonschema.Draft202012Validator)


def key_path(parts: Iterable[Any]) -> str:
    """``['studies', 'demo', 'sources', 0, 'path']`` -> ``'studies.demo.sources[0].path'``.

    Examples
    --------
    >>> key_path(["studies", "demo", "sources", 0, "path"])
    'studies.demo.sources[0].path'
    """
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _most_relevant(errors: list) -> jsonschema.ValidationError:
    """The error a user should see first: jsonschema's relevance order, descending into
    ``oneOf`` alternatives except for a source's layout choice, which has its own message."""
    best = max(errors, key=jsonschema.exceptions.relevance)
    while best.context and not _is_layout_choice(best):
        best = max(best.context, key=jsonschema.exceptions.relevance)
    return best


def _is_layout_choice(error: jsonschema.ValidationError) -> bool:
    path = list(error.absolute_path)
    return (error.validator == "oneOf" and len(path) >= 2 and path[-2] == "sources"
            and all(sub.validator in ("required", "not") for sub in error.context))


def _describe(error: jsonschema.ValidationError) -> tuple[str, str]:
    """Turn a jsonschema error into (key path, what is wrong and how to fix it)."""
    path = list(error.absolute_path)
    validator = error.validator
    if "propertyNames" in error.schema_path:
        return key_path(path + [error.instance]), f"invalid id: {error.schema.get('description', error.message)}"
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        where = key_path(path + [extra[0]]) if extra else key_path(path)
        hint = f"allowed keys: {', '.join(allowed)}" if allowed else "no keys allowed here"
        return where, f"unknown key '{extra[0] if extra else '?'}' ({hint})"
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return key_path(path + [missing]), "is required but missing"
    if validator == "enum":
        options = ", ".join(str(option) for option in error.validator_value)
        return key_path(path), f"{error.instance!r} is not one of {options}"
    if _is_layout_choice(error):
        return key_path(path), ("give exactly one of wave (whole file is one wave), "
                                "wave_column (long layout), wave_suffixes (wide layout) or "
                                "per_participant: true (one row per participant, every wave)")
    if validator == "pattern":
        hint = error.schema.get("description", "")
        return key_path(path), f"{error.instance!r} does not match {error.validator_value!r}. {hint}".strip()
    if validator == "oneOf" and "exclude" in path:
        return key_path(path), ("a rule is a variable and one condition (below, above, equals or "
                                "missing: true); list two rules for two conditions")
    if validator == "type":
        return key_path(path), f"{error.instance!r} should be of type {error.validator_value}"
    return key_path(path), error.message


def validate(config: Mapping, repo_root: str | Path, source_name: str = "config.yaml",
             schema: Mapping | None = None) -> dict:
    """Validate a config, fill in defaults and run the cross-key checks.

    Parameters
    ----------
    config : mapping
        The parsed config (as Snakemake's ``config``).
    repo_root : path
        The repository root; every path in the config must lie inside it.
    source_name : str
        Name used in messages (the config file).

    Returns
    -------
    dict
        A deep copy with every default filled in.

    Raises
    ------
    UserError
        On the first problem found, naming the study and key.

    Examples
    --------
    >>> validate({"studies": {"Demo": {}}}, ".")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    wellbeing.errors.UserError: config.yaml: studies.Demo: invalid id: Study ids are lower case letters,
    digits and underscores, starting with a letter.
    """
    config = copy.deepcopy(dict(config))
    _wave_map_keys_as_text(config)
    validator = _DefaultingValidator(dict(schema or load_schema()))
    errors = list(validator.iter_errors(config))
    if errors:
        raise UserError(f"{source_name}: " + ": ".join(_describe(_most_relevant(errors))))
    repo_root = Path(repo_root).resolve()
    for study_id, study in config["studies"].items():
        check_study(study_id, study, repo_root, source_name)
    return config


def _wave_map_keys_as_text(config: dict) -> None:
    """wave_map keys as the export writes them: YAML reads ``{1: pre, 2: post}`` with numbers as
    keys, while a cell holds the text '1'."""
    studies = config.get("studies")
    if not isinstance(studies, dict):
        return
    for study in studies.values():
        for source in (study.get("sources") or []) if isinstance(study, dict) else []:
            mapping = source.get("wave_map") if isinstance(source, dict) else None
            if isinstance(mapping, dict):
                source["wave_map"] = {(str(int(key)) if isinstance(key, float) and key.is_integer()
                                       else str(key)): wave for key, wave in mapping.items()}


def _fail(source_name: str, study_id: str, key: str, what: str) -> UserError:
    return UserError(f"{source_name}: studies.{study_id}.{key}: {what}")


def resolve_inside(repo_root: Path, relative: str, source_name: str, study_id: str,
                   key: str, must_exist: bool = True) -> Path:
    """Resolve a config path; refuse paths outside the repository and missing files."""
    path = (repo_root / relative).resolve()
    if not path.is_relative_to(repo_root):
        raise _fail(source_name, study_id, key,
                    f"'{relative}' lies outside the repository ({repo_root}); copy the file "
                    "under data/raw/<study>/ and give its relative path")
    if must_exist and not path.is_file():
        raise _fail(source_name, study_id, key,
                    f"file '{relative}' not found (paths are relative to {repo_root})")
    return path


def check_study(study_id: str, study: dict, repo_root: Path, source_name: str = "config.yaml") -> None:
    """Checks across keys of one study that the schema cannot express."""
    waves = study["waves"]
    fail = lambda key, what: _fail(source_name, study_id, key, what)  # noqa: E731
    design = study["design"]
    if design in ("mixed", "between"):
        if "group_column" not in study:
            raise fail("group_column", f"is required when design is {design} (the column holding the group)")
        if len(study.get("groups", [])) < 2:
            raise fail("groups", f"a {design} design needs at least two groups, the reference first")
    if design == "mixed" and len(waves) < 2:
        raise fail("waves", "a mixed design needs at least two waves, baseline first")
    if design == "between" and len(waves) != 1:
        raise fail("waves", f"a between design compares groups at one wave; the study has {waves} "
                            "(groups over several waves are design: mixed)")
    _check_factors(study, fail)
    for group in study["group_labels"]:
        if group not in study.get("groups", []):
            raise fail(f"group_labels.{group}", f"'{group}' is not one of the study's groups "
                                                f"{study.get('groups', [])}")
    categorical = (study.get("analyses", {}).get("participants") or {}).get("categorical") or []
    for column in study["value_labels"]:
        if column not in categorical:
            raise fail(f"value_labels.{column}", f"'{column}' is not a categorical column of "
                                                 f"analyses.participants {list(categorical)}; list it "
                                                 "there, or remove its labels")
    if all(source.get("per_participant") for source in study["sources"]):
        raise fail("sources", "every source is per_participant; at least one must hold responses "
                              "(wave, wave_column or wave_suffixes)")
    if "id_column" not in study and (len(study["sources"]) > 1 or "wave_column" in study["sources"][0]):
        raise fail("id_column", "is required when a participant's rows must be linked (several "
                                "sources, or a long layout); name the column holding the participant code")
    read_at: dict[tuple, int] = {}
    for index, source in enumerate(study["sources"]):
        key = f"sources[{index}]"
        resolve_inside(repo_root, source["path"], source_name, study_id, f"{key}.path")
        where = (source["path"], source.get("sheet"))
        if where in read_at:
            raise fail(f"{key}.path", f"'{source['path']}' is already sources[{read_at[where]}]"
                                      + (f" (sheet '{source['sheet']}')" if source.get("sheet") else "")
                                      + "; a file is read once (one wave per file, or a long or wide "
                                        "layout for several)")
        read_at[where] = index
        if "wave" in source and source["wave"] not in waves:
            raise fail(f"{key}.wave", f"'{source['wave']}' is not one of the study's waves {waves}")
        for raw, wave in source.get("wave_map", {}).items():
            if wave not in waves:
                raise fail(f"{key}.wave_map.{raw}", f"maps to '{wave}', which is not one of the waves {waves}")
        if "wave_map" in source and "wave_column" not in source:
            raise fail(f"{key}.wave_map", "only applies with wave_column (long layout)")
        for wave in source.get("wave_suffixes", {}):
            if wave not in waves:
                raise fail(f"{key}.wave_suffixes.{wave}", f"'{wave}' is not one of the waves {waves}")
        if "dictionary" in source:
            if source["format"] != "redcap":
                raise fail(f"{key}.dictionary", "applies to format redcap only")
            resolve_inside(repo_root, source["dictionary"], source_name, study_id, f"{key}.dictionary")
        if "sheet" in source and source["format"] != "excel":
            raise fail(f"{key}.sheet", "applies to format excel only")
        if "header_row" in source and source["format"] not in ("csv", "excel"):
            raise fail(f"{key}.header_row", "applies to formats csv and excel only (the other formats "
                                            "have a fixed header)")
        if source.get("unfinished", "keep") != "keep" and source["format"] != "qualtrics":
            raise fail(f"{key}.unfinished", "applies to format qualtrics only (other formats have "
                                            "no Finished flag)")
        if "delimiter" in source and source["format"] != "csv":
            raise fail(f"{key}.delimiter", "applies to format csv only")
        if source.get("decimal", ".") != "." and source["format"] != "csv":
            raise fail(f"{key}.decimal", "applies to format csv only (other formats store numbers "
                                         "with a '.' decimal mark)")
        if "encoding" in source and source["format"] in ("spss", "excel"):
            raise fail(f"{key}.encoding", "applies to text formats (csv, qualtrics, redcap) only")
    for index, measure in enumerate(study["measures"]):
        if "min" in measure and "max" in measure and measure["min"] > measure["max"]:
            raise fail(f"measures[{index}]", f"min {measure['min']} is greater than max {measure['max']}; "
                                             "swap them")
    names = [measure["name"] for measure in study["measures"]]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise fail("measures", f"measure name '{duplicated[0]}' is used twice; give each a unique name")
    instrument_refs = [use["instrument"] for use in study["instruments"]]
    for index, use in enumerate(study["instruments"]):
        if instrument_refs.count(use["instrument"]) > 1:
            raise fail(f"instruments[{index}].instrument", f"'{use['instrument']}' is listed twice")
        if use["instrument"].endswith((".yaml", ".yml")):
            resolve_inside(repo_root, use["instrument"], source_name, study_id,
                           f"instruments[{index}].instrument")
    analyses = study["analyses"]
    if "anova" in analyses and design == "cross_sectional" and not study["factors"]:
        raise fail("analyses.anova", "needs design: mixed (groups x waves), repeated (a single "
                                     "arm over waves), between (groups at one wave) or factors")
    for name, population in study["populations"].items():
        for index, rule in enumerate(population["exclude"]):
            unknown = [g for g in rule.get("groups", []) if g not in study.get("groups", [])]
            if unknown:
                raise fail(f"populations.{name}.exclude[{index}].groups",
                           f"'{unknown[0]}' is not one of the study's groups {study.get('groups', [])}")
    for analysis in ("anova", "ancova"):
        for index, name in enumerate(analyses.get(analysis, {}).get("populations", [])):
            if name != "all" and name not in study["populations"]:
                defined = ", ".join(["all", *study["populations"]])
                raise fail(f"analyses.{analysis}.populations[{index}]",
                           f"'{name}' is not a population of the study ({defined}); define it "
                           "under populations")
    if "ancova" in analyses:
        _check_ancova(study, analyses["ancova"], fail)
    screening = analyses.get("screening") or {}
    for index, flag in enumerate(screening.get("exclude", [])):
        threshold = "mahalanobis_p" if flag == "mahalanobis" else flag
        if screening.get(threshold, 0) is None:
            raise fail(f"analyses.screening.exclude[{index}]", f"'{flag}' raises no flag with "
                                                               f"{threshold}: null; give {threshold} a value, "
                                                               "or remove it from exclude")
    if study["design"] == "repeated" and len(waves) < 2:
        raise fail("waves", "a repeated design (single arm) needs at least two waves, baseline first")
    for index, correlation in enumerate(analyses.get("correlations", [])):
        key = f"analyses.correlations[{index}]"
        if "wave" in correlation and correlation["wave"] not in waves:
            raise fail(f"{key}.wave", f"'{correlation['wave']}' is not one of the waves {waves}")
        if correlation.get("change") and len(waves) < 2:
            raise fail(f"{key}.change", "change scores need at least two waves")
        if correlation.get("change") and "wave" in correlation:
            raise fail(f"{key}.wave", "give either wave or change: true, not both")
        if correlation.get("repeated_measures") and len(waves) < 2:
            raise fail(f"{key}.repeated_measures", "a repeated-measures correlation needs at least two "
                                                  f"waves; the study has {waves}")
        if correlation.get("bayes") and (correlation.get("method", "pearson") != "pearson"
                                         or correlation.get("covariates")):
            raise fail(f"{key}.bayes", "Bayes factors are computed for Pearson correlations without "
                                       "covariates; set method: pearson and no covariates, or remove bayes")
    measure_names = [measure["name"] for measure in study["measures"]]
    for index, name in enumerate((analyses.get("feasibility") or {}).get("adherence", [])):
        if name not in measure_names:
            raise fail(f"analyses.feasibility.adherence[{index}]",
                       f"'{name}' is not a measure of the study ({', '.join(measure_names) or 'none'}); "
                       "adherence summarises measures: add it under measures")
    change = analyses.get("reliable_change")
    if change is not None:
        if len(waves) < 2:
            raise fail("analyses.reliable_change", f"reliable change needs at least two waves; the study has {waves}")
        measures = {measure["name"] for measure in study["measures"]}
        if change["reliability"] == "baseline_alpha":
            for index, outcome in enumerate(change["outcomes"]):
                if outcome in measures:
                    raise fail(f"analyses.reliable_change.outcomes[{index}]",
                               f"'{outcome}' is a measure, which has no Cronbach's alpha; give "
                               "analyses.reliable_change.reliability as a number (e.g. a published "
                               "test-retest reliability)")
            if "reliability" not in analyses:
                raise fail("analyses.reliable_change.reliability",
                           "baseline_alpha needs analyses.reliability (add reliability: {}) or a number")
    set_names = [c["name"] for c in analyses.get("correlations", [])]
    if len(set(set_names)) != len(set_names):
        raise fail("analyses.correlations", "two sets have the same name; names must be unique")
    for index, name in enumerate(set_names):
        # <set>_matrix.csv and <set>_rmcorr.csv sit beside <set>.csv: a set may not take those names.
        for other in set_names:
            for suffix in CORRELATION_FILE_SUFFIXES:
                if name == other + suffix:
                    raise fail(f"analyses.correlations[{index}].name",
                               f"'{name}' is the name of set '{other}''s {suffix[1:]} file; rename the set")


#: Names the ANOVA tables use for their own columns and effects: no factor may take them.
RESERVED_FACTOR_NAMES = ("group", "time", "wave", "participant", "outcome", "population")


def factor_name(factor: Mapping) -> str:
    """The name of a further between factor in effects and outputs: ``name``, else the column."""
    return factor.get("name") or factor["column"]


def _check_factors(study: Mapping, fail) -> None:
    """Factor names are unique, not reserved, not a measure's; no factor is the group column."""
    seen: set[str] = set()
    measures = {measure["name"] for measure in study["measures"]}
    for index, factor in enumerate(study["factors"]):
        key = f"factors[{index}]"
        name = factor_name(factor)
        if factor["column"] == study.get("group_column"):
            raise fail(f"{key}.column", f"'{factor['column']}' is the group_column; the group is "
                                        "already the first factor")
        if not name.isidentifier() or name in RESERVED_FACTOR_NAMES or name in measures or name in seen:
            why = ("is used twice" if name in seen else "is a measure's name" if name in measures
                   else "is reserved" if name in RESERVED_FACTOR_NAMES else "is not a plain name")
            raise fail(f"{key}.name", f"factor name '{name}' {why}; give the factor a name of its own "
                                      f"in {key}.name (letters, digits, _)")
        seen.add(name)


def _check_ancova(study: Mapping, settings: Mapping, fail) -> None:
    """The ANCOVA compares groups at a later wave adjusted for an earlier one."""
    waves = study["waves"]
    if study["design"] != "mixed":
        raise fail("analyses.ancova", "needs design: mixed (groups measured at baseline and at a "
                                      "later wave)")
    baseline = settings.get("baseline", waves[0])
    outcome_wave = settings.get("outcome_wave", waves[-1])
    for key, wave in (("baseline", baseline), ("outcome_wave", outcome_wave)):
        if wave not in waves:
            raise fail(f"analyses.ancova.{key}", f"'{wave}' is not one of the waves {waves}")
    if waves.index(baseline) >= waves.index(outcome_wave):
        raise fail("analyses.ancova.outcome_wave", f"'{outcome_wave}' does not come after the "
                                                   f"baseline '{baseline}'")


def check_variables(study_id: str, study: Mapping, scales: Mapping[str, Iterable[str]],
                    source_name: str = "config.yaml") -> None:
    """Check that every variable in ``analyses`` names a scored scale or a measure.

    Parameters
    ----------
    scales : mapping
        Instrument id -> its scale names, for the instruments the study scores.

    Examples
    --------
    >>> study = {"measures": [{"column": "Age", "name": "age"}],
    ...          "analyses": {"anova": {"outcomes": ["pss10.totl"]}}}
    >>> check_variables("demo", study, {"pss10": ["total"]})  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    wellbeing.errors.UserError: config.yaml: studies.demo.analyses.anova.outcomes[0]: 'pss10.totl' names no
    scale or measure; pss10 has: pss10.total
    """
    known = {f"{instrument}.{scale}" for instrument, names in scales.items() for scale in names}
    known |= {measure["name"] for measure in study.get("measures", [])}
    analyses = study.get("analyses", {})
    places = [(f"analyses.anova.outcomes[{i}]", v)
              for i, v in enumerate(analyses.get("anova", {}).get("outcomes", []))]
    ancova = analyses.get("ancova", {})
    places += [(f"analyses.ancova.outcomes[{i}]", v) for i, v in enumerate(ancova.get("outcomes", []))]
    places += [(f"analyses.ancova.covariates[{i}]", v)
               for i, v in enumerate(ancova.get("covariates", []))]
    places += [(f"analyses.reliable_change.outcomes[{i}]", v)
               for i, v in enumerate((analyses.get("reliable_change") or {}).get("outcomes", []))]
    for name, population in (study.get("populations") or {}).items():
        places += [(f"populations.{name}.exclude[{i}].variable", rule["variable"])
                   for i, rule in enumerate(population["exclude"])]
    for s, correlation in enumerate(analyses.get("correlations", [])):
        places += [(f"analyses.correlations[{s}].variables[{i}]", v)
                   for i, v in enumerate(correlation["variables"])]
        places += [(f"analyses.correlations[{s}].covariates[{i}]", v)
                   for i, v in enumerate(correlation.get("covariates", []))]
    for key, variable in places:
        if variable in known:
            continue
        instrument = variable.split(".")[0]
        if instrument in scales:
            options = ", ".join(f"{instrument}.{scale}" for scale in scales[instrument])
            hint = f"{instrument} has: {options}"
        else:
            hint = ("use <instrument>.<scale> of an instrument the study scores "
                    f"({', '.join(scales) or 'none'}) or a measure's name "
                    f"({', '.join(m['name'] for m in study.get('measures', [])) or 'none'})")
        raise _fail(source_name, study_id, key, f"'{variable}' names no scale or measure; {hint}")
