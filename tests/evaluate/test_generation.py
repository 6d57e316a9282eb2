"""Tests of ``sftlab.evaluate.generation``: strict parsers of generated answers, and their scores."""

from __future__ import annotations

import pytest

from sftlab.evaluate.generation import entity_tags, exact_match, parse_entities, parse_label, score_replies, token_f1
from sftlab.io.tags import Span

TOKENS = "Ada Lovelace met Babbage at IBM 's office in London .".split()


@pytest.mark.parametrize("text,label", [("positive", "positive"), (" Negative. ", "negative"), ("POSITIVE", "positive"),
                                        ("The review is positive.", None), ("positive, mostly", None), ("", None)])
def test_parse_label_accepts_exactly_one_label_word(text, label):
    assert parse_label(text, ["positive", "negative"]) == label


def test_parse_entities_maps_mentions_to_the_sentence_tokens():
    assert parse_entities("PER: Ada Lovelace; PER: Babbage; ORG: IBM; LOC: London", TOKENS) == [
        Span(0, 2, "PER"), Span(3, 4, "PER"), Span(5, 6, "ORG"), Span(9, 10, "LOC")]
    assert parse_entities("LOC: London; PER: Ada Lovelace", TOKENS) == [Span(0, 2, "PER"), Span(9, 10, "LOC")]
    assert parse_entities("none", TOKENS) == [] and parse_entities("None.", TOKENS) == []


@pytest.mark.parametrize("text", ["Ada Lovelace", "PERSON: Ada", "PER: Grace Hopper", "PER: Ada; PER: Ada",
                                  "The entities are PER: Ada", "PER:", ";", "PER: Ada Lovelace met Babbage at IBM 's office in London . extra"])
def test_malformed_generations_are_invalid_not_crashes(text):
    assert parse_entities(text, TOKENS) is None
    tags, valid = entity_tags(text, TOKENS)
    assert tags == ["O"] * len(TOKENS) and not valid


def test_free_text_scores():
    assert token_f1("[PERSON] met [PERSON] in London.", "[PERSON] met [PERSON] in London.") == 1.0
    assert token_f1("Ada met Babbage", "[PERSON] met [PERSON]") == pytest.approx(2 * (1 / 3) * (1 / 7) / (1 / 3 + 1 / 7))
    assert token_f1("", "") == 1.0 and token_f1("x", "") == 0.0
    assert exact_match("In  London .", "in London.") and not exact_match("London", "in London")


def test_score_replies_counts_invalid_answers_as_wrong():
    records = [{"task": "sentiment", "label": "positive"}, {"task": "sentiment", "label": "negative"},
               {"task": "ner", "tokens": TOKENS, "tags": ["B-PER", "I-PER"] + ["O"] * 9},
               {"task": "redact", "reference": "[PERSON] left."}]
    scores = score_replies(records, ["positive", "I think it is negative", "PER: Ada Lovelace", "[PERSON] left."])
    assert scores["sentiment_accuracy"] == 0.5 and scores["sentiment_valid"] == 0.5
    assert scores["ner_f1"] == 1.0 and scores["ner_valid"] == 1.0 and scores["redact_exact"] == 1.0
    assert scores["score"] == pytest.approx((0.5 + 1.0 + 1.0) / 3)
