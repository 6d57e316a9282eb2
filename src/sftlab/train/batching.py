"""Batches of similar length, padded only as far as each batch needs.

Padding every sentence to 128 sub-words spends most of the compute on padding when the median
sentence has 25. Two fixes, used together:

- **dynamic padding**: each batch is padded to its own longest member (the transformers
  collators do this);
- **length grouping**: batches are drawn from a pool of neighbours in length, so a batch's
  longest member is close to its shortest. Batch order is still shuffled, and the pools are
  shuffled, so the model does not see lengths in order.

For a causal LM there is a third way, **padding-free batching** (TRL's ``padding_free``; often
loosely called packing, which in TRL fills rows of a fixed length): the examples of a batch are
laid end to end in one row, with ``position_ids`` that restart at 0 for each example and no
attention mask; transformers then builds a block-diagonal causal mask from the positions, so an
example attends to itself only (:func:`flatten_causal_batch`).
"""

from __future__ import annotations

import random
from typing import Sequence

import torch


def length_grouped_batches(
    lengths: Sequence[int], batch_size: int, *, seed: int, shuffle: bool = True, pool_factor: int = 50
) -> list[list[int]]:
    """Index batches: shuffle, cut into pools of ``pool_factor`` batches, sort each pool by length.

    With ``shuffle=False`` the examples are sorted by length overall (fastest for inference;
    the caller restores the original order). The same ``seed`` gives the same batches.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = list(range(len(lengths)))
    if not shuffle:
        order.sort(key=lambda i: lengths[i])
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng = random.Random(seed)
    rng.shuffle(order)
    pool = batch_size * pool_factor
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def shard_batches(batches: list[list[int]], rank: int, world_size: int) -> list[list[int]]:
    """This rank's share of the batches for data-parallel training.

    Every rank gets the same number of batches (the list is padded by repeating its first
    batches), so all ranks take the same number of optimizer steps.
    """
    if world_size == 1:
        return batches
    per_rank = -(-len(batches) // world_size)
    padded = batches + batches[: per_rank * world_size - len(batches)]
    return padded[rank::world_size]


def pad_causal_batch(features: Sequence[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad causal-LM features to the batch's longest: pad tokens get attention 0 and label -100.

    Padding is recognised by position, never by token id: many chat models pad with their EOS
    token, and masking every EOS in the labels would stop the model from learning to end its answer.
    """
    longest = max(len(f["input_ids"]) for f in features)
    ids, mask, labels = [], [], []
    for f in features:
        pad = longest - len(f["input_ids"])
        ids.append(list(f["input_ids"]) + [pad_id] * pad)
        mask.append([1] * len(f["input_ids"]) + [0] * pad)
        labels.append(list(f["labels"]) + [-100] * pad)
    return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask), "labels": torch.tensor(labels)}


def flatten_causal_batch(features: Sequence[dict]) -> dict[str, torch.Tensor]:
    """Pack a batch into one row with no padding: positions restart per example, no attention mask.

    The first label of each example is -100: with the causal shift it would be predicted from the
    previous example's last token. A loss over the row then equals the sum of the examples' losses.
    """
    ids, positions, labels = [], [], []
    for f in features:
        ids += list(f["input_ids"])
        positions += list(range(len(f["input_ids"])))
        labels += [-100] + list(f["labels"][1:])
    return {
        "input_ids": torch.tensor([ids]),
        "position_ids": torch.tensor([positions]),
        "labels": torch.tensor([labels]),
    }


def make_collator(tokenizer, task: str):
    """The collator that pads a batch dynamically: token labels with -100 for ``ner``; for ``causal_lm``
    (chat SFT) padded rows, for ``causal_lm_packed`` one packed row per batch."""
    from functools import partial

    from transformers import DataCollatorForTokenClassification, DataCollatorWithPadding

    if task == "ner":
        return DataCollatorForTokenClassification(tokenizer, label_pad_token_id=-100, return_tensors="pt")
    if task == "classification":
        return DataCollatorWithPadding(tokenizer, return_tensors="pt")
    if task == "causal_lm":
        return partial(
            pad_causal_batch,
            pad_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
        )
    if task == "causal_lm_packed":
        return flatten_causal_batch
    raise ValueError(f"unknown task {task!r}: use 'ner', 'classification', 'causal_lm' or 'causal_lm_packed'")


def collate(collator, features: Sequence[dict], indices: Sequence[int]) -> dict[str, torch.Tensor]:
    """Pad the features at ``indices`` into tensors (bookkeeping keys such as ``word_ids`` dropped)."""
    keep = ("input_ids", "attention_mask", "labels", "token_type_ids", "position_ids")
    return collator([{k: v for k, v in features[i].items() if k in keep} for i in indices])
