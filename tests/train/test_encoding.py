"""Tests of ``sftlab.train.encoding``."""

from __future__ import annotations

from sftlab.train.encoding import align_labels, encode_ner
from sftlab.train.models import load_tokenizer


def test_align_labels_first_subword_and_all_subwords():
    label2id = {"O": 0, "B-PER": 1, "I-PER": 2}
    word_ids = [None, 0, 1, 1, 2, None]
    tags = ["B-PER", "I-PER", "O"]
    assert align_labels(word_ids, tags, label2id) == [-100, 1, 2, -100, 0, -100]
    assert align_labels([None, 0, 0, 1, None], ["B-PER", "O"], label2id, label_all_subwords=True) == [
        -100,
        1,
        2,
        0,
        -100,
    ]


def test_encode_ner_uses_word_ids_from_the_fast_tokenizer(small_ner):
    _, sentences = small_ner
    tokenizer = load_tokenizer("minilm")
    features = encode_ner(
        sentences[:20],
        tokenizer,
        {t: i for i, t in enumerate(["O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"])},
        max_length=128,
    )
    for sentence, feature in zip(sentences[:20], features):
        scored = [label for label in feature["labels"] if label != -100]
        assert len(scored) == len(sentence.tokens)
        assert len(feature["labels"]) == len(feature["input_ids"]) == len(feature["word_ids"])
