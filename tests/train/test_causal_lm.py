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
