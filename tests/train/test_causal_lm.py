"""Tests of ``sftlab.train.causal_lm``: perplexity in length-sorted batches; the model dequantized from GGUF."""

from __future__ import annotations

import math
from pathlib import Path

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


def write_tiny_gguf(source: Path, target: Path, hidden: int = 64, ffn: int = 128, heads: int = 4, kv_heads: int = 2):
    """A 2-layer GGUF of ``source``'s architecture: its settings (sizes made small) and, tensor by tensor, its
    quantization types (SmolLM2's: Q8_0 embeddings, Q4_1 projections, F32 norms), random values, no tokenizer."""
    import numpy as np
    from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter
    from gguf.quants import quantize

    reader = GGUFReader(source)
    arch = reader.fields["general.architecture"].contents()
    sizes = {
        "block_count": 2,
        "embedding_length": hidden,
        "feed_forward_length": ffn,
        "attention.head_count": heads,
        "attention.head_count_kv": kv_heads,
        "rope.dimension_count": hidden // heads,
    }
    writer = GGUFWriter(target, arch)
    for key, field in reader.fields.items():
        if key.startswith(("GGUF.", "tokenizer.")) or key == "general.architecture":
            continue
        value = sizes.get(key.removeprefix(f"{arch}."), field.contents())
        if field.types[0] == GGUFValueType.ARRAY:
            writer.add_array(key, value)
        else:
            writer.add_key_value(key, value, field.types[0])

    def kind(name: str) -> str:  # blk.7.attn_q.weight -> attn_q
        return name.split(".")[2] if name.startswith("blk.") else name

    types = {kind(t.name): t.tensor_type for t in reader.tensors}
    vocab, head = int(reader.fields[f"{arch}.vocab_size"].contents()), hidden // heads
    per_block = {
        "attn_norm": (hidden,),
        "ffn_norm": (hidden,),
        "attn_q": (hidden, hidden),
        "attn_k": (kv_heads * head, hidden),
        "attn_v": (kv_heads * head, hidden),
        "attn_output": (hidden, hidden),
        "ffn_gate": (ffn, hidden),
        "ffn_up": (ffn, hidden),
        "ffn_down": (hidden, ffn),
    }
    shapes = {"token_embd.weight": (vocab, hidden), "output_norm.weight": (hidden,)}
    shapes |= {f"blk.{i}.{name}.weight": shape for i in range(2) for name, shape in per_block.items()}
    assert set(types) == {kind(name) for name in shapes}, f"{source} has other tensors: {sorted(types)}"
    rng = np.random.default_rng(0)
    for name, shape in shapes.items():
        values = (rng.standard_normal(shape) * 0.02).astype(np.float32)
        quantized = types[kind(name)]
        if quantized == GGMLQuantizationType.F32:
            writer.add_tensor(name, values)
        else:
            writer.add_tensor(name, quantize(values, quantized), raw_dtype=quantized)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target


@pytest.mark.slow  # reads the package's GGUF for its settings and types, writes and loads the tiny one: seconds
def test_the_dequantized_model_keeps_no_quantizer_flag(tmp_path, monkeypatch, _smollm2_tokenizer_once):
    """Straight from GGUF (no cache yet: a notebook run first on a fresh clone), the model is plain fp32,
    as it is when read back from the cache: a Trainer (TRL's too) must accept it for training.

    On a two-layer GGUF with SmolLM2's architecture and quantization types (the flags come from the file's
    format, not from its size), which transformers loads with its GGUF quantizer attached."""
    from transformers import AutoModelForCausalLM
    from transformers.trainer_utils import validate_quantization_for_training

    import sftlab.train.causal_lm as causal_lm

    folder, filename = causal_lm._gguf("smollm2")
    write_tiny_gguf(folder / filename, tmp_path / "tiny.gguf")
    as_loaded = AutoModelForCausalLM.from_pretrained(tmp_path, gguf_file="tiny.gguf")
    assert as_loaded.hf_quantizer is not None and hasattr(as_loaded.config, "quantization_config")  # what is removed
    monkeypatch.setattr(causal_lm, "_gguf", lambda name: (tmp_path, "tiny.gguf"))
    monkeypatch.setattr(causal_lm, "load_causal_lm_tokenizer", lambda name: _smollm2_tokenizer_once)
    model, _ = causal_lm.load_causal_lm()
    assert model.config.num_hidden_layers == 2  # the tiny file's, not the package's
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
