"""Tests of ``sftlab.evaluate.proportions``."""

from __future__ import annotations

import pytest
from scipy import stats

from sftlab.evaluate.proportions import compare_shares


def test_compare_shares_is_fishers_one_sided_test():
    result = compare_shares([True] * 8 + [False] * 52, [False] * 24, names=("human", "generated"), measure="rejected")
    assert (result.a_count, result.a_total, result.b_count, result.b_total) == (8, 60, 0, 24)
    assert result.p_value == pytest.approx(stats.fisher_exact([[8, 52], [0, 24]], alternative="greater").pvalue)
    assert 0.05 < result.p_value < 0.07 and result.within_noise and not result
    assert "8/60 (0.133)" in result.figures() and "not established" in result.describe()


def test_compare_shares_finds_a_clear_difference_in_one_direction_only():
    larger = compare_shares([True] * 22 + [False] * 2, [False] * 24)
    assert larger.a_larger and bool(larger) and larger.p_value < 1e-6
    assert not compare_shares([False] * 24, [True] * 22 + [False] * 2).a_larger  # one-sided: "smaller" is not "larger"
    with pytest.raises(ValueError, match="at least one outcome"):
        compare_shares([], [True])
