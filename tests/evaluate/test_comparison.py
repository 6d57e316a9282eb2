"""Tests of ``sftlab.evaluate.comparison``: the verdicts are right as often as their level says."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sftlab.evaluate.comparison import compare, t_interval

# The notebooks' sizes: 3 seeds over a few hundred test examples (02, 06, 09), 5 splits (02), one run (05, 07)
SIZES = [(3, 200, 0.03), (3, 200, 0.0), (5, 120, 0.02), (1, 300, 0.0)]


def null_runs(rng: np.random.Generator, seeds: int, examples: int, seed_spread: float) -> tuple[np.ndarray, np.ndarray]:
    """A and B with no real difference: each run shifted by its seed, each example as hard for both, plus noise."""
    difficulty = rng.uniform(0.4, 0.95, examples)
    a = rng.random((seeds, examples)) < np.clip(difficulty + rng.normal(0, seed_spread, (seeds, 1)), 0, 1)
    b = rng.random((seeds, examples)) < np.clip(difficulty + rng.normal(0, seed_spread, (seeds, 1)), 0, 1)
    return a.astype(float), b.astype(float)


def percentile_over_seed_means(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """What 02's augmentation table did before: a percentile bootstrap over the per-seed mean differences."""
    means = a.mean(axis=1) - b.mean(axis=1)
    resampled = rng.choice(means, (500, means.size)).mean(axis=1)
    low, high = np.percentile(resampled, [2.5, 97.5])
    return float(low), float(high)


@pytest.mark.parametrize("seeds, examples, seed_spread", SIZES)
def test_no_effect_gives_few_false_verdicts_and_covers_zero(seeds, examples, seed_spread):
    rng = np.random.default_rng(seeds * 1000 + examples)
    trials, helps, covered = 300, 0, 0
    for t in range(trials):
        a, b = null_runs(rng, seeds, examples, seed_spread)
        result = compare(a, b, samples=400, seed=t)
        helps += result.a_better
        covered += result.low <= 0 <= result.high
    assert helps / trials <= 0.05, f"false 'A is better' rate {helps / trials:.3f} at {seeds} seeds x {examples}"
    assert covered / trials >= 0.93, f"coverage {covered / trials:.3f} at {seeds} seeds x {examples}"


def test_the_old_percentile_bootstrap_over_three_seeds_fails_the_same_check():
    rng = np.random.default_rng(7)
    trials, covered = 300, 0
    for _ in range(trials):
        a, b = null_runs(rng, 3, 200, 0.03)
        low, high = percentile_over_seed_means(a, b, rng)
        covered += low <= 0 <= high
    assert covered / trials < 0.90  # [min, max] of 3 values: about a 75% interval


def test_a_real_difference_is_found_and_named():
    rng = np.random.default_rng(3)
    a = (rng.random((3, 400)) < 0.85).astype(float)
    b = (rng.random((3, 400)) < 0.65).astype(float)
    result = compare(a, b, names=("tuned", "baseline"), measure="accuracy")
    assert result.a_better and result.verdict == "a better" and bool(result)
    assert "tuned - baseline = +0.2" in result.describe() and "excludes 0" in result.describe()
    flipped = compare(b, a)
    assert flipped.b_better and not flipped
    lower = compare(a, b, higher_is_better=False)
    assert lower.verdict == "b better"


def test_one_run_is_a_paired_bootstrap_and_says_a_seed_could_move_it():
    rng = np.random.default_rng(4)
    a, b = rng.random(300) < 0.8, rng.random(300) < 0.8
    result = compare(a, b)
    assert result.seeds == 1 and result.method.startswith("paired bootstrap")
    assert "another seed" in result.describe()


def test_a_baseline_with_one_run_is_repeated_against_every_seed():
    rng = np.random.default_rng(5)
    a = (rng.random((3, 100)) < 0.8).astype(float)
    b = (rng.random(100) < 0.5).astype(float)
    assert compare(a, b).seeds == 3


def test_several_comparisons_widen_each_interval():
    rng = np.random.default_rng(6)
    a, b = null_runs(rng, 3, 200, 0.02)
    one, four = compare(a, b), compare(a, b, comparisons=4)
    assert four.high - four.low > one.high - one.low and four.level == pytest.approx(0.9875)
    assert "one of 4 comparisons" in four.describe()


def test_a_statistic_over_count_rows_gives_an_f1_difference():
    counts_a = np.array([[[1, 1, 1], [0, 1, 1], [1, 1, 1], [1, 2, 1]]] * 2, dtype=float)  # tp, predicted, gold
    counts_b = np.array([[[0, 1, 1], [0, 1, 1], [1, 1, 1], [0, 0, 1]]] * 2, dtype=float)

    def f1(rows):
        tp, predicted, gold = rows.sum(axis=0)
        return 2 * tp / (predicted + gold)

    result = compare(counts_a, counts_b, statistic=f1, samples=200)
    assert result.difference == pytest.approx(f1(counts_a[0]) - f1(counts_b[0])) and result.seeds == 2
    one_run = compare(counts_a[0], counts_b[0], statistic=f1, samples=200)
    assert one_run.seeds == 1 and one_run.examples == 4 and one_run.difference == pytest.approx(result.difference)


def test_mismatched_inputs_are_refused_with_their_shapes():
    with pytest.raises(ValueError, match="same examples"):
        compare(np.zeros(5), np.zeros(6))
    with pytest.raises(ValueError, match="shaped"):
        compare(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="pair them by seed"):
        compare(np.zeros((3, 5)), np.zeros((2, 5)))


def test_t_interval_matches_scipy():
    values = [0.71, 0.74, 0.69]
    mean, low, high = t_interval(values)
    expected = stats.t.interval(0.95, 2, loc=np.mean(values), scale=stats.sem(values))
    assert (low, high) == pytest.approx(expected) and mean == pytest.approx(np.mean(values))


def test_two_seeds_that_happen_to_agree_do_not_hide_the_seed_noise():
    """A seed variance estimated as 0 is luck: the interval keeps 1 degree of freedom (t = 12.7, not 1.97)."""
    b = np.r_[np.zeros(60), np.ones(140)]
    a = np.stack([b.copy(), b.copy()])
    a[0, :10], a[1, 10:20] = 1, 1  # each seed gets 10 more reviews right, different ones
    assert a[0].mean() == a[1].mean()
    result = compare(a, b)
    examples_only = compare(a.mean(axis=0), b)  # the seed-averaged difference, example noise alone
    assert result.high - result.low > 5 * (examples_only.high - examples_only.low)
