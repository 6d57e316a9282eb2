"""Tests of ``sftlab.evaluate.conlleval``."""

from __future__ import annotations

import random

import pytest

from sftlab.evaluate import conlleval
from sftlab.evaluate.metrics import entity_scores


def test_conlleval_hand_computed_counts_and_report():
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O"], ["B-ORG", "O"]]
    guess = [["B-PER", "I-PER", "O", "B-ORG", "O"], ["B-ORG", "B-MISC"]]
    # 3 gold phrases, 4 guessed, 2 correct (PER, ORG in sentence 2); 5 of 7 tags right
    s = conlleval.evaluate(gold, guess)
    assert (s["tokens"], s["phrases"], s["found"], s["correct"]) == (7, 3, 4, 2)
    assert s["accuracy"] == pytest.approx(100 * 5 / 7)
    assert s["precision"] == pytest.approx(50.0) and s["recall"] == pytest.approx(200 / 3)
    assert s["per_type"]["ORG"] == {"precision": 50.0, "recall": 100.0, "fb1": pytest.approx(200 / 3), "found": 2}
    assert s["per_type"]["LOC"]["recall"] == 0.0 and s["per_type"]["MISC"]["found"] == 1
    lines = conlleval.report(gold, guess).splitlines()
    assert lines[0] == "processed 7 tokens with 3 phrases; found: 4 phrases; correct: 2."
    assert lines[1] == "accuracy:  71.43%; precision:  50.00%; recall:  66.67%; FB1:  57.14"
    assert lines[2] == "              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0"
    assert [line.split(":")[0].strip() for line in lines[2:]] == ["LOC", "MISC", "ORG", "PER"]


def test_conlleval_reads_iob1():
    # IOB1: I- starts an entity; B- only separates two adjacent entities of the same type
    gold = [["I-PER", "I-PER", "B-PER", "O", "I-LOC"]]
    assert conlleval.evaluate(gold, gold)["fb1"] == 100.0
    assert conlleval.evaluate(gold, gold)["phrases"] == 3
    assert conlleval.evaluate(gold, [["B-PER", "I-PER", "B-PER", "O", "B-LOC"]])["correct"] == 3


def test_conlleval_boundary_and_type_errors():
    gold = [["B-ORG", "I-ORG", "I-ORG", "O"]]
    assert conlleval.evaluate(gold, [["B-ORG", "I-ORG", "O", "O"]])["correct"] == 0  # too short
    assert conlleval.evaluate(gold, [["B-ORG", "I-ORG", "I-ORG", "I-ORG"]])["correct"] == 0  # too long
    assert conlleval.evaluate(gold, [["B-LOC", "I-LOC", "I-LOC", "O"]])["correct"] == 0  # wrong type
    split = conlleval.evaluate(gold, [["B-ORG", "B-ORG", "I-ORG", "O"]])
    assert split["found"] == 2 and split["correct"] == 0


def test_conlleval_reads_iobes():
    gold = [["S-PER", "O", "B-LOC", "E-LOC"]]
    assert conlleval.evaluate(gold, gold)["phrases"] == 2 and conlleval.evaluate(gold, gold)["fb1"] == 100.0


def test_conlleval_agrees_with_seqeval_default_mode_on_random_tags():
    rng = random.Random(0)
    tags = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"]
    gold = [[rng.choice(tags) for _ in range(rng.randint(1, 12))] for _ in range(300)]
    guess = [[rng.choice(tags) if rng.random() < 0.4 else t for t in sentence] for sentence in gold]
    assert conlleval.evaluate(gold, guess)["fb1"] / 100 == pytest.approx(entity_scores(gold, guess, strict=False)["f1"])


def test_hyphenated_types_are_kept_whole():
    s = conlleval.evaluate([["B-geo-loc", "I-geo-loc"]], [["B-geo-loc", "I-geo-loc"]])
    assert list(s["per_type"]) == ["geo-loc"]
