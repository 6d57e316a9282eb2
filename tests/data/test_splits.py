"""Tests of ``sftlab.data.splits``."""

from __future__ import annotations

import pytest

from sftlab.data.splits import grouped_split, groups_crossing


def test_grouped_split_keeps_groups_whole_and_balances():
    items = list(range(2000))
    groups = [i // 5 for i in items]
    strata = ["pos" if i % 3 else "neg" for i in items]
    parts = grouped_split(items, groups, strata, seed=3)
    assert not groups_crossing({k: [groups[i] for i in v] for k, v in parts.items()})
    assert sorted(i for v in parts.values() for i in v) == items
    for name, share in (("train", 0.7), ("dev", 0.15), ("test", 0.15)):
        assert abs(len(parts[name]) / 2000 - share) < 0.02
        neg = sum(strata[i] == "neg" for i in parts[name]) / len(parts[name])
        assert abs(neg - 1 / 3) < 0.03
    assert parts == grouped_split(items, groups, strata, seed=3)


def test_grouped_split_rejects_bad_input():
    with pytest.raises(ValueError):
        grouped_split([1, 2], [1], None)
    with pytest.raises(ValueError, match="sum to 1"):
        grouped_split([1], [1], None, fractions={"train": 0.5})
