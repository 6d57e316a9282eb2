"""Is a share larger in one group than in another? Fisher's exact test for two independent groups.

:func:`sftlab.evaluate.comparison.compare` pairs two systems on the same examples. Some questions
compare *different* examples: does a filter reject more of the human reviews than of the
generator's own texts? Those are two independent groups of yes/no outcomes, and with a few dozen
texts and counts near 0 the exact test is the one to use: Fisher's, on the 2 × 2 table of counts.
A direction ("more") is claimed only when the test says so at the chosen level; otherwise the
difference is within noise, whatever the two shares look like.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from scipy import stats


@dataclass(frozen=True)
class ShareComparison:
    """Counts of two groups, the one-sided Fisher p that A's share is larger, and a verdict at ``level``."""

    a: str
    b: str
    a_count: int
    a_total: int
    b_count: int
    b_total: int
    p_value: float
    level: float = 0.05
    measure: str = "share"

    @property
    def a_share(self) -> float:
        return self.a_count / self.a_total

    @property
    def b_share(self) -> float:
        return self.b_count / self.b_total

    @property
    def a_larger(self) -> bool:
        """A's share is larger than B's: the one-sided test rejects "not larger" at ``level``."""
        return self.p_value < self.level

    @property
    def within_noise(self) -> bool:
        return not self.a_larger

    def __bool__(self) -> bool:  # ``expect(compare_shares(...), ...)`` claims that A's share is larger
        return self.a_larger

    def figures(self) -> str:
        """The counts, shares and test, in one line."""
        return (
            f"{self.measure}: {self.a} {self.a_count}/{self.a_total} ({self.a_share:.3f}), {self.b} {self.b_count}/"
            f"{self.b_total} ({self.b_share:.3f}); Fisher's exact test, one-sided p = {self.p_value:.2g}"
        )

    def describe(self) -> str:
        """The figures and the verdict, for a learner."""
        verdict = (
            f"{self.a}'s share is larger (p < {self.level:g})"
            if self.a_larger
            else f"not established at this size (p ≥ {self.level:g}): the direction could be chance"
        )
        return f"{self.figures()}: {verdict}"

    def __str__(self) -> str:
        return self.describe()


def compare_shares(
    a: Sequence[bool],
    b: Sequence[bool],
    *,
    names: tuple[str, str] = ("A", "B"),
    measure: str = "share",
    level: float = 0.05,
) -> ShareComparison:
    """Is the share of true outcomes in ``a`` larger than in ``b``? One-sided Fisher exact test on the counts."""
    a_count, a_total, b_count, b_total = sum(map(bool, a)), len(a), sum(map(bool, b)), len(b)
    if not a_total or not b_total:
        raise ValueError(f"both groups need at least one outcome, got {a_total} and {b_total}")
    table = [[a_count, a_total - a_count], [b_count, b_total - b_count]]
    p = float(stats.fisher_exact(table, alternative="greater").pvalue)
    return ShareComparison(
        a=names[0],
        b=names[1],
        a_count=a_count,
        a_total=a_total,
        b_count=b_count,
        b_total=b_total,
        p_value=p,
        level=level,
        measure=measure,
    )
