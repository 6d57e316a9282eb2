"""Scores: entity-level F1 with seqeval, and accuracy / macro-F1 / confusion for classification."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def entity_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], strict: bool = True) -> dict:
    """seqeval entity-level precision/recall/F1, micro-averaged, plus per type.

    ``strict=True`` scores IOB2 exactly (an entity counts only if its B- and I- tags and type all
    match); ``strict=False`` is seqeval's default CoNLL-style chunking, which also accepts a
    sequence starting with I-.
    """
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    options = {"mode": "strict", "scheme": IOB2} if strict else {}
    gold, predicted = [list(g) for g in gold], [list(p) for p in predicted]
    report = classification_report(gold, predicted, output_dict=True, zero_division=0, **options)
    per_type = {
        k: {m: float(v[m]) for m in ("precision", "recall", "f1-score", "support")}
        for k, v in report.items()
        if not k.endswith("avg")
    }
    return {
        "precision": float(precision_score(gold, predicted, zero_division=0, **options)),
        "recall": float(recall_score(gold, predicted, zero_division=0, **options)),
        "f1": float(f1_score(gold, predicted, zero_division=0, **options)),
        "per_type": per_type,
    }


def classification_scores(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict:
    """Accuracy, macro-F1, per-class F1 and the confusion matrix (rows gold, columns predicted)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    return {
        "accuracy": float(accuracy_score(gold, predicted)),
        "macro_f1": float(f1_score(gold, predicted, labels=list(labels), average="macro", zero_division=0)),
        "per_class_f1": dict(
            zip(labels, map(float, f1_score(gold, predicted, labels=list(labels), average=None, zero_division=0)))
        ),
        "confusion": confusion_matrix(gold, predicted, labels=list(labels)).tolist(),
    }


def token_accuracy(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> float:
    """Share of tokens whose tag is right, ``O`` included: the misleading metric of notebook 08."""
    pairs = [(g, p) for gs, ps in zip(gold, predicted) for g, p in zip(gs, ps)]
    return float(np.mean([g == p for g, p in pairs])) if pairs else 0.0


def strict_spans(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """Entities as strict IOB2 reads them: ``B-X`` followed by ``I-X``s; an ``I-`` that does not
    continue an entity of its type starts nothing (seqeval's ``mode="strict"``)."""
    spans, start, label = set(), None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, kind = (tag.split("-", 1) + [""])[:2] if tag != "O" else ("O", "")
        if start is not None and not (prefix == "I" and kind == label):
            spans.add((start, i, label))
            start, label = None, None
        if prefix == "B":
            start, label = i, kind
    return spans


def ill_formed_starts(predicted: Sequence[Sequence[str]]) -> dict[str, int]:
    """Count the ``I-X`` tags that continue no entity of type X, by what precedes them.

    ``after O``: the previous tag is ``O`` (or the sentence starts); conlleval and seqeval's
    default mode start an entity there, strict IOB2 starts none. ``after another type``: the
    previous tag is ``B-Y``/``I-Y`` with Y ≠ X; the default mode ends the Y entity and starts an
    X entity, strict IOB2 ends the Y entity and starts nothing.
    """
    counts = {"after O": 0, "after another type": 0}
    for tags in predicted:
        previous = "O"
        for tag in tags:
            if tag.startswith("I-") and previous[2:] != tag[2:]:
                counts["after O" if previous == "O" else "after another type"] += 1
            previous = tag
    return counts


def entity_counts(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> np.ndarray:
    """Per sentence: (true positives, predicted entities, gold entities), strict IOB2. Shape (N, 3)."""
    rows = []
    for g, p in zip(gold, predicted, strict=True):
        gs, ps = strict_spans(g), strict_spans(p)
        rows.append((len(gs & ps), len(ps), len(gs)))
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def f1_from_counts(counts: np.ndarray) -> float:
    """Micro entity F1 from summed :func:`entity_counts` rows (fast enough for thousands of bootstrap resamples)."""
    tp, n_pred, n_gold = counts.sum(axis=0)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    return float(2 * precision * recall / (precision + recall)) if precision + recall else 0.0
