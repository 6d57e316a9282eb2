"""Batched prediction: word-level tags for NER, class probabilities for classification, and
greedy replies of a causal LM to conversations.

All sort examples by length (so padding stays small), run without gradients, and return
results in the original order.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

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


def predict_word_tags(
    model, features: Sequence[dict], collator, batch_size: int = 64, device: torch.device | None = None
) -> list[list[str]]:
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


def predict_probabilities(
    model, features: Sequence[dict], collator, batch_size: int = 64, device: torch.device | None = None
) -> np.ndarray:
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


class Reply(NamedTuple):
    """A generated answer, whether the model ended it itself (emitted its end-of-turn token), and its tokens.

    ``tokens`` counts what was generated up to and including the end-of-turn token (the cost of the reply).
    """

    text: str
    finished: bool
    tokens: int = 0


def generate_replies(
    model,
    tokenizer,
    conversations: Sequence[Sequence[dict]],
    max_new_tokens: int = 32,
    batch_size: int = 16,
    device: torch.device | None = None,
    temperature: float | None = None,
    top_p: float = 1.0,
) -> list[Reply]:
    """Greedy replies to each conversation (its messages so far), rendered with the chat template.

    Prompts are left-padded, so every row's last real token sits at the end and generation
    continues all rows from there; the reply is decoded up to the model's end-of-turn token.
    With a ``temperature``, each reply is sampled instead (nucleus sampling with ``top_p``), from
    torch's global random state: seed it first for replies that repeat on the same machine.
    """
    device = device or next(model.parameters()).device
    model.eval()
    prompts = [
        tokenizer.apply_chat_template(list(c), tokenize=False, add_generation_prompt=True) for c in conversations
    ]
    lengths = [len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    order = length_grouped_batches(lengths, batch_size, seed=0, shuffle=False)
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    replies: list[Reply | None] = [None] * len(prompts)
    try:
        for indices in order:
            batch = tokenizer(
                [prompts[i] for i in indices], return_tensors="pt", padding=True, add_special_tokens=False
            ).to(device)
            with torch.no_grad(), autocast(device, autocast_dtype(device)):
                output = model.generate(
                    **batch,
                    max_new_tokens=max_new_tokens,
                    do_sample=temperature is not None,
                    temperature=temperature,
                    top_p=top_p if temperature is not None else None,
                    top_k=None,
                    pad_token_id=pad_id,
                    eos_token_id=tokenizer.eos_token_id,
                )
            for row, index in enumerate(indices):
                new = output[row, batch["input_ids"].shape[1] :].tolist()
                finished = tokenizer.eos_token_id in new
                new = new[: new.index(tokenizer.eos_token_id)] if finished else new
                replies[index] = Reply(
                    tokenizer.decode(new, skip_special_tokens=True).strip(), finished, len(new) + int(finished)
                )
    finally:
        tokenizer.padding_side = side
    return replies  # type: ignore[return-value]
