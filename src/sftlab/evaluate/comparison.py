"""Is A better than B? One comparison helper for every verdict the notebooks draw.

A difference measured on one test set from a few training runs has two sources of noise:

- **the test examples** that happened to be drawn (another test set of the same size would give
  another score), and
- **the training run** (seed, data order, dropout): retrain with another seed and the difference
  moves, often by more than the test set's noise.

:func:`compare` takes per-example scores of both systems, shaped ``(examples,)`` for one run or
``(seeds, examples)`` for several paired runs (run ``s`` of A and of B share seed ``s``), and
picks a method valid at that size:

- **one run**: the paired percentile bootstrap over the examples (Koehn, 2004). It says nothing
  about another seed, and the description says so.
- **two or more runs**: a t interval whose variance adds both sources, the spread of the per-seed
  differences over the seeds (``s² / S``) and the examples' bootstrap variance of the
  seed-averaged difference, with Welch–Satterthwaite's degrees of freedom (only ``seeds − 1`` of
  them with 2 seeds, or when the seeds happen to give the same difference: a seed variance
  estimated as 0 is luck, not evidence of none). With 3 seeds the
  t quantile is large (4.3 at 2 degrees of freedom when the seeds dominate): few seeds buy a wide
  interval, which is the honest price. A percentile bootstrap over 3 seed means would return
  their min and max, about a 75% interval; ``tests/evaluate/test_comparison.py`` simulates
  "no effect" at the notebooks' sizes and shows that one says "better" far too often, and this
  one does not.

``comparisons=k`` widens each interval to level ``1 − (1 − level) / k`` (Bonferroni) when one cell
draws ``k`` verdicts, so that the chance of any false verdict in the cell stays at ``1 − level``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy import stats

Statistic = Callable[[np.ndarray], float]


def mean_statistic(rows: np.ndarray) -> float:
    """The default statistic: the mean of per-example scores (accuracy from 0/1 correctness)."""
    return float(np.mean(rows))


@dataclass(frozen=True)
class Comparison:
    """The difference ``a − b`` with its interval, the method that made it, and a verdict."""

    a: str
    b: str
    difference: float
    low: float
    high: float
    level: float
    method: str
    seeds: int
    examples: int
    comparisons: int = 1
    higher_is_better: bool = True
    measure: str = "score"
    per_seed: list[float] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """``"a better"``, ``"b better"`` or ``"within noise"`` (the interval contains 0)."""
        if self.low > 0 or self.high < 0:
            return "a better" if (self.low > 0) == self.higher_is_better else "b better"
        return "within noise"

    @property
    def a_better(self) -> bool:
        """A is better: the whole interval lies on A's side of 0."""
        return self.verdict == "a better"

    @property
    def b_better(self) -> bool:
        return self.verdict == "b better"

    @property
    def within_noise(self) -> bool:
        return self.verdict == "within noise"

    def __bool__(self) -> bool:  # ``expect(compare(...), ...)`` claims that A is better
        return self.a_better

    def figures(self) -> str:
        """The numbers behind the verdict, in one line."""
        seeds = "" if self.seeds == 1 else f", {self.seeds} seeds"
        return (
            f"{self.a} - {self.b} = {self.difference:+.3f} {self.measure}, {100 * self.level:.1f}% interval "
            f"[{self.low:+.3f}, {self.high:+.3f}] ({self.method}{seeds}, {self.examples} examples)"
        ).replace(".0% interval", "% interval")

    def describe(self) -> str:
        """One sentence a learner can read: the figures, the verdict, and what the interval does not cover."""
        if self.verdict == "within noise":
            tail = "the interval contains 0: no difference can be told at this size"
        else:
            winner = self.a if self.verdict == "a better" else self.b
            tail = f"{winner} is better (the interval excludes 0)"
        if self.seeds == 1:
            tail += "; one training run, so another seed could move it"
        if self.comparisons > 1:
            tail += f"; one of {self.comparisons} comparisons, each interval widened for that"
        return f"{self.figures()}: {tail}"

    def __str__(self) -> str:
        return self.describe()


def _runs(scores: object, row_ndim: int) -> np.ndarray:
    """Scores as (runs, examples, ...): one run gains a leading axis (an example is a number, or a row of
    ``row_ndim``)."""
    array = np.asarray(scores, dtype=float)
    if array.ndim not in (1 + row_ndim, 2 + row_ndim):
        raise ValueError(
            f"compare() needs per-example scores shaped (examples{', k' * row_ndim}) or "
            f"(seeds, examples{', k' * row_ndim}), got shape {array.shape}"
        )
    return array[None] if array.ndim == 1 + row_ndim else array


def compare(
    a: object,
    b: object,
    *,
    names: tuple[str, str] = ("A", "B"),
    statistic: Statistic = mean_statistic,
    measure: str = "score",
    higher_is_better: bool = True,
    level: float = 0.95,
    comparisons: int = 1,
    samples: int = 2000,
    seed: int = 0,
) -> Comparison:
    """Compare A with B on the same test examples (and, with several runs, the same seeds).

    ``a`` and ``b`` are per-example scores of shape ``(examples,)`` or ``(seeds, examples)``, or
    with a ``statistic``, rows ``(examples, k)`` or ``(seeds, examples, k)`` that it turns into one
    score (an F1 from per-sentence counts, say). ``b`` may have one run where ``a`` has several (a baseline
    with no seed). The interval is two-sided at ``level``, widened by Bonferroni for ``comparisons`` verdicts.
    """
    if comparisons < 1:
        raise ValueError(f"comparisons must be at least 1, got {comparisons}")
    row_ndim = 0 if statistic is mean_statistic else 1  # a custom statistic reads a row per example (counts, say)
    ra, rb = _runs(a, row_ndim), _runs(b, row_ndim)
    if ra.shape[1:] != rb.shape[1:]:
        raise ValueError(f"A and B must score the same examples: shapes {ra.shape} and {rb.shape}")
    if rb.shape[0] == 1 and ra.shape[0] > 1:
        rb = np.repeat(rb, ra.shape[0], axis=0)
    if ra.shape[0] != rb.shape[0]:
        raise ValueError(f"A has {ra.shape[0]} runs and B {rb.shape[0]}: pair them by seed, or give B one run")
    runs, n = ra.shape[0], ra.shape[1]
    if n < 2:
        raise ValueError(f"need at least 2 test examples to compare, got {n}")
    adjusted = 1 - (1 - level) / comparisons
    per_seed = np.array([statistic(ra[s]) - statistic(rb[s]) for s in range(runs)])
    difference = float(per_seed.mean())
    rng = np.random.default_rng(seed)
    if row_ndim == 0:  # the same resamples, vectorised: a mean of means is a mean
        averaged = (ra - rb).mean(axis=0)
        resampled = np.array([averaged[rng.integers(0, n, n)].mean() for _ in range(samples)])
    else:
        resampled = np.empty(samples)
        for k in range(samples):
            idx = rng.integers(0, n, n)
            resampled[k] = np.mean([statistic(ra[s, idx]) - statistic(rb[s, idx]) for s in range(runs)])
    tail = (1 - adjusted) / 2
    if runs == 1:
        low, high = np.quantile(resampled, [tail, 1 - tail])
        method = "paired bootstrap over examples"
    else:
        seed_var = per_seed.var(ddof=1) / runs
        example_var = resampled.var(ddof=1)
        total = seed_var + example_var
        if total == 0:
            low = high = difference
        else:
            # Welch–Satterthwaite; with 2 seeds, or seeds that happen to agree exactly, the seed term's
            # estimate is too unreliable to earn more degrees of freedom than the seeds give
            df = total**2 / (seed_var**2 / (runs - 1) + example_var**2 / (n - 1))
            if runs == 2 or seed_var == 0:
                df = runs - 1
            half = stats.t.ppf(1 - tail, df) * np.sqrt(total)
            low, high = difference - half, difference + half
        method = "t over seeds and examples"
    return Comparison(
        a=names[0],
        b=names[1],
        difference=difference,
        low=float(low),
        high=float(high),
        level=adjusted,
        method=method,
        seeds=runs,
        examples=n,
        comparisons=comparisons,
        higher_is_better=higher_is_better,
        measure=measure,
        per_seed=per_seed.tolist(),
    )


def t_interval(values: object, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): Student's t interval of a mean from a few values (seeds, splits), valid at small n."""
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        raise ValueError(f"a t interval needs at least 2 values, got {x.size}")
    mean = float(x.mean())
    half = float(stats.t.ppf(1 - (1 - level) / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return mean, mean - half, mean + half
