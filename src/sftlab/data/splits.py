"""Grouped, stratified train/dev/test splits.

Examples that share a group (a document, a film, a product, a near-duplicate cluster) always
land in the same split, so nothing that shares a source or a skeleton crosses from train to
test. Within that constraint, groups are assigned so that each split gets its share of the
examples *and* of every stratum (label or entity type).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from typing import Hashable, Sequence, TypeVar

T = TypeVar("T")
FRACTIONS = {"train": 0.70, "dev": 0.15, "test": 0.15}


def grouped_split(
    items: Sequence[T],
    groups: Sequence[Hashable],
    strata: Sequence[Hashable] | None = None,
    fractions: dict[str, float] | None = None,
    seed: int = 0,
) -> dict[str, list[T]]:
    """Split ``items`` by ``groups`` into ``fractions`` (default 70/15/15), balancing ``strata``.

    Groups are visited largest first (ties in a seeded random order); each goes to the split
    whose counts fall furthest below target, relative to the target, for the group's strata
    and in total (iterative stratification, Sechidis et al. 2011, applied to groups). Items
    keep their order within each split.
    """
    fractions = fractions or FRACTIONS
    if len(items) != len(groups) or (strata is not None and len(strata) != len(items)):
        raise ValueError("items, groups and strata must have the same length")
    if abs(sum(fractions.values()) - 1) > 1e-9:
        raise ValueError(f"fractions must sum to 1, got {sum(fractions.values())}")
    strata = strata if strata is not None else ["all"] * len(items)
    members: dict[Hashable, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        members[group].append(index)
    total = Counter(strata)
    counts = {name: Counter() for name in fractions}
    sizes = {name: 0 for name in fractions}
    order = list(members)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda g: -len(members[g]))
    assignment: dict[Hashable, str] = {}
    for group in order:
        composition = Counter(strata[i] for i in members[group])

        def demand(name: str, group: Hashable = group, composition: Counter = composition) -> tuple[float, float]:
            """Relative shortfall of split ``name`` for this group's strata and in size."""
            share = fractions[name]
            per_stratum = sum(
                n * (share * total[s] - counts[name][s]) / (share * total[s]) for s, n in composition.items()
            )
            overall = (share * len(items) - sizes[name]) / (share * len(items))
            return per_stratum / len(members[group]) + overall, share

        best = max(fractions, key=demand)
        assignment[group] = best
        sizes[best] += len(members[group])
        counts[best].update(composition)
    split: dict[str, list[T]] = {name: [] for name in fractions}
    for index, item in enumerate(items):
        split[assignment[groups[index]]].append(item)
    return split


def groups_crossing(splits: dict[str, Sequence[Hashable]]) -> set[Hashable]:
    """Groups that appear in more than one split (empty for a clean grouped split)."""
    seen: dict[Hashable, str] = {}
    crossing = set()
    for name, groups in splits.items():
        for group in groups:
            if seen.setdefault(group, name) != name:
                crossing.add(group)
    return crossing


def subsample(items: Sequence[T], n: int | None, seed: int = 0) -> list[T]:
    """A seeded random sample of ``n`` items in their original order (all items when ``n`` is None or large).

    Use it instead of ``items[:n]``: files are often ordered (by domain, register, label or film),
    so their first ``n`` lines are not a sample of the whole.
    """
    if n is None or n >= len(items):
        return list(items)
    chosen = sorted(random.Random(seed).sample(range(len(items)), n))
    return [items[i] for i in chosen]
