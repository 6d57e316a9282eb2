"""Tests of ``sftlab.train.lora``."""

from __future__ import annotations

from sftlab.train.lora import apply_lora, trainable_parameters


def test_lora_trains_only_adapters_and_head(tiny):
    import copy

    model = apply_lora(rank=4)(copy.deepcopy(tiny[0]))
    trainable, total = trainable_parameters(model)
    adapters = 2 * 2 * (2 * 32 * 4)  # 2 layers x (query, value) x (A and B of 32 x 4)
    head = 32 * 2 + 2 + 32 * 32 + 32  # classifier plus the pooler peft keeps trainable for SEQ_CLS
    assert trainable in (adapters + 32 * 2 + 2, adapters + head)
    assert trainable < 0.05 * total
