"""Tests of ``sftlab.data.label_errors``."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.data.label_errors import class_thresholds, find_label_issues


def test_confident_learning_flags_what_the_model_is_sure_is_mislabelled():
    classes = ["negative", "positive"]
    labels = ["positive"] * 5 + ["negative"] * 5
    probabilities = np.array([[0.1, 0.9]] * 4 + [[0.95, 0.05]] + [[0.8, 0.2]] * 5)
    thresholds = class_thresholds(np.array([1] * 5 + [0] * 5), probabilities)
    assert thresholds == pytest.approx([0.8, (0.9 * 4 + 0.05) / 5])
    issues = find_label_issues(labels, probabilities, classes)
    assert [(i["index"], i["given"], i["suggested"]) for i in issues] == [(4, "positive", "negative")]
    assert issues[0]["self_confidence"] == pytest.approx(0.05)
