"""Tests of ``sftlab.construct.downstream``."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.construct.downstream import (
    correct,
    embedding_logistic_regression,
    entity_counts,
    f1_of,
    same_size_gold,
    seed_and_example_bootstrap,
    tuned,
    tuned_tfidf,
)
from tests.construct.conftest import POOL


def test_tuned_picks_the_c_most_accurate_on_dev_and_ties_go_to_the_smaller():
    class Constant:
        def __init__(self, label):
            self.label = label

        def predict(self, texts):
            return np.array([self.label] * len(texts))

    dev = [{"text": "x", "label": "positive"}, {"text": "y", "label": "positive"}]
    model, C = tuned(lambda texts, labels, C: Constant("positive" if C >= 4 else "negative"), POOL, dev, grid=(1, 4, 16))
    assert C == 4 and model.label == "positive"
    model, C = tuned_tfidf(POOL, POOL, grid=(0.5, 2.0))
    assert C in (0.5, 2.0) and correct(model, POOL).dtype == bool


def test_embedding_logistic_regression_predicts_from_texts():
    def embed(texts):
        return np.array([[1.0, 0.0] if any(w in t.lower() for w in ("great", "friendly", "delicious")) else [0.0, 1.0]
                         for t in texts])

    model = embedding_logistic_regression([e["text"] for e in POOL], [e["label"] for e in POOL], embed)
    assert list(model.predict(["Great view.", "Cold soup."])) == ["positive", "negative"]


def test_same_size_gold_adds_k_examples_not_in_the_seed_set():
    seed_set = POOL[:2]
    grown = same_size_gold(POOL, seed_set, 3, seed=0)
    assert grown[:2] == seed_set and len(grown) == 5 and not any(r in seed_set for r in grown[2:])
    with pytest.raises(ValueError, match="only 6 are not in the seed set"):
        same_size_gold(POOL, seed_set, 7, seed=0)


def test_seed_and_example_bootstrap_verdicts():
    rng = np.random.default_rng(0)
    better = (rng.random((5, 300)) < 0.3).astype(float)  # a gain of about 0.3 on every seed
    assert seed_and_example_bootstrap(better, samples=300)["verdict"] == "higher"
    assert seed_and_example_bootstrap(-better, samples=300)["verdict"] == "lower"
    noise = rng.choice([-1.0, 0.0, 1.0], size=(5, 300))
    result = seed_and_example_bootstrap(noise, samples=300)
    assert result["verdict"] == "no detectable difference" and result["low"] < 0 < result["high"]
    with pytest.raises(ValueError, match="at least 2 seeds"):
        seed_and_example_bootstrap(np.zeros((1, 10)))


def test_entity_counts_and_f1():
    gold = [["B-PER", "O"], ["B-LOC", "I-LOC"]]
    predicted = [["B-PER", "O"], ["B-LOC", "O"]]
    counts = entity_counts(gold, predicted)
    assert counts.tolist() == [[1, 1, 1], [0, 1, 1]]
    assert f1_of(counts)([0, 1]) == pytest.approx(0.5) and f1_of(counts)([0]) == 1.0
