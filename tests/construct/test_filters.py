"""Tests of ``sftlab.construct.filters``."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.construct.filters import (
    DuplicateFilter,
    EmbeddingFilter,
    FluencyFilter,
    FormatFilter,
    LabelConsistencyFilter,
    LengthFilter,
    RougeFilter,
    apply_filters,
    embedding_classifier,
    paired_wins,
    threshold_rejecting,
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
    filters = [
        FormatFilter(["negative", "positive"]),
        LengthFilter(4, 50),
        DuplicateFilter(),
        RougeFilter(0.7),
        LabelConsistencyFilter("sentiment", 0.5),
    ]
    accepted, rejected = apply_filters(candidates, POOL, filters)
    assert [c["text"] for c in accepted] == ["Quiet street, comfortable beds, kind and helpful hosts."]
    assert [(r["rejected_by"], r["text"][:12]) for r in rejected] == [
        ("format", "x"),
        ("format", "An unknown l"),
        ("length", "Too short."),
        ("duplicate", "The food was"),
        ("ROUGE-L novelty", "The food was"),
        ("label consistency", "Cold rude st"),
    ]


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


def test_apply_filters_charges_each_candidate_its_share_of_filter_time():
    accepted, rejected = apply_filters(
        [{"text": "Brand new text here."}, {"text": "x"}], POOL, [LengthFilter(2, 50), DuplicateFilter()]
    )
    assert len(accepted) == 1 and len(rejected) == 1
    assert all(c["filter_seconds"] >= 0 for c in accepted + rejected)


def test_embedding_classifier_learns_from_the_pool():
    def embed(texts):
        return np.array(
            [
                [1.0, 0.0] if any(w in t.lower() for w in ("great", "friendly", "delicious", "lovely")) else [0.0, 1.0]
                for t in texts
            ]
        )

    probabilities = embedding_classifier(embed)(POOL, ["Lovely place.", "Awful."], ["negative", "positive"])
    assert probabilities.shape == (2, 2) and probabilities[0, 1] > 0.5 > probabilities[1, 1]
    verdicts = LabelConsistencyFilter("sentiment", 0.5, classifier=embedding_classifier(embed))(
        [{"text": "Lovely place.", "label": "positive"}, {"text": "Lovely place.", "label": "negative"}], POOL
    )
    assert [k for k, _ in verdicts] == [True, False]


def test_ner_label_consistency_scores_entities_not_tokens():
    """A wrong entity type in a long sentence: the token mean is carried by the O tokens, the entity score is not."""
    words = "said the report published on a quiet morning by the team".split()
    pool = [
        {"tokens": [name] + words, "tags": [f"B-{kind}"] + ["O"] * len(words)}
        for name, kind in [
            ("Ada", "PER"),
            ("Kofi", "PER"),
            ("Maria", "PER"),
            ("Oslo", "LOC"),
            ("Lima", "LOC"),
            ("Rome", "LOC"),
        ]
        * 3
    ]
    wrong = {"tokens": ["Ada"] + words, "tags": ["B-LOC"] + ["O"] * len(words)}
    right = {"tokens": ["Ada"] + words, "tags": ["B-PER"] + ["O"] * len(words)}
    token = LabelConsistencyFilter("ner", 0.5, ner_score="token")([wrong, right], pool)
    entity = LabelConsistencyFilter("ner", 0.5, ner_score="entity")([wrong, right], pool)
    assert [k for k, _ in token] == [True, True]  # the mean over 12 tokens hides the wrong type
    assert [k for k, _ in entity] == [False, True]


def test_paired_wins_counts_ties_as_half():
    wins = paired_wins([0.9, 0.2, 0.5, 0.7], [0.1, 0.8, 0.5, 0.6])
    assert wins.tolist() == [1.0, 0.0, 0.5, 1.0]
    assert wins.mean() == 0.625
    with pytest.raises(ValueError, match="same examples"):
        paired_wins([0.1, 0.2], [0.1])


def test_threshold_rejecting_throws_away_at_most_the_share_of_good_examples():
    rng = np.random.default_rng(0)
    for n in (7, 10, 101, 1000):
        good = rng.random(n)
        for share in (0.0, 0.05, 0.1, 0.5):
            cut = threshold_rejecting(good, share)
            assert (good < cut).mean() <= share
            assert (good < cut).sum() >= int(share * (n - 1))  # and not far fewer
    assert threshold_rejecting([0.3, 0.3, 0.3], 0.5) == 0.3  # ties: none rejected rather than too many
    with pytest.raises(ValueError):
        threshold_rejecting([], 0.1)
    with pytest.raises(ValueError):
        threshold_rejecting([0.5], 1.0)
