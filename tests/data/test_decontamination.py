"""Tests of ``sftlab.data.decontamination``."""

from __future__ import annotations

import pytest

from sftlab.data.decontamination import decontaminate, find_contamination

PROTECTED = ["The battery lasts two full days and charges fast.", "Worst pizza I have had in years."]


def test_exact_and_near_copies_of_protected_texts_are_found():
    candidates = [
        "the battery lasts two full days, and charges fast!",  # same words: exact
        "The battery lasts two full days and charges fast!!! Love it",  # an edit: near
        "A lovely quiet cafe with good coffee.",
    ]
    found = find_contamination(candidates, PROTECTED, threshold=0.7)
    assert [(m["index"], m["match"], m["kind"]) for m in found] == [(0, 0, "exact"), (1, 0, "near")]
    assert found[0]["jaccard"] == 1.0 and 0.7 <= found[1]["jaccard"] < 1.0


def test_decontaminate_removes_and_counts():
    records = [{"text": t, "label": "x"} for t in ["Worst pizza I have had in years", "Fine.", PROTECTED[0]]]
    kept, removed, counts = decontaminate(records, PROTECTED)
    assert [r["text"] for r in kept] == ["Fine."]
    assert [r["contamination"]["match"] for r in removed] == [1, 0]
    assert counts == {"checked": 3, "exact": 2, "near": 0, "kept": 1}


def test_threshold_is_checked_and_empty_inputs_are_fine():
    with pytest.raises(ValueError, match="threshold"):
        find_contamination(["a"], ["b"], threshold=0)
    assert find_contamination([], PROTECTED) == [] and find_contamination(["a b c"], []) == []
