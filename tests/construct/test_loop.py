"""Tests of ``sftlab.construct.loop``."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.construct.filters import (
    DuplicateFilter,
)
from sftlab.construct.loop import cost_by_strategy, distinct_n, mean_pairwise_distance, run_construction
from tests.construct.conftest import POOL


class FixedGenerator:
    name = "stub"

    def __init__(self, texts):
        self.texts = texts

    def generate(self, pool, n, rng):
        return [{"text": t, "label": "positive"} for t in self.texts[:n]]


def test_loop_stops_on_target_floor_or_rounds():
    novel = [f"Completely different review number {w} about the lovely terrace." for w in "abcdefghij"]
    reached = run_construction(
        POOL,
        [(FixedGenerator(novel), 5)],
        [DuplicateFilter()],
        target_size=10,
        max_rounds=5,
        min_acceptance=0.1,
        progress=False,
    )
    assert reached.stopped.startswith("target size 10") and len(reached.pool) == 13
    dry = run_construction(
        POOL,
        [(FixedGenerator([POOL[0]["text"]]), 3)],
        [DuplicateFilter()],
        target_size=100,
        max_rounds=5,
        min_acceptance=0.2,
        progress=False,
    )
    assert dry.stopped.startswith("acceptance 0.00 below") and len(dry.rounds) == 1
    rounds = run_construction(
        POOL,
        [(FixedGenerator(novel), 1)],
        [DuplicateFilter()],
        target_size=100,
        max_rounds=2,
        min_acceptance=0.0,
        progress=False,
    )
    assert rounds.stopped == "2 rounds done" and [r["accepted"] for r in rounds.rounds] == [1, 0]
    row = reached.rounds[0]
    assert row["generated"] == 5 and row["rejected: duplicate"] == 0 and row["pool"] == 13
    assert len(reached.generated) == 5 and all(e["round"] == 1 for e in reached.generated)


def test_diversity_measures():
    assert distinct_n(["a b a b"], 1) == 0.5 and distinct_n(["a b c"], 2) == 1.0
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert mean_pairwise_distance(vectors) == pytest.approx(1.0)


def test_cost_by_strategy_divides_by_accepted_examples():
    log = [
        {
            "strategy": "lm",
            "accepted": True,
            "generation_seconds": 1.0,
            "filter_seconds": 0.5,
            "prompt_tokens": 30,
            "generated_tokens": 10,
        },
        {
            "strategy": "lm",
            "accepted": False,
            "generation_seconds": 1.0,
            "filter_seconds": 0.5,
            "prompt_tokens": 30,
            "generated_tokens": 10,
        },
        {"strategy": "rule", "accepted": False, "generation_seconds": 0.01, "filter_seconds": 0.02},
    ]
    lm, rule = cost_by_strategy(log)
    assert lm["strategy"] == "lm" and lm["candidates"] == 2 and lm["accepted"] == 1
    assert lm["s per accepted"] == pytest.approx(3.0) and lm["LM tokens per accepted"] == 80
    assert rule["s per accepted"] == float("inf") and rule["generation s"] == pytest.approx(0.01)
