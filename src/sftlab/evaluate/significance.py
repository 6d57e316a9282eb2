"""Uncertainty of a score, and whether two models really differ.

- **Percentile bootstrap confidence interval** (Efron): resample the test examples with
  replacement many times and recompute the metric each time; the 2.5th and 97.5th percentiles
  of the resampled scores bound a 95% interval. ``scipy.stats.bootstrap(..., method="percentile")``
  computes the same interval (the tests check that they agree resample for resample); its
  default, BCa, also corrects for bias and skew.
- **Paired bootstrap test** (Koehn, 2004): resample the same examples for both models. The
  percentile interval of the resampled difference a − b says how large the difference may be;
  the share of resamples whose difference is not in the observed direction is a **one-sided**
  p-value (the smallest α at which the one-sided percentile interval excludes 0). Doubled, it is
  two-sided and can stand beside McNemar's. Pairing matters: both models face the same hard
  examples. With B resamples the smallest p it can show is 1/B: a count of 0 means p < 1/B,
  never p = 0.
- **McNemar's exact test** for two classifiers: only the examples on which they disagree carry
  information; under "no difference" each disagreement is a fair coin, so the **two-sided** p is
  a binomial tail (``scipy.stats.binomtest(only_a, only_a + only_b, 0.5)`` gives the same).
"""

from __future__ import annotations

from math import comb
from typing import Callable, Sequence

import numpy as np


def bootstrap_ci(
    metric: Callable[[Sequence[int]], float], n: int, samples: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """(point estimate, low, high) of the percentile bootstrap: ``metric(indices)`` scores the examples at
    ``indices``."""
    rng = np.random.default_rng(seed)
    point = metric(list(range(n)))
    scores = [metric(rng.integers(0, n, n).tolist()) for _ in range(samples)]
    tail = (1 - level) / 2 * 100
    return point, float(np.percentile(scores, tail)), float(np.percentile(scores, 100 - tail))


def paired_bootstrap(
    metric_a: Callable[[Sequence[int]], float],
    metric_b: Callable[[Sequence[int]], float],
    n: int,
    samples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict:
    """The paired bootstrap of the difference a − b over the same resampled examples.

    Returns ``difference`` (observed), ``low`` and ``high`` (its percentile interval at ``level``),
    ``p_value`` (one-sided: the share of resamples with difference ≤ 0 when a > b, or ≥ 0 when
    a ≤ b), ``p_two_sided`` (twice that, at most 1), ``samples`` and ``worse`` (the count behind
    ``p_value``; 0 means p < 1/samples).
    """
    rng = np.random.default_rng(seed)
    observed = metric_a(list(range(n))) - metric_b(list(range(n)))
    differences = []
    for _ in range(samples):
        idx = rng.integers(0, n, n).tolist()
        differences.append(metric_a(idx) - metric_b(idx))
    differences = np.array(differences)
    worse = int((differences <= 0).sum() if observed > 0 else (differences >= 0).sum())
    tail = (1 - level) / 2 * 100
    return {
        "difference": observed,
        "low": float(np.percentile(differences, tail)),
        "high": float(np.percentile(differences, 100 - tail)),
        "p_value": worse / samples,
        "p_two_sided": min(1.0, 2 * worse / samples),
        "samples": samples,
        "worse": worse,
        "level": level,
    }


def mcnemar(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> dict:
    """Exact two-sided McNemar test: b = only A right, c = only B right, p = P(Binomial(b + c, 1/2) as extreme)."""
    # Python ints: NumPy booleans would sum to int64, and 2**n overflows int64 from 64 disagreements on
    only_a = int(sum(bool(a) and not bool(b) for a, b in zip(correct_a, correct_b, strict=True)))
    only_b = int(sum(bool(b) and not bool(a) for a, b in zip(correct_a, correct_b)))
    n = only_a + only_b
    tail = sum(comb(n, k) for k in range(0, min(only_a, only_b) + 1)) / 2**n if n else 1.0
    return {"only_a": only_a, "only_b": only_b, "p_value": min(1.0, 2 * tail)}


def format_p(p_value: float, samples: int | None = None, two_sided: bool = False) -> str:
    """A p-value as text. From B = ``samples`` resamples a count of 0 is reported as ``p < 1/B`` (``p < 2/B``
    two-sided)."""
    if samples and p_value == 0:
        return f"p < {(2 if two_sided else 1) / samples:.2g} (0 of {samples} resamples)"
    return f"p = {p_value:.2g}" if p_value < 0.01 else f"p = {p_value:.3f}"


def describe_difference(result: dict, a: str, b: str, measure: str, higher_is_better: bool = True) -> str:
    """One sentence on a :func:`paired_bootstrap` result: the difference a - b, its interval, and whether it excludes
    0."""
    low, high = result["low"], result["high"]
    head = (
        f"{a} - {b} = {result['difference']:+.3f} {measure}, {100 * result.get('level', 0.95):.0f}% interval "
        f"[{low:+.3f}, {high:+.3f}], two-sided {format_p(result['p_two_sided'], result['samples'], two_sided=True)}"
    )
    if low > 0 or high < 0:
        winner = a if (low > 0) == higher_is_better else b
        return f"{head}: {winner} is better on this test set (the interval excludes 0)"
    return f"{head}: the interval contains 0, so the difference is within the noise of this test set"
