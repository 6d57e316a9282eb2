"""Tests of ``sftlab.evaluate.baselines``."""

from __future__ import annotations

from sftlab.evaluate.baselines import build_gazetteer, gazetteer_tag, majority_label, tfidf_logistic_regression
from sftlab.io.conll import Sentence


def test_gazetteer_skips_names_that_are_usually_not_names():
    train = [Sentence(["Apple", "rose"], ["B-ORG", "O"]), Sentence(["an", "apple", "a", "day"], ["O", "O", "O", "O"]),
             Sentence(["I", "ate", "an", "apple"], ["O", "O", "O", "O"]),
             Sentence(["New", "York", "is", "big"], ["B-LOC", "I-LOC", "O", "O"])]
    gazetteer = build_gazetteer(train)
    assert ("new", "york") in gazetteer and ("apple",) not in gazetteer
    assert gazetteer_tag(["I", "love", "new", "york"], gazetteer) == ["O", "O", "B-LOC", "I-LOC"]


def test_classification_baselines():
    assert majority_label(["a", "b", "b"]) == "b" and majority_label(["b", "a"]) == "a"
    model = tfidf_logistic_regression(["great food", "awful food", "great staff", "awful staff"],
                                      ["positive", "negative", "positive", "negative"])
    assert list(model.predict(["great place", "awful place"])) == ["positive", "negative"]
