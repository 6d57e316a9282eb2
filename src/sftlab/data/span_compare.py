"""Comparing two sets of entity spans over the same tokens.

Used twice: for annotator agreement (annotator A as reference, B as the other) and for error
analysis (gold as reference, model prediction as the other). Every span of either side gets
exactly one category:

- ``correct``: same start, end and type;
- ``type``: same start and end, different type;
- ``boundary``: overlapping, same type, different start or end;
- ``boundary+type``: overlapping, different type and extent;
- ``missed``: a reference span that nothing in the other overlaps;
- ``spurious``: an other-side span that no reference span overlaps.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from sftlab.io.tags import Span

CATEGORIES = ("correct", "type", "boundary", "boundary+type", "missed", "spurious")


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def compare_spans(reference: Sequence[Span], other: Sequence[Span]) -> list[dict]:
    """Pair up the spans of one sentence and classify each pair (see the module docstring).

    Returns dicts ``{category, reference, other}`` where one side is None for missed/spurious.
    A reference span overlapping several other spans is paired with the best match (exact,
    then same type, then largest overlap); the others count as spurious.
    """
    results = []
    used: set[int] = set()
    for ref in reference:
        overlapping = [(i, o) for i, o in enumerate(other) if i not in used and _overlap(ref, o)]
        if not overlapping:
            results.append({"category": "missed", "reference": ref, "other": None})
            continue

        def rank(item: tuple[int, Span], ref: Span = ref) -> tuple:  # `max` calls it in this iteration
            _, o = item
            overlap = min(ref.end, o.end) - max(ref.start, o.start)
            return ((o.start, o.end) == (ref.start, ref.end), o.label == ref.label, overlap, -item[0])

        index, match = max(overlapping, key=rank)
        used.add(index)
        same_extent = (match.start, match.end) == (ref.start, ref.end)
        same_type = match.label == ref.label
        category = (
            ("correct" if same_type else "type") if same_extent else ("boundary" if same_type else "boundary+type")
        )
        results.append({"category": category, "reference": ref, "other": match})
    for i, o in enumerate(other):
        if i not in used:
            results.append({"category": "spurious", "reference": None, "other": o})
    return results


def category_counts(reference: Sequence[Sequence[Span]], other: Sequence[Sequence[Span]]) -> Counter:
    """Totals of each category over sentences."""
    counts: Counter = Counter({c: 0 for c in CATEGORIES})
    for ref, oth in zip(reference, other, strict=True):
        counts.update(r["category"] for r in compare_spans(ref, oth))
    return counts


def span_prf(reference: Sequence[Sequence[Span]], other: Sequence[Sequence[Span]]) -> dict[str, dict[str, float]]:
    """Exact-match precision, recall and F1 of ``other`` against ``reference``, per type and micro-averaged.

    Each type gets ``{precision, recall, f1, support}`` (support = reference spans of that type);
    the key ``"micro"`` pools all types.
    """
    true_pos, n_ref, n_other = Counter(), Counter(), Counter()
    for ref, oth in zip(reference, other, strict=True):
        ref_set, oth_set = set(ref), set(oth)
        for span in ref_set:
            n_ref[span.label] += 1
        for span in oth_set:
            n_other[span.label] += 1
            if span in ref_set:
                true_pos[span.label] += 1
    scores = {}
    for label in sorted(set(n_ref) | set(n_other)) + ["micro"]:
        tp = sum(true_pos.values()) if label == "micro" else true_pos[label]
        nr = sum(n_ref.values()) if label == "micro" else n_ref[label]
        no = sum(n_other.values()) if label == "micro" else n_other[label]
        precision = tp / no if no else 0.0
        recall = tp / nr if nr else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[label] = {"precision": precision, "recall": recall, "f1": f1, "support": nr}
    return scores
