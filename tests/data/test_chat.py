"""Chat rendering and answer-only masking: which tokens are targets, checked against tokenizing apart."""

from __future__ import annotations

import pytest

from sftlab.data import chat, formats
from sftlab.io.errors import DataError
from sftlab.train.models import load_tokenizer

MULTI_TURN = [
    {"role": "user", "content": "Classify: I loved it."},
    {"role": "assistant", "content": "positive"},
    {"role": "user", "content": "And: the soup was cold."},
    {"role": "assistant", "content": "negative"},
]


def test_only_the_answers_and_their_end_of_turn_are_targets(chat_tokenizer):
    encoded = chat.tokenize_chat(MULTI_TURN, chat_tokenizer)
    trained = [chat_tokenizer.decode([i]) for i, label in zip(encoded["input_ids"], encoded["labels"]) if label != -100]
    assert trained == ["positive", "<|im_end|>", "\n", "negative", "<|im_end|>", "\n"]
    assert encoded["labels"][: encoded["prompt_tokens"]] == [-100] * encoded["prompt_tokens"]
    last = chat.tokenize_chat(MULTI_TURN, chat_tokenizer, train_on="last")
    assert [
        chat_tokenizer.decode([i]) for i, label in zip(last["input_ids"], last["labels"]) if label != -100
    ] == trained[3:]
    everything = chat.tokenize_chat(MULTI_TURN, chat_tokenizer, train_on="all")
    assert everything["labels"] == everything["input_ids"]


def test_masks_agree_with_tokenizing_prompt_and_answers_apart(chat_tokenizer):
    for messages in (
        MULTI_TURN,
        formats.to_chat(
            formats.to_instruction({"text": "Loved it.", "label": "positive"}, "sentiment"), system="Be brief."
        )["messages"],
    ):
        joint, apart = chat.tokenize_chat(messages, chat_tokenizer), chat.tokenize_apart(messages, chat_tokenizer)
        assert joint["input_ids"] == apart["input_ids"] and joint["labels"] == apart["labels"]
    prompt, answer = chat.render_prompt_and_answer(MULTI_TURN[:2], chat_tokenizer)
    assert prompt.endswith("<|im_start|>assistant\n") and answer == "positive<|im_end|>\n"


def test_chat_errors_name_the_record(chat_tokenizer):
    with pytest.raises(DataError, match="record 7: no assistant turn"):
        chat.tokenize_chat([{"role": "user", "content": "Hi"}], chat_tokenizer, where="record 7")
    with pytest.raises(DataError, match="record 2: message 1: empty content \\(an empty answer"):
        chat.tokenize_chat(
            [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": " "}], chat_tokenizer, where="record 2"
        )
    with pytest.raises(DataError, match="no answer token left within max_length=5"):
        chat.tokenize_chat(MULTI_TURN, chat_tokenizer, max_length=5)
    from sftlab.io.errors import ConfigError

    with pytest.raises(ConfigError, match="has no chat template"):
        chat.tokenize_chat(MULTI_TURN, load_tokenizer("minilm"))
