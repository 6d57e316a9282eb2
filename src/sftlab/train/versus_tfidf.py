"""Does fine-tuning beat TF-IDF here? The experiment notebook 06 runs on each of its datasets.

:func:`finetune_versus_tfidf` fine-tunes the classifier with one seed or several, fits the
TF-IDF + logistic regression baseline on the same training records with its ``C`` chosen on dev
(by the measure compared, as the fine-tuned model's epoch is), predicts the test records with both,
and compares them: each seed's difference with its own interval, and the seeds pooled into one
verdict (:mod:`sftlab.evaluate.seed_comparison`). Test is used once, at the end, for both models.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from sftlab.evaluate.baselines import TFIDF_C, tfidf_on_dev
from sftlab.evaluate.comparison import Comparison
from sftlab.evaluate.metrics import classification_scores
from sftlab.evaluate.seed_comparison import seed_differences, seed_verdict
from sftlab.train.finetune import Run, evaluate_classifier, finetune_classifier
from sftlab.train.training import TrainConfig


@dataclass
class VersusTfidf:
    """Both models' test results and their comparison."""

    scores: dict  # the first seed's test scores (``evaluate_classifier``)
    probabilities: np.ndarray  # the first seed's test class probabilities
    predictions: dict[int, list[str]]  # each seed's predicted test labels, the first seed first
    tfidf: object  # the baseline's pipeline, with the C chosen on dev (``tfidf[-1].C``)
    tfidf_dev: dict[float, float]  # the baseline's dev score for each C tried
    tfidf_predicted: list[str]  # the baseline's predicted test labels
    tfidf_scores: dict  # the baseline's test scores
    per_seed: list[dict]  # one row per seed: both scores and the 95% interval of the difference
    comparison: Comparison  # fine-tuned against TF-IDF, the seeds pooled

    @property
    def tfidf_C(self) -> float:
        """The baseline's ``C``, chosen on dev."""
        return self.tfidf[-1].C


def finetune_versus_tfidf(
    train: Sequence[dict],
    dev: Sequence[dict],
    test: Sequence[dict],
    config: TrainConfig,
    *,
    labels: Sequence[str],
    seeds: int = 1,
    model_name: str = "minilm",
    max_length: int = 128,
    measure: str = "accuracy",
    tfidf_C: Sequence[float] = TFIDF_C,
    samples: int = 1000,
    names: tuple[str, str] = ("fine-tuned", "TF-IDF"),
    run: Run | None = None,
) -> VersusTfidf:
    """Fine-tune on records ``{text, label}`` with seeds ``config.seed, ..., config.seed + seeds - 1`` and set it
    against TF-IDF + logistic regression on ``test`` by ``measure`` (``accuracy`` or ``macro_f1``).

    ``run``: the first seed's model when it is already trained (with ``config``); the further seeds
    train without checkpoints. The baseline's seed and the bootstrap's are ``config.seed``.
    """
    labels = list(labels)
    if run is None:
        run = finetune_classifier(train, dev, config, labels=labels, model_name=model_name, max_length=max_length)
    scores, probabilities = evaluate_classifier(run, test)
    predictions = {config.seed: [labels[i] for i in probabilities.argmax(1)]}
    del run  # the first seed's model is no longer needed here: free it before the next one trains
    for extra in range(1, seeds):
        other = finetune_classifier(
            train,
            dev,
            replace(config, seed=config.seed + extra, checkpoint_dir=None),
            labels=labels,
            model_name=model_name,
            max_length=max_length,
        )
        predictions[config.seed + extra] = [labels[i] for i in evaluate_classifier(other, test)[1].argmax(1)]
        del other
    tfidf, tfidf_dev = tfidf_on_dev(train, dev, Cs=tfidf_C, seed=config.seed, measure=measure)
    gold = [r["label"] for r in test]
    tfidf_predicted = list(tfidf.predict([r["text"] for r in test]))
    options = dict(measure=measure, labels=labels, samples=samples, seed=config.seed)
    return VersusTfidf(
        scores,
        probabilities,
        predictions,
        tfidf,
        tfidf_dev,
        tfidf_predicted,
        classification_scores(gold, tfidf_predicted, labels),
        seed_differences(predictions, tfidf_predicted, gold, **options),
        seed_verdict(predictions, tfidf_predicted, gold, names=names, **options),
    )
