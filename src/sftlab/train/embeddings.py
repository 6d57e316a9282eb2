"""Sentence embeddings with the embedded encoder (all-MiniLM-L6-v2 was trained for exactly this).

Mean of the last hidden states over real tokens, L2-normalised, as sentence-transformers does
for this model; the dot product of two embeddings is then their cosine similarity.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


def encode_sentences(
    texts: Sequence[str], encoder, tokenizer, batch_size: int = 64, max_length: int = 128
) -> np.ndarray:
    """(N, hidden) unit-length embeddings of ``texts``."""
    encoder.eval()
    device = next(encoder.parameters()).device
    chunks = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(
            list(texts[start : start + batch_size]),
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        ).to(device)
        with torch.no_grad():
            hidden = encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        chunks.append(torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy())
    return np.concatenate(chunks) if chunks else np.zeros((0, encoder.config.hidden_size))


def max_similarity(queries: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """For each query embedding, its highest cosine similarity to any pool embedding (-1 if the pool is empty)."""
    if len(pool) == 0 or len(queries) == 0:
        return np.full(len(queries), -1.0)
    return (queries @ pool.T).max(axis=1)
