"""Tests of ``sftlab.construct.rouge``."""

from __future__ import annotations

import random

import pytest
from rouge_score import rouge_scorer

from sftlab.construct.rouge import lcs_length, max_rouge_l, rouge_l, rouge_tokens


def test_lcs_hand_computed():
    assert lcs_length("abcbdab", "bdcaba") == 4  # the textbook example: "bcba"
    assert lcs_length([], ["a"]) == 0


def test_rouge_l_hand_computed():
    # candidate 5 words, reference 6, LCS "the cat on the mat" = 5: P = 1, R = 5/6, F = 2·(5/6)/(11/6) = 10/11
    assert rouge_l("the cat on the mat", "the cat sat on the mat") == pytest.approx(10 / 11)
    # LCS "the food" = 2 of 4 and 3: P = 1/2, R = 2/3, F = 4/7
    assert rouge_l("the food was cold", "the bad food") == pytest.approx(4 / 7)
    assert rouge_l("Great, food!", "great food") == 1.0
    assert rouge_l("abc", "") == 0.0
    assert max_rouge_l("great food", ["bad service", "great food here"]) == pytest.approx(0.8)


def test_tokenization_is_rouge_scores():
    assert rouge_tokens("Don't stop-me, CAFÉ 2x!") == ["don", "t", "stop", "me", "caf", "2x"]
    assert rouge_tokens("...") == []


def _random_text(rng: random.Random) -> str:
    words = [
        "the",
        "food",
        "was",
        "great",
        "don't",
        "old-school",
        "Café",
        "app",
        "crashes",
        "2",
        "very",
        "NOT",
        "staff",
        "lovely",
        "(again)",
        "well...",
        "it's",
        "5-star",
        "naïve",
        "!",
        "ok",
    ]
    return " ".join(rng.choice(words) for _ in range(rng.randint(0, 14)))


def test_rouge_l_equals_the_rouge_score_package_on_random_texts():
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)  # Self-Instruct's scorer
    rng = random.Random(0)
    for _ in range(500):
        a, b = _random_text(rng), _random_text(rng)
        expected = scorer.score(b, a)["rougeL"].fmeasure  # score(target, prediction)
        assert rouge_l(a, b) == pytest.approx(expected, abs=1e-12), (a, b)
