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


# --- cross-checks against cleanlab (a test-only dependency: AGPL-3.0, so sftlab never imports it) on random data ---

LABELS = ("negative", "neutral", "positive")


@pytest.mark.parametrize("seed", range(5))
def test_confident_learning_equals_cleanlab(seed):
    from cleanlab.filter import find_label_issues as cleanlab_issues

    rng = np.random.default_rng(seed)
    n = 300
    labels = rng.integers(0, 3, n)
    logits = rng.normal(size=(n, 3))
    logits[np.arange(n), labels] += 2
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    noisy = labels.copy()
    flipped = rng.choice(n, 30, replace=False)
    noisy[flipped] = (noisy[flipped] + 1) % 3
    ours = {issue["index"] for issue in find_label_issues([LABELS[j] for j in noisy], probabilities, LABELS)}
    theirs = set(np.flatnonzero(cleanlab_issues(noisy, probabilities, filter_by="confident_learning")).tolist())
    assert ours == theirs and ours
