"""Batched prediction: word-level tags for NER, class probabilities for classification.

Both sort examples by length (so padding stays small), run without gradients, and return
results in the original order.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from sftlab.train.batching import collate, length_grouped_batches
from sftlab.train.device import autocast, autocast_dtype


def _batches(features: Sequence[dict], batch_size: int) -> list[list[int]]:
    return length_grouped_batches([len(f["input_ids"]) for f in features], batch_size, seed=0, shuffle=False)


def _forward(model, batch: dict, device: torch.device) -> torch.Tensor:
    batch = {k: v.to(device) for k, v in batch.items() if k != "labels"}
    with torch.no_grad(), autocast(device, autocast_dtype(device)):
        return model(**batch).logits.float()


def predict_word_tags(model, features: Sequence[dict], collator, batch_size: int = 64,
                      device: torch.device | None = None) -> list[list[str]]:
    """One tag per word, read from each word's first sub-word (words cut off by truncation get ``O``)."""
    device = device or next(model.parameters()).device
    id2label = model.config.id2label
    model.eval()
    results: list[list[str] | None] = [None] * len(features)
    for indices in _batches(features, batch_size):
        predicted = _forward(model, collate(collator, features, indices), device).argmax(-1).cpu()
        for row, index in enumerate(indices):
            word_ids = features[index]["word_ids"]
            n_words = max((w for w in word_ids if w is not None), default=-1) + 1
            tags = ["O"] * n_words
            previous = None
            for position, word in enumerate(word_ids):
                if word is not None and word != previous:
                    tags[word] = id2label[int(predicted[row, position])]
                previous = word
            results[index] = tags
    return results  # type: ignore[return-value]


def predict_probabilities(model, features: Sequence[dict], collator, batch_size: int = 64,
                          device: torch.device | None = None) -> np.ndarray:
    """Softmax class probabilities (N, K) for sequence classification."""
    device = device or next(model.parameters()).device
    model.eval()
    out = np.zeros((len(features), model.config.num_labels), dtype=np.float64)
    for indices in _batches(features, batch_size):
        logits = _forward(model, collate(collator, features, indices), device)
        out[indices] = torch.softmax(logits, -1).cpu().double().numpy()
    return out


def pad_words(tags: Sequence[str], length: int) -> list[str]:
    """Tags extended with ``O`` to ``length`` words (words lost to truncation count as ``O``)."""
    return list(tags) + ["O"] * (length - len(tags))
