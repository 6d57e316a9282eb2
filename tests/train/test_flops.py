"""Model FLOPs by the stated convention, checked against hand counts of a tiny Llama; the matmul peak helpers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from sftlab.train import flops
from sftlab.train.flops import (
    attention_width,
    gemm_peak,
    linear_shapes,
    matmul_parameters,
    matmul_peak,
    peaks,
    training_flops,
    utilisation_line,
)


@pytest.fixture
def tiny_llama():
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=100,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=4,
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    return LlamaForCausalLM(config)


# per layer: q 16x16, k 16x8, v 16x8, o 16x16, gate 16x32, up 16x32, down 32x16 = 2,304; two layers;
# the LM head 16x100 = 1,600 (tied to the embedding, counted: it is a matmul); the embedding lookup is not.
MATMUL = 2 * 2_304 + 1_600
ATTENTION = 12 * 2 * 16 * (3 * 3 + 5 * 5)  # 12 x layers x (heads x head_dim) x sum of squared lengths


def test_full_fine_tuning_is_six_flops_per_matmul_weight_per_token_plus_attention(tiny_llama):
    assert matmul_parameters(tiny_llama) == {"frozen": 0, "trained": MATMUL}
    assert attention_width(tiny_llama.config) == (2, 16)
    assert training_flops(tiny_llama, [3, 5]) == 6 * MATMUL * 8 + ATTENTION


def test_lora_counts_frozen_weights_four_times_and_adapters_six(tiny_llama):
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama, LoraConfig(r=2, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    adapters = 2 * ((16 * 2 + 2 * 16) + (16 * 2 + 2 * 8))  # q: A 16x2, B 2x16; v: A 16x2, B 2x8; two layers
    assert matmul_parameters(model) == {"frozen": MATMUL, "trained": adapters}
    assert training_flops(model, [3, 5]) == (4 * MATMUL + 6 * adapters) * 8 + ATTENTION


def test_attention_width_defaults_head_dim_to_hidden_over_heads():
    assert attention_width(SimpleNamespace(num_hidden_layers=6, num_attention_heads=12, hidden_size=384)) == (6, 384)


def test_linear_shapes_lists_each_forward_gemm_with_its_count(tiny_llama):
    shapes = linear_shapes(tiny_llama)
    assert shapes[(16, 16)] == 4 and shapes[(16, 8)] == 4 and shapes[(16, 32)] == 4 and shapes[(32, 16)] == 2
    assert shapes[(16, 100)] == 1 and sum(shapes.values()) == 15


def test_matmul_peak_is_a_positive_rate_and_peaks_name_what_was_timed():
    assert matmul_peak(32, 16, 8, min_seconds=0.001, rounds=1) > 0
    both = peaks({(16, 8): 2}, tokens=32, square=32, min_seconds=0.001, rounds=1)
    assert both["square"] > 0 and both["own"] > 0 and both["own_tokens"] == 32 and both["dtype"] == "float32"
    assert both["threads"] == torch.get_num_threads()


def test_gemm_peak_is_total_flops_over_total_time(monkeypatch):
    rates = {(4, 4): 10.0, (4, 8): 40.0}  # GFLOP/s per shape
    monkeypatch.setattr(flops, "matmul_peak", lambda m, k, n, **_: rates[(k, n)])
    work = {(4, 4): 2 * 10 * 4 * 4 * 1, (4, 8): 2 * 10 * 4 * 8 * 2}
    expected = sum(work.values()) / sum(w / rates[s] for s, w in work.items())
    assert gemm_peak({(4, 4): 1, (4, 8): 2}, tokens=10) == pytest.approx(expected)


def test_utilisation_line_names_both_peaks():
    peak = {"square": 100.0, "square_size": 2048, "own": 50.0, "own_tokens": 512, "threads": 2, "dtype": "float32"}
    line = utilisation_line(25e9, 1.0, peak)
    assert "25.0 G = 0.25 of the square peak" in line and "0.50 of the own-shape peak" in line
