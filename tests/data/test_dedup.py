"""Tests of ``sftlab.data.dedup``."""

from __future__ import annotations

import random

import numpy as np
import pytest

from sftlab.data.dedup import (
    cluster_ids,
    cross_split_pairs,
    dedup_key,
    exact_duplicate_groups,
    exact_jaccard_pairs,
    jaccard,
    lsh_probability,
    merged_groups,
    minhash_signatures,
    near_duplicate_pairs,
    pairs_across,
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
    texts = [
        "The battery easily lasts two full days of heavy use.",
        "The battery easily lasts two full days of heavy use!!",
        "Battery easily lasts 2 full days of heavy use.",
        "Terrible customer service, never again.",
    ]
    pairs = near_duplicate_pairs(texts, threshold=0.6)
    assert {(i, j) for i, j, _ in pairs} == {(0, 1), (0, 2), (1, 2)}
    assert all(s >= 0.6 for _, _, s in pairs)
    assert cluster_ids(4, pairs) == [0, 0, 0, 3]


def test_cross_split_leaks():
    leaks = cross_split_pairs(
        {
            "train": ["The soup was cold and bland.", "Great phone"],
            "test": ["the soup was cold and bland", "Awful app"],
        },
        threshold=0.8,
    )
    assert len(leaks) == 1 and {leaks[0]["a"][0], leaks[0]["b"][0]} == {"train", "test"}


def test_merged_groups_join_groups_with_near_duplicates_or_a_shared_key():
    base = ["film a", "film a", "film b", "film c", "film d"]
    texts = [
        "The soup was cold and bland.",
        "Great phone, long battery life.",
        "the soup was cold and bland",
        "An entirely different review here.",
        "Nothing in common with the rest.",
    ]
    assert merged_groups(base, texts) == ["film a", "film a", "film a", "film c", "film d"]
    assert merged_groups(base, texts, keys=["k1", "k2", "k3", "k4", "k4"]) == ["film a"] * 3 + ["film c"] * 2


def test_pairs_across_orients_each_leak_train_to_test():
    pairs = [(0, 1, 0.9), (2, 3, 0.6), (4, 1, 0.7), (5, 6, 0.8)]
    assert pairs_across(pairs, train=[1, 2, 3], test=[0, 4]) == [(1, 0, 0.9), (1, 4, 0.7)]
    assert pairs_across(pairs, train=[0, 2, 4], test=[1, 3, 5]) == [(0, 1, 0.9), (2, 3, 0.6), (4, 1, 0.7)]
    assert pairs_across(pairs, train=[0, 1], test=[2, 3]) == []
    with pytest.raises(ValueError, match="in both train and test"):
        pairs_across(pairs, train=[0, 1], test=[1, 2])


def test_exact_jaccard_pairs_equal_brute_force_in_blocks():
    texts = _near_copies(7, 60)
    sets = [shingles(t) for t in texts]
    brute = [
        (i, j, jaccard(sets[i], sets[j]))
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
        if jaccard(sets[i], sets[j]) >= 0.4
    ]
    found = exact_jaccard_pairs(texts, 0.4, block=7)
    assert [(i, j) for i, j, _ in found] == [(i, j) for i, j, _ in brute] and brute
    assert all(s == pytest.approx(t) for (*_, s), (*_, t) in zip(found, brute))
    with pytest.raises(ValueError, match="threshold"):
        exact_jaccard_pairs(texts, 0)


def test_lsh_probability_is_the_banding_formula():
    assert lsh_probability(0.5, 32, 4) == pytest.approx(1 - (1 - 0.5**4) ** 32)
    assert lsh_probability(0.0) == 0.0 and lsh_probability(1.0) == 1.0
    assert np.all(np.diff(lsh_probability(np.linspace(0, 1, 11))) >= 0)


# --- cross-checks against datasketch on random data -------------------------------------------


def _near_copies(seed: int, count: int = 120) -> list[str]:
    rng = random.Random(seed)
    words = "the film was good bad slow quick plot actor scene ending music light dark long short".split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(8, 16))) for _ in range(count // 2)]
    for text in list(texts):
        tokens = text.split()
        tokens[rng.randrange(len(tokens))] = rng.choice(words)
        texts.append(" ".join(tokens))
    return texts


@pytest.mark.parametrize("seed", range(3))
def test_near_duplicates_equal_datasketch_minhash_lsh(seed):
    from datasketch import MinHash, MinHashLSH

    texts = _near_copies(seed)
    sets = [shingles(t) for t in texts]
    lsh = MinHashLSH(num_perm=128, params=(32, 4))
    hashes = []
    for index, items in enumerate(sets):
        m = MinHash(num_perm=128, seed=seed)
        m.update_batch([x.encode() for x in items])
        lsh.insert(str(index), m)
        hashes.append(m)
    theirs = set()
    for index, m in enumerate(hashes):
        for other in map(int, lsh.query(m)):
            if index < other and jaccard(sets[index], sets[other]) >= 0.7:
                theirs.add((index, other))
    ours = {(i, j) for i, j, _ in near_duplicate_pairs(texts, 0.7, seed=seed)}
    exact = {(i, j) for i, j, _ in exact_jaccard_pairs(texts, 0.7)}
    # At Jaccard >= 0.7, 32 bands of 4 rows miss a pair with probability < 0.001: both find all of them.
    assert ours == theirs == exact and len(exact) >= 10
