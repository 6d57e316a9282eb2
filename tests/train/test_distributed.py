"""Tests of ``sftlab.train.distributed``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _torchrun(output: Path, *arguments: str, timeout: int) -> subprocess.CompletedProcess:
    """``python -m sftlab.train.distributed`` with ``arguments`` under torchrun, two CPU processes, writing to
    ``output``."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    command += ["-m", "sftlab.train.distributed", *arguments, "--output", str(output)]
    return subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=timeout
    )


@pytest.mark.slow
def test_torchrun_with_two_cpu_processes_reports_one_set_of_metrics(small_ner, tiny_encoder, tmp_path):
    """The encoder path under DDP: a randomly initialised 2-layer BERT with MiniLM's tokenizer (the ranks' work and
    what rank 0 writes do not depend on the model's size)."""
    data, _ = small_ner
    output = tmp_path / "ddp"
    settings = "--task ner --epochs 1 --batch-size 16 --max-train 64 --max-eval 16".split()
    done = _torchrun(output, *settings, "--dataset", str(data), "--model", str(tiny_encoder), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and metrics["train_examples"] == 64
    assert 0.0 <= metrics["test_f1"] <= 1.0
    assert done.stdout.count("wrote") == 1  # only rank 0 reports and writes
    assert (output / "model" / "model.safetensors").is_file()


@pytest.mark.slow
def test_torchrun_instruction_tunes_a_tiny_llama_with_two_cpu_processes(tiny_llama, tmp_path):
    """The causal-LM path under DDP: a randomly initialised Llama (no weights needed), SmolLM2's tokenizer."""
    model, tokenizer = tiny_llama
    model.save_pretrained(tmp_path / "tiny")
    tokenizer.save_pretrained(tmp_path / "tiny")
    output = tmp_path / "ddp-chat"
    settings = "--task chat --lora 4 --epochs 1 --batch-size 4 --lr 1e-3 --max-train 16 --max-eval 4".split()
    done = _torchrun(output, *settings, "--model", str(tmp_path / "tiny"), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and metrics["train_examples"] == 16
    assert 0.0 <= metrics["test_score"] <= 1.0 and "test_sentiment_valid" in metrics
    assert done.stdout.count("wrote") == 1
    assert (output / "model" / "adapter_model.safetensors").is_file()
