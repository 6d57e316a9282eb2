"""Does generated data help? Train the same classifier on each training set and compare them fairly.

- **Same budget, same model, each at its own good setting**: every training set gets the same
  classifier with its regularisation ``C`` chosen on the dev set (:func:`tuned`); the test set is
  only scored. Two classifier families: TF-IDF + logistic regression (:func:`tuned_tfidf`, the
  family of the label-consistency filter) and logistic regression on the frozen encoder's
  sentence embeddings (:func:`embedding_logistic_regression`, another family).
- **The right control**: besides the seed set alone, the seed set plus as many *gold* training
  examples as were generated (:func:`same_size_gold`). Generated data has to beat real data of
  the same size to be worth its cost, not only beat nothing.
- **Two sources of noise**: a different random seed (another seed set and another construction
  run) and a different test sample. The per-review correctness of :func:`correct`, one row per
  random seed, goes to :func:`sftlab.evaluate.comparison.compare`, whose interval adds both; a
  difference is claimed only when its interval excludes 0.
"""

from __future__ import annotations

import random
from typing import Callable, Sequence

import numpy as np

from sftlab.data.dedup import dedup_key
from sftlab.evaluate.baselines import tfidf_logistic_regression

C_GRID = (0.25, 1.0, 4.0, 16.0)


def tuned(
    fit: Callable[[list[str], list[str], float], object],
    train: Sequence[dict],
    dev: Sequence[dict],
    grid: Sequence[float] = C_GRID,
) -> tuple[object, float]:
    """(model, C): ``fit(texts, labels, C)`` on ``train`` with the ``C`` of ``grid`` that is most accurate on ``dev``.

    Ties go to the smaller ``C`` (the stronger regularisation).
    """
    texts, labels = [r["text"] for r in train], [r["label"] for r in train]
    dev_texts, dev_labels = [r["text"] for r in dev], np.array([r["label"] for r in dev])
    best = None
    for C in grid:
        model = fit(texts, labels, C)
        accuracy = float(np.mean(model.predict(dev_texts) == dev_labels))
        if best is None or accuracy > best[0]:
            best = (accuracy, model, C)
    return best[1], best[2]


def tuned_tfidf(train: Sequence[dict], dev: Sequence[dict], grid: Sequence[float] = C_GRID, seed: int = 0):
    """(model, C): TF-IDF + logistic regression on ``train``, ``C`` chosen on ``dev`` (:func:`tuned`)."""
    return tuned(lambda texts, labels, C: tfidf_logistic_regression(texts, labels, C=C, seed=seed), train, dev, grid)


def embedding_logistic_regression(
    texts: Sequence[str],
    labels: Sequence[str],
    embed: Callable[[Sequence[str]], np.ndarray],
    C: float = 4.0,
    seed: int = 0,
):
    """A fitted pipeline: ``embed(texts)`` (frozen sentence embeddings) -> logistic regression; ``predict`` takes
    texts."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = make_pipeline(
        FunctionTransformer(lambda x: embed(list(x))), LogisticRegression(C=C, max_iter=2000, random_state=seed)
    )
    return model.fit(list(texts), list(labels))


def tuned_embedding_lr(
    train: Sequence[dict],
    dev: Sequence[dict],
    embed: Callable[[Sequence[str]], np.ndarray],
    grid: Sequence[float] = C_GRID,
    seed: int = 0,
):
    """(model, C): :func:`embedding_logistic_regression` on ``train``, ``C`` chosen on ``dev``."""
    return tuned(
        lambda texts, labels, C: embedding_logistic_regression(texts, labels, embed, C=C, seed=seed), train, dev, grid
    )


def correct(model, records: Sequence[dict]) -> np.ndarray:
    """A boolean per record: does ``model`` predict its label?"""
    return np.asarray(model.predict([r["text"] for r in records]) == np.array([r["label"] for r in records]))


def same_size_gold(gold_train: Sequence[dict], seed_set: Sequence[dict], k: int, seed: int) -> list[dict]:
    """The seed set plus ``k`` gold training examples that are not in it, drawn at random."""
    taken = {dedup_key(r["text"]) for r in seed_set}
    rest = [r for r in gold_train if dedup_key(r["text"]) not in taken]
    if k > len(rest):
        raise ValueError(f"asked for {k} more gold examples, but only {len(rest)} are not in the seed set")
    return list(seed_set) + random.Random(seed).sample(rest, k)
