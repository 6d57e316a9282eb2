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


def test_causal_padding_is_found_by_position_not_by_token_id():
    from sftlab.train.batching import pad_causal_batch

    eos = 2  # this model pads with its end-of-turn token, which is also a target
    batch = pad_causal_batch(
        [{"input_ids": [5, 6, eos], "labels": [-100, 6, eos]}, {"input_ids": [7], "labels": [7]}], eos
    )
    assert batch["input_ids"].tolist() == [[5, 6, eos], [7, eos, eos]]
    assert batch["labels"].tolist() == [[-100, 6, eos], [7, -100, -100]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_a_packed_row_gives_each_example_the_logits_it_has_alone(tiny_llama):
    """Restarting position ids (no attention mask, no cache) keep examples apart; naive concatenation does not."""
    import torch

    from sftlab.train.batching import flatten_causal_batch

    model, _ = tiny_llama
    a, b = [5, 60, 700, 8000, 9], [11, 120, 1300]
    features = [{"input_ids": a, "labels": a}, {"input_ids": b, "labels": b}]
    packed = flatten_causal_batch(features)
    assert packed["position_ids"].tolist() == [[0, 1, 2, 3, 4, 0, 1, 2]]
    assert packed["labels"].tolist() == [[-100, 60, 700, 8000, 9, -100, 120, 1300]]
    with torch.no_grad():
        row = model(input_ids=packed["input_ids"], position_ids=packed["position_ids"], use_cache=False).logits[0]
        alone_b = model(input_ids=torch.tensor([b])).logits[0]
        naive = model(input_ids=packed["input_ids"], use_cache=False).logits[0]
        cached = model(input_ids=packed["input_ids"], position_ids=packed["position_ids"]).logits[0]
    assert torch.allclose(row[len(a) :], alone_b, atol=1e-5)
    assert not torch.allclose(naive[len(a) :], alone_b, atol=1e-3)
    assert not torch.allclose(cached[len(a) :], alone_b, atol=1e-3)  # with a cache, transformers ignores the packing
