"""Tests of ``sftlab.evaluate.seed_comparison``: several seeds' predictions against one baseline's."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from sftlab.evaluate.seed_comparison import score_on, seed_differences, seed_verdict
from sftlab.io.errors import ConfigError

RNG = np.random.default_rng(0)
GOLD = list(RNG.choice(["neg", "neu", "pos"], 120))


def noisy(rate: float, seed: int) -> list[str]:
    """GOLD with a share ``rate`` of the labels replaced by random ones."""
    rng = np.random.default_rng(seed)
    return [rng.choice(["neg", "neu", "pos"]) if rng.random() < rate else g for g in GOLD]


def test_scores_on_a_subset_of_examples():
    predicted = ["pos", "neg", "neu"]
    assert score_on(["pos", "pos", "neu"])(predicted, [0, 1, 2]) == pytest.approx(2 / 3)
    assert score_on(["pos", "pos", "neu"])(predicted, [0, 0, 2]) == 1.0
    macro = score_on(["pos", "pos", "neu"], "macro_f1", ["neg", "neu", "pos"])(predicted, [0, 1, 2])
    expected = f1_score(["pos", "pos", "neu"], predicted, labels=["neg", "neu", "pos"], average="macro")
    assert macro == pytest.approx(expected)
    with pytest.raises(ConfigError, match="labels"):
        score_on(GOLD, "macro_f1")
    with pytest.raises(ConfigError, match="measure='f1'"):
        score_on(GOLD, "f1")


def test_each_seed_gets_its_own_row_and_interval():
    predictions = {0: noisy(0.1, 1), 1: noisy(0.15, 2)}
    rows = seed_differences(predictions, noisy(0.6, 3), GOLD, samples=200)
    assert [r["seed"] for r in rows] == [0, 1]
    for row, predicted in zip(rows, predictions.values(), strict=True):
        assert row["fine-tuned"] == pytest.approx(np.mean(np.array(predicted) == np.array(GOLD)))
        assert row["difference"] == pytest.approx(row["fine-tuned"] - row["baseline"])
        assert 0 < row["95% low"] < row["difference"] < row["95% high"]


@pytest.mark.parametrize("measure", ["accuracy", "macro_f1"])
def test_the_verdict_pools_the_seeds_and_finds_a_clear_gap_only(measure):
    labels = ["neg", "neu", "pos"]
    better = seed_verdict(
        {0: noisy(0.1, 1), 1: noisy(0.1, 2), 2: noisy(0.1, 3)},
        noisy(0.7, 4),
        GOLD,
        names=("tuned", "baseline"),
        measure=measure,
        labels=labels,
        samples=60,
    )
    assert better.a_better and better.seeds == 3
    assert better.measure == ("accuracy" if measure == "accuracy" else "macro-F1")
    same = seed_verdict(
        {0: noisy(0.3, 5)}, noisy(0.3, 6), GOLD, names=("a", "b"), measure=measure, labels=labels, samples=60
    )
    assert same.within_noise and same.seeds == 1
