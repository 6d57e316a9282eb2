"""Fixtures shared by the tests of ``sftlab.train``."""

from __future__ import annotations

import pytest
import torch

from sftlab.data.make_data import read_ner_sources
from sftlab.io.conll import write_conll
from sftlab.train.models import load_tokenizer
from tests.conftest import ROOT, random_llama, write_tiny_bert


@pytest.fixture(scope="module")
def small_ner(tmp_path_factory):
    """A small IOB2 dataset folder (train/dev/test) cut from the project's own NER sources."""
    sentences = read_ner_sources(ROOT / "data" / "ner" / "source")
    folder = tmp_path_factory.mktemp("ner")
    write_conll(folder / "train.iob2", sentences[:160])
    write_conll(folder / "dev.iob2", sentences[400:440])
    write_conll(folder / "test.iob2", sentences[800:840])
    return folder, sentences


@pytest.fixture(scope="module")
def tiny():
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, num_labels=2
    )
    return BertForSequenceClassification(config).eval(), load_tokenizer("minilm")


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory, tiny):
    """The tiny random BERT of ``tiny`` saved as a local model folder, tokenizer included."""
    model, tokenizer = tiny
    folder = tmp_path_factory.mktemp("tiny_bert")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory):
    """A random 2-layer BERT encoder with MiniLM's tokenizer, as a model folder (a task's head is added on loading):
    for what does not depend on the model's size, such as a resume being bit-identical or the ranks of DDP."""
    return write_tiny_bert(tmp_path_factory.mktemp("tiny-encoder"))


@pytest.fixture(scope="module")
def tiny_llama(smollm2_tokenizer):
    """A randomly initialised Llama-architecture model (SmolLM2's family) with SmolLM2's embedded tokenizer."""
    return random_llama(smollm2_tokenizer).eval(), smollm2_tokenizer
