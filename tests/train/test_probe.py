"""Tests of ``sftlab.train.probe``."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.train.embeddings import encode_sentences
from sftlab.train.probe import LinearProbe, fit_linear_probe, frozen_features

TEXTS = ["a fine film", "dull", "a long and rather tedious film about nothing much at all", "great fun"]


def test_frozen_features_are_the_mean_pooled_embeddings_in_input_order(tiny):
    model, tokenizer = tiny
    features = frozen_features(TEXTS, model.bert, tokenizer)
    one_by_one = np.concatenate([encode_sentences([t], model.bert, tokenizer) for t in TEXTS])
    assert features.shape == (len(TEXTS), model.config.hidden_size)
    np.testing.assert_allclose(features, one_by_one, atol=1e-5)
    assert frozen_features([], model.bert, tokenizer).shape == (0, model.config.hidden_size)


def records(pairs):
    return [{"text": text, "label": label} for text, label in pairs]


def test_the_probe_keeps_the_c_with_the_best_dev_accuracy_the_first_of_equals(tiny):
    model, tokenizer = tiny
    train = records([("good film", "positive"), ("great fun", "positive"), ("bad film", "negative"),
                     ("awful mess", "negative")] * 3)
    dev = records([("good film", "positive"), ("awful mess", "negative"), ("great fun", "positive")])
    probe = fit_linear_probe(train, dev, model.bert, tokenizer, cs=(1e-6, 1.0, 1e3, 1e4))
    assert isinstance(probe, LinearProbe) and set(probe.dev_accuracy) == {1e-6, 1.0, 1e3, 1e4}
    best = max(probe.dev_accuracy.values())
    assert probe.C == next(c for c, accuracy in probe.dev_accuracy.items() if accuracy == best)
    # the training texts are separable, so an almost unregularised probe predicts them all
    assert probe.dev_accuracy[1e4] == 1.0 and best == 1.0
    assert probe.predict(["good film", "awful mess"]) == ["positive", "negative"]
    assert probe.trainable == model.config.hidden_size + 1  # two classes: one weight vector and one intercept


def test_a_probe_needs_a_c_to_try(tiny):
    model, tokenizer = tiny
    with pytest.raises(ValueError, match="at least one C"):
        fit_linear_probe(records([("a", "x"), ("b", "y")]), records([("a", "x")]), model.bert, tokenizer, cs=())
