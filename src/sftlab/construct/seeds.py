"""The seed set: a small, high-quality slice of the gold *training* data (never dev or test), and noisy copies.

The noisy copies carry wrong labels that are known to be wrong: a seed set with a share of its
labels flipped (:func:`with_label_noise`), and NER examples with one entity given another type
(:func:`with_wrong_entity_type`), on which a label filter can be checked against the truth.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Callable, Hashable, Sequence

from sftlab.io.tags import spans_from_iob2


def stratified_sample(
    records: Sequence[dict], n: int, seed: int, key: Callable[[dict], Hashable] = lambda r: r["label"]
) -> list[dict]:
    """``n`` records drawn so that each ``key`` value keeps its share (largest remainders get the leftovers)."""
    groups: dict[Hashable, list[dict]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(record)
    rng = random.Random(seed)
    quotas = {k: n * len(v) / len(records) for k, v in groups.items()}
    counts = {k: int(q) for k, q in quotas.items()}
    for k in sorted(quotas, key=lambda k: quotas[k] - counts[k], reverse=True)[: n - sum(counts.values())]:
        counts[k] += 1
    sample = [r for k in sorted(groups, key=str) for r in rng.sample(groups[k], counts[k])]
    rng.shuffle(sample)
    return sample


def with_label_noise(records: Sequence[dict], rate: float, labels: Sequence[str], seed: int) -> list[dict]:
    """A copy in which a ``rate`` share of the records carry a wrong label (``noisy=True`` marks them)."""
    rng = random.Random(seed)
    flipped = set(rng.sample(range(len(records)), round(rate * len(records))))
    return [
        {**r, "label": rng.choice([label for label in labels if label != r["label"]]), "noisy": True}
        if i in flipped
        else dict(r)
        for i, r in enumerate(records)
    ]


def with_wrong_entity_type(example: dict, types: Sequence[str], rng: random.Random) -> dict:
    """A copy of an NER example (``tokens``, ``tags``) whose one entity, drawn at random, has another type of ``types``.

    The span keeps its words and boundaries; only its type changes (``B-PER I-PER`` -> ``B-ORG I-ORG``),
    the error a label filter that averages over all tokens lets through. Raises ``ValueError`` for an
    example without entities.
    """
    spans = spans_from_iob2(example["tags"])
    if not spans:
        raise ValueError(f"no entity to mistype in {' '.join(example['tokens'])!r}")
    start, end, kind = rng.choice(spans)
    other = rng.choice([t for t in types if t != kind])
    tags = list(example["tags"])
    tags[start:end] = [f"B-{other}"] + [f"I-{other}"] * (end - start - 1)
    return {**example, "tags": tags, "mistyped": (start, end, kind, other)}
