"""Cleaning, dedup, splits and agreement, against hand-computed values."""

from __future__ import annotations

import math

import pytest

from sftlab.agreement import adjudication_outcomes, cohens_kappa, confusion, ner_agreement
from sftlab.cleaning import clean_records, guess_language, is_english, normalize_text, remove_urls
from sftlab.dedup import (cluster_ids, cross_split_pairs, dedup_key, exact_duplicate_groups, jaccard,
                          minhash_signatures, near_duplicate_pairs, shingles)
from sftlab.span_compare import category_counts, compare_spans, span_prf
from sftlab.splits import grouped_split, groups_crossing
from sftlab.tags import Span


# --- cleaning -----------------------------------------------------------------------------

def test_normalize_text_html_entities_tags_unicode_whitespace():
    raw = "  Great&nbsp;film&amp;score!<br/>Loved   it \u200b\uff01 &lt;3  "
    assert normalize_text(raw) == "Great film&score! Loved it ! <3"


def test_remove_urls():
    assert remove_urls("see https://ex.com/a?b=1 and www.site.org/x now") == "see and now"


@pytest.mark.parametrize("text,english", [
    ("The food was cold and the waiter never came back.", True),
    ("Great value!!", True),
    ("La comida estaba fría y el camarero nunca volvió.", False),
    ("Das Essen war kalt und der Kellner kam nicht zurück.", False),
    ("Le film est très long mais les acteurs sont bons.", False),
    ("Works as a decent urban thriller.", True),
])
def test_language_filter(text, english):
    assert is_english(text) is english


def test_guess_language_names_the_language():
    assert guess_language("O filme é muito bom e eu gostei") == "pt"


def test_clean_records_funnel_counts_every_stage():
    records = [
        {"text": "Loved it, would buy again!", "label": "positive"},
        {"text": "loved it would buy again", "label": "positive"},         # exact duplicate after normalisation
        {"text": "<p>Broke after a week.</p>", "label": "negative"},
        {"text": "Broke after a week", "label": "positive"},                # same text, other label: conflict
        {"text": "   ", "label": "negative"},                               # empty
        {"text": "Es muy malo y no lo recomiendo para nada.", "label": "negative"},  # Spanish
        {"text": "Meh.", "label": "negative"},                              # too short
        {"text": "Battery lasts two days, screen is sharp.", "label": "positive"},
    ]
    kept, funnel = clean_records(records, min_words=2)
    assert funnel == {"collected": 8, "empty": 1, "not English": 1, "shorter than 2 or longer than 150 words": 1,
                      "exact duplicates": 1, "conflicting labels": 2, "kept": 2}
    assert [r["text"] for r in kept] == ["Loved it, would buy again!", "Battery lasts two days, screen is sharp."]
    assert kept[0]["raw_text"] == "Loved it, would buy again!"


# --- dedup --------------------------------------------------------------------------------

def test_dedup_key_and_exact_groups():
    assert dedup_key("Hello, World!") == dedup_key("hello world") == "hello world"
    assert exact_duplicate_groups(["A b.", "c", "a B", "C!", "d"]) == [[0, 2], [1, 3]]


def test_jaccard_hand_computed():
    assert jaccard({1, 2, 3}, {2, 3, 4}) == pytest.approx(2 / 4)
    assert jaccard(set(), set()) == 1.0
    assert shingles("abcdef", 5) == {"abcde", "bcdef"}


def test_minhash_estimates_jaccard():
    a = {f"x{i}" for i in range(100)}
    b = {f"x{i}" for i in range(50, 150)}  # true Jaccard 50/150 = 1/3
    sig = minhash_signatures([a, b], num_perm=512, seed=1)
    estimate = (sig[0] == sig[1]).mean()
    assert abs(estimate - 1 / 3) < 0.06


def test_near_duplicates_are_found_and_verified():
    texts = ["The battery easily lasts two full days of heavy use.",
             "The battery easily lasts two full days of heavy use!!",
             "Battery easily lasts 2 full days of heavy use.",
             "Terrible customer service, never again."]
    pairs = near_duplicate_pairs(texts, threshold=0.6)
    assert {(i, j) for i, j, _ in pairs} == {(0, 1), (0, 2), (1, 2)}
    assert all(s >= 0.6 for _, _, s in pairs)
    assert cluster_ids(4, pairs) == [0, 0, 0, 3]


def test_cross_split_leaks():
    leaks = cross_split_pairs({"train": ["The soup was cold and bland.", "Great phone"],
                               "test": ["the soup was cold and bland", "Awful app"]}, threshold=0.8)
    assert len(leaks) == 1 and {leaks[0]["a"][0], leaks[0]["b"][0]} == {"train", "test"}


# --- splits -------------------------------------------------------------------------------

def test_grouped_split_keeps_groups_whole_and_balances():
    items = list(range(2000))
    groups = [i // 5 for i in items]
    strata = ["pos" if i % 3 else "neg" for i in items]
    parts = grouped_split(items, groups, strata, seed=3)
    assert not groups_crossing({k: [groups[i] for i in v] for k, v in parts.items()})
    assert sorted(i for v in parts.values() for i in v) == items
    for name, share in (("train", 0.7), ("dev", 0.15), ("test", 0.15)):
        assert abs(len(parts[name]) / 2000 - share) < 0.02
        neg = sum(strata[i] == "neg" for i in parts[name]) / len(parts[name])
        assert abs(neg - 1 / 3) < 0.03
    assert parts == grouped_split(items, groups, strata, seed=3)


def test_grouped_split_rejects_bad_input():
    with pytest.raises(ValueError):
        grouped_split([1, 2], [1], None)
    with pytest.raises(ValueError, match="sum to 1"):
        grouped_split([1], [1], None, fractions={"train": 0.5})


# --- agreement ----------------------------------------------------------------------------

def test_cohens_kappa_hand_computed():
    # 10 items: A and B each say p 6 times and n 4 times, and agree on 8.
    a = ["p", "p", "p", "p", "p", "p", "n", "n", "n", "n"]
    b = ["p", "p", "p", "p", "p", "n", "n", "n", "n", "p"]
    p_o, p_e = 0.8, 0.6 * 0.6 + 0.4 * 0.4
    assert cohens_kappa(a, b) == pytest.approx((p_o - p_e) / (1 - p_e)) == pytest.approx(0.28 / 0.48)
    assert cohens_kappa(a, a) == 1.0
    assert cohens_kappa(["x"] * 4, ["x"] * 4) == 1.0
    assert confusion(a, b, ["p", "n"]) == [[5, 1], [1, 3]]


def test_kappa_below_zero_for_systematic_disagreement():
    assert cohens_kappa(["a", "b", "a", "b"], ["b", "a", "b", "a"]) == pytest.approx(-1.0)


def test_compare_spans_every_category():
    reference = [Span(0, 2, "PER"), Span(3, 4, "ORG"), Span(5, 7, "LOC"), Span(8, 10, "MISC"), Span(12, 13, "PER")]
    other = [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(5, 6, "LOC"), Span(8, 9, "ORG"), Span(14, 15, "ORG")]
    kinds = [r["category"] for r in compare_spans(reference, other)]
    assert kinds == ["correct", "type", "boundary", "boundary+type", "missed", "spurious"]


def test_span_prf_hand_computed():
    gold = [[Span(0, 2, "PER"), Span(3, 4, "ORG")], [Span(1, 2, "LOC")]]
    pred = [[Span(0, 2, "PER"), Span(3, 4, "LOC")], [Span(1, 2, "LOC"), Span(4, 5, "LOC")]]
    scores = span_prf(gold, pred)
    assert scores["micro"]["precision"] == pytest.approx(2 / 4)
    assert scores["micro"]["recall"] == pytest.approx(2 / 3)
    assert scores["micro"]["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert scores["LOC"] == {"precision": pytest.approx(1 / 3), "recall": 1.0, "f1": pytest.approx(0.5), "support": 1}
    assert scores["ORG"]["recall"] == 0.0 and scores["PER"]["f1"] == 1.0


def test_ner_agreement_and_adjudication():
    a = [["B-PER", "I-PER", "O", "B-ORG"], ["B-LOC", "O"]]
    b = [["B-PER", "O", "O", "B-LOC"], ["B-LOC", "O"]]
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "O"]]
    result = ner_agreement(a, b)
    assert result["kinds"]["agreed"] == 1 and result["kinds"]["boundary"] == 1 and result["kinds"]["type"] == 1
    assert result["per_type"]["micro"]["f1"] == pytest.approx(1 / 3)
    assert adjudication_outcomes(a, b, gold) == {"A": 1, "B": 1}
    assert math.isclose(category_counts([[Span(0, 1, "X")]], [[]])["missed"], 1)
