"""Tests of ``sftlab.construct.filters``."""

from __future__ import annotations

import numpy as np

from sftlab.construct.filters import (
    DuplicateFilter,
    EmbeddingFilter,
    FluencyFilter,
    FormatFilter,
    LabelConsistencyFilter,
    LengthFilter,
    RougeFilter,
    apply_filters,
)
from tests.construct.conftest import POOL


def test_filters_reject_with_reasons_in_order():
    candidates = [
        {"text": "x", "label": "positive", "parse_error": "empty after removing preamble and quotes"},
        {"text": "Too short.", "label": "positive"},
        {"text": "The food was great and the staff were friendly.", "label": "positive"},  # duplicate of pool
        {"text": "The food was great and the staff were very friendly.", "label": "positive"},  # ROUGE-L 0.95
        {"text": "Quiet street, comfortable beds, kind and helpful hosts.", "label": "positive"},
        {"text": "Cold rude staff and cold food everywhere.", "label": "positive"},  # label inconsistent
        {"text": "An unknown label here for sure.", "label": "mixed"},
    ]
    filters = [FormatFilter(["negative", "positive"]), LengthFilter(4, 50), DuplicateFilter(), RougeFilter(0.7),
               LabelConsistencyFilter("sentiment", 0.5)]
    accepted, rejected = apply_filters(candidates, POOL, filters)
    assert [c["text"] for c in accepted] == ["Quiet street, comfortable beds, kind and helpful hosts."]
    assert [(r["rejected_by"], r["text"][:12]) for r in rejected] == [
        ("format", "x"), ("format", "An unknown l"), ("length", "Too short."), ("duplicate", "The food was"),
        ("ROUGE-L novelty", "The food was"), ("label consistency", "Cold rude st")]


def test_fluency_and_embedding_filters_use_their_thresholds():
    fluency = FluencyFilter(lambda texts: [10.0 * len(t) for t in texts], max_perplexity=100)
    assert [k for k, _ in fluency([{"text": "short"}, {"text": "much longer text"}], [])] == [True, False]

    class FakeEncoder:
        def embed(self, texts):
            return np.array([[1.0, 0.0] if "food" in t else [0.0, 1.0] for t in texts])

    embedding = EmbeddingFilter(encoder=None, tokenizer=None, threshold=0.9)
    embedding.embed = FakeEncoder().embed
    verdicts = embedding([{"text": "more food"}, {"text": "an app"}], [{"text": "the food"}])
    assert [k for k, _ in verdicts] == [False, True]


def test_duplicate_filter_catches_duplicates_within_a_batch():
    verdicts = DuplicateFilter()([{"text": "Brand new text."}, {"text": "brand new text"}], POOL)
    assert [k for k, _ in verdicts] == [True, False]
