"""Tests of ``sftlab.data.agreement``."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from sftlab.data.agreement import (
    adjudication_outcomes,
    cohens_kappa,
    confusion,
    kappa_of_rows,
    krippendorff_alpha,
    label_disagreement_kind,
    ner_agreement,
    span_counts,
    weighted_kappa,
)
from sftlab.data.span_compare import category_counts, span_prf
from sftlab.evaluate.metrics import f1_from_counts
from sftlab.io.tags import Span


def test_cohens_kappa_hand_computed():
    # 10 items: A and B each say p 6 times and n 4 times, and agree on 8.
    a = ["p", "p", "p", "p", "p", "p", "n", "n", "n", "n"]
    b = ["p", "p", "p", "p", "p", "n", "n", "n", "n", "p"]
    p_o, p_e = 0.8, 0.6 * 0.6 + 0.4 * 0.4
    assert cohens_kappa(a, b) == pytest.approx((p_o - p_e) / (1 - p_e)) == pytest.approx(0.28 / 0.48)
    assert cohens_kappa(a, a) == 1.0
    assert cohens_kappa(["x"] * 4, ["x"] * 4) == 1.0
    assert confusion(a, b, ["p", "n"]) == [[5, 1], [1, 3]]


def test_kappa_of_rows_is_kappa_of_the_two_columns():
    a, b = [0, 0, 1, 2, 1, 0], [0, 1, 1, 2, 2, 0]
    assert kappa_of_rows(np.array([a, b]).T) == pytest.approx(cohens_kappa(a, b))
    with pytest.raises(ValueError, match="items x 2"):
        kappa_of_rows(np.array([a, b, a]).T)


def test_span_counts_give_span_prf_f1_per_type_and_overall():
    reference = [[Span(0, 2, "PER"), Span(3, 4, "ORG")], [Span(0, 1, "LOC")], []]
    other = [[Span(0, 2, "PER"), Span(3, 4, "LOC")], [Span(0, 1, "LOC")], [Span(1, 2, "ORG")]]
    assert span_counts(reference, other).tolist() == [[1, 2, 2], [1, 1, 1], [0, 1, 0]]
    assert span_counts(reference, other, "ORG").tolist() == [[0, 0, 1], [0, 0, 0], [0, 1, 0]]
    scores = span_prf(reference, other)
    for label in (None, "PER", "ORG", "LOC"):
        assert f1_from_counts(span_counts(reference, other, label)) == pytest.approx(scores[label or "micro"]["f1"])
    with pytest.raises(ValueError, match="cover 3 and 2 items"):
        span_counts(reference, other[:2])


def test_kappa_below_zero_for_systematic_disagreement():
    assert cohens_kappa(["a", "b", "a", "b"], ["b", "a", "b", "a"]) == pytest.approx(-1.0)


def test_ner_agreement_and_adjudication():
    a = [["B-PER", "I-PER", "O", "B-ORG"], ["B-LOC", "O"]]
    b = [["B-PER", "O", "O", "B-LOC"], ["B-LOC", "O"]]
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "O"]]
    result = ner_agreement(a, b)
    assert result["kinds"]["agreed"] == 1 and result["kinds"]["boundary"] == 1 and result["kinds"]["type"] == 1
    assert result["per_type"]["micro"]["f1"] == pytest.approx(1 / 3)
    assert adjudication_outcomes(a, b, gold) == {"A": 1, "B": 1}
    assert math.isclose(category_counts([[Span(0, 1, "X")]], [[]])["missed"], 1)


# --- cross-checks against scikit-learn and krippendorff on random data -------------------------------------------

LABELS = ("negative", "neutral", "positive")


def _two_annotators(seed: int, n: int = 200, agreement: float = 0.7) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    a = [rng.choice(LABELS) for _ in range(n)]
    b = [x if rng.random() < agreement else rng.choice(LABELS) for x in a]
    return a, b


@pytest.mark.parametrize("seed", range(5))
def test_kappa_and_weighted_kappa_equal_sklearn(seed):
    from sklearn.metrics import cohen_kappa_score

    a, b = _two_annotators(seed)
    assert cohens_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    order = {label: i for i, label in enumerate(LABELS)}
    ia, ib = [order[x] for x in a], [order[x] for x in b]
    for weights in ("linear", "quadratic"):
        expected = cohen_kappa_score(ia, ib, weights=weights)
        assert weighted_kappa(a, b, LABELS, weights) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_krippendorff_alpha_equals_the_krippendorff_package_with_missing_labels(seed, level):
    import krippendorff

    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, 80)
    data = np.array([np.where(rng.random(80) < 0.75, truth, rng.integers(0, 3, 80)) for _ in range(4)], dtype=float)
    data[rng.random(data.shape) < 0.2] = np.nan  # each annotator skipped about a fifth of the items
    ours = krippendorff_alpha(
        [[None if np.isnan(v) else LABELS[int(v)] for v in row] for row in data],
        level,
        categories=LABELS if level == "ordinal" else None,
    )
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level, value_domain=[0, 1, 2])
    assert ours == pytest.approx(expected, abs=1e-9)


def test_weighted_kappa_and_alpha_by_hand():
    a, b = ["neg", "neu", "pos", "pos"], ["neg", "pos", "pos", "neu"]
    assert weighted_kappa(["x", "y", "x", "y"], ["x", "y", "y", "y"], ["x", "y"]) == pytest.approx(
        cohens_kappa(["x", "y", "x", "y"], ["x", "y", "y", "y"])
    )
    assert weighted_kappa(a, a, ["neg", "neu", "pos"]) == 1.0 and krippendorff_alpha([a, a, [None] * 4]) == 1.0
    with pytest.raises(ValueError, match="not in categories"):
        weighted_kappa(a, b, ["neg", "pos"])
    with pytest.raises(ValueError, match="two annotators"):
        krippendorff_alpha([a, [None] * 4])
    assert [label_disagreement_kind(x, y) for x, y in [("pos", "pos"), ("neutral", "pos"), ("neg", "pos")]] == [
        "agreed",
        "neutral vs polar",
        "polarity",
    ]
