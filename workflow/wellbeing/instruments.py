"""Instrument definitions: load, validate and query questionnaire scoring keys.

An instrument definition is a small YAML file (never item wording) that says how many items a
questionnaire has, its response range, which items form which scale, which are reverse keyed, how
missing items are handled and any special response map (e.g. the Empathy Quotient's 2/1/0 points).
The bundled definitions live in ``workflow/instruments/<id>.yaml``; a study may bring its own file
of the same shape. The format is the JSON Schema ``workflow/schemas/instrument.schema.yaml``;
:func:`load_instrument` validates a file against it and then checks that its parts agree with each
other (item numbers in range, reverse keys inside their scale, subscales that exist, complete recode
maps). Every problem is raised as one :class:`~wellbeing.errors.UserError` that names the file and
the key and says what would fix it.

Examples
--------
>>> pss = load_instrument("pss10")
>>> pss.id, pss.n_items, pss.response_min, pss.response_max
('pss10', 10, 0, 4)
>>> pss.scale_names
('total',)
>>> pss.reverse_items("total")
(4, 5, 7, 8)
>>> pss.item_columns("PSS_{n}")[:3]
['PSS_1', 'PSS_2', 'PSS_3']
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence


from .config import load_schema, read_yaml_strict
from .errors import UserError

__all__ = [
    "BUNDLED_DIR",
    "SCHEMA_PATH",
    "DEFAULT_MIN_ANSWERED",
    "Instrument",
    "Recode",
    "Scale",
    "bundled_ids",
    "instrument_from_dict",
    "load_instrument",
]

#: Folder of the bundled definitions, ``workflow/instruments/``.
BUNDLED_DIR = Path(__file__).resolve().parents[1] / "instruments"
#: The JSON Schema (YAML) every definition is validated against.
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "instrument.schema.yaml"
#: Share of a scale's items that must be answered when a file does not say (``missing.min_answered``).
DEFAULT_MIN_ANSWERED = 0.8

SCORE_RULES = ("sum", "mean", "mean_of_subscales")
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


# --------------------------------------------------------------------------------------------
# The objects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """One scored scale of an instrument.

    Attributes
    ----------
    name : str
        The scale's name (``total``, ``nonreact``...); variables are ``<instrument>.<name>``.
    items : tuple of int
        Item numbers, in the order the file lists them.
    reverse : tuple of int
        Items reversed (``min + max - x``) for this scale only.
    score : {'sum', 'mean', 'mean_of_subscales'}
        How the (reversed) items are combined.
    subscales : tuple of str
        For ``mean_of_subscales`` only: the scales whose item groups are averaged, then the group
        means averaged.
    label : str
        Human-readable name for tables and figures (the name when the file gives none).
    better : str
        ``higher`` or ``lower``: the direction that is better for the respondent ("" when the
        file does not say).
    """

    name: str
    items: tuple[int, ...]
    reverse: tuple[int, ...] = ()
    score: str = "mean"
    subscales: tuple[str, ...] = ()
    label: str = ""
    better: str = ""

    @property
    def n_items(self) -> int:
        """Number of items in the scale."""
        return len(self.items)


@dataclass(frozen=True)
class Recode:
    """A response map applied to some items before scoring (e.g. EQ's 2/1/0 points).

    Attributes
    ----------
    items : tuple of int
        The items the map applies to.
    mapping : tuple of (int, float) pairs
        Response code -> scored value, for every code of the response range.
    note : str
        What the map means, in words.
    """

    items: tuple[int, ...]
    mapping: tuple[tuple[int, float], ...]
    note: str = ""

    def as_dict(self) -> dict[int, float]:
        """The map as a dict, code -> value.

        Examples
        --------
        >>> Recode(items=(1,), mapping=((1, 2.0), (2, 1.0))).as_dict()
        {1: 2.0, 2: 1.0}
        """
        return dict(self.mapping)


@dataclass(frozen=True)
class Instrument:
    """A validated instrument definition (immutable).

    Build one with :func:`load_instrument` (from a bundled id or a YAML file) or
    :func:`instrument_from_dict`, never by hand: both validate and fill the defaults.

    Attributes
    ----------
    id, name : str
        Identifier (variables are ``<id>.<scale>``) and full name.
    n_items : int
        Number of items in the administered form (``items`` in the file), numbered 1..n_items.
    response_min, response_max : int
        The coded response range; a reversed value is ``response_min + response_max - x``.
    min_answered : float
        Least share (0-1) of a scale's items that must be answered for a (prorated) score.
    scale_list : tuple of Scale
        The scales in file order; see :attr:`scales` for a name -> Scale dict.
    recodes : tuple of Recode
        Response maps applied before scoring.
    labels : tuple of (int, str) pairs
        Optional response-code anchor labels.
    citation, licence, missing_note, note : str
        Free text from the file.
    column_hints : tuple of str
        Name stems exports usually give the item columns (``pss``), for ``wellbeing init``.
    sources : tuple of str
        Where the key was checked.
    source : str
        Where the definition came from: the YAML file's path, or ``<dict>``.
    """

    id: str
    name: str
    n_items: int
    response_min: int
    response_max: int
    scale_list: tuple[Scale, ...]
    min_answered: float = DEFAULT_MIN_ANSWERED
    recodes: tuple[Recode, ...] = ()
    labels: tuple[tuple[int, str], ...] = ()
    citation: str = ""
    licence: str = ""
    sources: tuple[str, ...] = ()
    missing_note: str = ""
    note: str = ""
    column_hints: tuple[str, ...] = ()
    source: str = "<dict>"
    _by_name: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {scale.name: scale for scale in self.scale_list})

    # -- scales -------------------------------------------------------------------------------

    @property
    def items(self) -> int:
        """Number of items, as the ``items`` key of the file (same as :attr:`n_items`)."""
        return self.n_items

    @property
    def scales(self) -> dict[str, Scale]:
        """Scale name -> :class:`Scale`, in file order (a fresh dict each call)."""
        return dict(self._by_name)

    @property
    def scale_names(self) -> tuple[str, ...]:
        """Scale names in file order."""
        return tuple(scale.name for scale in self.scale_list)

    def scale(self, name: str) -> Scale:
        """The :class:`Scale` called ``name``; :class:`UserError` naming the known scales if absent.

        Examples
        --------
        >>> load_instrument("brs").scale("total").score
        'mean'
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise UserError(
                f"{self.source}: instrument {self.id!r} has no scale {name!r}; its scales are "
                f"{', '.join(self.scale_names)}"
            ) from None

    def scale_items(self, scale: str) -> tuple[int, ...]:
        """Item numbers of ``scale``, in file order.

        Examples
        --------
        >>> load_instrument("ffmq39").scale_items("nonreact")
        (4, 9, 19, 21, 24, 29, 33)
        """
        return self.scale(scale).items

    def reverse_items(self, scale: str) -> tuple[int, ...]:
        """Items reversed (``min + max - x``) when scoring ``scale``.

        Examples
        --------
        >>> scs = load_instrument("scs26")
        >>> scs.reverse_items("self_judgment"), scs.reverse_items("total")[:3]
        ((), (1, 2, 4))
        """
        return self.scale(scale).reverse

    def subscale_groups(self, scale: str) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """For a ``mean_of_subscales`` scale, ``(subscale, items)`` pairs; else one group.

        Examples
        --------
        >>> load_instrument("scs26").subscale_groups("total")[0]
        ('self_kindness', (5, 12, 19, 23, 26))
        >>> load_instrument("pss10").subscale_groups("total")[0][0]
        'total'
        """
        entry = self.scale(scale)
        if entry.score != "mean_of_subscales":
            return ((entry.name, entry.items),)
        return tuple((name, self._by_name[name].items) for name in entry.subscales)

    @property
    def scored_items(self) -> tuple[int, ...]:
        """Every item that belongs to at least one scale, ascending (EQ fillers excluded).

        Examples
        --------
        >>> len(load_instrument("eq60").scored_items)
        40
        """
        return tuple(sorted({item for scale in self.scale_list for item in scale.items}))

    @property
    def filler_items(self) -> tuple[int, ...]:
        """Items in no scale (never scored), ascending.

        Examples
        --------
        >>> load_instrument("eq60").filler_items[:4]
        (2, 3, 5, 7)
        """
        scored = set(self.scored_items)
        return tuple(item for item in range(1, self.n_items + 1) if item not in scored)

    # -- responses ----------------------------------------------------------------------------

    @property
    def response_values(self) -> tuple[int, ...]:
        """The response codes from :attr:`response_min` to :attr:`response_max`.

        Examples
        --------
        >>> load_instrument("pss10").response_values
        (0, 1, 2, 3, 4)
        """
        return tuple(range(self.response_min, self.response_max + 1))

    def response_label(self, value: int) -> str | None:
        """Anchor label of a response code, or None when the file gives none.

        Examples
        --------
        >>> load_instrument("eq60").response_label(1)
        'strongly agree'
        """
        return dict(self.labels).get(value)

    def recode_map(self, item: int) -> dict[int, float] | None:
        """The response map applied to ``item`` before scoring, or None.

        Examples
        --------
        >>> eq = load_instrument("eq60")
        >>> eq.recode_map(1)
        {1: 2.0, 2: 1.0, 3: 0.0, 4: 0.0}
        >>> eq.recode_map(2) is None   # a filler
        True
        """
        for recode in self.recodes:
            if item in recode.items:
                return recode.as_dict()
        return None

    def item_value_range(self, item: int) -> tuple[float, float]:
        """Lowest and highest value ``item`` contributes after any recode (before reversal).

        Examples
        --------
        >>> load_instrument("eq60").item_value_range(4)
        (0.0, 2.0)
        >>> load_instrument("pss10").item_value_range(4)
        (0, 4)
        """
        mapping = self.recode_map(item)
        if mapping is None:
            return (self.response_min, self.response_max)
        return (min(mapping.values()), max(mapping.values()))

    def score_range(self, scale: str) -> tuple[float, float]:
        """Lowest and highest possible score of ``scale`` (complete answers).

        Examples
        --------
        >>> load_instrument("ffmq39").score_range("total")
        (39.0, 195.0)
        >>> load_instrument("eq60").score_range("total")
        (0.0, 80.0)
        >>> load_instrument("scs26").score_range("total")
        (1.0, 5.0)
        """
        lows, highs = [], []
        for _, items in self.subscale_groups(scale):
            low = sum(self.item_value_range(item)[0] for item in items)
            high = sum(self.item_value_range(item)[1] for item in items)
            lows.append(low / len(items))
            highs.append(high / len(items))
        entry = self.scale(scale)
        if entry.score == "sum":
            return (float(lows[0] * entry.n_items), float(highs[0] * entry.n_items))
        return (float(sum(lows) / len(lows)), float(sum(highs) / len(highs)))

    def item_columns(self, pattern: str | Sequence[str], items: Sequence[int] | None = None) -> list[str]:
        """Data column names of the items: from a pattern where ``{n}`` is the item number, or
        from a list of the columns in item order.

        Parameters
        ----------
        pattern : str or sequence of str
            E.g. ``"FFMQ_{n}"``; a format spec is allowed (``"Q{n:02d}"`` gives ``Q01``). Or the
            columns themselves, one per item (``["item1", "Ritem2", ...]``).
        items : sequence of int, optional
            Item numbers; default every item, 1..n_items.

        Examples
        --------
        >>> load_instrument("brs").item_columns("BRS{n:02d}", items=[1, 2])
        ['BRS01', 'BRS02']
        >>> load_instrument("brs").item_columns(["b1", "Rb2", "b3", "Rb4", "b5", "Rb6"], items=[2])
        ['Rb2']
        """
        numbers = range(1, self.n_items + 1) if items is None else items
        if not isinstance(pattern, str):
            return [pattern[number - 1] for number in numbers]
        return [format_item_column(pattern, number) for number in numbers]


def format_item_column(pattern: str, number: int) -> str:
    """Column name of item ``number`` under ``pattern`` (``{n}`` is the item number).

    Examples
    --------
    >>> format_item_column("PSS_{n}", 4)
    'PSS_4'
    >>> format_item_column("PSS", 4)
    Traceback (most recent call last):
    ...
    wellbeing.errors.UserError: item column pattern 'PSS' must contain {n} where the item number goes, e.g. 'PSS_{n}'
    """
    if "{n" not in pattern:
        raise UserError(
            f"item column pattern {pattern!r} must contain {{n}} where the item number goes, "
            f"e.g. '{pattern}_{{n}}'"
        )
    try:
        return pattern.format(n=number)
    except (KeyError, IndexError, ValueError) as error:
        raise UserError(
            f"item column pattern {pattern!r} is not a valid pattern ({error}); use {{n}} for the "
            "item number and double any other brace: {{ }}"
        ) from None


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def bundled_ids() -> list[str]:
    """Ids of the bundled instrument definitions, sorted.

    Examples
    --------
    >>> ids = bundled_ids()
    >>> "pss10" in ids and "ffmq39" in ids
    True
    """
    return sorted(path.stem for path in BUNDLED_DIR.glob("*.yaml"))


def shared_items(first: str, second: str, instruments: dict | None) -> int:
    """How many items two variables (``<instrument>.<scale>``) are scored from in common: more
    than 0 for a total and its own subscale, or two subscales that share items. Their correlation
    is then partly the correlation of an item set with itself (part-whole), not a finding.

    Examples
    --------
    >>> ffmq = {"ffmq39": load_instrument("ffmq39")}
    >>> shared_items("ffmq39.total", "ffmq39.nonreact", ffmq)    # the facet's 7 items
    7
    >>> shared_items("ffmq39.observe", "ffmq39.nonreact", ffmq), shared_items("ffmq39.total", "age", ffmq)
    (0, 0)
    """
    first_id, _, first_scale = first.partition(".")
    second_id, _, second_scale = second.partition(".")
    instrument = (instruments or {}).get(first_id)
    if first_id != second_id or instrument is None or not first_scale or not second_scale:
        return 0
    if first_scale not in instrument.scales or second_scale not in instrument.scales:
        return 0
    return len(set(instrument.scale_items(first_scale)) & set(instrument.scale_items(second_scale)))


def load_instrument(ref: str | os.PathLike, base_dir: str | os.PathLike | None = None) -> Instrument:
    """Load and validate an instrument definition.

    Parameters
    ----------
    ref : str or path-like
        A bundled id (``"pss10"``, see :func:`bundled_ids`) or the path of a YAML definition file
        (ending ``.yaml`` or ``.yml``, or containing a ``/``).
    base_dir : str or path-like, optional
        Folder a relative path is resolved against, normally the repository root; default the
        current directory.

    Returns
    -------
    Instrument

    Raises
    ------
    UserError
        Unknown id, missing or unreadable file, invalid YAML, a schema violation or inconsistent
        keys; the message names the file and key and what would fix it.

    Examples
    --------
    >>> load_instrument("flourishing").score_range("total")
    (8.0, 56.0)
    >>> load_instrument("nosuch")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    wellbeing.errors.UserError: instrument 'nosuch' is neither a bundled id nor a file ...
    """
    text = os.fspath(ref)
    looks_like_path = (
        text.endswith((".yaml", ".yml")) or "/" in text or os.sep in text or isinstance(ref, Path)
    )
    if not looks_like_path:
        path = BUNDLED_DIR / f"{text}.yaml"
        if not path.is_file():
            raise UserError(
                f"instrument {text!r} is neither a bundled id nor a file (a definition file's "
                f"path ends in .yaml); {_closest_ids(text)}"
            )
        return _load_cached(str(path), bundled=True)
    path = Path(text)
    if not path.is_absolute():
        path = Path(base_dir if base_dir is not None else os.getcwd()) / path
    if not path.is_file():
        raise UserError(
            f"instrument definition file {text!r} not found (looked for {path}); give a path "
            f"relative to the repository root or a bundled id ({_closest_ids(path.stem)})"
        )
    stat = path.stat()
    return _load_cached(str(path.resolve()), bundled=False, stamp=(stat.st_mtime_ns, stat.st_size))


def _closest_ids(text: str) -> str:
    """The bundled ids nearest to a mistyped one, and where all of them are listed.

    Examples
    --------
    >>> _closest_ids("pss14")  # doctest: +ELLIPSIS
    "closest bundled ids: pss4, pss10; all ... are in README.md's table 'Bundled instruments'"
    """
    import difflib

    ids = bundled_ids()
    near = difflib.get_close_matches(text.lower(), ids, n=3, cutoff=0.6)
    where = f"all {len(ids)} are in README.md's table 'Bundled instruments'"
    return f"closest bundled ids: {', '.join(near)}; {where}" if near else f"bundled ids: {where}"


@lru_cache(maxsize=64)
def _load_cached(path: str, bundled: bool, stamp: tuple = ()) -> Instrument:
    """Read, validate and build once per file version (``stamp``: mtime and size)."""
    data = _read_yaml(Path(path))
    instrument = instrument_from_dict(data, source=path)
    if bundled and instrument.id != Path(path).stem:
        raise UserError(f"{path}: id: {instrument.id!r} must equal the file name {Path(path).stem!r}")
    return instrument


def _read_yaml(path: Path) -> Any:
    return read_yaml_strict(path, "save the definition as UTF-8")


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    return jsonschema.Draft202012Validator(load_schema(SCHEMA_PATH))


def _key_path(parts: Sequence[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _schema_message(error) -> str:
    """One readable sentence for a jsonschema error: the key, the problem, the fix."""
    key = _key_path(list(error.absolute_path))
    validator = error.validator
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        return (f"{key}: unknown key(s) {', '.join(map(repr, extra))}; allowed keys: "
                f"{', '.join(allowed)}")
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        where = f"{key}.{missing}" if error.absolute_path else missing
        return f"{where}: required key is missing; add it"
    if validator == "enum":
        return f"{key}: {error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if validator == "type":
        return f"{key}: {error.instance!r} must be of type {error.validator_value}"
    if validator == "pattern":
        if error.validator_value.startswith("^-?"):
            return f"{key}: {error.instance!r} is not a response code; codes are whole numbers"
        return (f"{key}: {error.instance!r} is not a valid name; use lower-case letters, digits "
                "and _, starting with a letter")
    if validator in ("minimum", "maximum"):
        bound = "at least" if validator == "minimum" else "at most"
        return f"{key}: {error.instance!r} must be {bound} {error.validator_value}"
    if validator == "uniqueItems":
        return f"{key}: lists an item twice; list each once"
    if validator == "minItems":
        return f"{key}: must list at least {error.validator_value} entry"
    if validator == "minProperties":
        return f"{key}: must have at least {error.validator_value} entry"
    if validator == "not":
        return (f"{key}.subscales: only allowed with score: mean_of_subscales; remove it or "
                "change score")
    return f"{key}: {error.message}"


def instrument_from_dict(data: Any, source: str = "<dict>") -> Instrument:
    """Validate a definition already read into Python objects and build the :class:`Instrument`.

    Parameters
    ----------
    data : dict
        The parsed YAML (keys as in ``workflow/schemas/instrument.schema.yaml``).
    source : str
        Named in error messages, normally the file's path.

    Examples
    --------
    >>> custom = instrument_from_dict({
    ...     "id": "calm", "name": "Calm care confidence", "items": 3,
    ...     "response": {"min": 1, "max": 7},
    ...     "scales": {"total": {"items": [1, 2, 3], "reverse": [2], "score": "sum"}}})
    >>> custom.min_answered, custom.score_range("total")
    (0.8, (3.0, 21.0))
    >>> instrument_from_dict({"id": "x", "name": "X", "items": 2,  # doctest: +NORMALIZE_WHITESPACE
    ...                       "response": {"min": 1, "max": 5},
    ...                       "scales": {"total": {"items": [1, 3], "score": "sum"}}}, "x.yaml")
    Traceback (most recent call last):
    ...
    wellbeing.errors.UserError: x.yaml: scales.total.items: item 3 is outside 1..2 (items: 2); fix the item
    number or the items count
    """
    if not isinstance(data, dict):
        raise UserError(f"{source}: a definition must be a YAML mapping (id: ..., name: ..., "
                        f"items: ..., response: ..., scales: ...), got {type(data).__name__}")
    try:
        # JSON round trip: integer map keys (1: 2) become strings the schema can check.
        plain = json.loads(json.dumps(data))
    except (TypeError, ValueError) as error:
        raise UserError(f"{source}: contains a value that is not plain data ({error})") from None
    errors = sorted(_validator().iter_errors(plain),
                    key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
    if errors:
        first = errors[0]
        # prefer the most specific error inside the same key
        best = max((e for e in errors if list(e.absolute_path)[:len(first.absolute_path)]
                    == list(first.absolute_path)), key=lambda e: len(list(e.absolute_path)))
        more = f" ({len(errors) - 1} more problem(s) after fixing this)" if len(errors) > 1 else ""
        raise UserError(f"{source}: {_schema_message(best)}{more}")
    return _build(plain, source)


def _fail(source: str, key: str, message: str) -> UserError:
    return UserError(f"{source}: {key}: {message}")


def _build(data: dict, source: str) -> Instrument:
    n_items = data["items"]
    low, high = data["response"]["min"], data["response"]["max"]
    if low >= high:
        raise _fail(source, "response", f"min ({low}) must be less than max ({high})")
    labels = []
    for code, label in data["response"].get("labels", {}).items():
        code = int(code)
        if not low <= code <= high:
            raise _fail(source, f"response.labels.{code}",
                        f"code {code} is outside the response range {low}..{high}")
        labels.append((code, label))
    labels.sort()

    missing = data.get("missing", {})
    min_answered = float(missing.get("min_answered", DEFAULT_MIN_ANSWERED))

    def check_items(key: str, items: Sequence[int]) -> None:
        for item in items:
            if item > n_items:
                raise _fail(source, key, f"item {item} is outside 1..{n_items} (items: {n_items}); "
                                         "fix the item number or the items count")

    # scales, first pass: plain scales
    raw_scales: dict[str, dict] = data["scales"]
    for name, entry in raw_scales.items():
        if "items" in entry:
            check_items(f"scales.{name}.items", entry["items"])
    scales: list[Scale] = []
    for name, entry in raw_scales.items():
        key = f"scales.{name}"
        score = entry["score"]
        subscales = tuple(entry.get("subscales", ()))
        if score == "mean_of_subscales":
            union: list[int] = []
            for sub in subscales:
                if sub == name:
                    raise _fail(source, f"{key}.subscales", f"a scale cannot list itself ({name!r})")
                if sub not in raw_scales:
                    raise _fail(source, f"{key}.subscales",
                                f"{sub!r} is not a scale of this file; scales: {', '.join(raw_scales)}")
                sub_entry = raw_scales[sub]
                if sub_entry["score"] == "mean_of_subscales":
                    raise _fail(source, f"{key}.subscales",
                                f"{sub!r} is itself mean_of_subscales; list plain (sum/mean) scales")
                union.extend(item for item in sub_entry["items"] if item not in union)
            if "items" in entry:
                if sorted(entry["items"]) != sorted(union):
                    extra = sorted(set(entry["items"]) - set(union))
                    lacking = sorted(set(union) - set(entry["items"]))
                    raise _fail(source, f"{key}.items",
                                "must be exactly the subscales' items "
                                f"(not in a subscale: {extra or 'none'}; missing: {lacking or 'none'}); "
                                "fix it or leave items out")
                items = tuple(entry["items"])
            else:
                items = tuple(sorted(union))
        else:
            items = tuple(entry["items"])
        reverse = tuple(entry.get("reverse", ()))
        outside = [item for item in reverse if item not in items]
        if outside:
            raise _fail(source, f"{key}.reverse",
                        f"item(s) {outside} are not items of scale {name!r}; reverse only lists "
                        "the scale's own items")
        scales.append(Scale(name=name, items=items, reverse=reverse, score=score,
                            subscales=subscales, label=entry.get("label", name),
                            better=entry.get("better", "")))

    # recodes
    recodes: list[Recode] = []
    recoded: dict[int, int] = {}
    codes = set(range(low, high + 1))
    for index, entry in enumerate(data.get("recode", [])):
        key = f"recode[{index}]"
        check_items(f"{key}.items", entry["items"])
        for item in entry["items"]:
            if item in recoded:
                raise _fail(source, f"{key}.items",
                            f"item {item} is already recoded by recode[{recoded[item]}]; an item "
                            "may be in one map only")
            recoded[item] = index
        mapping = {int(code): float(value) for code, value in entry["map"].items()}
        if set(mapping) != codes:
            lacking = sorted(codes - set(mapping))
            extra = sorted(set(mapping) - codes)
            raise _fail(source, f"{key}.map",
                        f"must give a value for every response code {low}..{high} and no other "
                        f"(missing: {lacking or 'none'}; outside the range: {extra or 'none'})")
        if any(not math.isfinite(value) for value in mapping.values()):
            raise _fail(source, f"{key}.map", "values must be finite numbers")
        recodes.append(Recode(items=tuple(entry["items"]), mapping=tuple(sorted(mapping.items())),
                              note=entry.get("note", "")))
    for scale in scales:
        both = [item for item in scale.reverse if item in recoded]
        if both:
            raise _fail(source, f"scales.{scale.name}.reverse",
                        f"item(s) {both} are also recoded; a recoded item cannot be reverse keyed "
                        "(fold the reversal into its recode map)")

    return Instrument(
        id=data["id"],
        name=data["name"],
        n_items=n_items,
        response_min=low,
        response_max=high,
        scale_list=tuple(scales),
        min_answered=min_answered,
        recodes=tuple(recodes),
        labels=tuple(labels),
        citation=data.get("citation", ""),
        licence=data.get("licence", ""),
        sources=tuple(data.get("sources", ())),
        missing_note=missing.get("note", ""),
        note=data.get("note", ""),
        column_hints=tuple(data.get("column_hints", ())),
        source=source,
    )
