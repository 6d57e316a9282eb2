"""Tests of ``sftlab.evaluate.significance``."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.evaluate import significance


def test_mcnemar_hand_computed():
    # 8 examples only A gets right, 2 only B: exact two-sided p = 2·P(X <= 2), X ~ Bin(10, 1/2) = 2·56/1024
    a = [True] * 8 + [False] * 2 + [True] * 5
    b = [False] * 8 + [True] * 2 + [True] * 5
    result = significance.mcnemar(a, b)
    assert (result["only_a"], result["only_b"]) == (8, 2) and result["p_value"] == pytest.approx(112 / 1024)
    assert significance.mcnemar([True], [True])["p_value"] == 1.0


def test_bootstrap_interval_contains_the_estimate_and_shrinks_with_n():
    rng = np.random.default_rng(1)
    small, large = rng.random(100) < 0.7, rng.random(2000) < 0.7
    point, low, high = significance.bootstrap_ci(lambda idx: float(np.mean(small[idx])), 100, samples=500)
    assert low <= point <= high and 0.1 < high - low < 0.25
    _, low2, high2 = significance.bootstrap_ci(lambda idx: float(np.mean(large[idx])), 2000, samples=500)
    assert high2 - low2 < (high - low) / 2


def test_paired_bootstrap_detects_a_real_difference_and_not_a_null_one():
    rng = np.random.default_rng(2)
    a = rng.random(500) < 0.85
    b = rng.random(500) < 0.70
    strong = significance.paired_bootstrap(
        lambda i: float(np.mean(a[i])), lambda i: float(np.mean(b[i])), 500, samples=500
    )
    assert strong["difference"] > 0 and strong["p_value"] < 0.01
    same = significance.paired_bootstrap(
        lambda i: float(np.mean(a[i])), lambda i: float(np.mean(a[i])), 500, samples=200
    )
    assert same["p_value"] == 1.0


def test_paired_bootstrap_reports_the_interval_and_both_p_values():
    rng = np.random.default_rng(3)
    a, b = rng.random(300) < 0.8, rng.random(300) < 0.78
    result = significance.paired_bootstrap(
        lambda i: float(np.mean(a[i])), lambda i: float(np.mean(b[i])), 300, samples=400
    )
    assert result["low"] < result["difference"] < result["high"]
    assert result["p_two_sided"] == min(1.0, 2 * result["p_value"]) and result["worse"] == round(
        result["p_value"] * 400
    )
    assert "contains 0" in significance.describe_difference(result, "a", "b", "accuracy")


def test_format_p_reports_a_zero_count_as_below_the_resolution():
    assert significance.format_p(0.0, 300) == "p < 0.0033 (0 of 300 resamples)"
    assert significance.format_p(0.0, 300, two_sided=True) == "p < 0.0067 (0 of 300 resamples)"
    assert significance.format_p(0.25, 300) == "p = 0.250" and significance.format_p(0.0004) == "p = 0.0004"


def test_describe_difference_names_the_better_side_for_either_direction_of_the_measure():
    result = {"difference": 0.1, "low": 0.05, "high": 0.15, "p_two_sided": 0.0, "samples": 100}
    assert "a is better" in significance.describe_difference(result, "a", "b", "F1")
    assert "b is better" in significance.describe_difference(result, "a", "b", "NLL", higher_is_better=False)


# --- cross-checks against scipy.stats on random data -------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_bootstrap_ci_equals_scipy_percentile_bootstrap(seed):
    from scipy import stats

    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(20, 300))
    values = rng.normal(size=n) ** 2  # skewed, so percentile and BCa intervals differ
    point, low, high = significance.bootstrap_ci(lambda idx: float(np.mean(values[idx])), n, samples=500, seed=seed)
    scipy_ci = stats.bootstrap(
        (values,), np.mean, n_resamples=500, method="percentile", rng=np.random.default_rng(seed)
    ).confidence_interval
    assert point == pytest.approx(values.mean()) and (low, high) == pytest.approx(
        (scipy_ci.low, scipy_ci.high), abs=1e-12
    )


@pytest.mark.parametrize("seed", range(3))
def test_paired_bootstrap_equals_scipy_paired_bootstrap_of_the_difference(seed):
    from scipy import stats

    rng = np.random.default_rng(200 + seed)
    n = 250
    a, b = rng.random(n) < 0.75, rng.random(n) < 0.7
    ours = significance.paired_bootstrap(
        lambda i: float(np.mean(a[i])), lambda i: float(np.mean(b[i])), n, samples=400, seed=seed
    )
    result = stats.bootstrap(
        (a.astype(float), b.astype(float)),
        lambda x, y, axis=-1: x.mean(axis) - y.mean(axis),
        paired=True,
        n_resamples=400,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    assert (ours["low"], ours["high"]) == pytest.approx(
        (result.confidence_interval.low, result.confidence_interval.high), abs=1e-12
    )
    distribution = result.bootstrap_distribution
    expected = np.mean(distribution <= 0) if ours["difference"] > 0 else np.mean(distribution >= 0)
    assert ours["p_value"] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_mcnemar_equals_scipy_exact_binomial_test(seed):
    from scipy import stats

    rng = np.random.default_rng(300 + seed)
    n = int(rng.integers(1, 400))
    a, b = rng.random(n) < rng.uniform(0.3, 0.95), rng.random(n) < rng.uniform(0.3, 0.95)
    ours = significance.mcnemar(list(a), list(b))
    disagreements = ours["only_a"] + ours["only_b"]
    expected = stats.binomtest(ours["only_a"], disagreements, 0.5).pvalue if disagreements else 1.0
    assert ours["p_value"] == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_mcnemar_accepts_numpy_booleans_with_many_disagreements():
    # 2**n in int64 overflows from n = 64: the counts must be Python ints
    a = np.array([True] * 70 + [False] * 30)
    b = ~a
    assert significance.mcnemar(list(a), list(b))["p_value"] == pytest.approx(
        significance.mcnemar(a.tolist(), b.tolist())["p_value"]
    )
    assert significance.mcnemar(list(a), list(b))["p_value"] < 1e-4
