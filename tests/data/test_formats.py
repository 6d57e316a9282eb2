"""Every SFT format: rendering, validation and round trips."""

from __future__ import annotations

import random

import pytest

from sftlab.data import formats
from sftlab.io.conll import Sentence
from sftlab.io.errors import DataError
from sftlab.io.tags import spans_from_iob2

SENTENCE = Sentence(
    ["Ada", "Lovelace", "met", "Charles", "Babbage", "in", "London", "."],
    ["B-PER", "I-PER", "O", "B-PER", "I-PER", "O", "B-LOC", "O"],
)


@pytest.mark.parametrize("scheme", ["IOB2", "BIOES"])
def test_token_records_round_trip(scheme):
    record = formats.to_token_record(SENTENCE, scheme)
    assert formats.validate_token_record(record, scheme) == SENTENCE.tags
    if scheme == "BIOES":
        assert record["tags"][:2] == ["B-PER", "E-PER"] and record["tags"][6] == "S-LOC"


def test_text_to_text_round_trip_and_repeated_mentions():
    pair = formats.to_text_pair(SENTENCE)
    assert pair == {
        "source": "ner: Ada Lovelace met Charles Babbage in London .",
        "target": "PER: Ada Lovelace; PER: Charles Babbage; LOC: London",
    }
    assert formats.spans_from_text(pair["target"], SENTENCE.tokens) == spans_from_iob2(SENTENCE.tags)
    twice = Sentence(["Paris", "and", "Paris"], ["B-LOC", "O", "B-LOC"])
    assert formats.spans_from_text(formats.to_text_pair(twice)["target"], twice.tokens) == spans_from_iob2(twice.tags)
    empty = Sentence(["hello"], ["O"])
    assert formats.to_text_pair(empty)["target"] == "none" and formats.spans_from_text("none", empty.tokens) == []


@pytest.mark.parametrize(
    "target,phrase",
    [
        ("PER Ada", "is not 'TYPE: mention'"),
        ("PER: ", "empty type or mention"),
        ("PER: Grace Hopper", "does not occur"),
    ],
)
def test_text_to_text_parse_errors(target, phrase):
    with pytest.raises(DataError, match=phrase):
        formats.spans_from_text(target, SENTENCE.tokens, "record 1")


def test_qa_records_offsets_are_valid():
    records = formats.to_qa_records(SENTENCE)
    assert [r["question"] for r in records] == ["Which people are mentioned?", "Which places are mentioned?"]
    assert records[0]["answers"] == {"text": ["Ada Lovelace", "Charles Babbage"], "answer_start": [0, 17]}
    for r in records:
        formats.validate_qa(r)
    with pytest.raises(DataError, match="not at offset"):
        formats.validate_qa({"context": "abc", "answers": {"text": ["b"], "answer_start": [0]}})


def test_masking_proportions():
    rng = random.Random(0)
    ids = list(range(1000, 1000 + 20000))
    inputs, labels = formats.mask_tokens(ids, [False] * len(ids), mask_id=103, vocab_size=30522, rng=rng)
    chosen = [i for i, label in enumerate(labels) if label != -100]
    assert abs(len(chosen) / len(ids) - 0.15) < 0.01
    masked = sum(inputs[i] == 103 for i in chosen) / len(chosen)
    kept = sum(inputs[i] == ids[i] for i in chosen) / len(chosen)
    assert abs(masked - 0.8) < 0.03 and abs(kept - 0.1) < 0.03
    assert all(labels[i] == ids[i] for i in chosen)


def test_special_tokens_are_never_masked():
    inputs, labels = formats.mask_tokens([101, 5, 6, 102], [True, False, False, True], 103, 100, random.Random(1), 1.0)
    assert inputs[0] == 101 and inputs[-1] == 102 and labels[0] == labels[-1] == -100


def test_classification_validation():
    formats.validate_classification({"text": "Great", "label": "positive"}, ["negative", "positive"])
    with pytest.raises(DataError, match="record 3: label 'pos'"):
        formats.validate_classification({"text": "Great", "label": "pos"}, ["negative", "positive"], "record 3")


def test_sft_records_carry_their_references():
    from sftlab.io.conll import Sentence

    sentence = Sentence(
        ["Ada", "Lovelace", "met", "Babbage", "in", "London", "."], ["B-PER", "I-PER", "O", "B-PER", "O", "B-LOC", "O"]
    )
    ner = formats.to_sft_record("ner", sentence)
    assert ner["messages"][-1]["content"] == "PER: Ada Lovelace; PER: Babbage; LOC: London"
    assert ner["messages"][0]["content"].endswith("Ada Lovelace met Babbage in London.")
    redact = formats.to_sft_record("redact", sentence)
    assert redact["reference"] == "[PERSON] met [PERSON] in London."
    sentiment = formats.to_sft_record("sentiment", {"text": "Loved it.", "label": "positive"})
    assert sentiment["label"] == "positive" and "positive or negative" in sentiment["messages"][0]["content"]


def test_preference_pairs():
    pair = formats.to_preference([{"role": "user", "content": "Sentiment of 'Loved it.'?"}], "positive", "negative")
    formats.validate_preference(pair)
    with pytest.raises(DataError, match="record 4: chosen and rejected are the same"):
        formats.validate_preference(formats.to_preference(pair["prompt"], "positive", "positive"), "record 4")
    with pytest.raises(DataError, match="ending with the user"):
        formats.validate_preference({**pair, "prompt": [{"role": "assistant", "content": "x"}]})


@pytest.mark.parametrize(
    "record,phrase",
    [
        ({"messages": []}, "non-empty list"),
        ({"messages": [{"role": "bot", "content": "x"}]}, "unknown role"),
        ({"messages": [{"role": "user", "content": " "}]}, "empty content"),
        ({"messages": [{"role": "user", "content": "y"}]}, "no assistant turn"),
        ({"messages": [{"role": "assistant", "content": "x"}, {"role": "user", "content": "y"}]}, "last message"),
    ],
)
def test_chat_validation(record, phrase):
    with pytest.raises(DataError, match=phrase):
        formats.validate_chat(record)


def test_token_record_validation_errors():
    with pytest.raises(DataError, match="2 tokens but 1 tags"):
        formats.validate_token_record({"tokens": ["a", "b"], "tags": ["O"]})
    with pytest.raises(DataError, match="follows 'O'"):
        formats.validate_token_record({"tokens": ["a", "b"], "tags": ["O", "I-PER"]})
    with pytest.raises(DataError, match="invalid BIOES"):
        formats.validate_token_record({"tokens": ["a"], "tags": ["B-PER"]}, "BIOES")


def test_seq2seq_targets_shift_like_transformers(chat_tokenizer):
    import torch
    from transformers.models.bart.modeling_bart import shift_tokens_right

    start = chat_tokenizer.pad_token_id
    out = formats.seq2seq_targets(["PER: Ada Lovelace; LOC: London", "none"], chat_tokenizer, start)
    labels = torch.tensor(out["labels"])
    assert (
        labels[1].tolist().count(-100)
        == labels.shape[1] - len(chat_tokenizer("none", add_special_tokens=False)["input_ids"]) - 1
    )
    assert (labels[labels != -100].reshape(-1) >= 0).all() and labels[0, -1] == chat_tokenizer.eos_token_id
    assert out["decoder_input_ids"] == shift_tokens_right(labels, chat_tokenizer.pad_token_id, start).tolist()
