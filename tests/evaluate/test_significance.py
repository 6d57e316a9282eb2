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
    strong = significance.paired_bootstrap(lambda i: float(np.mean(a[i])), lambda i: float(np.mean(b[i])), 500, samples=500)
    assert strong["difference"] > 0 and strong["p_value"] < 0.01
    same = significance.paired_bootstrap(lambda i: float(np.mean(a[i])), lambda i: float(np.mean(a[i])), 500, samples=200)
    assert same["p_value"] == 1.0
