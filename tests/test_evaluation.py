"""Metric helpers of notebook 07 against hand-computed values (and against seqeval where they should agree)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from sftlab import calibration, conlleval, error_analysis, robustness, significance
from sftlab.conll import Sentence
from sftlab.metrics import classification_scores, entity_counts, entity_scores, f1_from_counts, token_accuracy
from sftlab.tags import Span

from conftest import ROOT


# --- conlleval ------------------------------------------------------------------------------

def test_conlleval_hand_computed_counts_and_report():
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O"], ["B-ORG", "O"]]
    guess = [["B-PER", "I-PER", "O", "B-ORG", "O"], ["B-ORG", "B-MISC"]]
    # 3 gold phrases, 4 guessed, 2 correct (PER, ORG in sentence 2); 5 of 7 tags right
    s = conlleval.evaluate(gold, guess)
    assert (s["tokens"], s["phrases"], s["found"], s["correct"]) == (7, 3, 4, 2)
    assert s["accuracy"] == pytest.approx(100 * 5 / 7)
    assert s["precision"] == pytest.approx(50.0) and s["recall"] == pytest.approx(200 / 3)
    assert s["per_type"]["ORG"] == {"precision": 50.0, "recall": 100.0, "fb1": pytest.approx(200 / 3), "found": 2}
    assert s["per_type"]["LOC"]["recall"] == 0.0 and s["per_type"]["MISC"]["found"] == 1
    lines = conlleval.report(gold, guess).splitlines()
    assert lines[0] == "processed 7 tokens with 3 phrases; found: 4 phrases; correct: 2."
    assert lines[1] == "accuracy:  71.43%; precision:  50.00%; recall:  66.67%; FB1:  57.14"
    assert lines[2] == "              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0"
    assert [l.split(":")[0].strip() for l in lines[2:]] == ["LOC", "MISC", "ORG", "PER"]


def test_conlleval_reads_iob1():
    # IOB1: I- starts an entity; B- only separates two adjacent entities of the same type
    gold = [["I-PER", "I-PER", "B-PER", "O", "I-LOC"]]
    assert conlleval.evaluate(gold, gold)["fb1"] == 100.0
    assert conlleval.evaluate(gold, gold)["phrases"] == 3
    assert conlleval.evaluate(gold, [["B-PER", "I-PER", "B-PER", "O", "B-LOC"]])["correct"] == 3


def test_conlleval_boundary_and_type_errors():
    gold = [["B-ORG", "I-ORG", "I-ORG", "O"]]
    assert conlleval.evaluate(gold, [["B-ORG", "I-ORG", "O", "O"]])["correct"] == 0       # too short
    assert conlleval.evaluate(gold, [["B-ORG", "I-ORG", "I-ORG", "I-ORG"]])["correct"] == 0  # too long
    assert conlleval.evaluate(gold, [["B-LOC", "I-LOC", "I-LOC", "O"]])["correct"] == 0  # wrong type
    split = conlleval.evaluate(gold, [["B-ORG", "B-ORG", "I-ORG", "O"]])
    assert split["found"] == 2 and split["correct"] == 0


def test_conlleval_reads_iobes():
    gold = [["S-PER", "O", "B-LOC", "E-LOC"]]
    assert conlleval.evaluate(gold, gold)["phrases"] == 2 and conlleval.evaluate(gold, gold)["fb1"] == 100.0


def test_conlleval_agrees_with_seqeval_default_mode_on_random_tags():
    rng = random.Random(0)
    tags = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"]
    gold = [[rng.choice(tags) for _ in range(rng.randint(1, 12))] for _ in range(300)]
    guess = [[rng.choice(tags) if rng.random() < 0.4 else t for t in sentence] for sentence in gold]
    assert conlleval.evaluate(gold, guess)["fb1"] / 100 == pytest.approx(entity_scores(gold, guess, strict=False)["f1"])


def test_hyphenated_types_are_kept_whole():
    s = conlleval.evaluate([["B-geo-loc", "I-geo-loc"]], [["B-geo-loc", "I-geo-loc"]])
    assert list(s["per_type"]) == ["geo-loc"]


# --- other metrics --------------------------------------------------------------------------

def test_token_accuracy_vs_entity_f1_for_all_o():
    gold = [["O", "O", "B-PER", "O"] * 5]
    all_o = [["O"] * 20]
    assert token_accuracy(gold, all_o) == pytest.approx(0.75) and entity_scores(gold, all_o)["f1"] == 0.0


def test_fast_strict_f1_from_counts_equals_seqeval_strict():
    rng = random.Random(3)
    tags = ["O", "O", "B-PER", "I-PER", "I-LOC", "B-LOC", "I-ORG"]
    for _ in range(50):
        gold = [[rng.choice(tags) for _ in range(rng.randint(1, 10))] for _ in range(15)]
        guess = [[rng.choice(tags) if rng.random() < 0.5 else t for t in s] for s in gold]
        assert f1_from_counts(entity_counts(gold, guess)) == pytest.approx(entity_scores(gold, guess)["f1"], abs=1e-12)
    assert entity_counts([["B-PER", "I-PER", "O"]], [["I-PER", "I-PER", "O"]]).tolist() == [[0, 0, 1]]


def test_strict_mode_rejects_ill_formed_entities():
    gold, pred = [["B-PER", "I-PER"]], [["I-PER", "I-PER"]]
    assert entity_scores(gold, pred, strict=False)["f1"] == 1.0 and entity_scores(gold, pred, strict=True)["f1"] == 0.0


def test_classification_scores_hand_computed():
    s = classification_scores(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert s["accuracy"] == 0.75 and s["confusion"] == [[1, 1], [0, 2]]
    assert s["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)


def test_error_analysis_table_and_html():
    classified = error_analysis.classify([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "O", "O", "B-ORG"]])
    table = error_analysis.table_by_type(classified)
    assert table["PER"]["boundary"] == 1 and table["LOC"]["type"] == 1
    assert error_analysis.errors_per_sentence(classified) == [2]
    html = error_analysis.spans_html(["Ada", "<b>", "Paris"], [Span(0, 1, "PER"), Span(2, 3, "LOC")])
    assert "&lt;b&gt;" in html and html.count("<mark") == 2


# --- calibration ----------------------------------------------------------------------------

def test_ece_hand_computed():
    probabilities = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    labels = np.array([0, 1, 0, 0])
    # bin (0.8, 0.9]: confidence 0.9, accuracy 0.5; bin (0.5, 0.6]: confidence 0.6, accuracy 1.0
    assert calibration.expected_calibration_error(probabilities, labels) == pytest.approx(0.5 * 0.4 + 0.5 * 0.4)


def test_temperature_scaling_fixes_overconfidence_without_changing_predictions():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 2000)
    x = np.where(labels == 1, 1.0, -1.0) + rng.normal(0, 1, 2000)
    # x is ±1 plus unit noise, so the calibrated log-odds are 2x; logits of 4x are twice too confident
    overconfident = np.stack([np.zeros(2000), 4 * x], 1)
    temperature = calibration.fit_temperature(overconfident, labels)
    assert 1.7 < temperature < 2.3
    before = calibration.apply_temperature(overconfident, 1.0)
    after = calibration.apply_temperature(overconfident, temperature)
    assert (before.argmax(1) == after.argmax(1)).all()
    assert calibration.expected_calibration_error(after, labels) < calibration.expected_calibration_error(before, labels)
    assert calibration.negative_log_likelihood(after, labels) < calibration.negative_log_likelihood(before, labels)


# --- significance ---------------------------------------------------------------------------

def test_mcnemar_hand_computed():
    # 8 examples only A gets right, 2 only B: exact two-sided p = 2·P(X <= 2), X ~ Bin(10, 1/2) = 2·56/1024
    a = [True] * 8 + [False] * 2 + [True] * 5
    b = [False] * 8 + [True] * 2 + [True] * 5
    result = significance.mcnemar(a, b)
    assert (result["only_a"], result["only_b"]) == (8, 2) and result["p_value"] == pytest.approx(112 / 1024)
    assert significance.mcnemar([True], [True])["p_value"] == 1.0


def test_bootstrap_interval_contains_the_estimate_and_shrinks_with_n():
    rng = np.random.default_rng(1)
    small, large = rng.random(100) < 0.7, rng.random(2000) < 0.7
    point, low, high = significance.bootstrap_ci(lambda idx: float(np.mean(small[idx])), 100, samples=500)
    assert low <= point <= high and 0.1 < high - low < 0.25
    _, low2, high2 = significance.bootstrap_ci(lambda idx: float(np.mean(large[idx])), 2000, samples=500)
    assert high2 - low2 < (high - low) / 2


def test_paired_bootstrap_detects_a_real_difference_and_not_a_null_one():
    rng = np.random.default_rng(2)
    a = rng.random(500) < 0.85
    b = rng.random(500) < 0.70
    strong = significance.paired_bootstrap(lambda i: float(np.mean(a[i])), lambda i: float(np.mean(b[i])), 500, samples=500)
    assert strong["difference"] > 0 and strong["p_value"] < 0.01
    same = significance.paired_bootstrap(lambda i: float(np.mean(a[i])), lambda i: float(np.mean(a[i])), 500, samples=200)
    assert same["p_value"] == 1.0


# --- robustness -----------------------------------------------------------------------------

def test_robustness_perturbations_keep_tags_aligned():
    sentences = [Sentence(["Ada", "Lovelace", "visited", "Paris", "yesterday"], ["B-PER", "I-PER", "O", "B-LOC", "O"])]
    assert robustness.lower_case(sentences)[0].tokens[0] == "ada"
    typoed = robustness.with_typos(sentences, rate=1.0, seed=0)[0]
    assert typoed.tags == sentences[0].tags and typoed.tokens != sentences[0].tokens
    names = {"PER": [["Kofi", "Annan", "Mensah"]], "LOC": [["Qarsun"]]}
    swapped = robustness.swap_entities(sentences, names)[0]
    assert swapped.tokens == ["Kofi", "Annan", "Mensah", "visited", "Qarsun", "yesterday"]
    assert swapped.tags == ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "O"]


def test_unseen_entity_list_reads_and_filters():
    names = robustness.read_unseen_entities(ROOT / "data" / "robustness" / "unseen_entities.tsv")
    assert set(names) == {"PER", "ORG", "LOC", "MISC"} and all(len(v) >= 10 for v in names.values())
    filtered = robustness.unseen_in(names, [Sentence(["Port", "Ashcombe"], ["B-LOC", "I-LOC"])])
    assert ["Port", "Ashcombe"] not in filtered["LOC"] and len(filtered["LOC"]) == len(names["LOC"]) - 1


def test_typo_only_edits_long_alphabetic_words():
    rng = random.Random(0)
    assert robustness.typo("a1b2", rng) == "a1b2" and robustness.typo("cat", rng) == "cat"
    assert robustness.typo("wonderful", rng) != "wonderful"
