"""Tests of ``sftlab.construct.downstream``."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.construct.downstream import (
    correct,
    embedding_logistic_regression,
    same_size_gold,
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
    model, C = tuned(
        lambda texts, labels, C: Constant("positive" if C >= 4 else "negative"), POOL, dev, grid=(1, 4, 16)
    )
    assert C == 4 and model.label == "positive"
    model, C = tuned_tfidf(POOL, POOL, grid=(0.5, 2.0))
    assert C in (0.5, 2.0) and correct(model, POOL).dtype == bool


def test_embedding_logistic_regression_predicts_from_texts():
    def embed(texts):
        return np.array(
            [
                [1.0, 0.0] if any(w in t.lower() for w in ("great", "friendly", "delicious")) else [0.0, 1.0]
                for t in texts
            ]
        )

    model = embedding_logistic_regression([e["text"] for e in POOL], [e["label"] for e in POOL], embed)
    assert list(model.predict(["Great view.", "Cold soup."])) == ["positive", "negative"]


def test_same_size_gold_adds_k_examples_not_in_the_seed_set():
    seed_set = POOL[:2]
    grown = same_size_gold(POOL, seed_set, 3, seed=0)
    assert grown[:2] == seed_set and len(grown) == 5 and not any(r in seed_set for r in grown[2:])
    with pytest.raises(ValueError, match="only 6 are not in the seed set"):
        same_size_gold(POOL, seed_set, 7, seed=0)
