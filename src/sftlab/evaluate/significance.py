"""Uncertainty of a score, and whether two models really differ.

- **Bootstrap confidence interval**: resample the test examples with replacement many times,
  recompute the metric each time; the 2.5th and 97.5th percentiles bound a 95% interval.
- **Paired bootstrap test** (Koehn, 2004; Berg-Kirkpatrick et al., 2012): resample the same
  examples for both models; the p-value is how often the resampled difference is not in the
  observed direction. Pairing matters: both models face the same hard examples.
- **McNemar's test** for two classifiers: only the examples on which they disagree carry
  information; under "no difference" each disagreement is a fair coin.
"""

from __future__ import annotations

from math import comb
from typing import Callable, Sequence

import numpy as np


def bootstrap_ci(metric: Callable[[Sequence[int]], float], n: int, samples: int = 1000, seed: int = 0,
                 level: float = 0.95) -> tuple[float, float, float]:
    """(point estimate, low, high): ``metric(indices)`` scores the examples at ``indices``."""
    rng = np.random.default_rng(seed)
    point = metric(list(range(n)))
    scores = [metric(rng.integers(0, n, n).tolist()) for _ in range(samples)]
    tail = (1 - level) / 2 * 100
    return point, float(np.percentile(scores, tail)), float(np.percentile(scores, 100 - tail))


def paired_bootstrap(metric_a: Callable[[Sequence[int]], float], metric_b: Callable[[Sequence[int]], float], n: int,
                     samples: int = 1000, seed: int = 0) -> dict:
    """Observed difference a − b and the one-sided p-value P(resampled difference ≤ 0) when a > b
    (or ≥ 0 when a < b)."""
    rng = np.random.default_rng(seed)
    observed = metric_a(list(range(n))) - metric_b(list(range(n)))
    worse = 0
    for _ in range(samples):
        idx = rng.integers(0, n, n).tolist()
        difference = metric_a(idx) - metric_b(idx)
        worse += difference <= 0 if observed > 0 else difference >= 0
    return {"difference": observed, "p_value": worse / samples, "samples": samples}


def mcnemar(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> dict:
    """Exact two-sided McNemar test: b = only A right, c = only B right, p = P(Binomial(b + c, 1/2) as extreme)."""
    only_a = sum(a and not b for a, b in zip(correct_a, correct_b, strict=True))
    only_b = sum(b and not a for a, b in zip(correct_a, correct_b))
    n = only_a + only_b
    tail = sum(comb(n, k) for k in range(0, min(only_a, only_b) + 1)) / 2**n if n else 1.0
    return {"only_a": only_a, "only_b": only_b, "p_value": min(1.0, 2 * tail)}
