"""Tests of ``sftlab.construct.parsing``."""

from __future__ import annotations

import pytest

from sftlab.construct.parsing import GenerationError, parse_ner, parse_review


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Here is a new positive review of a film:\n\nLoved every minute.", "Loved every minute."),
        ('"Great app, works offline."', "Great app, works offline."),
        ("1. Good stuff. 2. Bad stuff.", "Good stuff."),
        ("Sure! Here's one: Cold coffee again.", "Cold coffee again."),
    ],
)
def test_parse_review_strips_wrappers(raw, expected):
    assert parse_review(raw) == expected


@pytest.mark.parametrize(
    "raw,truncated,phrase",
    [
        ("I'm sorry, but as an AI I cannot write reviews.", False, "refusal"),
        ("", False, "empty"),
        ("Here is a review:", False, "empty"),
        ("The food was great and the staff", True, "cut off"),
    ],
)
def test_parse_review_rejects(raw, truncated, phrase):
    with pytest.raises(GenerationError, match=phrase):
        parse_review(raw, truncated)


def test_truncated_generation_keeps_complete_sentences():
    assert parse_review("Great food. The staff were", truncated=True) == "Great food."


@pytest.mark.parametrize(
    "raw,phrase",
    [
        ("[PERSON Ada] met [ORG IBM].", "unknown entity type 'PERSON'"),
        ("[ORG Acme] moved to [LOC Paris", "never closed"),
        ("[PER Ada [ORG IBM]]", "nested"),
        ("A sentence with no names.", "no entity marked"),
        ("As an AI language model, I cannot.", "refusal"),
    ],
)
def test_parse_ner_rejects_malformed(raw, phrase):
    with pytest.raises(GenerationError, match=phrase):
        parse_ner(raw)


def test_parse_ner_accepts_a_clean_generation():
    tokens, tags = parse_ner("Here is one:\n[PER Ada Lovelace] visited [LOC Paris].")
    assert tokens == ["Ada", "Lovelace", "visited", "Paris", "."] and tags == ["B-PER", "I-PER", "O", "B-LOC", "O"]
