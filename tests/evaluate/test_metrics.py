"""Tests of ``sftlab.evaluate.metrics``."""

from __future__ import annotations

import random

import pytest

from sftlab.evaluate.metrics import (
    classification_scores,
    entity_counts,
    entity_scores,
    f1_from_counts,
    ill_formed_starts,
    token_accuracy,
)


def test_token_accuracy_vs_entity_f1_for_all_o():
    gold = [["O", "O", "B-PER", "O"] * 5]
    all_o = [["O"] * 20]
    assert token_accuracy(gold, all_o) == pytest.approx(0.75) and entity_scores(gold, all_o)["f1"] == 0.0


def test_fast_strict_f1_from_counts_equals_seqeval_strict():
    rng = random.Random(3)
    tags = ["O", "O", "B-PER", "I-PER", "I-LOC", "B-LOC", "I-ORG"]
    for _ in range(50):
        gold = [[rng.choice(tags) for _ in range(rng.randint(1, 10))] for _ in range(15)]
        guess = [[rng.choice(tags) if rng.random() < 0.5 else t for t in s] for s in gold]
        assert f1_from_counts(entity_counts(gold, guess)) == pytest.approx(entity_scores(gold, guess)["f1"], abs=1e-12)
    assert entity_counts([["B-PER", "I-PER", "O"]], [["I-PER", "I-PER", "O"]]).tolist() == [[0, 0, 1]]


def test_strict_mode_rejects_ill_formed_entities():
    gold, pred = [["B-PER", "I-PER"]], [["I-PER", "I-PER"]]
    assert entity_scores(gold, pred, strict=False)["f1"] == 1.0 and entity_scores(gold, pred, strict=True)["f1"] == 0.0


def test_classification_scores_hand_computed():
    s = classification_scores(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert s["accuracy"] == 0.75 and s["confusion"] == [[1, 1], [0, 2]]
    assert s["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)


def test_ill_formed_starts_are_counted_by_what_precedes_them():
    predicted = [["I-PER", "I-PER", "O", "I-LOC"], ["B-ORG", "I-LOC", "I-LOC", "B-PER", "I-PER"]]
    assert ill_formed_starts(predicted) == {"after O": 2, "after another type": 1}


def test_default_mode_reads_ill_formed_starts_as_entities_and_strict_mode_does_not():
    gold = [["O", "B-PER", "I-PER", "O", "B-ORG", "I-ORG"]]
    predicted = [["O", "I-PER", "I-PER", "O", "B-ORG", "I-LOC"]]
    # default: PER (right), ORG cut to one token (wrong), LOC (wrong) -> P 1/3, R 1/2; strict: ORG cut (wrong) -> 0
    assert entity_scores(gold, predicted, strict=False)["f1"] == pytest.approx(0.4)
    assert entity_scores(gold, predicted, strict=True)["f1"] == 0.0
