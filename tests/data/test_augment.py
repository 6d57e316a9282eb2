"""Tests of ``sftlab.data.augment``."""

from __future__ import annotations

import random

import pytest

from sftlab.data.augment import (
    FUNCTION_WORDS,
    PROTECTED,
    augment_ner,
    augment_texts,
    detokenize,
    eda,
    last_word,
    mention_inventory,
    read_synonyms,
)
from sftlab.io.conll import Sentence
from sftlab.io.errors import DataError
from sftlab.io.tags import iob2_problems, spans_from_iob2
from sftlab.io.words import split_words
from tests.conftest import ROOT

SENTENCES = [
    Sentence(["Ada", "Lovelace", "met", "IBM", "."], ["B-PER", "I-PER", "O", "B-ORG", "O"]),
    Sentence(["Kofi", "visited", "New", "York", "."], ["B-PER", "O", "B-LOC", "I-LOC", "O"]),
    Sentence(["Nothing", "here", "."], ["O", "O", "O"]),
]


def test_mention_replacement_keeps_valid_labels_and_types():
    inventory = mention_inventory(SENTENCES)
    assert inventory["PER"] == [("Ada", "Lovelace"), ("Kofi",)]
    for s in augment_ner(SENTENCES, copies=5, seed=1):
        assert not iob2_problems(s.tags)
        for start, end, label in spans_from_iob2(s.tags):
            assert tuple(s.tokens[start:end]) in inventory[label]
    assert len(augment_ner(SENTENCES, copies=2)) == 4  # sentences without entities are skipped


def test_mention_replacement_changes_lengths_correctly():
    augmented = augment_ner(SENTENCES[:2], copies=1, seed=0)
    swapped = next(s for s in augmented if s.tokens[0] == "Kofi")
    assert swapped.tags[:2] == ["B-PER", "O"]


def test_eda_never_touches_protected_words_and_is_seeded():
    synonyms = read_synonyms(ROOT / "data" / "sentiment" / "lexicon" / "synonyms.tsv")
    text = "The food was not good, but the staff were really friendly."
    variants = [eda(text, synonyms, random.Random(s), alpha=0.3) for s in range(30)]
    for variant in variants:
        words = [w.lower() for w in split_words(variant)]
        assert "not" in words and "but" in words
    assert eda(text, synonyms, random.Random(3)) == eda(text, synonyms, random.Random(3))
    assert len(set(variants)) > 10
    assert {"not", "but", "never", "n't"} <= PROTECTED


def test_augment_texts_copies_labels():
    synonyms = {"great": ["excellent"]}
    out = augment_texts([{"text": "Great food.", "label": "positive"}], synonyms, copies=3, seed=0)
    assert len(out) == 3 and all(r["label"] == "positive" and r["augmented"] == "eda" for r in out)


def test_synonym_file_errors(tmp_path):
    path = tmp_path / "syn.tsv"
    path.write_text("# comment\ngood\tfine\nbad\n")
    with pytest.raises(DataError, match="syn.tsv:3"):
        read_synonyms(path)


def test_detokenize():
    assert detokenize(["I", "did", "n't", "like", "it", ",", "sadly", "."]) == "I didn't like it, sadly."


def test_last_word_ignores_punctuation_and_case():
    assert last_word("Difficult but rewarding.") == "rewarding"
    assert last_word("Difficult but.") == "but" and "but" in FUNCTION_WORDS
    assert last_word("Loved It !") == "it" and last_word("  ") == "" and last_word("...") == ""
