"""Tests of ``sftlab.construct.audit``."""

from __future__ import annotations

import pytest

from sftlab.construct.audit import audited, intended_label_correct, read_audit
from sftlab.io.errors import DataError
from sftlab.io.paths import data_dir


def test_audit_matches_by_normalised_words(tmp_path):
    path = tmp_path / "audit.tsv"
    path.write_text("text\tlabel\nGreat soup!\tpositive\nCold, rude.\tnegative\n", encoding="utf-8")
    audit = read_audit(path)
    candidates = [{"text": "great SOUP", "label": "positive"}, {"text": "cold rude", "label": "positive"},
                  {"text": "not in the list", "label": "negative"}]
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
