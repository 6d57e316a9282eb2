"""One classifier fine-tuned in many setups on the same data: the runs of notebook 09.

An :class:`Experiment` holds what every run shares (the data, the labels, the model and the
training defaults). :meth:`Experiment.run` trains one setup, changing only what it is given, and
returns a row of results: dev and test accuracy, each test example's correctness (what
:func:`sftlab.evaluate.comparison.compare` needs), speed, the history and the model.
:meth:`Experiment.with_seeds` repeats a row's setup with further seeds; :func:`correctness` and
:func:`seed_mean` read the rows of one setup.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from sftlab.train.finetune import evaluate_classifier, finetune_classifier
from sftlab.train.lora import trainable_parameters
from sftlab.train.training import TrainConfig


@dataclass
class Experiment:
    """The data, labels, model and ``TrainConfig`` defaults that every run of one experiment shares."""

    train: Sequence[dict]
    dev: Sequence[dict]
    test: Sequence[dict]
    labels: Sequence[str]
    model_name: str = "minilm"
    defaults: dict = field(default_factory=dict)  # TrainConfig fields; patience None, metric accuracy, no progress bar

    def run(self, name: str, train_set: Sequence[dict] | None = None, **overrides) -> dict:
        """Fine-tune on ``train_set`` (default: the experiment's) with the defaults changed by ``overrides``
        (``TrainConfig`` fields, and ``prepare``, a function applied to the loaded model) and score on test."""
        labels = list(self.labels)
        options = {
            "patience": None,
            "metric": "accuracy",
            "progress": False,
            **self.defaults,
            **{k: v for k, v in overrides.items() if k != "prepare"},
        }
        started = time.perf_counter()
        result = finetune_classifier(
            train_set or self.train,
            self.dev,
            TrainConfig(**options),
            labels=labels,
            model_name=self.model_name,
            prepare=overrides.get("prepare"),
        )
        scores, probabilities = evaluate_classifier(result, self.test)
        predicted = probabilities.argmax(1)
        gold = np.array([labels.index(r["label"]) for r in self.test])
        trainable, _ = trainable_parameters(result.model)
        return {
            "run": name,
            "lr": options["lr"],
            "warmup": options.get("warmup_ratio", TrainConfig.warmup_ratio),
            "seed": options["seed"],
            "epochs": options["epochs"],
            "steps": result.result.steps,
            "dev accuracy": result.result.best_score,
            "test accuracy": scores["accuracy"],
            "correct": predicted == gold,
            "one class": np.bincount(predicted, minlength=len(labels)).max() / len(predicted),
            "reviews/s": result.result.examples_per_second,
            "seconds": time.perf_counter() - started,
            "trainable": trainable,
            "history": result.result.history,
            "model": result,
            "again": lambda seed: self.run(name, train_set, **{**overrides, "seed": seed}),
        }

    def with_seeds(self, row: dict, seeds: Sequence[int]) -> list[dict]:
        """``row`` and the same run with each seed of ``seeds`` after the first (``row``'s own)."""
        return [row] + [row["again"](seed) for seed in seeds[1:]]


def correctness(rows: Sequence[dict]) -> np.ndarray:
    """Each test example's correctness under each row (seeds x examples), for ``compare``."""
    return np.array([row["correct"] for row in rows])


def seed_mean(rows: Sequence[dict], key: str) -> float:
    """The mean of ``key`` over the rows (seeds) of one setup."""
    return float(np.mean([row[key] for row in rows]))
