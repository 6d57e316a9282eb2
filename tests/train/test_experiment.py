"""Tests of ``sftlab.train.experiment`` with a tiny random BERT (no pretrained model)."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.train.experiment import Experiment, correctness, seed_mean


@pytest.fixture(scope="module")
def experiment(tiny_folder):
    data = [
        {"text": f"{word} film {i}", "label": label}
        for i in range(12)
        for word, label in (("great", "positive"), ("awful", "negative"))
    ]
    return Experiment(
        data[:16],
        data[16:20],
        data[20:],
        ["negative", "positive"],
        str(tiny_folder),
        defaults={"epochs": 1, "batch_size": 8, "lr": 1e-4, "seed": 0},
    )


def test_a_run_is_a_row_of_results(experiment):
    row = experiment.run("tiny", warmup_ratio=0.0, epochs=2)
    assert row["run"] == "tiny" and row["lr"] == 1e-4 and row["warmup"] == 0.0 and row["epochs"] == 2
    assert row["seed"] == 0 and len(row["history"]) == 2 and row["steps"] == 4
    assert row["correct"].shape == (len(experiment.test),) and row["test accuracy"] == row["correct"].mean()
    assert 0.5 <= row["one class"] <= 1 and row["trainable"] > 0 and row["seconds"] > 0


def test_seeds_repeat_a_setup_and_prepare_reaches_the_model(experiment):
    seen = []

    def prepare(model):
        seen.append(type(model).__name__)
        return model

    row = experiment.run("prepared", experiment.train[:8], prepare=prepare)
    rows = experiment.with_seeds(row, [0, 5])
    assert [r["seed"] for r in rows] == [0, 5] and seen == ["BertForSequenceClassification"] * 2
    assert all(r["steps"] == 1 for r in rows)  # 8 reviews in one batch of 8: the training set went with the setup
    assert correctness(rows).shape == (2, len(experiment.test))
    assert seed_mean(rows, "test accuracy") == pytest.approx(np.mean([r["test accuracy"] for r in rows]))
