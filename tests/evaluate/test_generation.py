"""Tests of ``sftlab.evaluate.generation``: strict parsers of generated answers, and their scores."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.data.formats import entity_types_of, to_sft_record
from sftlab.data.sources import load_ner
from sftlab.evaluate.generation import (
    SCORE_COLUMNS,
    entity_tags,
    exact_match,
    parse_entities,
    parse_label,
    per_example_scores,
    redaction_scores,
    redaction_source,
    score_of_rows,
    score_replies,
    score_rows,
    token_f1,
    trivial_replies,
)
from sftlab.evaluate.metrics import f1_from_counts
from sftlab.io.conll import Sentence
from sftlab.io.tags import Span, spans_from_iob2
from tests.conftest import ROOT

TOKENS = "Ada Lovelace met Babbage at IBM 's office in London .".split()


@pytest.mark.parametrize(
    "text,label",
    [
        ("positive", "positive"),
        (" Negative. ", "negative"),
        ("POSITIVE", "positive"),
        ("The review is positive.", None),
        ("positive, mostly", None),
        ("", None),
    ],
)
def test_parse_label_accepts_exactly_one_label_word(text, label):
    assert parse_label(text, ["positive", "negative"]) == label


def test_parse_entities_maps_mentions_to_the_sentence_tokens():
    assert parse_entities("PER: Ada Lovelace; PER: Babbage; ORG: IBM; LOC: London", TOKENS) == [
        Span(0, 2, "PER"),
        Span(3, 4, "PER"),
        Span(5, 6, "ORG"),
        Span(9, 10, "LOC"),
    ]
    assert parse_entities("LOC: London; PER: Ada Lovelace", TOKENS) == [Span(0, 2, "PER"), Span(9, 10, "LOC")]
    assert parse_entities("none", TOKENS) == [] and parse_entities("None.", TOKENS) == []


def test_a_full_stop_is_stripped_per_mention_not_from_the_whole_reply():
    tokens = ["Acme", "Corp.", "moved", "to", "the", "U.S.", "from", "London", "."]
    assert parse_entities("ORG: Acme Corp.; LOC: U.S.", tokens) == [Span(0, 2, "ORG"), Span(5, 6, "LOC")]
    assert parse_entities("LOC: U.S.; LOC: London.", tokens) == [Span(5, 6, "LOC"), Span(7, 8, "LOC")]
    assert parse_entities("LOC: London .", tokens) == [Span(7, 8, "LOC")]  # the sentence's full stop is not the place
    assert parse_entities("ORG: Acme Corp", tokens) is None  # "Corp" is not a token of the sentence


def test_mentions_match_tokens_with_or_without_spaces_and_in_order():
    assert parse_entities("ORG: IBM's", TOKENS) == [Span(5, 7, "ORG")]
    tokens = "May said she would visit Paris in May .".split()
    assert parse_entities("PER: May; LOC: Paris; MISC: May", tokens) == [
        Span(0, 1, "PER"),
        Span(5, 6, "LOC"),
        Span(7, 8, "MISC"),
    ]
    # listed out of order: searched after the previous mention first, then from the start
    assert parse_entities("LOC: Paris; PER: May", tokens) == [Span(5, 6, "LOC"), Span(7, 8, "PER")]
    assert parse_entities("LOC: Paris; PER: May; MISC: May", tokens) == [
        Span(0, 1, "MISC"),
        Span(5, 6, "LOC"),
        Span(7, 8, "PER"),
    ]


CONLL_SHAPED = [  # tokens as CoNLL-2003 writes them: abbreviations keep their full stop
    Sentence(
        ["Acme", "Corp.", "said", "on", "Monday", "it", "would", "open", "a", "plant", "in", "the", "U.S."],
        ["B-ORG", "I-ORG", "O", "O", "O", "O", "O", "O", "O", "O", "O", "O", "B-LOC"],
    ),
    Sentence(
        ["St.", "Louis", "Cardinals", "beat", "the", "Chicago", "Cubs", "4-3", "in", "St.", "Louis", "."],
        ["B-ORG", "I-ORG", "I-ORG", "O", "O", "B-ORG", "I-ORG", "O", "O", "B-LOC", "I-LOC", "O"],
    ),
    Sentence(
        ["Mr.", "Smith", "met", "J.", "P.", "Morgan", "Chase", "&", "Co.", "officials", "."],
        ["O", "B-PER", "O", "B-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "O"],
    ),
    Sentence(["Prices", "rose", "in", "Britain", "'s", "shops", "."], ["O", "O", "O", "B-LOC", "O", "O", "O"]),
    Sentence(["No", "names", "here", "."], ["O", "O", "O", "O"]),
]


def _oracle(sentences):
    types = entity_types_of(sentences)
    records = [to_sft_record("ner", s, entity_types=types) for s in sentences]
    gold = [r["messages"][-1]["content"] for r in records]
    for record, reply in zip(records, gold):
        assert parse_entities(reply, record["tokens"], types) == sorted(spans_from_iob2(record["tags"])), reply
    return score_replies(records, gold)


@pytest.mark.parametrize("dataset", ["bundled", str(ROOT / "tests" / "fixtures" / "conll2003")])
def test_every_gold_reply_parses_back_to_its_spans_and_scores_one(dataset):
    scores = _oracle([s for split in ("train", "dev", "test") for s in load_ner(dataset, split)])
    assert scores["ner_f1"] == 1.0 and scores["ner_valid"] == 1.0


def test_gold_replies_of_conll_shaped_sentences_with_abbreviations_score_one(tmp_path):
    from sftlab.io.conll import write_conll

    write_conll(tmp_path / "test.txt", CONLL_SHAPED)
    scores = _oracle(load_ner(str(tmp_path), "test"))
    assert scores["ner_f1"] == 1.0 and scores["ner_valid"] == 1.0


def test_a_data_set_s_own_entity_types_are_asked_for_parsed_and_scored():
    drugs = [
        Sentence(["took", "Warfarin", "for", "fever"], ["O", "B-DRUG", "O", "B-SYMPTOM"]),
        Sentence(["Ada", "took", "5", "mg"], ["B-PER", "O", "B-DOSE", "I-DOSE"]),
    ]
    assert entity_types_of(drugs) == ("PER", "DOSE", "DRUG", "SYMPTOM")  # the usual four first, in their order
    assert _oracle(drugs)["ner_f1"] == 1.0
    record = to_sft_record("ner", drugs[0], entity_types=entity_types_of(drugs))
    assert "TYPE one of PER, DOSE, DRUG, SYMPTOM," in record["messages"][0]["content"]
    assert parse_entities("drug: Warfarin", drugs[0].tokens, ["DRUG"]) == [Span(1, 2, "DRUG")]  # case forgiven
    assert parse_entities("DRUG: Warfarin", drugs[0].tokens) is None  # not one of the default four
    default = to_sft_record("ner", CONLL_SHAPED[0])
    assert "TYPE one of PER, ORG, LOC, MISC," in default["messages"][0]["content"] and "entity_types" not in default


@pytest.mark.parametrize(
    "text",
    [
        "Ada Lovelace",
        "PERSON: Ada",
        "PER: Grace Hopper",
        "PER: Ada; PER: Ada",
        "The entities are PER: Ada",
        "PER:",
        ";",
        "PER: Ada Lovelace met Babbage at IBM 's office in London . extra",
    ],
)
def test_malformed_generations_are_invalid_not_crashes(text):
    assert parse_entities(text, TOKENS) is None
    tags, valid = entity_tags(text, TOKENS)
    assert tags == ["O"] * len(TOKENS) and not valid


def test_free_text_scores():
    assert token_f1("[PERSON] met [PERSON] in London.", "[PERSON] met [PERSON] in London.") == 1.0
    assert token_f1("Ada met Babbage", "[PERSON] met [PERSON]") == pytest.approx(
        2 * (1 / 3) * (1 / 7) / (1 / 3 + 1 / 7)
    )
    assert token_f1("", "") == 1.0 and token_f1("x", "") == 0.0
    assert exact_match("In  London .", "in London.") and not exact_match("London", "in London")


REDACT = to_sft_record(
    "redact",
    Sentence(
        "Rosalind Franklin met Will Smith , who said he will call Franklin .".split(),
        ["B-PER", "I-PER", "O", "B-PER", "I-PER", "O", "O", "O", "O", "O", "O", "B-PER", "O"],
    ),
)


def test_redaction_is_scored_by_names_masked_and_the_rest_kept():
    source, reference = redaction_source(REDACT), REDACT["reference"]
    assert source == "Rosalind Franklin met Will Smith, who said he will call Franklin."
    assert reference == "[PERSON] met [PERSON], who said he will call [PERSON]."
    assert redaction_scores(reference, source, reference) == {"masked": 1.0, "kept": 1.0, "score": 1.0}
    copied = redaction_scores(source, source, reference)
    assert copied["masked"] == 0.0 and copied["score"] == 0.0 and copied["kept"] > 0.7
    alone = redaction_scores("[PERSON]", source, reference)
    assert alone["masked"] == 1.0 and alone["score"] < 0.35
    # "will" the verb is kept in the reference: writing it is no leak; "Will" the name is one more "will"
    leaky = redaction_scores("[PERSON] met Will [PERSON], who said he will call [PERSON].", source, reference)
    assert leaky["masked"] == pytest.approx(4 / 5) and leaky["kept"] == 1.0
    assert leaky["score"] == pytest.approx(2 * 0.8 / 1.8)
    dropped = redaction_scores("[PERSON] met [PERSON].", source, reference)
    assert dropped["masked"] == 1.0 and dropped["kept"] == pytest.approx(2 * 4 / 11 / (1 + 4 / 11))  # 4 of 11 words
    assert redaction_scores("Nothing to hide.", "Nothing to hide.", "Nothing to hide.")["score"] == 1.0


def test_trivial_replies_are_valid_and_score_what_format_alone_earns():
    records = [
        {"task": "sentiment", "label": "positive"},
        {"task": "sentiment", "label": "negative"},
        {"task": "ner", "tokens": TOKENS, "tags": ["B-PER", "I-PER"] + ["O"] * 9},
        REDACT,
    ]
    replies = trivial_replies(records, "positive")
    assert replies[:3] == ["positive", "positive", "none"] and replies[3] == redaction_source(REDACT)
    scores = score_replies(records, replies)
    assert scores["sentiment_accuracy"] == 0.5 and scores["sentiment_valid"] == 1.0
    assert scores["ner_valid"] == 1.0 and scores["ner_f1"] == 0.0 and scores["redact_score"] == 0.0


def test_score_replies_counts_invalid_answers_as_wrong():
    records = [
        {"task": "sentiment", "label": "positive"},
        {"task": "sentiment", "label": "negative"},
        {"task": "ner", "tokens": TOKENS, "tags": ["B-PER", "I-PER"] + ["O"] * 9},
        REDACT,
    ]
    scores = score_replies(records, ["positive", "I think it is negative", "PER: Ada Lovelace", REDACT["reference"]])
    assert scores["sentiment_accuracy"] == 0.5 and scores["sentiment_valid"] == 0.5
    assert scores["ner_f1"] == 1.0 and scores["ner_valid"] == 1.0 and scores["redact_exact"] == 1.0
    assert scores["redact_score"] == 1.0 and "redact_token_f1" not in scores
    assert scores["score"] == pytest.approx((0.5 + 1.0 + 1.0) / 3)


MIXED = [  # two records of each task, with a bit of everything: a second entity, a sentence without one
    {"task": "sentiment", "label": "positive"},
    {"task": "sentiment", "label": "negative"},
    {"task": "ner", "tokens": TOKENS, "tags": ["B-PER", "I-PER"] + ["O"] * 7 + ["B-LOC", "O"]},
    {"task": "ner", "tokens": TOKENS, "tags": ["O"] * 11},
    REDACT,
    REDACT,
]


def test_per_example_scores_agree_with_the_aggregate_scores():
    records = MIXED
    replies = [
        "positive",
        "maybe",
        "PER: Ada Lovelace; ORG: IBM",
        "none",
        REDACT["reference"],
        redaction_source(REDACT),
    ]
    rows, scores = per_example_scores(records, replies), score_replies(records, replies)
    assert rows["sentiment"].tolist() == [1.0, 0.0] and rows["sentiment_valid"].tolist() == [1.0, 0.0]
    assert rows["ner"].shape == (2, 3) and rows["ner"].tolist() == [[1, 2, 2], [0, 0, 0]]
    assert rows["ner_valid"].tolist() == [1.0, 1.0] and rows["ner_named"].tolist() == [1.0, 0.0]  # "none" names none
    assert f1_from_counts(rows["ner"]) == pytest.approx(scores["ner_f1"])
    assert rows["redact"].tolist() == [1.0, 0.0] and np.mean(rows["redact"]) == scores["redact_score"]


def test_the_score_from_rows_is_the_score_of_the_replies():
    records = MIXED
    replies = [
        "positive",
        "positive",
        "PER: Ada Lovelace; ORG: IBM",
        "LOC: London",
        "[PERSON] met [PERSON].",
        redaction_source(REDACT),
    ]
    rows = score_rows(records, replies)
    assert rows.shape == (6, len(SCORE_COLUMNS))
    assert score_of_rows(rows) == pytest.approx(score_replies(records, replies)["score"])
    assert score_of_rows(rows[:2]) == pytest.approx(score_replies(records[:2], replies[:2])["score"])
