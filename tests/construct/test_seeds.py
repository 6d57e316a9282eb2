"""Tests of ``sftlab.construct.seeds``."""

from __future__ import annotations

from sftlab.construct.seeds import stratified_sample, with_label_noise


def test_seed_sampling_and_label_noise():
    records = [{"text": str(i), "label": "positive" if i % 4 else "negative"} for i in range(400)]
    sample = stratified_sample(records, 40, seed=0)
    assert len(sample) == 40 and sum(r["label"] == "negative" for r in sample) == 10
    noisy = with_label_noise(sample, 0.25, ["negative", "positive"], seed=0)
    changed = [a for a, b in zip(sample, noisy) if a["label"] != b["label"]]
    assert len(changed) == 10 and all(n.get("noisy") for n in noisy if n.get("noisy"))
