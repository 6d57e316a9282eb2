"""Inter-annotator agreement and adjudication.

- Sentiment (one label per item): Cohen's κ, which discounts the agreement two annotators
  would reach by chance given how often each uses each label.
- NER (spans): entity-level F1 between annotators, per type, as Universal NER reports it
  (one annotator as reference; F1 is symmetric, precision and recall swap), and a table of
  disagreements by kind (:mod:`sftlab.data.span_compare`).
"""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Sequence

from sftlab.data.span_compare import category_counts, compare_spans, span_prf
from sftlab.io.tags import Span, spans_from_iob2


def cohens_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """κ = (p_o − p_e) / (1 − p_e): observed agreement p_o, chance agreement p_e = Σ_k p_A(k)·p_B(k).

    1 is perfect agreement, 0 is chance level, negative is worse than chance. When both
    annotators use a single label throughout, p_e = 1 and κ is defined as 1.0.
    """
    if len(a) != len(b) or not a:
        raise ValueError("need two non-empty label sequences of equal length")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[k] * count_b[k] for k in set(a) | set(b)) / (n * n)
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1 - expected)


def confusion(a: Sequence[Hashable], b: Sequence[Hashable], labels: Sequence[Hashable]) -> list[list[int]]:
    """Counts ``[i][j]`` of items annotator A labelled ``labels[i]`` and B ``labels[j]``."""
    index = {label: i for i, label in enumerate(labels)}
    table = [[0] * len(labels) for _ in labels]
    for x, y in zip(a, b, strict=True):
        table[index[x]][index[y]] += 1
    return table


def ner_agreement(tags_a: Sequence[Sequence[str]], tags_b: Sequence[Sequence[str]]) -> dict:
    """Span agreement between two IOB2 annotations of the same sentences.

    Returns ``{"per_type": span_prf(A as reference, B), "kinds": disagreement counts}``.
    """
    spans_a = [spans_from_iob2(t) for t in tags_a]
    spans_b = [spans_from_iob2(t) for t in tags_b]
    kinds = category_counts(spans_a, spans_b)
    kinds["missed by B"] = kinds.pop("missed")
    kinds["missed by A"] = kinds.pop("spurious")
    kinds["agreed"] = kinds.pop("correct")
    return {"per_type": span_prf(spans_a, spans_b), "kinds": dict(kinds)}


def adjudication_outcomes(tags_a: Sequence[Sequence[str]], tags_b: Sequence[Sequence[str]],
                          tags_gold: Sequence[Sequence[str]]) -> Counter:
    """For each span-level disagreement between A and B, whose version the adjudicated gold kept.

    Every span that A or B marked and the other did not mark identically is one decision:
    ``A`` (gold has A's span), ``B``, or ``neither`` (gold has a third reading, or no span).
    """
    outcomes: Counter = Counter()
    for a, b, gold in zip(tags_a, tags_b, tags_gold, strict=True):
        spans_a, spans_b, spans_gold = set(spans_from_iob2(a)), set(spans_from_iob2(b)), set(spans_from_iob2(gold))
        for pair in compare_spans(sorted(spans_a), sorted(spans_b)):
            if pair["category"] == "correct":
                continue
            ref: Span | None = pair["reference"]
            oth: Span | None = pair["other"]
            if ref is not None and ref in spans_gold:
                outcomes["A"] += 1
            elif oth is not None and oth in spans_gold:
                outcomes["B"] += 1
            else:
                outcomes["neither"] += 1
    return outcomes
