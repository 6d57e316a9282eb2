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
    train = records(
        [("good film", "positive"), ("great fun", "positive"), ("bad film", "negative"), ("awful mess", "negative")] * 3
    )
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


def test_word_features_are_the_first_sub_words_hidden_states(tiny):
    import torch

    from sftlab.io.conll import Sentence
    from sftlab.train.batching import make_collator
    from sftlab.train.encoding import encode_ner
    from sftlab.train.probe import word_features

    model, tokenizer = tiny
    sentences = [
        Sentence(["Ada", "Lovelace", "visited", "Zürich"], ["B-PER", "I-PER", "O", "B-LOC"]),
        Sentence(["hi"], ["O"]),
    ]
    label2id = {"O": 0, "B-PER": 1, "I-PER": 2, "B-LOC": 3, "I-LOC": 4}
    features = encode_ner(sentences, tokenizer, label2id)
    rows = word_features(features, model.bert, make_collator(tokenizer, "ner"))
    assert [r.shape for r in rows] == [(4, model.config.hidden_size), (1, model.config.hidden_size)]
    ids = torch.tensor([features[0]["input_ids"]])
    with torch.no_grad():
        hidden = model.bert(input_ids=ids).last_hidden_state[0].numpy()
    first = [features[0]["word_ids"].index(w) for w in range(4)]
    np.testing.assert_allclose(rows[0], hidden[first], atol=1e-5)


def test_the_word_probe_keeps_the_c_with_the_best_dev_score():
    from sftlab.train.probe import fit_word_probe

    rng = np.random.default_rng(0)
    tags = [["B-PER", "O", "O"], ["O", "B-PER", "O"]] * 20
    vectors = [np.array([[3.0 if t == "B-PER" else -3.0, 0.0] for t in s]) + rng.normal(0, 0.1, (3, 2)) for s in tags]
    seen = []

    def score(predicted):
        seen.append(predicted)
        return {"f1": float(np.mean([p == g for ps, gs in zip(predicted, tags[:4]) for p, g in zip(ps, gs)]))}

    probe = fit_word_probe(vectors, tags, vectors[:4], [3, 3, 3, 4], score, cs=(0.001, 1.0))
    assert probe.C == 1.0 and probe.dev_scores[1.0] == 1.0 and len(seen) == 2
    assert probe.predict(vectors[:1], [5]) == [["B-PER", "O", "O", "O", "O"]]  # words without features get O
