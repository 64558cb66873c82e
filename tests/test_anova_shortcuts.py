"""The shortcuts the ANOVA and ANCOVA stages take at 100,000 participants give the numbers of
the long way, bit for bit: special functions instead of scipy.stats' distributions, the rank of
a design from its cross-product, sorted participant codes in the mixed model, text arrays of
levels, and reading only the columns a stage uses."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wellbeing import ancova, anova, io


def same(a, b) -> bool:
    """Equal bits (NaN equal to NaN), and the same type."""
    return type(a) is type(b) and np.array_equal(a, b, equal_nan=True) and np.signbit(a) == np.signbit(b)


XS = [-np.inf, -30.0, -1.5, -0.0, 0.0, 1e-300, 0.4, 2.0, 17.3, 250.0, 1e5, np.inf, np.nan]
DFS = [-1, 0, 1, 2, 3.5, 30, 1e5, 199_991.3, np.int64(4), np.inf, np.nan]
NCS = [-300.0, -2.0, 0.0, 0.7, 12.0, 900.0, np.nan]


def test_noncentral_cdfs_are_scipy_stats():
    for x, dfn, dfd, nc in itertools.product(XS, DFS[:8], DFS[3:8], NCS):
        expected = stats.ncf.cdf(x, dfn, dfd, nc) if nc > 0 else stats.f.cdf(x, dfn, dfd)
        assert same(anova._ncf_cdf(x, dfn, dfd, nc), expected), (x, dfn, dfd, nc)
    for x, df, nc in itertools.product(XS, DFS, NCS):
        assert same(anova._nct_cdf(x, df, nc), stats.nct.cdf(x, df, nc)), (x, df, nc)


def test_t_quantiles_and_tails_are_scipy_stats():
    for q, df in itertools.product([-0.1, 0.0, 1e-300, 0.025, 0.5, 0.95, 0.975, 1.0, np.nan], DFS):
        assert same(anova._t_ppf(q, df), stats.t.ppf(q, df)), (q, df)
    for x, df in itertools.product(XS, DFS):
        assert same(anova._t_sf(x, df), stats.t.sf(x, df)), (x, df)


def test_rank_is_matrix_rank():
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 3, 500)
    coded = np.column_stack([np.ones(500), groups == 1, groups == 2]).astype(float)
    cases = [coded,
             np.column_stack([coded, coded[:, 1] + coded[:, 2]]),      # collinear
             np.column_stack([coded, np.zeros(500)]),                   # an empty cell
             np.column_stack([coded, coded[:, 1] + 1e-9 * rng.normal(size=500)]),  # nearly
             rng.normal(size=(5, 8)),                                   # wide
             np.ones((4, 1)), np.zeros((3, 2)),
             np.column_stack([np.ones(1000), np.r_[np.ones(999), -1.0]])]  # very unbalanced
    for X in cases:
        assert anova._rank(X, X.T @ X) == np.linalg.matrix_rank(X)
        assert type(anova._rank(X, X.T @ X)) is type(np.linalg.matrix_rank(X))


def test_random_intercept_fit_with_sorted_codes_is_the_fit_with_identifiers():
    rng = np.random.default_rng(7)
    people = np.array([f"p{i:03d}" for i in rng.permutation(60)])
    ids = np.repeat(np.sort(people), 3)
    keep = rng.random(len(ids)) > 0.2
    ids = ids[keep]
    X = np.column_stack([np.ones(len(ids)), rng.integers(0, 2, len(ids))]).astype(float)
    y = rng.normal(size=len(ids)) + X[:, 1]
    by_name = anova.fit_random_intercept(y, X, ids)
    codes = pd.Index(np.sort(people)).get_indexer(ids) * 3          # sorted, with gaps
    by_code = anova.fit_random_intercept(y, X, codes, X.T @ X)
    for field in ("beta", "cov", "sigma2", "tau2"):
        assert np.array_equal(getattr(by_name, field), getattr(by_code, field))
    m = np.bincount(pd.factorize(ids)[0]).astype(float)
    sums = by_code.sums
    expected_sizes, expected_group = np.unique(m, return_inverse=True)
    assert np.array_equal(sums.sizes, expected_sizes)
    assert np.array_equal(sums.counts, np.bincount(expected_group).astype(float))


def test_text_arrays_of_levels_give_the_tables_of_lists():
    rng = np.random.default_rng(11)
    Y = rng.normal(size=(40, 3))
    groups = list(rng.choice(["a", "b"], 40))
    sex = list(rng.choice(["f", "m"], 40))
    as_list = {"sex": (sex, ["f", "m"])}
    as_array = {"sex": (np.array(sex), ["f", "m"])}
    waves = ["t1", "t2", "t3"]
    for function in (anova.cells, anova.followups, anova.assumptions):
        pd.testing.assert_frame_equal(function(Y, groups, ["a", "b"], waves, "x", factors=as_list),
                                      function(Y, np.array(groups), ["a", "b"], waves, "x", factors=as_array),
                                      check_exact=True)
    levels = {"group": ["a", "b"], "sex": ["f", "m"]}
    pd.testing.assert_frame_equal(anova.factorial_anova(Y, {"group": groups, "sex": sex}, levels),
                                  anova.factorial_anova(Y, {"group": np.array(groups), "sex": np.array(sex)},
                                                        levels), check_exact=True)


@pytest.fixture
def scores_file(tmp_path):
    rng = np.random.default_rng(5)
    n = 30
    frame = pd.DataFrame({"participant": np.repeat([f"0{i:02d}" for i in range(n)], 2),
                          "wave": ["pre", "post"] * n, "group": np.repeat(rng.choice(["c", "t"], n), 2),
                          "sex": np.repeat(rng.choice([1.0, 2.0], n), 2), "unused": "x",
                          "sessions": np.repeat(rng.integers(0, 9, n), 2),
                          "pss": rng.normal(20, 5, 2 * n).round(1), "other": rng.normal(size=2 * n)})
    frame.loc[3, "pss"] = np.nan
    path = tmp_path / "scores_wide.csv"
    io.write_table(frame, path)
    study = {"waves": ["pre", "post"], "groups": ["c", "t"], "design": "mixed",
             "factors": [{"column": "sex", "name": "sex", "levels": [1, 2]}],
             "populations": {"pp": {"exclude": [{"variable": "sessions", "below": 3}]}},
             "analyses": {"anova": {"outcomes": ["pss"], "populations": ["all", "pp"]},
                          "ancova": {"outcomes": ["pss"], "covariates": ["other"]}}}
    return path, study


def test_stages_read_their_columns_as_the_whole_table_reads_them(scores_file):
    path, study = scores_file
    whole = io.read_table(path)
    assert anova.input_columns(study) == ["participant", "wave", "group", "sex", "pss", "sessions"]
    assert ancova.input_columns(study) == ["participant", "wave", "group", "sex", "pss", "other"]
    for stage in (anova, ancova):
        read = stage.read_scores(path, study)
        pd.testing.assert_frame_equal(read, whole[[c for c in whole.columns if c in stage.input_columns(study)]])
        for name, table in vars(stage.for_study(read, study)).items():
            pd.testing.assert_frame_equal(table, getattr(stage.for_study(whole, study), name), check_exact=True)
    absent = {**study, "analyses": {"anova": {"outcomes": ["pss", "nothing"]}}}
    pd.testing.assert_frame_equal(anova.read_scores(path, absent), whole)    # the error names what there is
