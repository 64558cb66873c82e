"""The simulated example studies: reproducible byte for byte, on target, deliberately messy.

Every statistic is recomputed here from the raw files in ``data/raw/`` with pingouin and scipy
and an independent scorer written in this file (it reads the bundled instrument definitions,
not ``wellbeing.simulate``), so the published figures hold for what a user actually receives.
Targets: the published figures each study's README lists.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import yaml
from scipy import stats

# pingouin 0.7 calls DataFrame.dropna(inplace=True), deprecated in pandas 3.1
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.dropna")

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
INSTRUMENTS = ROOT / "workflow" / "instruments"
IMP = RAW / "imp_feasibility"
TRAINEE = RAW / "trainee_wellbeing"
FILES = ["imp_feasibility/pre.csv", "imp_feasibility/post.csv", "imp_feasibility/README.md",
         "trainee_wellbeing/export.csv", "trainee_wellbeing/data_dictionary.csv",
         "trainee_wellbeing/confidence_care.yaml", "trainee_wellbeing/README.md",
         "mindful_practice/surveys.csv", "mindful_practice/attendance.csv",
         "mindful_practice/README.md"]
IMP_PREFIX = {"ffmq39": "FFMQ", "scs26": "SCS", "eq60": "EQ", "pss10": "PSS",
              "proqol5": "ProQOL"}
METADATA = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
            "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
            "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
            "DistributionChannel", "UserLanguage"]


# ------------------------------------------------------------------ an independent scorer

def definition(instrument: str, path: Path | None = None) -> dict:
    return yaml.safe_load((path or INSTRUMENTS / f"{instrument}.yaml").read_text("utf-8"))


def item_frame(frame: pd.DataFrame, prefix: str, n_items: int) -> pd.DataFrame:
    """Items 1..n as columns 1..n (floats)."""
    return pd.DataFrame({j: pd.to_numeric(frame[f"{prefix}_{j}"]) for j in range(1, n_items + 1)},
                        index=frame.index)


def keyed(items: pd.DataFrame, spec: dict, scale_items, reverse) -> pd.DataFrame:
    low, high = spec["response"]["min"], spec["response"]["max"]
    out = items.copy()
    for block in spec.get("recode") or []:
        for j in block["items"]:
            out[j] = items[j].map({float(k): float(v) for k, v in block["map"].items()})
    out = out[list(scale_items)]
    for j in reverse:
        out[j] = low + high - out[j]
    return out


def rule_mean(values: pd.DataFrame, min_answered: float) -> pd.Series:
    answered = values.notna().sum(axis=1)
    ok = (answered > 0) & (answered / values.shape[1] >= min_answered)
    return values.mean(axis=1).where(ok)


def score(items: pd.DataFrame, spec: dict, scale: str) -> pd.Series:
    s = spec["scales"][scale]
    rule = float(spec.get("missing", {}).get("min_answered", 0.8))
    if s["score"] == "mean_of_subscales":
        parts = []
        for sub in s["subscales"]:
            sub_items = spec["scales"][sub]["items"]
            parts.append(rule_mean(keyed(items, spec, sub_items,
                                         [j for j in sub_items if j in s["reverse"]]), rule))
        return pd.concat(parts, axis=1).mean(axis=1, skipna=False)
    values = keyed(items, spec, s["items"], s.get("reverse") or [])
    mean = rule_mean(values, rule)
    return mean * len(s["items"]) if s["score"] == "sum" else mean


# ------------------------------------------------------------------ reading the raw files

def read_qualtrics(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, skiprows=[1, 2], encoding="utf-8-sig",
                       dtype={"participant_code": str, "Comments": str})


def clean(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop unfinished attempts, set out-of-range item values missing; count the latter."""
    frame = frame[frame["Finished"] == 1].copy()
    out_of_range = 0
    for instrument, prefix in IMP_PREFIX.items():
        spec = definition(instrument)
        for j in range(1, spec["items"] + 1):
            column = f"{prefix}_{j}"
            values = pd.to_numeric(frame[column])
            bad = values.notna() & ~values.between(spec["response"]["min"],
                                                   spec["response"]["max"])
            out_of_range += int(bad.sum())
            frame[column] = values.mask(bad)
    return frame.set_index("participant_code"), out_of_range


@pytest.fixture(scope="module")
def imp():
    pre, pre_bad = clean(read_qualtrics(IMP / "pre.csv"))
    post, post_bad = clean(read_qualtrics(IMP / "post.csv"))
    scores = {}
    for instrument, prefix in IMP_PREFIX.items():
        spec = definition(instrument)
        for scale in spec["scales"]:
            scores[f"{instrument}.{scale}"] = (
                score(item_frame(pre, prefix, spec["items"]), spec, scale),
                score(item_frame(post, prefix, spec["items"]), spec, scale))
    return {"pre": pre, "post": post, "bad": (pre_bad, post_bad), "scores": scores}


def load_script():
    spec = importlib.util.spec_from_file_location("make_example_data",
                                                  ROOT / "scripts" / "make_example_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ reproducibility

def test_regenerates_the_committed_files_byte_for_byte(tmp_path):
    load_script().main(["--out", str(tmp_path)])
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (RAW / name).read_bytes(), name


def test_readmes_say_simulated_and_name_script_and_seed():
    from wellbeing import simulate

    for name, seed in (("imp_feasibility", simulate.IMP_SEED),
                       ("trainee_wellbeing", simulate.TRAINEE_SEED),
                       ("mindful_practice", simulate.PRACTICE_SEED)):
        text = (RAW / name / "README.md").read_text("utf-8")
        assert "SIMULATED" in text and "scripts/make_example_data.py" in text
        assert f"seed={seed}" in text


# ------------------------------------------------------------------ imp_feasibility targets

ALPHAS = {"ffmq39.total": 0.91, "scs26.total": 0.90, "eq60.total": 0.84, "pss10.total": 0.87,
          "proqol5.compassion_satisfaction": 0.84, "proqol5.compassion_fatigue": 0.76,
          "proqol5.burnout": 0.57, "proqol5.secondary_trauma": 0.69}


@pytest.mark.parametrize("outcome", ALPHAS)
def test_imp_alpha_at_pre(imp, outcome):
    instrument, scale = outcome.split(".")
    spec = definition(instrument)
    s = spec["scales"][scale]
    items = keyed(item_frame(imp["pre"], IMP_PREFIX[instrument], spec["items"]), spec,
                  s["items"], s.get("reverse") or [])
    assert items.shape[1] == {"eq60": 40, "scs26": 26, "ffmq39": 39}.get(
        instrument, len(s["items"]))
    alpha, _ = pg.cronbach_alpha(data=items)
    assert abs(alpha - ALPHAS[outcome]) <= 0.03


def mixed(imp, outcome: str) -> pd.Series:
    pre, post = imp["scores"][outcome]
    both = pd.DataFrame({"pre": pre, "post": post}).dropna()
    group = imp["pre"].loc[both.index, "group"]
    long = pd.concat([
        pd.DataFrame({"id": both.index, "group": group.values, "time": wave,
                      "score": both[wave].values}) for wave in ("pre", "post")])
    table = pg.mixed_anova(data=long, dv="score", within="time", between="group", subject="id")
    row = table.set_index("Source").loc["Interaction"]
    change = both["post"] - both["pre"]
    row["trained_minus_control_change"] = (change[group == "imp"].mean()
                                           - change[group == "control"].mean())
    row["n"] = len(both)
    return row


@pytest.mark.parametrize("outcome,pes,direction", [
    ("scs26.total", 0.119, 1), ("eq60.total", 0.109, 1),
    ("proqol5.compassion_fatigue", 0.104, -1), ("ffmq39.nonreact", 0.093, 1),
    ("scs26.isolation", 0.088, -1)])
def test_imp_significant_interactions(imp, outcome, pes, direction):
    row = mixed(imp, outcome)
    assert abs(row["np2"] - pes) <= 0.03
    assert row["p_unc"] < 0.05
    assert np.sign(row["trained_minus_control_change"]) == direction
    assert row["n"] >= 40


@pytest.mark.parametrize("outcome", ["ffmq39.total", "pss10.total",
                                     "proqol5.compassion_satisfaction"])
def test_imp_null_interactions(imp, outcome):
    assert mixed(imp, outcome)["p_unc"] > 0.05


def test_imp_demographics(imp):
    pre = imp["pre"]
    for group, mean, sd, n in (("imp", 51.4, 10.8, 25), ("control", 47.5, 10.4, 22)):
        age = pre.loc[pre["group"] == group, "age"]
        assert len(age) == n and (age == age.round()).all()
        assert abs(age.mean() - mean) <= 0.05 and abs(age.std() - sd) <= 0.3
    assert (pre["gender"] == "Male").sum() == 4
    assert set(pre["gender"]) == {"Female", "Male"}
    trained = pre[pre["group"] == "imp"]
    assert trained["cohort"].value_counts().to_dict() == {1: 14, 2: 11}
    assert pre.loc[pre["group"] == "control", "cohort"].isna().all()


def test_imp_home_practice_unrelated_to_change(imp):
    post = imp["post"]
    practice = post.loc[post["group"] == "imp", "Practice_min"]
    assert practice.notna().all() and len(practice) == 25
    assert post.loc[post["group"] == "control", "Practice_min"].isna().all()
    for outcome, (pre, post_score) in imp["scores"].items():
        change = (post_score - pre).reindex(practice.index)
        ok = change.notna()
        assert stats.pearsonr(practice[ok], change[ok])[1] > 0.05, outcome


# ------------------------------------------------------------------ imp_feasibility messiness

def test_imp_qualtrics_layout():
    for wave, extra in (("pre", ["age", "gender", "profession"]), ("post", ["Practice_min"])):
        data = (IMP / f"{wave}.csv").read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
        lines = data[3:].decode("utf-8").split("\r\n")
        ids = lines[0][1:-1].split('","')
        items = [f"{p}_{j}" for p, n in (("FFMQ", 39), ("SCS", 26), ("EQ", 60), ("PSS", 10),
                                         ("ProQOL", 30)) for j in range(1, n + 1)]
        assert ids == METADATA + ["participant_code", "group", "cohort"] + extra + items \
            + ["Comments"]
        assert lines[1].startswith('"Start Date","End Date","Response Type"')
        assert '"FFMQ-39 item 1"' in lines[1]
        import_ids = [json.loads(cell) for cell in next(csv.reader([lines[2]]))]
        assert import_ids[0] == {"ImportId": "startDate", "timeZone": "Europe/London"}
        assert import_ids[METADATA.index("ResponseId")] == {"ImportId": "_recordId"}
        assert all(cell.startswith('"') and cell.endswith('"')
                   for cell in lines[3].split(","))
    assert (IMP / "post.csv").read_bytes().endswith(b'"\r\n\r\n')
    assert not (IMP / "pre.csv").read_bytes().endswith(b"\r\n\r\n")


def test_imp_metadata_is_fake_but_realistic():
    for wave in ("pre", "post"):
        frame = read_qualtrics(IMP / f"{wave}.csv")
        assert frame["ResponseId"].str.fullmatch(r"R_[A-Za-z0-9]{15}").all()
        assert frame["ResponseId"].is_unique
        assert frame["IPAddress"].str.match(r"(203\.0\.113|198\.51\.100|192\.0\.2)\.").all()
        assert frame["RecipientEmail"].str.endswith("@example.org").all()
        assert frame["StartDate"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
        assert (frame["Status"] == 0).all() and frame["Progress"].between(0, 100).all()
        assert frame["participant_code"].str.fullmatch(r"[A-Z]{2}\d{4}").all()
        assert frame["Comments"].notna().sum() >= 3


def test_imp_messiness():
    pre, post = read_qualtrics(IMP / "pre.csv"), read_qualtrics(IMP / "post.csv")
    assert len(pre) == 47 and pre["participant_code"].is_unique
    # one trained participant opened the post survey twice: an earlier unfinished attempt
    unfinished = post[post["Finished"] == 0]
    assert len(unfinished) == 1
    code = unfinished["participant_code"].iloc[0]
    attempts = post[post["participant_code"] == code]
    assert len(attempts) == 2 and attempts.index[0] == unfinished.index[0]
    assert attempts["StartDate"].iloc[0] < attempts["StartDate"].iloc[1]
    assert 35 <= unfinished["Progress"].iloc[0] <= 45
    assert attempts["group"].iloc[0] == "imp"
    filled = unfinished.filter(regex=r"^(FFMQ|SCS)_").notna().all(axis=1).iloc[0]
    empty = unfinished.filter(regex=r"^(EQ|PSS|ProQOL)_").isna().all(axis=1).iloc[0]
    assert filled and empty
    # one control has no post row
    missing_post = set(pre["participant_code"]) - set(post["participant_code"])
    assert len(missing_post) == 1
    assert pre.set_index("participant_code").loc[missing_post.pop(), "group"] == "control"
    # exactly one out-of-range typo, in an SCS item at post
    _, pre_bad = clean(pre)
    _, post_bad = clean(post)
    assert (pre_bad, post_bad) == (0, 1)
    assert (post.filter(regex=r"^SCS_") == 55).sum().sum() == 1
    # about 1% of item cells blank, never a whole scale
    finished = {"pre": pre, "post": post[post["Finished"] == 1]}
    cells = blank = 0
    for frame in finished.values():
        for instrument, prefix in IMP_PREFIX.items():
            spec = definition(instrument)
            items = item_frame(frame, prefix, spec["items"])
            cells += items.size
            blank += int(items.isna().sum().sum())
            for scale, s in spec["scales"].items():
                assert items[s["items"]].notna().any(axis=1).all(), (instrument, scale)
    assert 0.005 <= blank / cells <= 0.015


# ------------------------------------------------------------------ trainee_wellbeing

TRAINEE_TARGETS = {
    ("maas15", "confidence_care"): 0.91, ("scs_sf12", "confidence_care"): 0.81,
    ("brs", "mh_rating"): 0.83, ("pss10", "flourishing"): -0.62,
    ("pss10", "confidence_care"): -0.92,
}
TRAINEE_ITEMS = {"maas15": "maas", "scs_sf12": "scs", "brs": "brs", "pss10": "pss",
                 "flourishing": "fs"}


@pytest.fixture(scope="module")
def trainee():
    export = pd.read_csv(TRAINEE / "export.csv")
    scores = {}
    for instrument, prefix in TRAINEE_ITEMS.items():
        spec = definition(instrument)
        scores[instrument] = score(item_frame(export, prefix, spec["items"]), spec, "total")
    spec = definition("confidence_care", TRAINEE / "confidence_care.yaml")
    scores["confidence_care"] = score(item_frame(export, "conf", 5), spec, "total")
    scores["mh_rating"] = export["mh_rating"].astype(float)
    return export, pd.DataFrame(scores)


def test_trainee_correlations(trainee):
    _, scores = trainee
    assert scores.notna().all().all() and len(scores) == 12
    for (a, b), target in TRAINEE_TARGETS.items():
        r, p = stats.pearsonr(scores[a], scores[b])
        assert abs(r - target) <= 0.05, (a, b, r)
        assert p < 0.01 or b in ("flourishing", "mh_rating") or a == "pss10"
    for measure in ("maas15", "scs_sf12"):
        assert stats.pearsonr(scores[measure], scores["brs"])[1] < 0.01
    for other in scores.columns.drop("pss10"):
        r, p = stats.pearsonr(scores["pss10"], scores[other])
        assert -0.92 - 0.05 <= r <= -0.62 + 0.05 and p < 0.05, (other, r, p)
    assert np.all(np.linalg.eigvalsh(scores.corr().to_numpy()) > 0)


def test_trainee_layout_and_people(trainee):
    export, _ = trainee
    columns = (["record_id", "redcap_event_name", "redcap_repeat_instrument",
                "redcap_repeat_instance", "first_name", "last_name", "email", "age", "gender",
                "training_year", "demographics_complete"]
               + [f"maas_{j}" for j in range(1, 16)] + ["maas_complete"]
               + [f"scs_{j}" for j in range(1, 13)] + ["scs_sf_complete"]
               + [f"brs_{j}" for j in range(1, 7)] + ["brs_complete"]
               + [f"pss_{j}" for j in range(1, 11)] + ["pss_complete"]
               + [f"fs_{j}" for j in range(1, 9)] + ["flourishing_complete"]
               + ["mh_rating", "mental_health_complete"]
               + [f"conf_{j}" for j in range(1, 6)] + ["confidence_complete"]
               + ["comments", "feedback_complete"])
    assert list(export.columns) == columns
    assert export["record_id"].tolist() == list(range(1, 13))
    assert (export["redcap_event_name"] == "baseline_arm_1").all()
    assert export["redcap_repeat_instance"].isna().all()
    # 27.6 x 12 = 331.2 is not a whole number: integer ages can only give 331 / 12 = 27.58
    assert export["age"].sum() == 331 and round(export["age"].mean(), 1) == 27.6
    assert export["email"].str.endswith("@example.org").all()
    assert set(export["gender"]) <= {1, 2, 3}
    ranges = {"maas": (1, 6), "scs": (1, 5), "brs": (1, 5), "pss": (0, 4), "fs": (1, 7),
              "conf": (1, 5), "mh_rating": (1, 5)}
    for prefix, (low, high) in ranges.items():
        values = export.filter(regex=rf"^{prefix}(_\d+)?$")
        assert values.notna().all().all() and values.isin(range(low, high + 1)).all().all()
    assert export["comments"].notna().sum() >= 2
    assert not (TRAINEE / "export.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_trainee_data_dictionary():
    dictionary = pd.read_csv(TRAINEE / "data_dictionary.csv", dtype=str, keep_default_na=False)
    assert list(dictionary.columns) == [
        "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
        "Choices, Calculations, OR Slider Labels", "Field Note",
        "Text Validation Type OR Show Slider Number", "Text Validation Min",
        "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
        "Required Field?", "Custom Alignment", "Question Number (surveys only)",
        "Matrix Group Name", "Matrix Ranking?", "Field Annotation"]
    fields = dictionary.set_index("Variable / Field Name")
    export = pd.read_csv(TRAINEE / "export.csv", nrows=0)
    expected = [c for c in export.columns if not c.startswith("redcap_")
                and not c.endswith("_complete")]
    assert list(fields.index) == expected
    assert set(fields.index[fields["Identifier?"] == "y"]) == {"first_name", "last_name",
                                                                "email"}
    age = fields.loc["age"]
    assert (age["Text Validation Type OR Show Slider Number"], age["Text Validation Min"],
            age["Text Validation Max"]) == ("integer", "18", "80")
    assert fields.loc["maas_1", "Choices, Calculations, OR Slider Labels"].startswith(
        "1, Almost always | 2, Very frequently")
    radios = fields[fields["Field Type"] == "radio"]
    assert (radios["Choices, Calculations, OR Slider Labels"] != "").all()
    # no item wording: item labels are neutral
    assert fields.loc["pss_3", "Field Label"] == "PSS-10 item 3"


def test_confidence_care_definition_matches_bundled_shape():
    from wellbeing import simulate

    own = definition("confidence_care", TRAINEE / "confidence_care.yaml")
    assert own == simulate.confidence_care_definition()
    brs = definition("brs")
    assert set(own) <= set(brs) | {"sources"}
    assert own["id"] == "confidence_care" and own["scales"]["total"]["score"] == "mean"
    assert math.isclose(own["missing"]["min_answered"], 0.8)
    instruments = pytest.importorskip("wellbeing.instruments")
    loaded = instruments.load_instrument(TRAINEE / "confidence_care.yaml")   # schema-valid
    assert loaded.id == "confidence_care" and loaded.scale_names == ("total",)


# ------------------------------------------------------------------ mindful_practice (single arm)

def test_practice_single_arm_layout_and_attrition():
    """36 clinicians at T0; 4 do not answer at T1 and 9 (those 4 among them) not at T2; every
    code is in the register once; item codes lie in each instrument's range."""
    from wellbeing import simulate

    surveys = pd.read_csv(RAW / "mindful_practice" / "surveys.csv", dtype={"code": str})
    register = pd.read_csv(RAW / "mindful_practice" / "attendance.csv", dtype={"code": str})
    answered = surveys.groupby("visit").code.apply(set)
    assert [len(answered[w]) for w in ("T0", "T1", "T2")] == [36, 32, 27]
    assert answered["T2"] <= answered["T0"] and (answered["T0"] - answered["T1"]) <= (answered["T0"] - answered["T2"])
    assert sorted(register.code) == sorted(answered["T0"]) and register.code.is_unique
    assert register.sessions.between(1, simulate.PRACTICE_SESSIONS).all()
    for prefix, (low, high) in (("PSS", (0, 4)), ("SCSSF", (1, 5)), ("FFMQ", (1, 5))):
        values = surveys.filter(regex=f"^{prefix}_").stack().dropna()
        assert values.between(low, high).all() and (values == values.round()).all()


@pytest.mark.parametrize("instrument", sorted(p.stem for p in INSTRUMENTS.glob("*.yaml")))
def test_every_bundled_instrument_can_be_simulated_within_its_range(instrument):
    """The benchmark cohort's simulator takes any bundled key: fillers (LOT-R's, with five answer
    codes where EQ's have four) are drawn over the instrument's own range."""
    from wellbeing import simulate

    definition = simulate.load_definition(instrument)
    low, high = int(definition["response"]["min"]), int(definition["response"]["max"])
    facets = [simulate.Facet(instrument, name, +1, 0.6, None, 0.0,
                             tuple(1.0 / (high - low + 1) for _ in range(low, high + 1)))
              for name in definition["scales"]][:1]
    plan = simulate.make_plan(instrument, facets, np.random.default_rng(7), definition=definition)
    plan.loading = {f"{instrument}.{facet.scale}": 0.75 for facet in facets}
    rng = np.random.default_rng(8)
    answers = plan.generate({f"{instrument}.{facets[0].scale}": rng.normal(size=200)},
                            rng.normal(size=(200, int(definition["items"]))))
    assert answers.min() >= low and answers.max() <= high
    assert len(np.unique(answers)) > 1
