"""Tests of ``sftlab.train.profiling``: step time, autograd's saved tensors, and memory in fresh processes."""

from __future__ import annotations

import pytest
import torch

from sftlab.train import profiling


def _batch(tokenizer, n):
    return {**tokenizer(["same length text"] * n, return_tensors="pt"), "labels": torch.zeros(n, dtype=torch.long)}


def test_saved_tensor_bytes_count_each_storage_once_and_leave_out_the_weights(tiny):
    model, tokenizer = tiny
    counts = [profiling.saved_tensor_bytes(model, _batch(tokenizer, n)) for n in (2, 4, 8)]
    activations = [c["activations"] for c in counts]
    assert activations[0] < activations[1] < activations[2]
    assert abs((activations[2] - activations[1]) - 2 * (activations[1] - activations[0])) < 0.01 * (
        activations[2] - activations[1]
    )
    per_example = (activations[1] - activations[0]) / 2
    assert abs(activations[0] - 2 * per_example) < 0.05 * activations[0]  # no part that does not grow with the batch
    assert len({c["weights"] for c in counts}) == 1 and counts[0]["weights"] > 0
    assert all(c["naive"] > c["activations"] + c["weights"] for c in counts)  # shared inputs counted again
    assert all(p.grad is None for p in model.parameters())
    model.eval()


def test_saved_tensor_bytes_of_a_frozen_encoder_are_the_head_only(tiny):
    import copy

    model, tokenizer = tiny
    frozen = copy.deepcopy(model)
    for parameter in frozen.base_model.parameters():
        parameter.requires_grad = False
    full, head = (profiling.saved_tensor_bytes(m, _batch(tokenizer, 4))["activations"] for m in (model, frozen))
    assert head < 0.05 * full
    model.eval()


def test_training_step_profile_times_both_modes(tiny):
    model, tokenizer = tiny
    rows = profiling.training_step_profile(model, _batch(tokenizer, 4), repeats=2)
    assert [r["mode"] for r in rows] == ["fp32", "bfloat16 autocast"]
    assert all(r["seconds"] > 0 and r["matmul_ms"] > 0 and r["copy_ms"] >= 0 for r in rows)
    assert rows[1]["copy_ms"] > rows[0]["copy_ms"]  # autocast casts the weights and activations
    assert all(p.grad is None for p in model.parameters())
    model.eval()


def test_training_memory_rejects_an_unknown_setup():
    with pytest.raises(ValueError, match="unknown setup 'qlora'"):
        profiling.training_memory(["full", "qlora"])


@pytest.mark.slow
def test_training_memory_of_lora_and_frozen_is_below_full_fine_tuning():
    results = {r["setup"]: r for r in profiling.training_memory(batch_size=4, length=32, steps=1)}
    full, lora, frozen = results["full"], results["lora"], results["frozen"]
    assert full["gradients"] == full["weights"]
    assert (
        2 * full["weights"] <= full["adamw"] < 2 * full["weights"] + 10_000
    )  # two moments per weight, and step counters
    assert lora["gradients"] < 0.01 * full["gradients"] and frozen["activations"] < 0.05 * full["activations"]
    assert frozen["training_peak"] < lora["training_peak"] < full["training_peak"]


def test_a_failed_fresh_process_is_an_error_naming_the_run():
    with pytest.raises(RuntimeError, match="measuring 'x' failed:\n(.|\n)*invalid choice: 'qlora'"):
        profiling.in_fresh_processes({"'x'": ["memory", "--setup", "qlora"]}, timeout=120)


def test_steps_of_a_local_causal_lm_are_measured_on_that_model(tmp_path, smollm2_tokenizer):
    from tests.conftest import random_llama

    folder = tmp_path / "tiny-llama"
    model = random_llama(smollm2_tokenizer, vocab_size=1000)  # below the random batch's usual ids: they follow it
    model.save_pretrained(folder)
    smollm2_tokenizer.save_pretrained(folder)
    measured = profiling.measure_steps("lora", steps=1, batch_size=2, length=8, model_name=str(folder))
    assert measured["seconds_per_step"] > 0 and 0 < measured["trainable"] < sum(p.numel() for p in model.parameters())
