"""The feedback loop: generate from the pool, filter, add what passes to the pool, repeat.

Stops at the first of: the pool reached ``target_size``; ``max_rounds`` rounds ran; a round's
acceptance rate fell below ``min_acceptance`` (the generators have run dry or the filters
reject nearly everything). Every candidate, accepted or not, is kept in the log for the audit,
with what it cost: ``generation_seconds`` and ``filter_seconds`` (its share of each batch's
time), and for the language model ``prompt_tokens`` and ``generated_tokens``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from sftlab.construct.filters import apply_filters
from sftlab.io.words import split_words


@dataclass
class Construction:
    """The outcome: the final pool, one row per round, every candidate with its fate, why it stopped."""

    pool: list[dict]
    rounds: list[dict] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)
    stopped: str = ""

    @property
    def generated(self) -> list[dict]:
        """The accepted examples (the pool without its seeds), in order of acceptance."""
        return [e for e in self.pool if e.get("round")]


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Distinct n-grams / all n-grams over ``texts`` (lower-cased words): 1.0 means no n-gram repeats."""
    grams = [
        tuple(words[i : i + n])
        for t in texts
        for words in [[w.lower() for w in split_words(t)]]
        for i in range(len(words) - n + 1)
    ]
    return len(set(grams)) / len(grams) if grams else 0.0


def mean_pairwise_distance(vectors: np.ndarray, sample: int = 300, seed: int = 0) -> float:
    """Mean cosine distance 1 − cos between pairs of unit vectors (on a random sample of at most ``sample``)."""
    if len(vectors) < 2:
        return 0.0
    if len(vectors) > sample:
        vectors = vectors[np.random.default_rng(seed).choice(len(vectors), sample, replace=False)]
    similarity = vectors @ vectors.T
    upper = similarity[np.triu_indices(len(vectors), k=1)]
    return float(1 - upper.mean())


def run_construction(
    seed_pool: Sequence[dict],
    generators: Sequence[tuple[object, int]],
    filters: Sequence,
    *,
    target_size: int,
    max_rounds: int,
    min_acceptance: float,
    seed: int = 0,
    embed=None,
    progress: bool = True,
) -> Construction:
    """Run rounds until a stopping condition holds; ``generators`` pairs a generator with its candidates per round.

    ``embed(texts)`` (optional) gives unit sentence embeddings for the diversity column.
    """
    rng = random.Random(seed)
    result = Construction(pool=[{**e, "round": 0, "strategy": "seed"} for e in seed_pool])
    rounds = range(1, max_rounds + 1)
    if progress:
        from tqdm.auto import tqdm

        rounds = tqdm(rounds, desc="rounds", leave=False)
    for number in rounds:
        started = time.perf_counter()
        candidates = []
        for generator, count in generators:
            generation_started = time.perf_counter()
            made = generator.generate(result.pool, count, rng)
            share = (time.perf_counter() - generation_started) / max(1, len(made))
            candidates += [{**c, "round": number, "generation_seconds": share} for c in made]
        accepted, rejected = apply_filters(candidates, result.pool, filters)
        result.pool += accepted
        result.log += [{**c, "accepted": True} for c in accepted] + [{**c, "accepted": False} for c in rejected]
        rate = len(accepted) / len(candidates) if candidates else 0.0
        row = {"round": number, "generated": len(candidates)}
        for f in filters:
            row[f"rejected: {f.name}"] = sum(r["rejected_by"] == f.name for r in rejected)
        texts = [e["text"] for e in result.pool]
        row.update(
            {
                "accepted": len(accepted),
                "acceptance": round(rate, 3),
                "pool": len(result.pool),
                "distinct-1": round(distinct_n(texts, 1), 3),
                "distinct-2": round(distinct_n(texts, 2), 3),
            }
        )
        if embed is not None:
            row["mean pairwise distance"] = round(mean_pairwise_distance(embed(texts), seed=seed), 3)
        row["seconds"] = round(time.perf_counter() - started, 1)
        result.rounds.append(row)
        if len(result.pool) >= target_size:
            result.stopped = f"target size {target_size} reached"
            break
        if rate < min_acceptance:
            result.stopped = f"acceptance {rate:.2f} below the floor {min_acceptance}"
            break
    else:
        result.stopped = f"{max_rounds} rounds done"
    return result


def cost_by_strategy(log: Sequence[dict]) -> list[dict]:
    """Per strategy: candidates, accepted, the seconds spent generating and filtering them, and the
    seconds and language-model tokens (prompt + generated) per accepted example (inf if none was accepted)."""
    rows = []
    for strategy in dict.fromkeys(c["strategy"] for c in log):
        group = [c for c in log if c["strategy"] == strategy]
        accepted = sum(c["accepted"] for c in group)
        seconds = sum(c.get("generation_seconds", 0.0) + c.get("filter_seconds", 0.0) for c in group)
        tokens = sum(c.get("prompt_tokens", 0) + c.get("generated_tokens", 0) for c in group)
        rows.append(
            {
                "strategy": strategy,
                "candidates": len(group),
                "accepted": accepted,
                "generation s": sum(c.get("generation_seconds", 0.0) for c in group),
                "filter s": sum(c.get("filter_seconds", 0.0) for c in group),
                "s per accepted": seconds / accepted if accepted else float("inf"),
                "LM tokens per accepted": tokens / accepted if accepted else float("inf"),
            }
        )
    return rows
