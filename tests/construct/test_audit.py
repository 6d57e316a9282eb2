"""Tests of ``sftlab.construct.audit``."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.construct.audit import (
    audited,
    distinct,
    intended_label_correct,
    kept_minus_rejected,
    read_audit,
    read_labellers,
)
from sftlab.io.errors import DataError
from sftlab.io.paths import data_dir


def test_audit_matches_by_normalised_words(tmp_path):
    path = tmp_path / "audit.tsv"
    path.write_text("text\tlabel\nGreat soup!\tpositive\nCold, rude.\tnegative\n", encoding="utf-8")
    audit = read_audit(path)
    candidates = [
        {"text": "great SOUP", "label": "positive"},
        {"text": "cold rude", "label": "positive"},
        {"text": "not in the list", "label": "negative"},
    ]
    assert [label for _, label in audited(candidates, audit)] == ["positive", "negative"]
    assert [ok for _, ok in intended_label_correct(candidates, audit)] == [True, False]


def test_audit_rejects_two_labels_for_one_text(tmp_path):
    path = tmp_path / "audit.tsv"
    path.write_text("text\tlabel\nGreat soup!\tpositive\ngreat soup\tnegative\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2"):
        read_audit(path)


def test_the_shipped_audit_list_reads():
    audit = read_audit(data_dir() / "construction" / "audit_sentiment.tsv")
    assert len(audit) > 50 and set(audit.values()) <= {"negative", "neutral", "positive"}
    labellers = read_labellers(data_dir() / "construction" / "audit_sentiment.tsv")
    assert labellers.keys() == audit.keys() and set(labellers.values()) == {"person", "AI assistant"}


def test_labellers_are_read_and_unstated_without_their_column(tmp_path):
    path = tmp_path / "audit.tsv"
    path.write_text(
        "text\tlabel\tlabelled_by\nGreat soup!\tpositive\tperson\nCold, rude.\tnegative\tAI assistant\n",
        encoding="utf-8",
    )
    assert read_labellers(path) == {"great soup": "person", "cold rude": "AI assistant"}
    plain = tmp_path / "plain.tsv"
    plain.write_text("text\tlabel\nGreat soup!\tpositive\n", encoding="utf-8")
    assert read_labellers(plain) == {"great soup": "not stated"}


def test_distinct_keeps_the_first_of_each_normalised_text():
    candidates = [{"text": "Great soup!", "n": 1}, {"text": "great SOUP", "n": 2}, {"text": "Cold.", "n": 3}]
    assert [c["n"] for c in distinct(candidates)] == [1, 3]


def test_kept_minus_rejected_is_measured_within_strata():
    # a filter that only tells the strategies apart: it keeps every "good" one and rejects every "bad" one;
    # pooled, kept minus rejected precision would be 1 - 0 = 1, but within a stratum it never both keeps and rejects
    right = [True] * 10 + [False] * 10 + [True, False, True, False]
    keep = [True] * 10 + [False] * 10 + [True, True, False, False]
    strata = ["good"] * 10 + ["bad"] * 10 + ["mixed"] * 4
    result = kept_minus_rejected(right, keep, strata, samples=200)
    assert result["difference"] == 0.0 and result["strata_left_out"] == ["good", "bad"]
    assert result["per_stratum"]["mixed"] == {"gap": 0.0, "kept": "1/2 right", "rejected": "1/2 right"}
    assert result["low"] <= 0 <= result["high"]


def test_kept_minus_rejected_finds_a_useful_filter_and_weights_strata_by_size():
    rng = np.random.default_rng(0)
    right = rng.random(200) < 0.5
    keep = np.where(rng.random(200) < 0.9, right, ~right)  # the filter agrees with the truth 90% of the time
    strata = np.where(np.arange(200) < 150, "lm", "rule")
    result = kept_minus_rejected(right, keep, strata, samples=300, seed=1)
    assert result["low"] > 0.5 and result["strata_left_out"] == []
    gaps = {name: s["gap"] for name, s in result["per_stratum"].items()}
    assert np.isclose(result["difference"], (150 * gaps["lm"] + 50 * gaps["rule"]) / 200)
    with pytest.raises(ValueError, match="no stratum has both"):
        kept_minus_rejected([True, False], [True, True], ["a", "a"])
