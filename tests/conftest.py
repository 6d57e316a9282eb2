"""Shared fixtures. Tests never touch the network: the Hub is marked offline for every test."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_configure(config):
    """Under ``-n N`` (pytest-xdist's load scheduling), hand the tests out one at a time, as workers get free.

    By default each worker is sent a quarter of its share of tests at once, in collection order, and
    later chunks just as large: the long tests (chapters run with papermill, training in subprocesses)
    then pile up on one worker while the other finishes early. Sent one by one, no worker waits with
    tests queued behind a long one. An explicit ``--maxschedchunk`` is kept.
    """
    if getattr(config.option, "maxschedchunk", 0) is None:
        config.option.maxschedchunk = 1


@pytest.fixture
def write(tmp_path):
    """Write text (or bytes) to a file under tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def _smollm2_tokenizer_once():
    """SmolLM2's tokenizer, read from its GGUF once per test process (the read takes 4 to 8 s)."""
    from sftlab.train.causal_lm import load_causal_lm_tokenizer

    return load_causal_lm_tokenizer()


@pytest.fixture(scope="module")
def smollm2_tokenizer(_smollm2_tokenizer_once):
    """A module's own copy of SmolLM2's tokenizer (a test may change its padding side), without re-reading the GGUF."""
    return copy.deepcopy(_smollm2_tokenizer_once)


def random_llama(tokenizer, **config):
    """A randomly initialised (seed 0) 2-layer Llama (SmolLM2's family) sized for ``tokenizer``; ``config`` overrides
    the LlamaConfig fields (sizes, context length, tied embeddings)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    fields = {
        "vocab_size": len(tokenizer),
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 512,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(**(fields | config)))


def write_tiny_bert(folder: Path) -> Path:
    """A randomly initialised (seed 0) 2-layer BERT encoder with MiniLM's vocabulary and tokenizer, saved as a model
    folder: a task's head is added on loading, as on MiniLM."""
    import torch
    from transformers import BertConfig, BertModel

    from sftlab.train.models import load_tokenizer

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(folder)
    load_tokenizer("minilm").save_pretrained(folder)
    return folder
