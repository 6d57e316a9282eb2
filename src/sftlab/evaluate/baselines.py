"""Baselines that a fine-tuned model must beat to be worth its cost.

- Classification: the majority class, and TF-IDF features with logistic regression, its ``C``
  chosen on dev like any model's setting (:func:`tfidf_on_dev`, with :func:`best_on_dev`).
- NER: a gazetteer tagger built from the training set: every name seen as an entity in training
  is looked up in new text (longest match first), unless the same words were more often *not* a
  name in training (``may``, ``apple``, ``bush``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Hashable, Mapping, Sequence

import numpy as np

from sftlab.io.conll import Sentence
from sftlab.io.errors import ConfigError
from sftlab.io.tags import spans_from_iob2


def majority_label(labels: Sequence[str]) -> str:
    """The most frequent label (ties broken alphabetically)."""
    counts = Counter(labels)
    return min(counts, key=lambda label: (-counts[label], label))


def tfidf_logistic_regression(texts: Sequence[str], labels: Sequence[str], *, C: float = 4.0, seed: int = 0):
    """A fitted scikit-learn pipeline: word 1-2-gram TF-IDF (sublinear tf) -> logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True),
        LogisticRegression(C=C, max_iter=2000, random_state=seed),
    )
    return model.fit(list(texts), list(labels))


#: The dev-set measures a baseline's setting can be chosen by.
MEASURES = ("accuracy", "macro_f1")
#: Inverse L2 strengths of TF-IDF's logistic regression, tried on dev.
TFIDF_C = (1, 4, 16, 64, 256, 1024)


def best_on_dev(
    candidates: Mapping[Hashable, object], dev_inputs, dev_labels: Sequence, measure: str = "accuracy"
) -> tuple[object, dict]:
    """The fitted candidate (any scikit-learn classifier) with the best dev ``measure``, the first one on ties,
    and every candidate's dev score by key."""
    from sklearn.metrics import f1_score

    if measure not in MEASURES:
        raise ConfigError("measure", measure, f"is not one of {', '.join(MEASURES)}")

    def score(model) -> float:
        if measure == "macro_f1":
            return f1_score(dev_labels, model.predict(dev_inputs), average="macro", zero_division=0)
        return model.score(dev_inputs, dev_labels)

    scores = {key: float(score(model)) for key, model in candidates.items()}
    return candidates[max(scores, key=scores.get)], scores


def tfidf_on_dev(
    train: Sequence[dict],
    dev: Sequence[dict],
    *,
    Cs: Sequence[float] = TFIDF_C,
    seed: int = 0,
    measure: str = "accuracy",
) -> tuple[object, dict]:
    """TF-IDF + logistic regression fitted on records ``{text, label}`` for each ``C`` of ``Cs``, the one with the
    best dev ``measure`` kept: ``(pipeline, {C: dev score})``; the chosen ``C`` is ``pipeline[-1].C``."""
    texts, labels = [r["text"] for r in train], [r["label"] for r in train]
    candidates = {C: tfidf_logistic_regression(texts, labels, C=C, seed=seed) for C in Cs}
    return best_on_dev(candidates, [r["text"] for r in dev], [r["label"] for r in dev], measure)


def build_gazetteer(sentences: Sequence[Sentence], min_precision: float = 0.5) -> dict[tuple[str, ...], str]:
    """Lower-cased name -> type, from the entities of ``sentences``.

    A name is kept if, of its occurrences in the training text, at least ``min_precision`` are
    tagged as that entity; its type is the one it has most often.
    """
    types: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    for sentence in sentences:
        lowered = [t.lower() for t in sentence.tokens]
        for start, end, label in spans_from_iob2(sentence.tags):
            types[tuple(lowered[start:end])][label] += 1
    occurrences: Counter = Counter()
    lengths = {len(name) for name in types}
    for sentence in sentences:
        lowered = [t.lower() for t in sentence.tokens]
        for n in lengths:
            for i in range(len(lowered) - n + 1):
                key = tuple(lowered[i : i + n])
                if key in types:
                    occurrences[key] += 1
    gazetteer = {}
    for name, counter in types.items():
        label, count = counter.most_common(1)[0]
        if count / occurrences[name] >= min_precision:
            gazetteer[name] = label
    return gazetteer


def gazetteer_tag(tokens: Sequence[str], gazetteer: dict[tuple[str, ...], str]) -> list[str]:
    """IOB2 tags for ``tokens``: greedy longest match against the gazetteer, left to right."""
    lowered = [t.lower() for t in tokens]
    longest = max((len(name) for name in gazetteer), default=0)
    tags = ["O"] * len(tokens)
    i = 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            label = gazetteer.get(tuple(lowered[i : i + n]))
            if label:
                tags[i : i + n] = [f"B-{label}"] + [f"I-{label}"] * (n - 1)
                i += n
                break
        else:
            i += 1
    return tags


def predict_majority(labels: Sequence[str], count: int) -> list[str]:
    """``count`` copies of the majority label of ``labels``."""
    return [majority_label(labels)] * count


def class_probabilities(model, texts: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Probabilities of a fitted scikit-learn classifier, columns ordered as ``labels``."""
    probabilities = model.predict_proba(list(texts))
    order = [list(model.classes_).index(label) for label in labels]
    return probabilities[:, order]
