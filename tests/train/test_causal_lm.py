"""Tests of ``sftlab.train.causal_lm``: perplexity in length-sorted batches; the model dequantized from GGUF."""

from __future__ import annotations

import math

import pytest
import torch

from sftlab.train.causal_lm import perplexity


def test_perplexity_in_sorted_batches_equals_one_text_at_a_time(tiny_llama):
    model, tokenizer = tiny_llama
    texts = [
        "A long sentence about the river, the bridge and the town beyond it, told slowly.",
        "Short one.",
        "Mid-length text about films.",
        "Another fairly long sentence, this one about a cat that sat on a mat.",
    ]
    batched = perplexity(texts, model, tokenizer, batch_size=3, max_tokens=40)
    alone = []
    for text in texts:
        ids = tokenizer([text], return_tensors="pt")["input_ids"]
        with torch.no_grad():
            alone.append(math.exp(model(input_ids=ids, labels=ids).loss.item()))
    assert batched == pytest.approx(alone, rel=1e-5)  # same order as the texts, no padding effect
    assert perplexity([], model, tokenizer) == []


def test_perplexity_gives_the_tokenizer_back_as_it_came(tiny_llama):
    model, tokenizer = tiny_llama
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    try:
        perplexity(["One text.", "And a second, longer text."], model, tokenizer)
        assert tokenizer.padding_side == "left"

        class Broken(torch.nn.Module):  # fails inside the batches, after the side was changed
            def __init__(self):
                super().__init__()
                self.weight = torch.nn.Parameter(torch.zeros(1))

            def forward(self, **batch):
                raise RuntimeError("out of memory")

        with pytest.raises(RuntimeError):
            perplexity(["Fails mid-way."], Broken(), tokenizer)
        assert tokenizer.padding_side == "left"
    finally:
        tokenizer.padding_side = side


@pytest.mark.slow
def test_the_dequantized_model_keeps_no_quantizer_flag():
    """Straight from GGUF (no cache yet: a notebook run first on a fresh clone), the model is plain fp32,
    as it is when read back from the cache: a Trainer (TRL's too) must accept it for training."""
    from transformers.trainer_utils import validate_quantization_for_training

    from sftlab.train.causal_lm import load_causal_lm

    model, _ = load_causal_lm()
    assert not getattr(model, "is_quantized", False) and getattr(model, "hf_quantizer", None) is None
    assert not hasattr(model.config, "quantization_config")
    validate_quantization_for_training(model)


def test_two_processes_saving_the_cache_at_once_leave_one_complete_copy(tiny_llama, tmp_path, monkeypatch):
    import os

    import sftlab.train.causal_lm as causal_lm

    model, tokenizer = tiny_llama
    folder = tmp_path / "smollm2"
    causal_lm.save_atomically(model, tokenizer, folder)  # the other process, first
    first = (folder / "config.json").stat().st_mtime_ns
    other = os.getpid() + 1
    monkeypatch.setattr(causal_lm.os, "getpid", lambda: other)  # this one, second
    causal_lm.save_atomically(model, tokenizer, folder)
    assert (folder / "config.json").stat().st_mtime_ns == first  # the first copy is kept whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["smollm2"]  # and no partial copy is left
    (folder / "config.json").unlink()  # a broken folder in the way is an error, not silently kept
    with pytest.raises(OSError):
        causal_lm.save_atomically(model, tokenizer, folder)
