"""Tests of ``sftlab.data.dedup``."""

from __future__ import annotations

import pytest

from sftlab.data.dedup import (
    cluster_ids,
    cross_split_pairs,
    dedup_key,
    exact_duplicate_groups,
    jaccard,
    minhash_signatures,
    near_duplicate_pairs,
    shingles,
)


def test_dedup_key_and_exact_groups():
    assert dedup_key("Hello, World!") == dedup_key("hello world") == "hello world"
    assert exact_duplicate_groups(["A b.", "c", "a B", "C!", "d"]) == [[0, 2], [1, 3]]


def test_jaccard_hand_computed():
    assert jaccard({1, 2, 3}, {2, 3, 4}) == pytest.approx(2 / 4)
    assert jaccard(set(), set()) == 1.0
    assert shingles("abcdef", 5) == {"abcde", "bcdef"}


def test_minhash_estimates_jaccard():
    a = {f"x{i}" for i in range(100)}
    b = {f"x{i}" for i in range(50, 150)}  # true Jaccard 50/150 = 1/3
    sig = minhash_signatures([a, b], num_perm=512, seed=1)
    estimate = (sig[0] == sig[1]).mean()
    assert abs(estimate - 1 / 3) < 0.06


def test_near_duplicates_are_found_and_verified():
    texts = ["The battery easily lasts two full days of heavy use.",
             "The battery easily lasts two full days of heavy use!!",
             "Battery easily lasts 2 full days of heavy use.",
             "Terrible customer service, never again."]
    pairs = near_duplicate_pairs(texts, threshold=0.6)
    assert {(i, j) for i, j, _ in pairs} == {(0, 1), (0, 2), (1, 2)}
    assert all(s >= 0.6 for _, _, s in pairs)
    assert cluster_ids(4, pairs) == [0, 0, 0, 3]


def test_cross_split_leaks():
    leaks = cross_split_pairs({"train": ["The soup was cold and bland.", "Great phone"],
                               "test": ["the soup was cold and bland", "Awful app"]}, threshold=0.8)
    assert len(leaks) == 1 and {leaks[0]["a"][0], leaks[0]["b"][0]} == {"train", "test"}
