"""A model trained with several seeds against one baseline, from their test predictions.

Notebook 06 sets its fine-tuned model (one run per seed) against TF-IDF and against a frozen-encoder
probe, each of which gives one set of predictions. :func:`seed_differences` gives each seed its own
paired bootstrap interval (a table: how much the seeds differ), and :func:`seed_verdict` pools the
seeds into the one verdict the notebook draws, with :func:`sftlab.evaluate.comparison.compare`
(which counts both the seeds' and the test examples' noise). The measure is accuracy, or macro-F1
over given labels (each class counts the same, however rare).
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from sftlab.evaluate.comparison import Comparison, compare
from sftlab.evaluate.significance import paired_bootstrap
from sftlab.io.errors import ConfigError

Score = Callable[[Sequence[str], Sequence[int]], float]


def score_on(gold: Sequence[str], measure: str = "accuracy", labels: Sequence[str] | None = None) -> Score:
    """``score(predicted, idx)``: the accuracy of ``predicted`` against ``gold`` on the examples ``idx``, or
    (``measure="macro_f1"``) their macro-F1 over ``labels``."""
    from sklearn.metrics import f1_score

    gold = np.asarray(gold)
    if measure == "accuracy":
        return lambda predicted, idx: float(np.mean(np.asarray(predicted)[idx] == gold[idx]))
    if measure == "macro_f1":
        if labels is None:
            raise ConfigError("labels", labels, "macro-F1 needs the labels it averages over")
        return lambda predicted, idx: f1_score(
            gold[idx], np.asarray(predicted)[idx], labels=list(labels), average="macro", zero_division=0
        )
    raise ConfigError("measure", measure, "is not one of accuracy, macro_f1")


def seed_differences(
    predictions: Mapping[int, Sequence[str]],
    baseline: Sequence[str],
    gold: Sequence[str],
    *,
    measure: str = "accuracy",
    labels: Sequence[str] | None = None,
    samples: int = 1000,
    seed: int = 0,
) -> list[dict]:
    """One row per seed of ``predictions`` (seed -> predicted labels): its score, the baseline's, and the paired
    bootstrap's 95% interval of the difference over the same resampled test examples."""
    score, n = score_on(gold, measure, labels), len(gold)
    rows = []
    for run_seed, predicted in predictions.items():
        result = paired_bootstrap(
            lambda idx, p=predicted: score(p, idx), lambda idx: score(baseline, idx), n, samples=samples, seed=seed
        )
        rows.append(
            {
                "seed": run_seed,
                "fine-tuned": score(predicted, list(range(n))),
                "baseline": score(baseline, list(range(n))),
                "difference": result["difference"],
                "95% low": result["low"],
                "95% high": result["high"],
            }
        )
    return rows


def seed_verdict(
    predictions: Mapping[int, Sequence[str]],
    baseline: Sequence[str],
    gold: Sequence[str],
    *,
    names: tuple[str, str],
    measure: str = "accuracy",
    labels: Sequence[str] | None = None,
    comparisons: int = 1,
    samples: int = 1000,
    seed: int = 0,
) -> Comparison:
    """:func:`compare` of every seed's predictions (seeds x examples) with the baseline's: accuracy from each
    example's correctness, or macro-F1 from (gold, predicted) rows over ``labels``."""
    options = dict(names=names, comparisons=comparisons, samples=samples, seed=seed)
    if measure == "accuracy":

        def right(predicted: Sequence[str]) -> np.ndarray:
            return (np.asarray(predicted) == np.asarray(gold)).astype(float)

        return compare(
            np.stack([right(p) for p in predictions.values()]), right(baseline), measure="accuracy", **options
        )
    score_on(gold, measure, labels)  # the same checks of measure and labels
    from sklearn.metrics import f1_score

    index = {label: i for i, label in enumerate(labels)}

    def rows(predicted: Sequence[str]) -> np.ndarray:
        return np.array([[index[g], index[p]] for g, p in zip(gold, predicted, strict=True)])

    def macro_f1(r: np.ndarray) -> float:
        return f1_score(r[:, 0], r[:, 1], labels=list(index.values()), average="macro", zero_division=0)

    return compare(
        np.stack([rows(p) for p in predictions.values()]),
        rows(baseline)[None],
        statistic=macro_f1,
        measure="macro-F1",
        **options,
    )
