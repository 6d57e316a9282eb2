"""ROUGE-L: the longest common subsequence of two token sequences, as an F-measure.

Self-Instruct (Wang et al., 2023) rejects a generated instruction whose ROUGE-L against any
instruction already in the pool exceeds 0.7: it is a paraphrase of something the pool has. It
scores with the ``rouge-score`` package, ``RougeScorer(["rougeL"], use_stemmer=False)``; this
module writes the same computation out (the tokenization of ``rouge_score.tokenize`` and the LCS
by dynamic programming), and its tests check that both give the same F-measure.
"""

from __future__ import annotations

import re
from typing import Sequence

_NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def rouge_tokens(text: str) -> list[str]:
    """rouge_score's tokenization without stemming: lower-case, every run of characters other than
    ``a-z0-9`` is a separator (so ``don't`` -> ``don t`` and ``café`` -> ``caf``)."""
    return _NON_ALPHANUMERIC.sub(" ", text.lower()).split()


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
    """ROUGE-L F1 = 2·P·R / (P + R) with P = LCS/|candidate|, R = LCS/|reference|.

    Strings are tokenized with :func:`rouge_tokens`; a sequence is taken as tokens already.
    """
    cand = rouge_tokens(candidate) if isinstance(candidate, str) else list(candidate)
    ref = rouge_tokens(reference) if isinstance(reference, str) else list(reference)
    if not cand or not ref:
        return 0.0
    lcs = lcs_length(cand, ref)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(cand), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def max_rouge_l(candidate: str, pool: Sequence[str]) -> float:
    """The highest ROUGE-L of ``candidate`` against any text of ``pool`` (0 for an empty pool)."""
    tokens = rouge_tokens(candidate)
    return max((rouge_l(tokens, rouge_tokens(text)) for text in pool), default=0.0)
