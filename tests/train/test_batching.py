"""Tests of ``sftlab.train.batching``."""

from __future__ import annotations

from sftlab.train.batching import length_grouped_batches, shard_batches


def test_length_grouped_batches_are_deterministic_cover_everything_and_are_tight():
    lengths = [(i * 37) % 97 + 3 for i in range(1000)]
    batches = length_grouped_batches(lengths, 32, seed=5)
    assert batches == length_grouped_batches(lengths, 32, seed=5)
    assert batches != length_grouped_batches(lengths, 32, seed=6)
    assert sorted(i for b in batches for i in b) == list(range(1000))
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 10  # random batches of 32 would span most of the 3..99 range


def test_shards_have_equal_length_and_cover_all_batches():
    batches = [[i] for i in range(7)]
    shards = [shard_batches(batches, rank, 2) for rank in range(2)]
    assert len(shards[0]) == len(shards[1]) == 4
    assert {b[0] for s in shards for b in s} == set(range(7))
