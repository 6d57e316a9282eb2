"""Inter-annotator agreement and adjudication.

- Sentiment (one label per item): Cohen's κ, which discounts the agreement two annotators
  would reach by chance given how often each uses each label; weighted κ, which counts a
  *negative* vs *positive* disagreement as worse than *neutral* vs either on an ordered scale;
  Krippendorff's α, for any number of annotators, each of whom may have skipped items; and the
  kinds of label disagreement (polarity, neutral vs polar).
- NER (spans): entity-level F1 between annotators, per type, as Universal NER reports it
  (one annotator as reference; F1 is symmetric, precision and recall swap), and a table of
  disagreements by kind (:mod:`sftlab.data.span_compare`).
"""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Literal, Sequence

import numpy as np

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


def kappa_of_rows(rows: np.ndarray) -> float:
    """Cohen's κ between the two columns of ``rows`` (items × 2 label codes): a statistic to resample
    with :func:`sftlab.evaluate.comparison.compare`."""
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.shape[1] != 2:
        raise ValueError(f"need an items x 2 array of label codes, got shape {rows.shape}")
    return cohens_kappa(rows[:, 0].tolist(), rows[:, 1].tolist())


def weighted_kappa(
    a: Sequence[Hashable],
    b: Sequence[Hashable],
    categories: Sequence[Hashable],
    weights: Literal["linear", "quadratic"] = "linear",
) -> float:
    """κ_w = 1 − Σ w_ij·O_ij / Σ w_ij·E_ij over ``categories`` in their order (an ordinal scale).

    O is the observed confusion, E the one expected by chance (the product of the two
    annotators' label shares), and w_ij = |i − j| (``linear``) or (i − j)² (``quadratic``): a
    disagreement two steps apart costs twice (or four times) one step. With two categories it
    equals :func:`cohens_kappa`.
    """
    if len(a) != len(b) or not a:
        raise ValueError("need two non-empty label sequences of equal length")
    if weights not in ("linear", "quadratic"):
        raise ValueError(f"weights must be 'linear' or 'quadratic', got {weights!r}")
    index = {c: i for i, c in enumerate(categories)}
    unknown = (set(a) | set(b)) - set(index)
    if unknown:
        raise ValueError(f"labels {sorted(map(str, unknown))} are not in categories {list(categories)}")
    k, n = len(categories), len(a)
    observed = confusion(a, b, categories)
    rows = [sum(observed[i]) for i in range(k)]
    cols = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    cost = (lambda i, j: abs(i - j)) if weights == "linear" else (lambda i, j: (i - j) ** 2)
    disagreement = sum(cost(i, j) * observed[i][j] for i in range(k) for j in range(k))
    chance = sum(cost(i, j) * rows[i] * cols[j] / n for i in range(k) for j in range(k))
    return 1.0 if chance == 0 else 1 - disagreement / chance


def krippendorff_alpha(
    annotations: Sequence[Sequence[Hashable | None]],
    level: Literal["nominal", "ordinal"] = "nominal",
    categories: Sequence[Hashable] | None = None,
) -> float:
    """Krippendorff's α = 1 − D_o / D_e for any number of annotators with missing labels.

    ``annotations[c][u]`` is annotator c's label of item u, or None where c gave none. Items with
    fewer than two labels are left out (nothing to compare). Each item's m labels give every
    ordered pair of labels from different annotators a weight 1 / (m − 1) in the coincidence
    matrix o; n_c = Σ_k o_ck. D_o = Σ o_ck·δ²_ck / n and D_e = Σ n_c·n_k·δ²_ck / (n(n − 1)).
    δ² is 0/1 for ``nominal``; for ``ordinal`` (``categories`` in their order) it is
    (Σ_{g from c to k} n_g − (n_c + n_k) / 2)², which measures distance by how many labels lie
    between. 1 is perfect agreement, 0 chance level (Krippendorff, 2011).
    """
    if not annotations or len({len(row) for row in annotations}) != 1:
        raise ValueError("need one equally long label sequence per annotator")
    values = sorted({v for row in annotations for v in row if v is not None}, key=str)
    if level == "ordinal":
        if categories is None:
            raise ValueError("ordinal alpha needs categories in their order")
        unknown = set(values) - set(categories)
        if unknown:
            raise ValueError(f"labels {sorted(map(str, unknown))} are not in categories {list(categories)}")
        values = list(categories)
    elif level != "nominal":
        raise ValueError(f"level must be 'nominal' or 'ordinal', got {level!r}")
    index = {v: i for i, v in enumerate(values)}
    k = len(values)
    coincidence = [[0.0] * k for _ in range(k)]
    for unit in zip(*annotations):
        labels = [index[v] for v in unit if v is not None]
        m = len(labels)
        if m < 2:
            continue
        for i, x in enumerate(labels):
            for j, y in enumerate(labels):
                if i != j:
                    coincidence[x][y] += 1 / (m - 1)
    totals = [sum(row) for row in coincidence]
    n = sum(totals)
    if n == 0:
        raise ValueError("no item has labels from two annotators")
    if level == "nominal":
        delta = [[float(c != d) for d in range(k)] for c in range(k)]
    else:
        delta = [
            [(sum(totals[min(c, d) : max(c, d) + 1]) - (totals[c] + totals[d]) / 2) ** 2 for d in range(k)]
            for c in range(k)
        ]
    observed = sum(coincidence[c][d] * delta[c][d] for c in range(k) for d in range(k)) / n
    expected = sum(totals[c] * totals[d] * delta[c][d] for c in range(k) for d in range(k)) / (n * (n - 1))
    return 1.0 if expected == 0 else 1 - observed / expected


def label_disagreement_kind(x: Hashable, y: Hashable, neutral: Hashable = "neutral") -> str:
    """``agreed``, ``neutral vs polar`` (one says neutral, the other a polarity) or ``polarity`` (opposite
    polarities)."""
    if x == y:
        return "agreed"
    return "neutral vs polar" if neutral in (x, y) else "polarity"


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


def span_counts(
    reference: Sequence[Sequence[Span]], other: Sequence[Sequence[Span]], label: str | None = None
) -> np.ndarray:
    """Per item: (spans both marked alike, spans ``other`` marked, spans ``reference`` marked), of type
    ``label`` or of all types. Shape (items, 3): the rows :func:`sftlab.evaluate.metrics.f1_from_counts`
    turns into the F1 of :func:`span_prf`, so that a bootstrap can resample items."""
    if len(reference) != len(other):
        raise ValueError(f"the annotations cover {len(reference)} and {len(other)} items")
    rows = []
    for ref, oth in zip(reference, other):
        ref_set = {s for s in ref if label is None or s.label == label}
        oth_set = {s for s in oth if label is None or s.label == label}
        rows.append((len(ref_set & oth_set), len(oth_set), len(ref_set)))
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def adjudication_outcomes(
    tags_a: Sequence[Sequence[str]], tags_b: Sequence[Sequence[str]], tags_gold: Sequence[Sequence[str]]
) -> Counter:
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
