"""Bag-of-words features for the from-scratch models of notebook 01."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import torch

from sftlab.io.words import split_words


def build_vocabulary(texts: Sequence[str], size: int) -> dict[str, int]:
    """The ``size`` most frequent lower-cased words (ties broken alphabetically) -> column index."""
    counts = Counter(word.lower() for text in texts for word in split_words(text) if any(c.isalnum() for c in word))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:size]
    return {word: index for index, (word, _) in enumerate(ranked)}


def bag_of_words(texts: Sequence[str], vocabulary: dict[str, int], dtype=torch.float64) -> torch.Tensor:
    """Binary presence features (N, |V|): 1 where the word occurs in the text."""
    matrix = torch.zeros(len(texts), len(vocabulary), dtype=dtype)
    for row, text in enumerate(texts):
        for word in split_words(text):
            column = vocabulary.get(word.lower())
            if column is not None:
                matrix[row, column] = 1.0
    return matrix
