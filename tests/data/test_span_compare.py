"""Tests of ``sftlab.data.span_compare``."""

from __future__ import annotations

import pytest

from sftlab.data.span_compare import compare_spans, span_prf
from sftlab.io.tags import Span


def test_compare_spans_every_category():
    reference = [Span(0, 2, "PER"), Span(3, 4, "ORG"), Span(5, 7, "LOC"), Span(8, 10, "MISC"), Span(12, 13, "PER")]
    other = [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(5, 6, "LOC"), Span(8, 9, "ORG"), Span(14, 15, "ORG")]
    kinds = [r["category"] for r in compare_spans(reference, other)]
    assert kinds == ["correct", "type", "boundary", "boundary+type", "missed", "spurious"]


def test_span_prf_hand_computed():
    gold = [[Span(0, 2, "PER"), Span(3, 4, "ORG")], [Span(1, 2, "LOC")]]
    pred = [[Span(0, 2, "PER"), Span(3, 4, "LOC")], [Span(1, 2, "LOC"), Span(4, 5, "LOC")]]
    scores = span_prf(gold, pred)
    assert scores["micro"]["precision"] == pytest.approx(2 / 4)
    assert scores["micro"]["recall"] == pytest.approx(2 / 3)
    assert scores["micro"]["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert scores["LOC"] == {"precision": pytest.approx(1 / 3), "recall": 1.0, "f1": pytest.approx(0.5), "support": 1}
    assert scores["ORG"]["recall"] == 0.0 and scores["PER"]["f1"] == 1.0
