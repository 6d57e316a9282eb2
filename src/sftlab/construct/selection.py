"""Which examples to train on at a fixed budget (notebook 10, section 5).

From a pool of sampled replies, each selection rule picks ``budget`` examples:

- ``unverified``: at random from every distinct reply, verified or not (no filter);
- ``verified, random``: at random from the verified replies (the baseline every rule must beat);
- ``verified, highest IFD``: the verified replies the model finds hardest to write *given* the
  instruction, relative to writing them at all (:func:`ifd_scores`, Li et al., 2024, "From
  Quantity to Quality");
- ``verified, most diverse``: k-center greedy over embeddings of the prompts (:func:`k_center_greedy`);
- ``verified, longest``: the longest verified replies (in words).
"""

from __future__ import annotations

import random
from typing import Sequence

import numpy as np

from sftlab.data.verifiable import chat

RULES = ("unverified", "verified, random", "verified, highest IFD", "verified, most diverse", "verified, longest")


def reply_losses(model, tokenizer, records: Sequence[dict], *, conditioned: bool, batch_size: int = 16) -> np.ndarray:
    """Mean negative log-likelihood per reply token of each record's ``reply``, from the model's forward passes.

    ``conditioned``: after the prompt, rendered with the chat template and its generation prompt
    (the loss SFT trains); otherwise the reply alone, after one start token (the BOS token, or the
    end-of-text token where the tokenizer has none), so that every reply token is predicted in both.
    """
    import torch

    device = next(model.parameters()).device
    model.eval()
    start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    rows = []
    for record in records:
        reply = tokenizer(record["reply"], add_special_tokens=False)["input_ids"]
        if conditioned:
            prompt = tokenizer.apply_chat_template(chat(record["prompt"]), tokenize=False, add_generation_prompt=True)
            context = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        else:
            context = [start]
        rows.append((context + reply, len(context)))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    losses = np.zeros(len(rows))
    for first in range(0, len(rows), batch_size):
        chunk = rows[first : first + batch_size]
        width = max(len(ids) for ids, _ in chunk)
        input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids, _ in chunk], device=device)
        mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in chunk], device=device)
        labels = input_ids.clone()
        for row, (ids, context) in enumerate(chunk):
            labels[row, :context] = -100
            labels[row, len(ids) :] = -100
        with torch.no_grad():
            logits = model(input_ids=input_ids, attention_mask=mask, use_cache=False).logits[:, :-1].float()
        targets = labels[:, 1:]
        token_losses = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100, reduction="none"
        ).view(targets.shape)
        counts = (targets != -100).sum(1).clamp(min=1)
        losses[first : first + len(chunk)] = (token_losses.sum(1) / counts).cpu().numpy()
    return losses


def ifd_scores(model, tokenizer, records: Sequence[dict], batch_size: int = 16) -> np.ndarray:
    """Instruction-following difficulty: loss of the reply given the instruction / loss of the reply alone.

    Near 1: the instruction hardly helps the model write the reply; well below 1: the reply
    follows easily from the instruction (little left to learn from it).
    """
    given = reply_losses(model, tokenizer, records, conditioned=True, batch_size=batch_size)
    alone = reply_losses(model, tokenizer, records, conditioned=False, batch_size=batch_size)
    return given / alone


def k_center_greedy(embeddings: np.ndarray, budget: int, first: int = 0) -> list[int]:
    """``budget`` indices chosen by k-center greedy: each next point is the one farthest from those chosen.

    Euclidean distance; starts at ``first``. The radius it reaches (the largest distance of any
    point to its nearest chosen point) is at most twice the best possible (Gonzalez, 1985).
    """
    points = np.asarray(embeddings, dtype=float)
    if not 1 <= budget <= len(points):
        raise ValueError(f"budget {budget} needs 1 to {len(points)} points (the pool has {len(points)})")
    chosen = [first]
    nearest = np.linalg.norm(points - points[first], axis=1)
    while len(chosen) < budget:
        index = int(np.argmax(nearest))
        chosen.append(index)
        nearest = np.minimum(nearest, np.linalg.norm(points - points[index], axis=1))
    return chosen


def covering_radius(embeddings: np.ndarray, chosen: Sequence[int]) -> float:
    """The largest distance of any point to its nearest chosen point."""
    points = np.asarray(embeddings, dtype=float)
    distances = np.linalg.norm(points[:, None, :] - points[list(chosen)][None, :, :], axis=2)
    return float(distances.min(axis=1).max())


def select(
    rule: str,
    everything: Sequence[dict],
    verified: Sequence[dict],
    budget: int,
    *,
    seed: int = 0,
    ifd: np.ndarray | None = None,
    embeddings: np.ndarray | None = None,
) -> list[dict]:
    """``budget`` training records by ``rule`` (one of :data:`RULES`).

    ``everything``: every distinct reply (for ``unverified``); ``verified``: the verified ones, with
    ``ifd`` and ``embeddings`` (one row each) for the rules that need them. A pool smaller than the
    budget is an error that names both.
    """
    if rule not in RULES:
        raise ValueError(f"unknown selection rule {rule!r}; known: {', '.join(RULES)}")
    pool = everything if rule == "unverified" else verified
    if budget > len(pool):
        raise ValueError(
            f"budget {budget} is larger than the pool of {len(pool)} "
            f"{'replies' if rule == 'unverified' else 'verified replies'} for {rule!r}"
        )
    if rule in ("unverified", "verified, random"):
        return random.Random(seed).sample(list(pool), budget)
    if rule == "verified, highest IFD":
        if ifd is None or len(ifd) != len(pool):
            raise ValueError("the IFD rule needs one IFD score per verified reply")
        order = np.argsort(-np.asarray(ifd), kind="stable")
    elif rule == "verified, most diverse":
        if embeddings is None or len(embeddings) != len(pool):
            raise ValueError("the diversity rule needs one embedding per verified reply")
        order = np.array(k_center_greedy(embeddings, budget, first=random.Random(seed).randrange(len(pool))))
    else:
        order = np.argsort([-len(r["reply"].split()) for r in pool], kind="stable")
    return [pool[i] for i in order[:budget]]
