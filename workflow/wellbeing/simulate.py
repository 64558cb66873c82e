"""Seeded simulator of the three example studies' questionnaire data.

The example studies under ``data/raw/`` are SIMULATED: no real participant is in them. They
mimic published designs and summary statistics (each study's README lists the figures it
reproduces), so that the pipeline's outputs can be compared with the published figures; the
single-arm ``mindful_practice`` follows simulation settings instead.
``scripts/make_example_data.py`` calls :func:`simulate_imp_feasibility`,
:func:`simulate_trainee_wellbeing` and :func:`simulate_mindful_practice` and writes the frames
with :mod:`wellbeing.exports`.

Model
-----
Each scale (facet) is driven by a latent trait. Facet traits are built from a general factor,
an instrument-level group factor and a unique part,

    eta_f = s_f * (a_f * G + b_f * I_group(f) + sqrt(1 - a_f**2 - b_f**2) * U_f),

with ``s_f = -1`` for facets oriented against wellbeing (stress, burnout, self-judgment, ...).
The factor scores are drawn and then orthogonalised (:func:`exact_standard_normal`), so the
sample moments of the latent traits are exactly the model's. An item's response is the
discretised value of ``lambda_j * eta + sqrt(1 - lambda_j**2) * noise`` at fixed thresholds;
reverse-keyed items are generated reversed (``min + max - value``), EQ agreement-scored items
in the agreement direction, EQ fillers as pure noise. Scoring keys come from the bundled
instrument definitions (``workflow/instruments/<id>.yaml``), never from Python.

In the mixed design, the post-wave trait is
``rho * eta_pre + sqrt(1 - rho**2) * nu + s_f * (time_shift + effect_f * trained)``.

Calibration keeps every random draw fixed (one child seed per purpose, spawned from the study
seed) and tunes a few parameters by bisection until the statistics computed on the final,
messy data hit the published values: item loadings for Cronbach's alpha, the group x time
effect per facet for the interaction's partial eta squared. In the cross-sectional study the
item responses are nudged by a seeded hill climb until the Pearson correlations between the
scores match the target matrix. Everything is a pure function of the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

#: Seeds of the committed example studies.
IMP_SEED = 20190902
TRAINEE_SEED = 20210315

INSTRUMENT_DIR = Path(__file__).resolve().parents[1] / "instruments"


# --------------------------------------------------------------------------------------------
# Instrument definitions and scoring (the same rules the pipeline declares in the YAML files)
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _load_definition_cached(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_definition(instrument_id: str, directory: str | Path | None = None) -> dict:
    """Read a bundled instrument definition (``workflow/instruments/<id>.yaml``) as a dict.

    Examples
    --------
    >>> load_definition("pss10")["scales"]["total"]["reverse"]
    [4, 5, 7, 8]
    """
    directory = Path(directory) if directory is not None else INSTRUMENT_DIR
    return _load_definition_cached(str(directory / f"{instrument_id}.yaml"))


def recoded(raw: np.ndarray, definition: dict) -> np.ndarray:
    """Apply the definition's instrument-level ``recode`` maps (EQ's 2/1/0 points).

    ``raw`` has one column per item, item 1 first; unmapped items and missing values are kept.
    """
    out = np.array(raw, dtype=float, copy=True)
    for block in definition.get("recode") or []:
        mapping = {float(k): float(v) for k, v in block["map"].items()}
        for item in block["items"]:
            column = out[:, item - 1].copy()
            new = np.full_like(column, np.nan)
            for key, value in mapping.items():
                new[column == key] = value
            out[:, item - 1] = new
    return out


def keyed_items(raw: np.ndarray, definition: dict, scale: str) -> np.ndarray:
    """The scale's items after recoding and reverse-keying (reversed = min + max - x)."""
    spec = definition["scales"][scale]
    low, high = definition["response"]["min"], definition["response"]["max"]
    points = recoded(raw, definition)
    columns = []
    for item in spec["items"]:
        column = points[:, item - 1]
        if item in (spec.get("reverse") or []):
            column = low + high - column
        columns.append(column)
    return np.column_stack(columns)


def _rule_mean(values: np.ndarray, min_answered: float) -> np.ndarray:
    answered = (~np.isnan(values)).sum(axis=1)
    total = np.nansum(values, axis=1)
    ok = (answered > 0) & (answered / values.shape[1] >= min_answered)
    return np.where(ok, total / np.maximum(answered, 1), np.nan)


def score_scale(raw: np.ndarray, definition: dict, scale: str) -> np.ndarray:
    """Score one scale with the definition's rules (sum / mean / mean of subscales).

    Missing items are prorated when at least ``missing.min_answered`` of the scale's items are
    answered (a sum is the mean of the answered items times the scale's length); otherwise the
    score is missing. ``mean_of_subscales`` averages the subscale means, each subscale keyed
    with the total's reverse list and held to the same rule.

    Examples
    --------
    >>> d = load_definition("pss10")
    >>> raw = np.array([[2.0] * 9 + [np.nan], [2.0] * 7 + [np.nan] * 3])
    >>> score_scale(raw, d, "total").tolist()
    [20.0, nan]
    """
    spec = definition["scales"][scale]
    min_answered = float((definition.get("missing") or {}).get("min_answered", 0.8))
    if spec["score"] == "mean_of_subscales":
        reverse = set(spec.get("reverse") or [])
        parts = []
        for sub in spec["subscales"]:
            sub_spec = definition["scales"][sub]
            keyed = keyed_items(raw, {**definition, "scales": {"x": {
                "items": sub_spec["items"],
                "reverse": [i for i in sub_spec["items"] if i in reverse]}}}, "x")
            parts.append(_rule_mean(keyed, min_answered))
        return np.column_stack(parts).mean(axis=1)
    keyed = keyed_items(raw, definition, scale)
    mean = _rule_mean(keyed, min_answered)
    if spec["score"] == "sum":
        return mean * keyed.shape[1]
    return mean


def cronbach_alpha(items: np.ndarray) -> float:
    """Cronbach's alpha with pairwise-complete covariances (as ``pingouin.cronbach_alpha``).

    Examples
    --------
    >>> x = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 4.]])
    >>> round(cronbach_alpha(x), 4)   # pingouin.cronbach_alpha gives 0.948529...
    0.9485
    """
    cov = pd.DataFrame(items).cov().to_numpy()
    k = cov.shape[0]
    return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))


def interaction_pes(pre: np.ndarray, post: np.ndarray, trained: np.ndarray) -> tuple[float, float]:
    """Signed partial eta squared and p of the group x time interaction in a 2 x 2 mixed design.

    With two waves the interaction is the between-group test of the change scores, so
    ``F = t**2`` on ``(1, n - 2)`` df and ``pes = F / (F + n - 2)``; the sign is that of the
    trained group's mean change minus the controls'. Rows missing either wave are dropped.
    """
    keep = ~(np.isnan(pre) | np.isnan(post))
    change = (post - pre)[keep]
    group = trained[keep]
    t, p = stats.ttest_ind(change[group], change[~group])
    df = keep.sum() - 2
    pes = t * t / (t * t + df)
    return float(math.copysign(pes, t)), float(p)


# --------------------------------------------------------------------------------------------
# Random building blocks
# --------------------------------------------------------------------------------------------

def exact_standard_normal(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """``n x k`` normal draws made exactly standard in the sample: mean 0, covariance I.

    The draws are centred and orthonormalised (QR), then scaled by ``sqrt(n - 1)``; needs
    ``k < n``.

    Examples
    --------
    >>> z = exact_standard_normal(np.random.default_rng(1), 10, 3)
    >>> bool(np.allclose(z.mean(0), 0) and np.allclose(np.cov(z.T), np.eye(3)))
    True
    """
    z = rng.standard_normal((n, k))
    z = z - z.mean(axis=0)
    q, r = np.linalg.qr(z)
    q = q * np.sign(np.diag(r))
    return q * math.sqrt(n - 1)


def exact_integers(rng: np.random.Generator, n: int, total: int, sd: float,
                   low: int, high: int) -> np.ndarray:
    """Integers in ``[low, high]`` with an exact sum (so an exact mean) and a standard
    deviation as close to ``sd`` as rounding allows.

    Exact normal scores are scaled, clipped and rounded; the sum is then fixed one unit at a
    time (largest rounding residual first) and the scale factor is bisected so that the sample
    SD (ddof 1) matches ``sd`` despite clipping.

    Examples
    --------
    >>> a = exact_integers(np.random.default_rng(0), 12, 331, 2.0, 24, 34)
    >>> int(a.sum()), bool(abs(a.std(ddof=1) - 2.0) < 0.1)
    (331, True)
    """
    z = exact_standard_normal(rng, n, 1)[:, 0]

    def build(scale: float) -> np.ndarray:
        wanted = np.clip(total / n + scale * z, low, high)
        values = np.clip(np.round(wanted), low, high).astype(int)
        while (diff := total - int(values.sum())) != 0:
            step = 1 if diff > 0 else -1
            residual = (wanted - values) * step
            residual[(values + step < low) | (values + step > high)] = -np.inf
            values[int(np.argmax(residual))] += step
        return values

    scale, _ = bisect(lambda s: float(build(s).std(ddof=1)), sd, 0.5 * sd, 2.0 * sd, 0.02)
    return build(scale)


def thresholds(probabilities, shift: float = 0.0) -> np.ndarray:
    """Cut points on a standard normal scale giving the category ``probabilities``."""
    cumulative = np.cumsum(probabilities)[:-1] / np.sum(probabilities)
    return stats.norm.ppf(cumulative) + shift


def discretise(latent: np.ndarray, loadings: np.ndarray, noise: np.ndarray,
               cuts: np.ndarray, low: int) -> np.ndarray:
    """Ordinal responses ``low, low + 1, ...`` from a latent trait.

    ``latent`` is (n,), ``loadings`` (k,), ``noise`` (n, k), ``cuts`` (k, m - 1).
    """
    y = latent[:, None] * loadings[None, :] + np.sqrt(1 - loadings ** 2)[None, :] * noise
    return low + (y[:, :, None] > cuts[None, :, :]).sum(axis=2)


def bisect(function, target: float, low: float, high: float, tolerance: float,
           iterations: int = 40) -> tuple[float, float]:
    """Find ``x`` in ``[low, high]`` with ``function(x)`` within ``tolerance`` of ``target``.

    ``function`` must be non-decreasing (a step function is fine). Returns the best ``x`` seen
    and its value.
    """
    best_x, best_value = low, function(low)
    value_high = function(high)
    if abs(value_high - target) < abs(best_value - target):
        best_x, best_value = high, value_high
    for _ in range(iterations):
        if abs(best_value - target) <= tolerance:
            break
        middle = (low + high) / 2
        value = function(middle)
        if abs(value - target) < abs(best_value - target):
            best_x, best_value = middle, value
        if value < target:
            low = middle
        else:
            high = middle
    return best_x, best_value


# --------------------------------------------------------------------------------------------
# Item plans: which latent facet drives each item and in which direction
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Facet:
    """A latent facet: the scale whose items it drives and its place in the factor model."""

    instrument: str
    scale: str
    sign: int            # +1: higher = more wellbeing; -1: higher = more distress
    general: float       # loading on the general factor G
    group: str | None    # instrument-level group factor
    group_loading: float
    probabilities: tuple  # response-category probabilities in the scale's keyed direction


@dataclass
class ItemPlan:
    """How one instrument's items are generated."""

    instrument: str
    definition: dict
    facet_of_item: list          # facet key per item (None: unscored filler)
    flipped: np.ndarray          # item generated reversed
    multipliers: np.ndarray      # per-item loading multipliers (fixed draws)
    cuts: np.ndarray             # per-item thresholds
    low: int = 0
    high: int = 0
    loading: dict = field(default_factory=dict)   # facet key -> loading (calibrated)

    def generate(self, latent: dict, noise: np.ndarray) -> np.ndarray:
        """Raw responses (n, k) from facet traits ``latent[facet key]`` and item noise."""
        n, k = noise.shape
        out = np.empty((n, k))
        for j in range(k):
            key = self.facet_of_item[j]
            if key is None:
                eta, lam = np.zeros(n), np.array([0.0])
            else:
                eta = latent[key]
                lam = np.array([min(0.97, self.loading[key] * self.multipliers[j])])
            v = discretise(eta, lam, noise[:, [j]], self.cuts[[j]], self.low)[:, 0]
            out[:, j] = self.low + self.high - v if self.flipped[j] else v
        return out


def make_plan(instrument: str, facets: list[Facet], rng: np.random.Generator,
              definition: dict | None = None,
              filler_probabilities=(0.2, 0.3, 0.3, 0.2), shift_sd: float = 0.25) -> ItemPlan:
    """Build an instrument's item plan from its definition; draws multipliers and shifts.

    Items of a facet's scale are driven by that facet; an item is generated reversed when the
    scale reverse-keys it or when the instrument's ``recode`` map scores low raw values
    highest (EQ's agreement-scored items). Items in no facet (EQ fillers) are pure noise, drawn
    with ``filler_probabilities`` where it gives one per response code, else uniformly.
    """
    if definition is None:
        definition = load_definition(instrument)
    k = int(definition["items"])
    low, high = int(definition["response"]["min"]), int(definition["response"]["max"])
    if len(filler_probabilities) != high - low + 1:     # fillers answered over the instrument's own range
        filler_probabilities = tuple(1.0 / (high - low + 1) for _ in range(low, high + 1))
    facet_of_item: list = [None] * k
    flipped = np.zeros(k, dtype=bool)
    probabilities: list = [filler_probabilities] * k
    decreasing = set()
    for block in definition.get("recode") or []:
        keys = sorted(block["map"])
        if block["map"][keys[0]] > block["map"][keys[-1]]:
            decreasing.update(block["items"])
    for facet in facets:
        spec = definition["scales"][facet.scale]
        for item in spec["items"]:
            facet_of_item[item - 1] = f"{instrument}.{facet.scale}"
            flipped[item - 1] = item in (spec.get("reverse") or []) or item in decreasing
            probabilities[item - 1] = facet.probabilities
    multipliers = rng.uniform(0.8, 1.2, k)
    shifts = rng.normal(0.0, shift_sd, k)
    cuts = np.vstack([thresholds(p, s) for p, s in zip(probabilities, shifts)])
    return ItemPlan(instrument, definition, facet_of_item, flipped, multipliers, cuts, low, high)


def factor_traits(facets: list[Facet], factors: np.ndarray, groups: list[str]) -> dict:
    """Facet traits from exact factor scores: column 0 = G, then groups, then one per facet."""
    traits = {}
    for i, facet in enumerate(facets):
        b = facet.group_loading if facet.group else 0.0
        unique = math.sqrt(max(0.0, 1 - facet.general ** 2 - b ** 2))
        eta = facet.general * factors[:, 0] + unique * factors[:, 1 + len(groups) + i]
        if facet.group:
            eta = eta + b * factors[:, 1 + groups.index(facet.group)]
        traits[f"{facet.instrument}.{facet.scale}"] = facet.sign * eta
    return traits


# --------------------------------------------------------------------------------------------
# Study 1: imp_feasibility (mixed design, Qualtrics)
# --------------------------------------------------------------------------------------------

P5_POS = (0.05, 0.17, 0.33, 0.30, 0.15)
P5_SCS_POS = (0.07, 0.22, 0.34, 0.25, 0.12)
P5_SCS_NEG = (0.12, 0.27, 0.33, 0.19, 0.09)

IMP_FACETS: list[Facet] = [
    Facet("ffmq39", "observe", 1, 0.20, "ffmq", 0.40, P5_POS),
    Facet("ffmq39", "describe", 1, 0.35, "ffmq", 0.55, P5_POS),
    Facet("ffmq39", "act_aware", 1, 0.40, "ffmq", 0.55, P5_POS),
    Facet("ffmq39", "nonjudge", 1, 0.45, "ffmq", 0.50, P5_POS),
    Facet("ffmq39", "nonreact", 1, 0.45, "ffmq", 0.45, P5_POS),
    Facet("scs26", "self_kindness", 1, 0.45, "scs", 0.60, P5_SCS_POS),
    Facet("scs26", "self_judgment", -1, 0.45, "scs", 0.60, P5_SCS_NEG),
    Facet("scs26", "common_humanity", 1, 0.40, "scs", 0.55, P5_SCS_POS),
    Facet("scs26", "isolation", -1, 0.45, "scs", 0.60, P5_SCS_NEG),
    Facet("scs26", "mindfulness", 1, 0.45, "scs", 0.60, P5_SCS_POS),
    Facet("scs26", "over_identification", -1, 0.45, "scs", 0.60, P5_SCS_NEG),
    Facet("eq60", "total", 1, 0.35, None, 0.0, (0.06, 0.20, 0.38, 0.36)),
    Facet("pss10", "total", -1, 0.65, None, 0.0, (0.14, 0.30, 0.34, 0.16, 0.06)),
    Facet("proqol5", "compassion_satisfaction", 1, 0.55, None, 0.0,
          (0.01, 0.06, 0.25, 0.45, 0.23)),
    Facet("proqol5", "burnout", -1, 0.60, "fatigue", 0.50, (0.12, 0.38, 0.32, 0.14, 0.04)),
    Facet("proqol5", "secondary_trauma", -1, 0.30, "fatigue", 0.50,
          (0.25, 0.40, 0.24, 0.09, 0.02)),
]
IMP_GROUPS = ["ffmq", "scs", "fatigue"]
IMP_INSTRUMENTS = {  # instrument id -> raw column prefix
    "ffmq39": "FFMQ", "scs26": "SCS", "eq60": "EQ", "pss10": "PSS", "proqol5": "ProQOL",
}

#: Published Cronbach alphas at pre: (instrument, scale) -> alpha.
IMP_ALPHA_TARGETS = {
    ("ffmq39", "total"): 0.91, ("scs26", "total"): 0.90, ("eq60", "total"): 0.84,
    ("pss10", "total"): 0.87, ("proqol5", "compassion_satisfaction"): 0.84,
    ("proqol5", "compassion_fatigue"): 0.76, ("proqol5", "burnout"): 0.57,
    ("proqol5", "secondary_trauma"): 0.69,
}
#: Interaction partial eta squared; "significant" outcomes from the paper, the others are
#: calibrated to small, non-significant values. Sign: + = the trained group moves more in the
#: raw score's direction (fatigue and isolation fall, so their signed targets are negative).
IMP_PES_TARGETS = {
    ("scs26", "total"): 0.119, ("eq60", "total"): 0.109,
    ("proqol5", "compassion_fatigue"): -0.104, ("ffmq39", "nonreact"): 0.093,
    ("scs26", "isolation"): -0.088,
}
IMP_PES_NULL_TARGETS = {
    ("ffmq39", "total"): 0.025, ("pss10", "total"): -0.02,
    ("proqol5", "compassion_satisfaction"): 0.015,
}
# Which facets each effect parameter moves, in calibration order (each target depends only on
# the parameters tuned before it and its own).
IMP_EFFECT_PLAN = [
    ("nonreact", ["ffmq39.nonreact"], ("ffmq39", "nonreact")),
    ("ffmq_other", ["ffmq39.observe", "ffmq39.describe", "ffmq39.act_aware",
                    "ffmq39.nonjudge"], ("ffmq39", "total")),
    ("isolation", ["scs26.isolation"], ("scs26", "isolation")),
    ("scs_other", ["scs26.self_kindness", "scs26.self_judgment", "scs26.common_humanity",
                   "scs26.mindfulness", "scs26.over_identification"], ("scs26", "total")),
    ("eq", ["eq60.total"], ("eq60", "total")),
    ("fatigue", ["proqol5.burnout", "proqol5.secondary_trauma"],
     ("proqol5", "compassion_fatigue")),
    ("satisfaction", ["proqol5.compassion_satisfaction"], ("proqol5", "compassion_satisfaction")),
    ("stress", ["pss10.total"], ("pss10", "total")),
]
IMP_RETEST = 0.7          # correlation of a trait between pre and post
IMP_TIME_SHIFT = 0.1      # change common to both groups (latent SD units, wellbeing direction)
IMP_MISSING_RATE = 0.011  # chance that an item cell is left blank (before the constraints)

IMP_N_TRAINED = (14, 11)  # cohorts 1 and 2
IMP_N_CONTROL = 22
IMP_AGE = {"imp": (1285, 10.8), "control": (1045, 10.4)}   # exact sums: 51.4 x 25, 47.5 x 22

PROFESSIONS = (
    ("Clinical psychologist", 0.30), ("Psychiatrist", 0.15), ("Mental-health nurse", 0.25),
    ("Social worker", 0.12), ("Occupational therapist", 0.10), ("Psychotherapist", 0.08),
)
FEMALE_NAMES = (
    "Alison", "Bethany", "Catherine", "Deborah", "Eleanor", "Fiona", "Grace", "Hannah",
    "Imogen", "Joanna", "Karen", "Laura", "Megan", "Nadia", "Olivia", "Priya", "Rachel",
    "Sarah", "Tessa", "Ursula", "Victoria", "Wendy", "Yasmin", "Zoe", "Siobhán", "Bronwen",
    "Claire", "Diane", "Emma", "Gillian", "Helen", "Janet", "Kirsty", "Lucy", "Maria",
    "Natalie", "Paula", "Rebecca", "Sophie", "Tracey", "Amara", "Chloe", "Ruth", "Jane",
)
MALE_NAMES = ("Adam", "Daniel", "Owen", "Marcus", "Tomasz", "Kwame", "Ravi", "Niall")
SURNAMES = (
    "Adams", "Baker", "Clarke", "Davies", "Evans", "Foster", "Green", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "Morgan", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts",
    "Singh", "Taylor", "Walsh", "Young", "Okafor", "Chen", "Murphy", "Ward", "Price", "Hall",
    "Wood", "Kelly", "Bell", "Cole", "Ellis", "Fox", "Grant", "Hart", "Lloyd", "Mason",
    "Reid", "Shaw", "Turner", "Vaughan", "Webb", "Doyle", "Byrne", "Fraser", "Gordon", "Moss",
)
IMP_COMMENTS_PRE = (
    "Some questions felt quite similar to each other",
    "Filled this in between clinics, sorry if rushed",
    "Looking forward to the course",
    'Not sure how to answer the "last 30 days" ones, it was a very unusual month',
)
IMP_COMMENTS_POST = (
    "The home practice was hard to fit in around on-call weeks",
    "Would like to join the next cohort",
    "Really valued the group sessions; the recordings helped",
    "Did this on my phone",
)
ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass
class Simulation:
    """A simulated study: raw frames ready for an export writer, and the calibration record."""

    frames: dict
    parameters: dict
    achieved: dict
    notes: dict = field(default_factory=dict)


def _ascii(text: str) -> str:
    table = str.maketrans({"á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u", "'": ""})
    return text.translate(table).lower()


def _response_id(rng: np.random.Generator) -> str:
    return "R_" + "".join(ALPHANUMERIC[i] for i in rng.integers(0, len(ALPHANUMERIC), 15))


def _timestamp(day: str, seconds: int) -> str:
    stamp = pd.Timestamp(day) + pd.Timedelta(seconds=int(seconds))
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def _missing_mask(rng: np.random.Generator, plans: dict, n: int, rate: float) -> dict:
    """Scattered blank items: at most one per facet and participant, and only in facets where
    one blank still passes the instrument's min_answered rule (so no scale is lost)."""
    masks = {}
    for instrument, plan in plans.items():
        k = len(plan.facet_of_item)
        rule = float((plan.definition.get("missing") or {}).get("min_answered", 0.8))
        draws = rng.random((n, k)) < rate
        mask = np.zeros((n, k), dtype=bool)
        for i in range(n):
            used = set()
            for j in np.flatnonzero(draws[i]):
                key = plan.facet_of_item[j]
                size = plan.facet_of_item.count(key) if key else k
                if key is not None and (key in used or (size - 1) / size < rule):
                    continue
                used.add(key)
                mask[i, j] = True
        masks[instrument] = mask
    return masks


def simulate_imp_feasibility(seed: int = IMP_SEED) -> Simulation:
    """Simulate the imp_feasibility study: frames ``pre`` and ``post`` laid out as Qualtrics
    exports (metadata, participant_code, group, cohort, demographics or Practice_min, items,
    Comments), calibrated to the published alphas, effects and demographics.

    The deliberate messiness is described in :attr:`Simulation.notes`.
    """
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)]
    rng_people, rng_pre, rng_post, rng_items, rng_missing, rng_partial, rng_practice, \
        rng_meta, rng_pick = streams

    n_trained = sum(IMP_N_TRAINED)
    n = n_trained + IMP_N_CONTROL
    trained = np.arange(n) < n_trained
    cohort = np.where(np.arange(n) < IMP_N_TRAINED[0], 1.0,
                      np.where(trained, 2.0, np.nan))
    group = np.where(trained, "imp", "control")

    # --- people -------------------------------------------------------------------------
    age = np.empty(n, dtype=int)
    age[trained] = exact_integers(rng_people, n_trained, IMP_AGE["imp"][0],
                                  IMP_AGE["imp"][1], 28, 70)
    age[~trained] = exact_integers(rng_people, IMP_N_CONTROL, IMP_AGE["control"][0],
                                   IMP_AGE["control"][1], 24, 68)
    men = np.r_[rng_people.choice(np.flatnonzero(trained), 2, replace=False),
                rng_people.choice(np.flatnonzero(~trained), 2, replace=False)]
    gender = np.full(n, "Female", dtype=object)
    gender[men] = "Male"
    labels, weights = zip(*PROFESSIONS)
    profession = rng_people.choice(np.array(labels, dtype=object), n, p=np.array(weights))

    # --- latent traits ------------------------------------------------------------------
    n_factors = 1 + len(IMP_GROUPS) + len(IMP_FACETS)
    factors_pre = exact_standard_normal(rng_pre, n, n_factors)
    factors_change = exact_standard_normal(rng_post, n, n_factors)
    change_traits = factor_traits(IMP_FACETS, factors_change, IMP_GROUPS)
    facet_sign = {f"{f.instrument}.{f.scale}": f.sign for f in IMP_FACETS}

    plans = {inst: make_plan(inst, [f for f in IMP_FACETS if f.instrument == inst], rng_items)
             for inst in IMP_INSTRUMENTS}
    noise_pre = {inst: rng_items.standard_normal((n, len(p.facet_of_item)))
                 for inst, p in plans.items()}
    noise_post = {inst: rng_items.standard_normal((n, len(p.facet_of_item)))
                  for inst, p in plans.items()}
    noise_partial = {inst: rng_items.standard_normal((1, len(p.facet_of_item)))
                     for inst, p in plans.items()}

    # --- messiness fixed up front ---------------------------------------------------------
    no_post = int(rng_pick.choice(np.flatnonzero(~trained)))          # control, no post row
    twice = int(rng_pick.choice(np.flatnonzero(trained)))             # opened post twice
    typo_person = int(rng_pick.choice(np.flatnonzero(trained & (np.arange(n) != twice))))
    pss_skipper = int(rng_pick.choice(np.flatnonzero(
        (np.arange(n) != no_post) & (np.arange(n) != typo_person))))
    mask_pre = _missing_mask(rng_missing, plans, n, IMP_MISSING_RATE)
    mask_post = _missing_mask(rng_missing, plans, n, IMP_MISSING_RATE)
    typo_item = 12                                   # SCS_12, a self-kindness item (5 items)
    sk_items = [i - 1 for i in load_definition("scs26")["scales"]["self_kindness"]["items"]]
    mask_post["scs26"][typo_person, sk_items] = False
    mask_post["scs26"][typo_person, typo_item - 1] = True   # 55 in the file; missing once cleaned
    skipped_pss = [3, 6, 9]                          # three PSS items blank: fails the 80% rule
    mask_post["pss10"][pss_skipper, :] = False
    mask_post["pss10"][pss_skipper, [i - 1 for i in skipped_pss]] = True
    has_post = np.arange(n) != no_post

    def with_mask(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = values.astype(float).copy()
        out[mask] = np.nan
        return out

    # --- calibration: loadings -> alphas at pre -------------------------------------------
    general_b = {"fatigue": 0.50}
    loading = {}

    def facets_with(b_fatigue: float) -> list[Facet]:
        return [Facet(f.instrument, f.scale, f.sign, f.general, f.group,
                      b_fatigue if f.group == "fatigue" else f.group_loading, f.probabilities)
                for f in IMP_FACETS]

    def pre_traits(b_fatigue: float) -> dict:
        return factor_traits(facets_with(b_fatigue), factors_pre, IMP_GROUPS)

    def pre_items(instrument: str, traits: dict) -> np.ndarray:
        plan = plans[instrument]
        plan.loading = {key: loading[key] for key in set(plan.facet_of_item) if key}
        return with_mask(plan.generate(traits, noise_pre[instrument]), mask_pre[instrument])

    def alpha(instrument: str, scale: str, traits: dict) -> float:
        keyed = keyed_items(pre_items(instrument, traits), plans[instrument].definition, scale)
        return cronbach_alpha(keyed)

    tol_alpha = 0.002
    traits = pre_traits(general_b["fatigue"])
    for instrument in ("ffmq39", "scs26", "eq60", "pss10"):
        keys = [k for k in set(plans[instrument].facet_of_item) if k]

        def set_all(lam, keys=keys):
            for key in keys:
                loading[key] = lam

        def f(lam, instrument=instrument, set_all=set_all):
            set_all(lam)
            return alpha(instrument, "total", traits)

        lam, _ = bisect(f, IMP_ALPHA_TARGETS[(instrument, "total")], 0.2, 0.97, tol_alpha)
        set_all(lam)
    loading.update({"proqol5.compassion_satisfaction": 0.6, "proqol5.burnout": 0.5,
                    "proqol5.secondary_trauma": 0.5})
    for _ in range(8):
        for scale in ("compassion_satisfaction", "burnout", "secondary_trauma"):
            key = f"proqol5.{scale}"

            def f(lam, key=key, scale=scale):
                loading[key] = lam
                return alpha("proqol5", scale, traits)

            loading[key], _ = bisect(f, IMP_ALPHA_TARGETS[("proqol5", scale)], 0.05, 0.97,
                                     tol_alpha)

        def f_b(b):
            return alpha("proqol5", "compassion_fatigue", pre_traits(b))

        general_b["fatigue"], _ = bisect(f_b, IMP_ALPHA_TARGETS[("proqol5", "compassion_fatigue")],
                                         -0.4, 0.79, tol_alpha)
        traits = pre_traits(general_b["fatigue"])

    raw_pre = {inst: pre_items(inst, traits) for inst in plans}   # also fixes plan.loading
    file_pre = raw_pre

    # --- calibration: effects -> interaction partial eta squared ------------------------------
    effect = {key: 0.0 for key in facet_sign}

    def post_traits() -> dict:
        out = {}
        for key, eta in traits.items():
            shift = facet_sign[key] * (IMP_TIME_SHIFT + effect[key] * trained)
            out[key] = IMP_RETEST * eta + math.sqrt(1 - IMP_RETEST ** 2) * change_traits[key] \
                + shift
        return out

    def post_items(instrument: str, latent: dict) -> np.ndarray:
        plan = plans[instrument]
        values = with_mask(plan.generate(latent, noise_post[instrument]), mask_post[instrument])
        values[~has_post] = np.nan
        return values

    def signed_pes(instrument: str, scale: str) -> tuple[float, float]:
        definition = plans[instrument].definition
        pre = score_scale(raw_pre[instrument], definition, scale)
        post = score_scale(post_items(instrument, post_traits()), definition, scale)
        return interaction_pes(pre, post, trained)

    targets = {**IMP_PES_TARGETS, **IMP_PES_NULL_TARGETS}
    effect_parameters = {}
    for name, keys, outcome in IMP_EFFECT_PLAN:
        direction = 1.0 if targets[outcome] > 0 else -1.0   # make the function increasing

        def f(e, keys=keys, outcome=outcome, direction=direction):
            for key in keys:
                effect[key] = e
            return direction * signed_pes(*outcome)[0]

        value, _ = bisect(f, abs(targets[outcome]), -1.5, 2.5, 0.002)
        f(value)
        effect_parameters[name] = value

    latent_post = post_traits()
    file_post = {inst: plans[inst].generate(latent_post, noise_post[inst]).astype(float)
                 for inst in plans}
    for inst in plans:
        file_post[inst][mask_post[inst]] = np.nan

    # --- home practice: unrelated to every change score ----------------------------------
    changes = []
    for inst, plan in plans.items():
        for scale in plan.definition["scales"]:
            pre = score_scale(file_pre[inst], plan.definition, scale)
            post = score_scale(file_post[inst], plan.definition, scale)
            changes.append(post - pre)
    practice = None
    for attempt in range(10000):
        candidate = np.round(np.clip(rng_practice.lognormal(math.log(55), 0.55, n_trained),
                                     0, 240) / 5) * 5
        ps = []
        for change in changes:
            ok = ~np.isnan(change[:n_trained])
            ps.append(stats.pearsonr(candidate[ok], change[:n_trained][ok])[1])
        if min(ps) > 0.2:
            practice = candidate
            break
    if practice is None:  # pragma: no cover - the search succeeds quickly for any seed
        raise RuntimeError("no home-practice vector unrelated to the change scores found")
    practice_min = np.full(n, np.nan)
    practice_min[:n_trained] = practice

    # --- achieved statistics (same rules as the test) ---------------------------------------
    achieved = {"alpha_pre": {}, "pes": {}}
    for (inst, scale), target in IMP_ALPHA_TARGETS.items():
        achieved["alpha_pre"][f"{inst}.{scale}"] = cronbach_alpha(
            keyed_items(file_pre[inst], plans[inst].definition, scale))
    for (inst, scale) in targets:
        definition = plans[inst].definition
        post_for_test = file_post[inst].copy()
        post_for_test[~has_post] = np.nan
        achieved["pes"][f"{inst}.{scale}"] = interaction_pes(
            score_scale(file_pre[inst], definition, scale),
            score_scale(post_for_test, definition, scale), trained)

    # --- the partial, abandoned post attempt ------------------------------------------------
    partial_items = {}
    latent_twice = {key: eta[[twice]] for key, eta in latent_post.items()}
    answered_first = ("ffmq39", "scs26")
    for inst, plan in plans.items():
        if inst in answered_first:
            partial_items[inst] = plan.generate(latent_twice, noise_partial[inst])[0].astype(float)
        else:
            partial_items[inst] = np.full(len(plan.facet_of_item), np.nan)
    # the typo: 55 for a 5 in the cleaned data's place (the cell counts as missing above)
    file_post["scs26"][typo_person, typo_item - 1] = 55.0

    # --- identities and Qualtrics metadata ---------------------------------------------------
    first = np.empty(n, dtype=object)
    women = np.flatnonzero(gender == "Female")
    first[women] = rng_meta.choice(np.array(FEMALE_NAMES, dtype=object), len(women),
                                   replace=False)
    first[men] = rng_meta.choice(np.array(MALE_NAMES, dtype=object), len(men), replace=False)
    last = rng_meta.choice(np.array(SURNAMES, dtype=object), n, replace=False)
    birthday = rng_meta.integers(1, 29, n), rng_meta.integers(1, 13, n)
    codes = [f"{_ascii(first[i])[0].upper()}{_ascii(last[i])[0].upper()}"
             f"{birthday[0][i]:02d}{birthday[1][i]:02d}" for i in range(n)]
    if len(set(codes)) != n:  # pragma: no cover - guarded for other seeds
        raise RuntimeError("participant codes collide; pick another seed")
    emails = [f"{_ascii(first[i])}.{_ascii(last[i])}@example.org" for i in range(n)]
    ips = [f"{rng_meta.choice(['203.0.113', '198.51.100', '192.0.2'])}."
           f"{int(rng_meta.integers(2, 254))}" for _ in range(2 * n + 1)]

    def days(wave: str, i: int) -> list[str]:
        if trained[i]:
            start = {(1, "pre"): "2019-09-02", (1, "post"): "2019-11-11",
                     (2, "pre"): "2020-01-13", (2, "post"): "2020-03-16"}[(int(cohort[i]), wave)]
        else:
            start = {"pre": "2019-09-09", "post": "2019-11-18"}[wave]
        return [str((pd.Timestamp(start) + pd.Timedelta(days=d)).date()) for d in range(12)]

    def meta_row(wave: str, i: int, ip: str, finished: bool, progress: int,
                 day_index: int | None = None) -> dict:
        choices = days(wave, i)
        day = choices[int(rng_meta.integers(0, len(choices)))] if day_index is None \
            else choices[day_index]
        start_s = int(rng_meta.integers(7 * 3600, 22 * 3600))
        duration = int(rng_meta.integers(900, 2700)) if finished else \
            int(rng_meta.integers(300, 700))
        end = _timestamp(day, start_s + duration)
        return {
            "StartDate": _timestamp(day, start_s), "EndDate": end, "Status": 0,
            "IPAddress": ip, "Progress": progress, "Duration (in seconds)": duration,
            "Finished": 1 if finished else 0, "RecordedDate": end,
            "ResponseId": _response_id(rng_meta), "RecipientLastName": last[i],
            "RecipientFirstName": first[i], "RecipientEmail": emails[i],
            "ExternalReference": "",
            "LocationLatitude": f"{51.3 + rng_meta.random() * 0.5:.4f}",
            "LocationLongitude": f"{-0.5 + rng_meta.random() * 0.6:.4f}",
            "DistributionChannel": "email", "UserLanguage": "EN",
        }

    def item_cells(values: dict, i: int | None, row: np.ndarray | None = None) -> dict:
        cells = {}
        for inst, prefix in IMP_INSTRUMENTS.items():
            data = values[inst][i] if row is None else row[inst]
            for j, value in enumerate(data, start=1):
                cells[f"{prefix}_{j}"] = value
        return cells

    comment_pre = dict(zip(rng_meta.choice(n, len(IMP_COMMENTS_PRE), replace=False),
                           IMP_COMMENTS_PRE))
    pre_rows = []
    for i in range(n):
        row = meta_row("pre", i, ips[i], True, 100)
        row.update({"participant_code": codes[i], "group": group[i], "cohort": cohort[i],
                    "age": int(age[i]), "gender": gender[i], "profession": profession[i]})
        row.update(item_cells(file_pre, i))
        row["Comments"] = comment_pre.get(i, "")
        pre_rows.append(row)
    post_candidates = np.flatnonzero(has_post)
    comment_post = dict(zip(rng_meta.choice(post_candidates, len(IMP_COMMENTS_POST),
                                            replace=False), IMP_COMMENTS_POST))
    post_rows = []
    for i in post_candidates:
        if i == twice:
            # the complete response comes on a later day than the abandoned one
            abandoned = meta_row("post", i, ips[n + i], False, 40, day_index=1)
            abandoned.update({"participant_code": codes[i], "group": group[i],
                              "cohort": cohort[i], "Practice_min": practice_min[i]})
            abandoned.update(item_cells({}, None, partial_items))
            abandoned["Comments"] = ""
            post_rows.append(abandoned)
            row = meta_row("post", i, ips[n + i], True, 100, day_index=4)
        else:
            row = meta_row("post", i, ips[n + i], True, 100)
        row.update({"participant_code": codes[i], "group": group[i], "cohort": cohort[i],
                    "Practice_min": practice_min[i]})
        row.update(item_cells(file_post, i))
        row["Comments"] = comment_post.get(int(i), "")
        post_rows.append(row)

    frames = {}
    for wave, rows in (("pre", pre_rows), ("post", post_rows)):
        frame = pd.DataFrame(rows)
        frame = frame.sort_values("RecordedDate", kind="stable").reset_index(drop=True)
        frames[wave] = frame

    parameters = {
        "seed": seed, "loadings": dict(sorted(loading.items())),
        "fatigue_group_loading": general_b["fatigue"], "effects": effect_parameters,
        "retest": IMP_RETEST, "time_shift": IMP_TIME_SHIFT,
    }
    notes = {
        "no_post_row": codes[no_post], "opened_post_twice": codes[twice],
        "typo": {"participant_code": codes[typo_person], "wave": "post",
                 "column": f"SCS_{typo_item}", "value": 55},
        "pss_items_skipped": {"participant_code": codes[pss_skipper], "wave": "post",
                              "columns": [f"PSS_{i}" for i in skipped_pss]},
        "missing_item_cells": {"pre": int(sum(m.sum() for m in mask_pre.values())),
                               "post": int(sum(m[has_post].sum() for m in mask_post.values()))},
    }
    return Simulation(frames, parameters, achieved, notes)


# --------------------------------------------------------------------------------------------
# Study 2: trainee_wellbeing (cross-sectional, REDCap)
# --------------------------------------------------------------------------------------------

TRAINEE_MEASURES = ("maas15.total", "scs_sf12.total", "brs.total", "pss10.total",
                    "flourishing.total", "mh_rating", "confidence_care.total")
#: Target Pearson correlations (upper triangle, in TRAINEE_MEASURES order). Published: maas and
#: scs_sf with confidence .91/.81, brs with mental health .83, pss from -.62 (flourishing) to
#: -.92 (confidence); the other pairs are plausible choices giving a positive-definite matrix.
TRAINEE_TARGETS = {
    ("maas15.total", "scs_sf12.total"): 0.70, ("maas15.total", "brs.total"): 0.78,
    ("maas15.total", "pss10.total"): -0.85, ("maas15.total", "flourishing.total"): 0.60,
    ("maas15.total", "mh_rating"): 0.68, ("maas15.total", "confidence_care.total"): 0.91,
    ("scs_sf12.total", "brs.total"): 0.80, ("scs_sf12.total", "pss10.total"): -0.80,
    ("scs_sf12.total", "flourishing.total"): 0.66, ("scs_sf12.total", "mh_rating"): 0.70,
    ("scs_sf12.total", "confidence_care.total"): 0.81,
    ("brs.total", "pss10.total"): -0.82, ("brs.total", "flourishing.total"): 0.64,
    ("brs.total", "mh_rating"): 0.83, ("brs.total", "confidence_care.total"): 0.80,
    ("pss10.total", "flourishing.total"): -0.62, ("pss10.total", "mh_rating"): -0.76,
    ("pss10.total", "confidence_care.total"): -0.92,
    ("flourishing.total", "mh_rating"): 0.58, ("flourishing.total", "confidence_care.total"): 0.63,
    ("mh_rating", "confidence_care.total"): 0.74,
}
TRAINEE_N = 12
TRAINEE_AGE_SUM = 331            # mean 27.58, reported as 27.6 (27.6 x 12 is not an integer)
TRAINEE_GENDER = (1,) * 7 + (2,) * 4 + (3,)
#: REDCap form -> (instrument id, field prefix, item loading, keyed category probabilities).
TRAINEE_FORMS = {
    "maas": ("maas15", "maas", 0.75, (0.04, 0.12, 0.24, 0.30, 0.20, 0.10)),
    "scs_sf": ("scs_sf12", "scs", 0.72, (0.08, 0.22, 0.34, 0.25, 0.11)),
    "brs": ("brs", "brs", 0.75, (0.05, 0.18, 0.32, 0.33, 0.12)),
    "pss": ("pss10", "pss", 0.75, (0.10, 0.26, 0.36, 0.20, 0.08)),
    "flourishing": ("flourishing", "fs", 0.75, (0.01, 0.03, 0.07, 0.14, 0.30, 0.35, 0.10)),
    "confidence": ("confidence_care", "conf", 0.80, (0.05, 0.20, 0.38, 0.27, 0.10)),
}
TRAINEE_MH_PROBABILITIES = (0.08, 0.22, 0.38, 0.22, 0.10)
TRAINEE_COMMENTS = (
    "Rota made it hard to find time for these questionnaires",
    "Would value protected time for reflective practice",
    "Balint group has helped, more of this please",
)
TRAINEE_NAMES = ("Amelia", "Ben", "Chidi", "Dana", "Elif", "Farah", "George", "Hiroshi",
                 "Isla", "Jamal", "Katie", "Leo", "Mei", "Noor")


def trainee_target_matrix() -> np.ndarray:
    """The 7 x 7 target correlation matrix in :data:`TRAINEE_MEASURES` order."""
    index = {name: i for i, name in enumerate(TRAINEE_MEASURES)}
    matrix = np.eye(len(TRAINEE_MEASURES))
    for (a, b), r in TRAINEE_TARGETS.items():
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = r
    return matrix


def confidence_care_definition() -> dict:
    """The study's own 5-item instrument, in the bundled definitions' format."""
    return {
        "id": "confidence_care",
        "name": "Confidence in giving calm, compassionate care",
        "citation": "Study-specific scale of the trainee_wellbeing example study (simulated "
                    "data); not a published instrument.",
        "licence": "Written for the example study; free to reuse.",
        "sources": ["scripts/make_example_data.py (simulated example study)"],
        "items": 5,
        "response": {"min": 1, "max": 5, "labels": {
            1: "not at all confident", 2: "slightly confident", 3: "moderately confident",
            4: "very confident", 5: "extremely confident"}},
        "missing": {"min_answered": 0.8, "note": "Mean of answered items when at least 4 of "
                                                 "the 5 items are answered."},
        "scales": {"total": {"label": "Confidence in giving calm, compassionate care",
                             "items": [1, 2, 3, 4, 5], "reverse": [], "score": "mean"}},
    }


def _trainee_definition(instrument: str) -> dict:
    if instrument == "confidence_care":
        return confidence_care_definition()
    return load_definition(instrument)


def simulate_trainee_wellbeing(seed: int = TRAINEE_SEED, tolerance: float = 0.01,
                               max_steps: int = 60000) -> Simulation:
    """Simulate the trainee_wellbeing study: one frame ``export`` in REDCap's raw layout.

    Scores follow a latent model with the target correlation matrix; a seeded hill climb then
    moves single item responses by one step while that brings every Pearson correlation
    between the scores closer to :data:`TRAINEE_TARGETS`, until all are within ``tolerance``.
    """
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    rng_latent, rng_items, rng_climb, rng_people, rng_meta = streams
    n = TRAINEE_N
    target = trainee_target_matrix()
    latent = exact_standard_normal(rng_latent, n, len(TRAINEE_MEASURES)) \
        @ np.linalg.cholesky(target).T
    traits = {name: latent[:, i] for i, name in enumerate(TRAINEE_MEASURES)}

    items, definitions, ranges = {}, {}, {}
    for form, (instrument, prefix, lam, probabilities) in TRAINEE_FORMS.items():
        definition = _trainee_definition(instrument)
        definitions[form] = definition
        facet = Facet(instrument, "total", 1, 0.0, None, 0.0, probabilities)
        plan = make_plan(instrument, [facet], rng_items, definition=definition)
        plan.loading = {f"{instrument}.total": lam}
        noise = rng_items.standard_normal((n, len(plan.facet_of_item)))
        items[form] = plan.generate({f"{instrument}.total": traits[f"{instrument}.total"]},
                                    noise)
        ranges[form] = (plan.low, plan.high)
    mh_cuts = thresholds(TRAINEE_MH_PROBABILITIES)
    items["mental_health"] = (1 + (traits["mh_rating"][:, None] > mh_cuts[None, :]).sum(1)
                              ).astype(float)[:, None]
    ranges["mental_health"] = (1, 5)
    order = ["maas", "scs_sf", "brs", "pss", "flourishing", "mental_health", "confidence"]

    def score(form: str, values: np.ndarray) -> np.ndarray:
        if form == "mental_health":
            return values[:, 0]
        return score_scale(values, definitions[form], "total")

    scores = np.column_stack([score(form, items[form]) for form in order])
    upper = np.triu_indices(len(order), 1)

    def loss(matrix: np.ndarray) -> tuple[float, float]:
        error = np.corrcoef(matrix.T)[upper] - target[upper]
        return float((error ** 2).sum()), float(np.abs(error).max())

    current, worst = loss(scores)
    steps = 0
    while worst > tolerance and steps < max_steps:
        steps += 1
        m = int(rng_climb.integers(0, len(order)))
        form = order[m]
        i = int(rng_climb.integers(0, n))
        j = int(rng_climb.integers(0, items[form].shape[1]))
        step = 1 if rng_climb.random() < 0.5 else -1
        low, high = ranges[form]
        old = items[form][i, j]
        if not low <= old + step <= high:
            continue
        items[form][i, j] = old + step
        trial = scores.copy()
        trial[:, m] = score(form, items[form])
        new, new_worst = loss(trial)
        if new < current:
            scores, current, worst = trial, new, new_worst
        else:
            items[form][i, j] = old

    achieved = {"pearson": {}, "steps": steps, "max_abs_error": worst}
    names = list(TRAINEE_MEASURES)
    for a, b in TRAINEE_TARGETS:
        r, p = stats.pearsonr(scores[:, names.index(a)], scores[:, names.index(b)])
        achieved["pearson"][f"{a}~{b}"] = (float(r), float(p))

    # --- people and the REDCap frame ---------------------------------------------------------
    age = exact_integers(rng_people, n, TRAINEE_AGE_SUM, 2.3, 24, 35)
    gender = rng_people.permutation(np.array(TRAINEE_GENDER))
    training_year = rng_people.choice([1, 2, 3, 4, 5], n, p=[0.3, 0.3, 0.2, 0.1, 0.1])
    first = rng_meta.choice(np.array(TRAINEE_NAMES, dtype=object), n, replace=False)
    last = rng_meta.choice(np.array(SURNAMES, dtype=object), n, replace=False)
    comments = dict(zip(rng_meta.choice(n, len(TRAINEE_COMMENTS), replace=False),
                        TRAINEE_COMMENTS))
    rows = []
    for i in range(n):
        row = {"record_id": i + 1, "redcap_event_name": "baseline_arm_1",
               "redcap_repeat_instrument": "", "redcap_repeat_instance": "",
               "first_name": first[i], "last_name": last[i],
               "email": f"{_ascii(first[i])}.{_ascii(last[i])}@example.org",
               "age": int(age[i]), "gender": int(gender[i]),
               "training_year": int(training_year[i]), "demographics_complete": 2}
        for form in ("maas", "scs_sf", "brs", "pss", "flourishing"):
            prefix = TRAINEE_FORMS[form][1]
            for j, value in enumerate(items[form][i], start=1):
                row[f"{prefix}_{j}"] = value
            row[f"{form}_complete"] = 2
        row["mh_rating"] = items["mental_health"][i, 0]
        row["mental_health_complete"] = 2
        for j, value in enumerate(items["confidence"][i], start=1):
            row[f"conf_{j}"] = value
        row["confidence_complete"] = 2
        row["comments"] = comments.get(i, "")
        row["feedback_complete"] = 2
        rows.append(row)
    parameters = {"seed": seed, "loadings": {f: v[2] for f, v in TRAINEE_FORMS.items()},
                  "tolerance": tolerance}
    return Simulation({"export": pd.DataFrame(rows)}, parameters, achieved)



# --------------------------------------------------------------------------------------------
# mindful_practice: a single-arm programme evaluation over three waves
# --------------------------------------------------------------------------------------------

PRACTICE_SEED = 20091007
#: The single arm's instruments: form -> (instrument id, column prefix, item loading,
#: keyed category probabilities at baseline).
PRACTICE_FORMS = {
    "pss": ("pss10", "PSS", 0.75, (0.08, 0.22, 0.36, 0.24, 0.10)),
    "scs": ("scs_sf12", "SCSSF", 0.72, (0.10, 0.25, 0.33, 0.22, 0.10)),
    "ffmq": ("ffmq15", "FFMQ", 0.70, (0.06, 0.20, 0.36, 0.27, 0.11)),
}
#: Baseline correlations of the three traits (stress, self-compassion, mindfulness).
PRACTICE_CORRELATION = np.array([[1.0, -0.55, -0.45], [-0.55, 1.0, 0.50], [-0.45, 0.50, 1.0]])
#: Mean change from baseline in latent SD units, per wave (stress falls, the others rise).
PRACTICE_CHANGE = {"T1": np.array([-0.50, 0.35, 0.30]), "T2": np.array([-0.40, 0.30, 0.25])}
PRACTICE_RETEST = 0.75           # correlation of a trait between waves
PRACTICE_N = 36
PRACTICE_LOST = {"T1": 4, "T2": 9}   # not answering at that wave (T2's include T1's)
PRACTICE_MISSING_RATE = 0.01     # an item left blank
PRACTICE_SESSIONS = 8            # weekly sessions of the course


def simulate_mindful_practice(seed: int = PRACTICE_SEED) -> Simulation:
    """Simulate the mindful_practice example study: a single arm of clinicians answering the
    PSS-10, SCS-SF and FFMQ-15 before (T0), after (T1) and three months after (T2) an 8-week
    course; a long survey export ``surveys`` (one row per participant and wave answered) and an
    ``attendance`` register (one row per participant: sessions attended, role).

    Traits are standard normal at baseline with :data:`PRACTICE_CORRELATION`; at each later wave
    ``retest * baseline + sqrt(1 - retest^2) * noise + change`` (:data:`PRACTICE_CHANGE`); items
    come from the bundled definitions' keys through :class:`ItemPlan`.
    """
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    rng_latent, rng_items, rng_missing, rng_people, rng_lost = streams
    n = PRACTICE_N
    chol = np.linalg.cholesky(PRACTICE_CORRELATION)
    baseline = exact_standard_normal(rng_latent, n, 3) @ chol.T
    waves = {"T0": baseline}
    for wave, change in PRACTICE_CHANGE.items():
        noise = rng_latent.standard_normal((n, 3)) @ chol.T
        waves[wave] = PRACTICE_RETEST * baseline + math.sqrt(1 - PRACTICE_RETEST ** 2) * noise + change
    plans = {}
    for form, (instrument, _, loading, probabilities) in PRACTICE_FORMS.items():
        facet = Facet(instrument, "total", 1, 0.0, None, 0.0, probabilities)
        plan = make_plan(instrument, [facet], rng_items)
        plan.loading = {f"{instrument}.total": loading}
        plans[form] = plan
    lost_t1 = set(rng_lost.choice(n, PRACTICE_LOST["T1"], replace=False).tolist())
    others = [i for i in range(n) if i not in lost_t1]
    lost_t2 = lost_t1 | set(rng_lost.choice(others, PRACTICE_LOST["T2"] - len(lost_t1), replace=False).tolist())
    absent = {"T0": set(), "T1": lost_t1, "T2": lost_t2}
    codes = [f"MP{number:03d}" for number in rng_people.choice(np.arange(100, 1000), n, replace=False)]
    rows = []
    for wave, latent in waves.items():
        answers = {}
        for column, form in enumerate(PRACTICE_FORMS):
            plan = plans[form]
            instrument = PRACTICE_FORMS[form][0]
            noise = rng_items.standard_normal((n, len(plan.facet_of_item)))
            values = plan.generate({f"{instrument}.total": latent[:, column]}, noise)
            blank = rng_missing.random(values.shape) < PRACTICE_MISSING_RATE
            answers[form] = np.where(blank, np.nan, values)
        for i in range(n):
            if i in absent[wave]:
                continue
            row = {"code": codes[i], "visit": wave}
            for form, (_, prefix, _, _) in PRACTICE_FORMS.items():
                for j, value in enumerate(answers[form][i], start=1):
                    row[f"{prefix}_{j}"] = value
            rows.append(row)
    surveys = pd.DataFrame(rows)
    # attendance: more sessions for those who stayed; roles of a primary-care team
    sessions = np.clip(np.round(rng_people.normal(6.2, 1.5, n)), 1, PRACTICE_SESSIONS).astype(int)
    for i in lost_t2:
        sessions[i] = max(1, sessions[i] - int(rng_people.integers(1, 4)))
    roles = rng_people.choice(["physician", "nurse", "physician", "allied health"], n)
    attendance = pd.DataFrame({"code": codes, "sessions": sessions, "role": roles})
    parameters = {"seed": seed, "n": n, "retest": PRACTICE_RETEST,
                  "change": {wave: change.tolist() for wave, change in PRACTICE_CHANGE.items()},
                  "lost": {wave: len(people) for wave, people in absent.items()}}
    return Simulation({"surveys": surveys, "attendance": attendance}, parameters, {})
