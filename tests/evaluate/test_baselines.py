"""Tests of ``sftlab.evaluate.baselines``."""

from __future__ import annotations

import pytest

from sftlab.evaluate.baselines import build_gazetteer, gazetteer_tag, majority_label, tfidf_logistic_regression
from sftlab.io.conll import Sentence


def test_gazetteer_skips_names_that_are_usually_not_names():
    train = [
        Sentence(["Apple", "rose"], ["B-ORG", "O"]),
        Sentence(["an", "apple", "a", "day"], ["O", "O", "O", "O"]),
        Sentence(["I", "ate", "an", "apple"], ["O", "O", "O", "O"]),
        Sentence(["New", "York", "is", "big"], ["B-LOC", "I-LOC", "O", "O"]),
    ]
    gazetteer = build_gazetteer(train)
    assert ("new", "york") in gazetteer and ("apple",) not in gazetteer
    assert gazetteer_tag(["I", "love", "new", "york"], gazetteer) == ["O", "O", "B-LOC", "I-LOC"]


def test_classification_baselines():
    assert majority_label(["a", "b", "b"]) == "b" and majority_label(["b", "a"]) == "a"
    model = tfidf_logistic_regression(
        ["great food", "awful food", "great staff", "awful staff"], ["positive", "negative", "positive", "negative"]
    )
    assert list(model.predict(["great place", "awful place"])) == ["positive", "negative"]


def test_tfidf_chooses_its_C_on_dev_by_the_measure_asked():
    from sftlab.evaluate.baselines import best_on_dev, tfidf_on_dev
    from sftlab.io.errors import ConfigError

    # three positive reviews to each negative one: a strong penalty (small C) predicts the majority class only
    train = [
        {"text": f"great food {i}" if i % 4 else f"awful food {i}", "label": "pos" if i % 4 else "neg"}
        for i in range(40)
    ]
    dev = [{"text": f"{w} staff", "label": label} for w, label in (("great", "pos"), ("awful", "neg"))]
    model, scores = tfidf_on_dev(train, dev, Cs=[1e-4, 10], measure="macro_f1")
    assert scores == {1e-4: pytest.approx(1 / 3), 10: 1.0} and model[-1].C == 10
    first, tied = best_on_dev({"a": model, "b": model}, [r["text"] for r in dev], [r["label"] for r in dev])
    assert first is model and tied == {"a": 1.0, "b": 1.0}
    with pytest.raises(ConfigError, match="measure='f1'"):
        best_on_dev({"a": model}, ["x"], ["pos"], "f1")
