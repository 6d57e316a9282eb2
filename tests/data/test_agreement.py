"""Tests of ``sftlab.data.agreement``."""

from __future__ import annotations

import math

import pytest

from sftlab.data.agreement import adjudication_outcomes, cohens_kappa, confusion, ner_agreement
from sftlab.data.span_compare import category_counts
from sftlab.io.tags import Span


def test_cohens_kappa_hand_computed():
    # 10 items: A and B each say p 6 times and n 4 times, and agree on 8.
    a = ["p", "p", "p", "p", "p", "p", "n", "n", "n", "n"]
    b = ["p", "p", "p", "p", "p", "n", "n", "n", "n", "p"]
    p_o, p_e = 0.8, 0.6 * 0.6 + 0.4 * 0.4
    assert cohens_kappa(a, b) == pytest.approx((p_o - p_e) / (1 - p_e)) == pytest.approx(0.28 / 0.48)
    assert cohens_kappa(a, a) == 1.0
    assert cohens_kappa(["x"] * 4, ["x"] * 4) == 1.0
    assert confusion(a, b, ["p", "n"]) == [[5, 1], [1, 3]]


def test_kappa_below_zero_for_systematic_disagreement():
    assert cohens_kappa(["a", "b", "a", "b"], ["b", "a", "b", "a"]) == pytest.approx(-1.0)


def test_ner_agreement_and_adjudication():
    a = [["B-PER", "I-PER", "O", "B-ORG"], ["B-LOC", "O"]]
    b = [["B-PER", "O", "O", "B-LOC"], ["B-LOC", "O"]]
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "O"]]
    result = ner_agreement(a, b)
    assert result["kinds"]["agreed"] == 1 and result["kinds"]["boundary"] == 1 and result["kinds"]["type"] == 1
    assert result["per_type"]["micro"]["f1"] == pytest.approx(1 / 3)
    assert adjudication_outcomes(a, b, gold) == {"A": 1, "B": 1}
    assert math.isclose(category_counts([[Span(0, 1, "X")]], [[]])["missed"], 1)
