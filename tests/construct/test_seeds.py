"""Tests of ``sftlab.construct.seeds``."""

from __future__ import annotations

import random

import pytest

from sftlab.construct.seeds import stratified_sample, with_label_noise, with_wrong_entity_type


def test_seed_sampling_and_label_noise():
    records = [{"text": str(i), "label": "positive" if i % 4 else "negative"} for i in range(400)]
    sample = stratified_sample(records, 40, seed=0)
    assert len(sample) == 40 and sum(r["label"] == "negative" for r in sample) == 10
    noisy = with_label_noise(sample, 0.25, ["negative", "positive"], seed=0)
    changed = [a for a, b in zip(sample, noisy) if a["label"] != b["label"]]
    assert len(changed) == 10 and all(n.get("noisy") for n in noisy if n.get("noisy"))


def test_with_wrong_entity_type_changes_one_type_and_nothing_else():
    example = {
        "tokens": ["Ada", "Lovelace", "visited", "Paris"],
        "tags": ["B-PER", "I-PER", "O", "B-LOC"],
        "label": "ner",
    }
    types = ["LOC", "MISC", "ORG", "PER"]
    for seed in range(20):
        wrong = with_wrong_entity_type(example, types, random.Random(seed))
        start, end, kind, other = wrong["mistyped"]
        assert other != kind and wrong["tokens"] == example["tokens"] and example["tags"][1] == "I-PER"
        changed = [i for i, (a, b) in enumerate(zip(example["tags"], wrong["tags"])) if a != b]
        assert changed == list(range(start, end)) and wrong["tags"][start] == f"B-{other}"
    with pytest.raises(ValueError, match="no entity"):
        with_wrong_entity_type({"tokens": ["hi"], "tags": ["O"]}, types, random.Random(0))
