"""Tests of ``sftlab.train.deploy``."""

from __future__ import annotations

import numpy as np
import pytest
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


@pytest.mark.slow  # the ONNX export traces the model: about 8 s
def test_onnx_export_matches_pytorch(tiny, tmp_path):
    model, tokenizer = tiny
    path = deploy.export_onnx(model, tokenizer, tmp_path / "m.onnx")
    texts = ["short", "a much longer review of a film that goes on"]
    with torch.no_grad():
        expected = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits.numpy()
    assert np.abs(deploy.onnx_logits(path, tokenizer, texts) - expected).max() < 1e-4


def test_int8_size_breakdown_predicts_the_measured_ratio(tiny):
    model, _ = tiny
    parts = deploy.int8_size_breakdown(model)
    assert parts["linear_weights"] + parts["embeddings"] + parts["other"] == parts["total"]
    assert parts["embeddings"] == sum(
        p.numel() * 4 for n, p in model.named_parameters() if "embeddings." in n and "LayerNorm" not in n
    )
    measured = deploy.state_dict_bytes(deploy.quantize_dynamic_int8(model)) / deploy.state_dict_bytes(model)
    assert abs(measured - parts["predicted_ratio"]) < 0.03
