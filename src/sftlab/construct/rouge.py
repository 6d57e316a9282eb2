"""ROUGE-L: the longest common subsequence of two token sequences, as an F-measure.

Self-Instruct rejects a generated instruction whose ROUGE-L against any instruction already in
the pool exceeds 0.7: it is a paraphrase of something the pool has.
"""

from __future__ import annotations

from typing import Sequence

from sftlab.io.words import split_words


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (dynamic programming, O(len(a)·len(b)))."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, 1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(candidate: str | Sequence[str], reference: str | Sequence[str]) -> float:
    """ROUGE-L F1 = 2·P·R / (P + R) with P = LCS/|candidate|, R = LCS/|reference| (lower-cased words)."""
    tokenize = lambda x: [w.lower() for w in (split_words(x) if isinstance(x, str) else x) if any(c.isalnum() for c in w)]
    cand, ref = tokenize(candidate), tokenize(reference)
    if not cand or not ref:
        return 0.0
    lcs = lcs_length(cand, ref)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(cand), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def max_rouge_l(candidate: str, pool: Sequence[str]) -> float:
    """The highest ROUGE-L of ``candidate`` against any text of ``pool`` (0 for an empty pool)."""
    return max((rouge_l(candidate, text) for text in pool), default=0.0)
