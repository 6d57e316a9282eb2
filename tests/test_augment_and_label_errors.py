"""Augmentation keeps labels right; confident learning finds planted label errors; the quick taggers work."""

from __future__ import annotations

import random

import numpy as np
import pytest

from sftlab.augment import PROTECTED, augment_ner, augment_texts, detokenize, eda, mention_inventory, read_synonyms
from sftlab.baselines import build_gazetteer, gazetteer_tag, majority_label, tfidf_logistic_regression
from sftlab.conll import Sentence
from sftlab.errors import DataError
from sftlab.feature_tagger import FeatureTagger
from sftlab.label_errors import class_thresholds, find_label_issues
from sftlab.tags import iob2_problems, spans_from_iob2
from sftlab.words import split_words

from conftest import ROOT

SENTENCES = [Sentence(["Ada", "Lovelace", "met", "IBM", "."], ["B-PER", "I-PER", "O", "B-ORG", "O"]),
             Sentence(["Kofi", "visited", "New", "York", "."], ["B-PER", "O", "B-LOC", "I-LOC", "O"]),
             Sentence(["Nothing", "here", "."], ["O", "O", "O"])]


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


def test_confident_learning_flags_what_the_model_is_sure_is_mislabelled():
    classes = ["negative", "positive"]
    labels = ["positive"] * 5 + ["negative"] * 5
    probabilities = np.array([[0.1, 0.9]] * 4 + [[0.95, 0.05]] + [[0.8, 0.2]] * 5)
    thresholds = class_thresholds(np.array([1] * 5 + [0] * 5), probabilities)
    assert thresholds == pytest.approx([0.8, (0.9 * 4 + 0.05) / 5])
    issues = find_label_issues(labels, probabilities, classes)
    assert [(i["index"], i["given"], i["suggested"]) for i in issues] == [(4, "positive", "negative")]
    assert issues[0]["self_confidence"] == pytest.approx(0.05)


def test_gazetteer_skips_names_that_are_usually_not_names():
    train = [Sentence(["Apple", "rose"], ["B-ORG", "O"]), Sentence(["an", "apple", "a", "day"], ["O", "O", "O", "O"]),
             Sentence(["I", "ate", "an", "apple"], ["O", "O", "O", "O"]),
             Sentence(["New", "York", "is", "big"], ["B-LOC", "I-LOC", "O", "O"])]
    gazetteer = build_gazetteer(train)
    assert ("new", "york") in gazetteer and ("apple",) not in gazetteer
    assert gazetteer_tag(["I", "love", "new", "york"], gazetteer) == ["O", "O", "B-LOC", "I-LOC"]


def test_feature_tagger_learns_and_outputs_valid_iob2():
    train = SENTENCES * 5
    tagger = FeatureTagger().fit(train)
    predicted = tagger.predict(SENTENCES)
    assert all(not iob2_problems(p) for p in predicted)
    assert predicted[0][:2] == ["B-PER", "I-PER"]
    probability = tagger.tag_probability(SENTENCES[:1])[0]
    assert 0.5 < probability <= 1.0


def test_classification_baselines():
    assert majority_label(["a", "b", "b"]) == "b" and majority_label(["b", "a"]) == "a"
    model = tfidf_logistic_regression(["great food", "awful food", "great staff", "awful staff"],
                                      ["positive", "negative", "positive", "negative"])
    assert list(model.predict(["great place", "awful place"])) == ["positive", "negative"]
