"""Tests of the bundled instrument definitions, their schema and the loader.

The keys below are repeated by hand from the published scoring keys (the sources each definition
file lists), so a change to a bundled file that alters a key fails here.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from wellbeing import instruments as inst
from wellbeing.errors import UserError
from wellbeing.instruments import bundled_ids, instrument_from_dict, load_instrument

# The instruments the example studies and the tests below depend on; every bundled file is
# checked by the hand-worked tests at the end.
BUNDLED = ["brs", "cdrisc10", "cdrisc25", "eq60", "ffmq15", "ffmq39", "flourishing", "maas15",
           "mbi_hss", "proqol5", "pss10", "scs26", "scs_sf12"]

# Scale names other code depends on, in file order.
SCALE_NAMES = {
    "ffmq39": ["observe", "describe", "act_aware", "nonjudge", "nonreact", "total"],
    "ffmq15": ["observe", "describe", "act_aware", "nonjudge", "nonreact", "total"],
    "scs26": ["self_kindness", "self_judgment", "common_humanity", "isolation", "mindfulness",
              "over_identification", "total"],
    "scs_sf12": ["self_kindness", "self_judgment", "common_humanity", "isolation", "mindfulness",
                 "over_identification", "total"],
    "pss10": ["total"],
    "proqol5": ["compassion_satisfaction", "burnout", "secondary_trauma", "compassion_fatigue"],
    "eq60": ["total"],
    "brs": ["total"],
    "cdrisc10": ["total"],
    "cdrisc25": ["total"],
    "maas15": ["total"],
    "flourishing": ["total"],
    "mbi_hss": ["emotional_exhaustion", "depersonalisation", "personal_accomplishment"],
}

# (items, response min, response max)
SHAPES = {
    "ffmq39": (39, 1, 5), "ffmq15": (15, 1, 5), "scs26": (26, 1, 5), "scs_sf12": (12, 1, 5),
    "pss10": (10, 0, 4), "proqol5": (30, 1, 5), "eq60": (60, 1, 4), "brs": (6, 1, 5),
    "cdrisc10": (10, 0, 4), "cdrisc25": (25, 0, 4), "maas15": (15, 1, 6), "flourishing": (8, 1, 7),
    "mbi_hss": (22, 0, 6),
}

# instrument -> scale -> (items, reverse, score)
KEYS = {
    "ffmq39": {
        "observe": ([1, 6, 11, 15, 20, 26, 31, 36], [], "sum"),
        "describe": ([2, 7, 12, 16, 22, 27, 32, 37], [12, 16, 22], "sum"),
        "act_aware": ([5, 8, 13, 18, 23, 28, 34, 38], [5, 8, 13, 18, 23, 28, 34, 38], "sum"),
        "nonjudge": ([3, 10, 14, 17, 25, 30, 35, 39], [3, 10, 14, 17, 25, 30, 35, 39], "sum"),
        "nonreact": ([4, 9, 19, 21, 24, 29, 33], [], "sum"),
        "total": (list(range(1, 40)), [3, 5, 8, 10, 12, 13, 14, 16, 17, 18, 22, 23, 25, 28, 30,
                                       34, 35, 38, 39], "sum"),
    },
    "ffmq15": {
        "observe": ([1, 6, 11], [], "sum"),
        "describe": ([2, 7, 12], [7], "sum"),
        "act_aware": ([3, 8, 13], [3, 8, 13], "sum"),
        "nonjudge": ([4, 9, 14], [4, 9, 14], "sum"),
        "nonreact": ([5, 10, 15], [], "sum"),
        "total": (list(range(1, 16)), [3, 4, 7, 8, 9, 13, 14], "sum"),
    },
    "scs26": {
        "self_kindness": ([5, 12, 19, 23, 26], [], "mean"),
        "self_judgment": ([1, 8, 11, 16, 21], [], "mean"),
        "common_humanity": ([3, 7, 10, 15], [], "mean"),
        "isolation": ([4, 13, 18, 25], [], "mean"),
        "mindfulness": ([9, 14, 17, 22], [], "mean"),
        "over_identification": ([2, 6, 20, 24], [], "mean"),
        "total": (list(range(1, 27)), [1, 2, 4, 6, 8, 11, 13, 16, 18, 20, 21, 24, 25],
                  "mean_of_subscales"),
    },
    "scs_sf12": {
        "self_kindness": ([2, 6], [], "mean"),
        "self_judgment": ([11, 12], [], "mean"),
        "common_humanity": ([5, 10], [], "mean"),
        "isolation": ([4, 8], [], "mean"),
        "mindfulness": ([3, 7], [], "mean"),
        "over_identification": ([1, 9], [], "mean"),
        "total": (list(range(1, 13)), [1, 4, 8, 9, 11, 12], "mean"),
    },
    "pss10": {"total": (list(range(1, 11)), [4, 5, 7, 8], "sum")},
    "proqol5": {
        "compassion_satisfaction": ([3, 6, 12, 16, 18, 20, 22, 24, 27, 30], [], "sum"),
        "burnout": ([1, 4, 8, 10, 15, 17, 19, 21, 26, 29], [1, 4, 15, 17, 29], "sum"),
        "secondary_trauma": ([2, 5, 7, 9, 11, 13, 14, 23, 25, 28], [], "sum"),
        "compassion_fatigue": ([1, 2, 4, 5, 7, 8, 9, 10, 11, 13, 14, 15, 17, 19, 21, 23, 25, 26,
                                28, 29], [1, 4, 15, 17, 29], "sum"),
    },
    "eq60": {"total": ([1, 4, 6, 8, 10, 11, 12, 14, 15, 18, 19, 21, 22, 25, 26, 27, 28, 29, 32,
                        34, 35, 36, 37, 38, 39, 41, 42, 43, 44, 46, 48, 49, 50, 52, 54, 55, 57,
                        58, 59, 60], [], "sum")},
    "brs": {"total": ([1, 2, 3, 4, 5, 6], [2, 4, 6], "mean")},
    "cdrisc10": {"total": (list(range(1, 11)), [], "sum")},
    "cdrisc25": {"total": (list(range(1, 26)), [], "sum")},
    "maas15": {"total": (list(range(1, 16)), [], "mean")},
    "flourishing": {"total": (list(range(1, 9)), [], "sum")},
    "mbi_hss": {
        "emotional_exhaustion": ([1, 2, 3, 6, 8, 13, 14, 16, 20], [], "sum"),
        "depersonalisation": ([5, 10, 11, 15, 22], [], "sum"),
        "personal_accomplishment": ([4, 7, 9, 12, 17, 18, 19, 21], [], "sum"),
    },
}

EQ_AGREE = [1, 6, 19, 22, 25, 26, 35, 36, 37, 38, 41, 42, 43, 44, 52, 54, 55, 57, 58, 59, 60]
EQ_DISAGREE = [4, 8, 10, 11, 12, 14, 15, 18, 21, 27, 28, 29, 32, 34, 39, 46, 48, 49, 50]
EQ_FILLERS = [2, 3, 5, 7, 9, 13, 16, 17, 20, 23, 24, 30, 31, 33, 40, 45, 47, 51, 53, 56]

MINIMAL = {
    "id": "calm",
    "name": "Confidence in calm, compassionate care (study-specific)",
    "items": 4,
    "response": {"min": 1, "max": 7},
    "scales": {"total": {"items": [1, 2, 3, 4], "reverse": [3], "score": "mean"}},
}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------
# The bundled files
# ------------------------------------------------------------------------------------------


def test_the_instruments_other_code_depends_on_are_bundled():
    assert set(BUNDLED) <= set(bundled_ids())


def test_schema_is_valid_draft_2020_12_with_descriptions_everywhere():
    schema = yaml.safe_load(inst.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False

    def walk(node, where):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                assert "description" in sub, f"{where}.{name} has no description"
                walk(sub, f"{where}.{name}")
            for key in ("additionalProperties", "items", "propertyNames"):
                if isinstance(node.get(key), dict):
                    walk(node[key], f"{where}.{key}")
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties") is False, f"{where} allows extra keys"
        elif isinstance(node, list):
            for sub in node:
                walk(sub, where)

    walk(schema, "(top)")
    for name, definition in schema["$defs"].items():
        assert "description" in definition
        walk(definition, name)


@pytest.mark.parametrize("instrument_id", BUNDLED)
def test_bundled_file_validates_and_has_its_documentation(instrument_id):
    path = inst.BUNDLED_DIR / f"{instrument_id}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("id", "name", "citation", "licence", "sources", "items", "response", "missing",
                "scales"):
        assert key in raw, f"{path.name} lacks {key}"
    assert raw["id"] == instrument_id
    assert len(raw["sources"]) >= 2
    assert raw["missing"]["note"]
    instrument = load_instrument(instrument_id)
    assert instrument.source == str(path.resolve())


@pytest.mark.parametrize("instrument_id", BUNDLED)
def test_no_item_wording_only_short_anchor_labels(instrument_id):
    raw = yaml.safe_load((inst.BUNDLED_DIR / f"{instrument_id}.yaml").read_text(encoding="utf-8"))
    labels = raw["response"].get("labels", {})
    assert all(len(label) <= 40 for label in labels.values())
    # nothing item-shaped: no per-item text entries anywhere
    for scale in raw["scales"].values():
        assert set(scale) <= {"label", "items", "reverse", "score", "subscales", "better"}
        assert len(scale.get("label", "")) <= 60


@pytest.mark.parametrize("instrument_id", BUNDLED)
def test_scale_names_shape_and_keys(instrument_id):
    instrument = load_instrument(instrument_id)
    assert list(instrument.scale_names) == SCALE_NAMES[instrument_id]
    assert (instrument.n_items, instrument.response_min, instrument.response_max) == \
        SHAPES[instrument_id]
    assert instrument.items == instrument.n_items
    for scale, (items, reverse, score) in KEYS[instrument_id].items():
        assert sorted(instrument.scale_items(scale)) == items, scale
        assert sorted(instrument.reverse_items(scale)) == reverse, scale
        assert instrument.scale(scale).score == score, scale


def test_ffmq39_facets_partition_the_items_and_total_reverses_their_keys():
    ffmq = load_instrument("ffmq39")
    facets = ["observe", "describe", "act_aware", "nonjudge", "nonreact"]
    assert sorted(i for f in facets for i in ffmq.scale_items(f)) == list(range(1, 40))
    assert sorted(i for f in facets for i in ffmq.reverse_items(f)) == \
        sorted(ffmq.reverse_items("total"))


def test_scs26_total_is_mean_of_the_six_subscale_means_with_negatives_reversed():
    scs = load_instrument("scs26")
    total = scs.scale("total")
    assert total.subscales == ("self_kindness", "self_judgment", "common_humanity", "isolation",
                               "mindfulness", "over_identification")
    negatives = scs.scale_items("self_judgment") + scs.scale_items("isolation") + \
        scs.scale_items("over_identification")
    assert sorted(negatives) == sorted(total.reverse)
    for name in total.subscales:
        assert scs.reverse_items(name) == ()  # reported unreversed


def test_proqol_compassion_fatigue_is_burnout_plus_secondary_trauma():
    proqol = load_instrument("proqol5")
    assert sorted(proqol.scale_items("compassion_fatigue")) == sorted(
        proqol.scale_items("burnout") + proqol.scale_items("secondary_trauma"))
    assert proqol.reverse_items("compassion_fatigue") == proqol.reverse_items("burnout")


def test_eq60_recode_maps_and_fillers():
    eq = load_instrument("eq60")
    assert list(eq.filler_items) == EQ_FILLERS
    for item in EQ_AGREE:  # 1 strongly agree -> 2, 2 slightly agree -> 1, else 0
        assert eq.recode_map(item) == {1: 2.0, 2: 1.0, 3: 0.0, 4: 0.0}
    for item in EQ_DISAGREE:  # 4 strongly disagree -> 2, 3 slightly disagree -> 1, else 0
        assert eq.recode_map(item) == {1: 0.0, 2: 0.0, 3: 1.0, 4: 2.0}
    for item in EQ_FILLERS:
        assert eq.recode_map(item) is None
    assert eq.response_label(1) == "strongly agree" and eq.response_label(4) == "strongly disagree"


def test_maas_declares_the_direction_of_its_coding():
    maas = load_instrument("maas15")
    assert maas.response_label(1) == "almost always" and maas.response_label(6) == "almost never"


def test_missing_rules():
    assert load_instrument("brs").min_answered == 0.0  # mean of answered items
    assert "mean of the items answered" in load_instrument("brs").missing_note
    for instrument_id in BUNDLED:
        if instrument_id != "brs":
            assert load_instrument(instrument_id).min_answered == 0.8


EXPECTED_RANGES = {
    ("ffmq39", "observe"): (8, 40), ("ffmq39", "nonreact"): (7, 35),
    ("ffmq39", "total"): (39, 195), ("ffmq15", "total"): (15, 75), ("ffmq15", "describe"): (3, 15),
    ("scs26", "total"): (1, 5), ("scs26", "isolation"): (1, 5), ("scs_sf12", "total"): (1, 5),
    ("pss10", "total"): (0, 40), ("proqol5", "burnout"): (10, 50),
    ("proqol5", "compassion_fatigue"): (20, 100), ("eq60", "total"): (0, 80),
    ("brs", "total"): (1, 5), ("cdrisc10", "total"): (0, 40), ("cdrisc25", "total"): (0, 100),
    ("maas15", "total"): (1, 6), ("flourishing", "total"): (8, 56),
    ("mbi_hss", "emotional_exhaustion"): (0, 54), ("mbi_hss", "depersonalisation"): (0, 30),
    ("mbi_hss", "personal_accomplishment"): (0, 48),
}


@pytest.mark.parametrize("key", sorted(EXPECTED_RANGES))
def test_score_range(key):
    instrument_id, scale = key
    assert load_instrument(instrument_id).score_range(scale) == EXPECTED_RANGES[key]


def test_item_columns_patterns():
    pss = load_instrument("pss10")
    assert pss.item_columns("PSS_{n}") == [f"PSS_{n}" for n in range(1, 11)]
    assert pss.item_columns("pss{n:02d}_pre", items=[1, 10]) == ["pss01_pre", "pss10_pre"]
    with pytest.raises(UserError, match=r"must contain \{n\}"):
        pss.item_columns("PSS_")
    with pytest.raises(UserError, match="not a valid pattern"):
        pss.item_columns("PSS_{n}{x}")


def test_instrument_is_frozen_and_hashable():
    pss = load_instrument("pss10")
    with pytest.raises(AttributeError):
        pss.n_items = 14  # type: ignore[misc]
    assert hash(pss) == hash(load_instrument("pss10"))
    assert pss.scales["total"].items == tuple(range(1, 11))


# ------------------------------------------------------------------------------------------
# A user's own definition
# ------------------------------------------------------------------------------------------


def test_minimal_user_file_relative_to_base_dir(tmp_path):
    folder = tmp_path / "config" / "instruments"
    folder.mkdir(parents=True)
    write(folder, "calm.yaml", yaml.safe_dump(MINIMAL))
    calm = load_instrument("config/instruments/calm.yaml", base_dir=tmp_path)
    assert calm.id == "calm"
    assert calm.min_answered == 0.8  # the default
    assert calm.citation == "" and calm.sources == () and calm.recodes == ()
    assert calm.scale_items("total") == (1, 2, 3, 4)
    assert calm.reverse_items("total") == (3,)
    # an absolute path works too, and so does a Path object
    assert load_instrument(folder / "calm.yaml") == calm
    assert load_instrument(str(folder / "calm.yaml")).scale_names == ("total",)


def test_user_copy_of_a_bundled_file_loads_like_it(tmp_path):
    text = (inst.BUNDLED_DIR / "brs.yaml").read_text(encoding="utf-8").replace("id: brs", "id: mybrs")
    path = write(tmp_path, "mybrs.yaml", text)
    mine, bundled = load_instrument(path), load_instrument("brs")
    assert mine.id == "mybrs"
    assert mine.scale_list == bundled.scale_list and mine.min_answered == bundled.min_answered


def test_user_file_without_items_list_for_mean_of_subscales(tmp_path):
    data = {
        "id": "twofold", "name": "Two subscales", "items": 4, "response": {"min": 1, "max": 5},
        "scales": {
            "a": {"items": [1, 2], "score": "mean"},
            "b": {"items": [3, 4], "score": "mean"},
            "total": {"score": "mean_of_subscales", "subscales": ["a", "b"], "reverse": [3, 4]},
        },
    }
    instrument = instrument_from_dict(data)
    assert instrument.scale_items("total") == (1, 2, 3, 4)
    assert instrument.subscale_groups("total") == (("a", (1, 2)), ("b", (3, 4)))


# ------------------------------------------------------------------------------------------
# Errors: one UserError naming the file and the key
# ------------------------------------------------------------------------------------------


def broken(**changes):
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    for dotted, value in changes.items():
        node = data
        parts = dotted.split("__")
        for part in parts[:-1]:
            node = node[part]
        if value is DELETE:
            del node[parts[-1]]
        else:
            node[parts[-1]] = value
    return data


DELETE = object()

ERROR_CASES = [
    # (changes, words the message must contain)
    ({"colour": "blue"}, ["(top level)", "unknown key", "'colour'", "allowed keys"]),
    ({"scales__total__reversed": [3]}, ["scales.total", "'reversed'", "allowed keys"]),
    ({"response__labels": {"1": "never"}, "response__anchors": 2}, ["response", "'anchors'"]),
    ({"name": DELETE}, ["name", "required key is missing"]),
    ({"scales__total__items": DELETE}, ["scales.total.items", "required"]),
    ({"scales__total__score": "median"}, ["scales.total.score", "'median'", "sum, mean"]),
    ({"items": "four"}, ["items", "'four'", "integer"]),
    ({"id": "Calm Care"}, ["id: 'Calm Care' is not a valid name", "lower-case"]),
    ({"missing": {"min_answered": 80}}, ["missing.min_answered", "80", "at most 1"]),
    ({"scales__total__items": [1, 2, 2, 3]}, ["scales.total.items", "twice"]),
    ({"scales__total__items": [1, 2, 3, 5]}, ["scales.total.items", "item 5", "1..4"]),
    ({"scales__total__reverse": [3, 9]}, ["scales.total.reverse", "[9]", "not items of scale"]),
    ({"response": {"min": 5, "max": 1}}, ["response", "min (5) must be less than max (1)"]),
    ({"response": {"min": 1, "max": 7, "labels": {9: "x"}}}, ["response.labels.9", "outside"]),
    ({"scales__total__subscales": ["a"]}, ["scales.total.subscales", "only allowed with score"]),
    ({"recode": [{"items": [1], "map": {1: 1, 2: 0}}]},
     ["recode[0].map", "every response code 1..7", "missing: [3, 4, 5, 6, 7]"]),
    ({"recode": [{"items": [3], "map": {c: 0 for c in range(1, 8)}}]},
     ["scales.total.reverse", "[3]", "also recoded"]),
    ({"recode": [{"items": [1], "map": {c: 0 for c in range(1, 8)}},
                 {"items": [1], "map": {c: 1 for c in range(1, 8)}}]},
     ["recode[1].items", "item 1 is already recoded"]),
    ({"recode": [{"items": [1], "map": {"one": 1}}]}, ["recode[0].map", "'one' is not a response code"]),
]


@pytest.mark.parametrize("changes, words", ERROR_CASES, ids=[str(i) for i in range(len(ERROR_CASES))])
def test_definition_errors_name_file_and_key(tmp_path, changes, words):
    path = write(tmp_path, "calm.yaml", yaml.safe_dump(broken(**changes)))
    with pytest.raises(UserError) as raised:
        load_instrument(path)
    message = str(raised.value)
    assert message.startswith(str(path.resolve()) + ": "), message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_subscale_errors(tmp_path):
    data = broken()
    data["scales"] = {
        "a": {"items": [1, 2], "score": "mean"},
        "total": {"score": "mean_of_subscales", "subscales": ["a", "b"]},
    }
    with pytest.raises(UserError, match=r"scales\.total\.subscales: 'b' is not a scale"):
        instrument_from_dict(data, "x.yaml")
    data["scales"]["total"] = {"items": [1, 2, 3], "score": "mean_of_subscales", "subscales": ["a"]}
    with pytest.raises(UserError, match=r"scales\.total\.items: must be exactly the subscales' items"):
        instrument_from_dict(data, "x.yaml")
    data["scales"]["total"] = {"score": "mean_of_subscales", "subscales": ["total"]}
    with pytest.raises(UserError, match="cannot list itself"):
        instrument_from_dict(data, "x.yaml")
    data["scales"]["total"] = {"score": "mean_of_subscales"}
    with pytest.raises(UserError, match=r"scales\.total\.subscales: required key is missing"):
        instrument_from_dict(data, "x.yaml")


def test_yaml_problems(tmp_path):
    path = write(tmp_path, "bad.yaml", "id: x\nname: [unclosed\n")
    with pytest.raises(UserError, match=r"bad\.yaml: line \d+, column \d+: not valid YAML"):
        load_instrument(path)
    path = write(tmp_path, "twice.yaml", yaml.safe_dump(MINIMAL) + "items: 5\n")
    with pytest.raises(UserError, match=r"twice\.yaml: line \d+: key 'items' is given twice"):
        load_instrument(path)
    path = write(tmp_path, "list.yaml", "- 1\n- 2\n")
    with pytest.raises(UserError, match=r"list\.yaml: a definition must be a YAML mapping"):
        load_instrument(path)


def test_unknown_id_and_missing_file(tmp_path):
    with pytest.raises(UserError, match=r"'pss14' is neither a bundled id.*"
                                        r"closest bundled ids: pss4, pss10; all \d+ are in README"):
        load_instrument("pss14")
    with pytest.raises(UserError, match=r"'nope/calm.yaml' not found.*relative to the repository root"):
        load_instrument("nope/calm.yaml", base_dir=tmp_path)


def test_bundled_file_id_must_match_its_name(tmp_path):
    path = write(tmp_path, "other.yaml", yaml.safe_dump(MINIMAL))
    with pytest.raises(UserError, match=r"other\.yaml: id: 'calm' must equal the file name 'other'"):
        inst._load_cached(str(path), bundled=True)


def test_unknown_scale_is_named():
    with pytest.raises(UserError, match=r"no scale 'totl'; its scales are total"):
        load_instrument("pss10").scale_items("totl")


# ------------------------------------------------------------------------------------------
# Hand-worked respondents: tests/instruments/<id>.yaml, one per bundled instrument
# ------------------------------------------------------------------------------------------

CASES_DIR = Path(__file__).resolve().parent / "instruments"
MINIMUM_BUNDLED = 40


def hand_worked(instrument_id: str) -> dict:
    path = CASES_DIR / f"{instrument_id}.yaml"
    assert path.is_file(), f"{instrument_id} has no hand-worked case file tests/instruments/{instrument_id}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def score_answers(instrument, answers: list) -> dict:
    """Every scale's score for one respondent's answers, through the pipeline's scorer."""
    import pandas as pd

    from wellbeing.score import score_instrument

    assert len(answers) == instrument.n_items, "one answer per item"
    responses = pd.DataFrame({"participant": ["p1"], "wave": ["pre"], "group": ["all"]})
    for number, answer in enumerate(answers, start=1):
        responses[f"item_{number}"] = [float("nan") if answer is None else answer]
    scores = score_instrument(responses, instrument, "item_{n}")
    return dict(zip(scores["scale"], scores["score"]))


def test_at_least_forty_bundled_instruments_each_with_a_hand_worked_case():
    ids = bundled_ids()
    assert len(ids) >= MINIMUM_BUNDLED, f"{len(ids)} bundled instruments"
    lacking = [i for i in ids if not (CASES_DIR / f"{i}.yaml").is_file()]
    assert not lacking, f"no hand-worked case file for {lacking}"
    orphans = sorted(p.stem for p in CASES_DIR.glob("*.yaml") if p.stem not in ids)
    assert not orphans, f"case files without a bundled instrument: {orphans}"


@pytest.mark.parametrize("instrument_id", bundled_ids())
def test_every_bundled_file_documents_its_key(instrument_id):
    """Two distinct sources, a licence note, a missing-item rule with its reason, anchor labels
    for the lowest and highest code, and the better direction of every scale."""
    raw = yaml.safe_load((inst.BUNDLED_DIR / f"{instrument_id}.yaml").read_text(encoding="utf-8"))
    assert len(set(raw.get("sources", []))) >= 2, f"{instrument_id}: fewer than two sources"
    assert raw.get("licence", "").strip(), f"{instrument_id}: no licence note"
    assert raw.get("citation", "").strip(), f"{instrument_id}: no citation"
    assert raw.get("missing", {}).get("note", "").strip(), f"{instrument_id}: no missing-item note"
    instrument = load_instrument(instrument_id)
    labels = dict(instrument.labels)
    assert instrument.response_min in labels and instrument.response_max in labels, \
        f"{instrument_id}: anchor labels for the lowest and highest code"
    for scale in instrument.scale_list:
        assert scale.better in ("higher", "lower"), f"{instrument_id}.{scale.name}: no better direction"
    assert instrument.column_hints, f"{instrument_id}: no column_hints for wellbeing init"


@pytest.mark.parametrize("instrument_id", bundled_ids())
def test_hand_worked_respondents_score_as_worked_out(instrument_id):
    """Each case file holds respondents scored by hand from the published key: every item at the
    lowest code and every item at the highest (reverse keying both ways), at least one mixed
    respondent, and the lowest and highest possible score of every scale."""
    case = hand_worked(instrument_id)
    assert case["instrument"] == instrument_id
    instrument = load_instrument(instrument_id)
    low, high = instrument.response_min, instrument.response_max
    respondents = case["respondents"]
    shapes = [r["answers"] for r in respondents]
    assert [low] * instrument.n_items in shapes, "a respondent answering every item with the lowest code"
    assert [high] * instrument.n_items in shapes, "a respondent answering every item with the highest code"
    assert sum(len(set(a) - {None}) > 1 for a in shapes) >= 1, "a respondent with mixed answers"
    for respondent in respondents:
        assert respondent.get("working", "").strip(), f"{respondent['name']}: show the working"
        scored = score_answers(instrument, respondent["answers"])
        expected = respondent["expected"]
        assert set(expected) == set(instrument.scale_names), f"{respondent['name']}: every scale"
        for scale, value in expected.items():
            if value is None:
                assert scored[scale] != scored[scale], f"{respondent['name']}.{scale} should be missing"
            else:
                assert scored[scale] == pytest.approx(value, abs=1e-9), f"{respondent['name']}.{scale}"
    assert set(case["bounds"]) == set(instrument.scale_names)
    for scale, (lowest, highest) in case["bounds"].items():
        assert instrument.score_range(scale) == pytest.approx((lowest, highest), abs=1e-9), scale
