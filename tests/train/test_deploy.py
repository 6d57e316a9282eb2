"""Tests of ``sftlab.train.deploy``."""

from __future__ import annotations

import numpy as np
import torch

from sftlab.train import deploy


def test_dynamic_int8_shrinks_linear_layers_and_keeps_outputs_close(tiny):
    model, tokenizer = tiny
    quantized = deploy.quantize_dynamic_int8(model)
    assert deploy.state_dict_bytes(quantized) < deploy.state_dict_bytes(model)
    batch = tokenizer(["a fine film", "a dull film"], padding=True, return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(model(**batch).logits, quantized(**batch).logits, atol=0.05)
    assert deploy.latency_ms(quantized, tokenizer, ["a fine film"], repeats=2) > 0
    assert deploy.throughput(model, tokenizer, ["a"] * 8, batch_size=4) > 0


def test_onnx_export_matches_pytorch(tiny, tmp_path):
    model, tokenizer = tiny
    path = deploy.export_onnx(model, tokenizer, tmp_path / "m.onnx")
    texts = ["short", "a much longer review of a film that goes on"]
    with torch.no_grad():
        expected = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits.numpy()
    assert np.abs(deploy.onnx_logits(path, tokenizer, texts) - expected).max() < 1e-4


def test_activation_bytes_grow_linearly_with_the_batch(tiny):
    model, tokenizer = tiny
    batch = lambda n: {**tokenizer(["same length text"] * n, return_tensors="pt"), "labels": torch.zeros(n, dtype=torch.long)}
    sizes = [deploy.activation_bytes(model, batch(n)) for n in (2, 4, 8)]
    assert sizes[0] < sizes[1] < sizes[2]
    assert abs((sizes[2] - sizes[1]) - 2 * (sizes[1] - sizes[0])) < 0.01 * (sizes[2] - sizes[1])
    assert all(p.grad is None for p in model.parameters())
