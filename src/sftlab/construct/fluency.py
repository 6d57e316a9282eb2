"""Fluency scores from a causal language model: perplexity, and SLOR, which forgives rare words.

Perplexity is high for word salad, but also for fluent text with rare words (names, slang, a
dish nobody else orders), and low for whatever the model itself would write. SLOR (Pauls and
Klein, 2012; Kann et al., 2018, "Sentence-level fluency evaluation") subtracts what a unigram
model already expects of the words, per token:

    SLOR(s) = (log P_LM(s) - log P_unigram(s)) / |s|

so a rare but well-placed word costs little. Neither fixes the deeper problem: when the scoring
LM is the generator, its own samples are by construction what it finds likely.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Sequence

from sftlab.train.causal_lm import perplexity


def unigram_model(texts: Sequence[str], tokenizer) -> Callable[[Sequence[int]], float]:
    """log P_unigram of a token-id sequence: add-one estimates over the tokenizer's vocabulary from ``texts``."""
    counts = Counter(i for t in texts for i in tokenizer(t)["input_ids"])
    denominator = sum(counts.values()) + len(tokenizer)
    return lambda ids: sum(math.log((counts[i] + 1) / denominator) for i in ids)


def slor(texts: Sequence[str], model, tokenizer, unigram: Callable[[Sequence[int]], float]) -> list[float]:
    """SLOR of each text: LM and unigram log-probabilities of the tokens the LM predicts (all but the first), per token.

    Uses :func:`sftlab.train.causal_lm.perplexity`, which scores those same tokens.
    """
    values = []
    for text, ppl in zip(texts, perplexity(list(texts), model, tokenizer)):
        ids = tokenizer(text)["input_ids"][1:]
        if not ids:
            values.append(float("-inf"))
            continue
        values.append((-math.log(ppl) * len(ids) - unigram(ids)) / len(ids))
    return values


@dataclass
class SlorFilter:
    """Fluency as SLOR at least ``min_slor`` (calibrate it on known-good text, like the perplexity threshold)."""

    slor: Callable[[Sequence[str]], list[float]]
    min_slor: float
    name: str = "fluency (SLOR)"

    def __call__(self, candidates: Sequence[dict], pool: Sequence[dict]) -> list[tuple[bool, object]]:
        values = self.slor([c["text"] for c in candidates]) if candidates else []
        return [(v >= self.min_slor, round(v, 2)) for v in values]
