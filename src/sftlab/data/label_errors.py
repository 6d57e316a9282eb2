"""Finding likely label errors with out-of-fold predicted probabilities (confident learning).

Train a classifier K times, each time on all folds but one, and predict the held-out fold: every
example gets a probability vector from a model that never saw it. Then, following Northcutt et
al. (2021), the threshold of class j is the mean predicted probability of j over the examples
*labelled* j (how confident the model typically is on that class). An example labelled i is
suspect when another class j reaches its threshold and beats the given label; suspects are
ranked by how little probability the model gives to the given label (self-confidence).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def out_of_fold_probabilities(
    texts: Sequence[str],
    labels: Sequence[str],
    fit_predict: Callable[[list[str], list[str], list[str]], np.ndarray],
    folds: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """(N, K) probabilities, each row predicted by a model that did not train on it.

    ``fit_predict(train_texts, train_labels, held_out_texts)`` trains any classifier and returns
    its (n, K) class probabilities for the held-out texts, columns in one fixed class order.
    """
    from sklearn.model_selection import StratifiedKFold

    texts, labels = list(texts), list(labels)
    probabilities = None
    for train_index, test_index in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels):
        fold = np.asarray(
            fit_predict(
                [texts[i] for i in train_index], [labels[i] for i in train_index], [texts[i] for i in test_index]
            )
        )
        if probabilities is None:
            probabilities = np.zeros((len(texts), fold.shape[1]))
        probabilities[test_index] = fold
    return probabilities


def class_thresholds(given: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """t_j = mean of p_j over the examples labelled j."""
    return np.array(
        [probabilities[given == j, j].mean() if (given == j).any() else 1.0 for j in range(probabilities.shape[1])]
    )


def find_label_issues(labels: Sequence[str], probabilities: np.ndarray, classes: Sequence[str]) -> list[dict]:
    """Suspect examples, most suspicious first: ``{index, given, suggested, self_confidence}``."""
    index = {c: i for i, c in enumerate(classes)}
    given = np.array([index[label] for label in labels])
    thresholds = class_thresholds(given, probabilities)
    issues = []
    for i, (label, row) in enumerate(zip(given, probabilities)):
        confident = [j for j in range(len(classes)) if row[j] >= thresholds[j]]
        if not confident:
            continue
        best = max(confident, key=lambda j: row[j])
        if best != label:
            issues.append(
                {"index": i, "given": classes[label], "suggested": classes[best], "self_confidence": float(row[label])}
            )
    return sorted(issues, key=lambda issue: issue["self_confidence"])
