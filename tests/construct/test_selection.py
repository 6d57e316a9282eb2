"""Tests of the selection rules: IFD against a direct computation, k-center greedy against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from sftlab.construct.selection import RULES, covering_radius, ifd_scores, k_center_greedy, reply_losses, select
from sftlab.data.verifiable import chat, make_prompts
from tests.conftest import random_llama


@pytest.fixture(scope="module")
def tiny_llama(smollm2_tokenizer):
    return random_llama(smollm2_tokenizer).eval(), smollm2_tokenizer


PROMPTS = make_prompts(["coffee", "the ocean"], ["no_commas", "keyword"])
REPLIES = ["Short.", "A much longer reply about the sea here", "Two words", "One more reply with some words"]
RECORDS = [{"prompt": p, "reply": reply} for p, reply in zip(PROMPTS, REPLIES, strict=True)]


def _direct_loss(model, ids: list[int], context: int) -> float:
    """Mean NLL of ids[context:], one example alone, no padding: the two passes written out."""
    with torch.no_grad():
        log_probs = torch.log_softmax(model(input_ids=torch.tensor([ids])).logits[0].float(), -1)
    return float(-np.mean([log_probs[t - 1, ids[t]].item() for t in range(context, len(ids))]))


def test_ifd_equals_two_direct_forward_passes_per_reply(tiny_llama):
    model, tokenizer = tiny_llama
    start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    expected = []
    for record in RECORDS:
        reply = tokenizer(record["reply"], add_special_tokens=False)["input_ids"]
        rendered = tokenizer.apply_chat_template(chat(record["prompt"]), tokenize=False, add_generation_prompt=True)
        prompt = tokenizer(rendered, add_special_tokens=False)["input_ids"]
        given = _direct_loss(model, prompt + reply, len(prompt))
        alone = _direct_loss(model, [start] + reply, 1)
        expected.append(given / alone)
    got = ifd_scores(model, tokenizer, RECORDS, batch_size=3)  # padded batches of unequal lengths
    assert got == pytest.approx(expected, rel=1e-4)
    assert reply_losses(model, tokenizer, RECORDS[:1], conditioned=False) > 0


def test_k_center_greedy_is_within_twice_the_best_radius_found_by_brute_force():
    rng = np.random.default_rng(0)
    for trial in range(5):
        points = rng.normal(size=(9, 2))
        for budget in (1, 2, 3, 4):
            greedy = k_center_greedy(points, budget, first=trial % 9)
            assert len(set(greedy)) == budget
            best = min(covering_radius(points, subset) for subset in itertools.combinations(range(9), budget))
            assert best <= covering_radius(points, greedy) <= 2 * best + 1e-12


def test_k_center_greedy_picks_the_farthest_point_each_time():
    points = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [5.0, 0.0]])
    assert k_center_greedy(points, 3, first=0) == [0, 2, 3]
    with pytest.raises(ValueError, match="budget 5 needs 1 to 4 points"):
        k_center_greedy(points, 5)


def test_each_rule_picks_its_budget_and_a_small_pool_is_an_error_naming_both():
    everything = RECORDS + [{"prompt": PROMPTS[0], "reply": "Bad, reply"}]
    verified = RECORDS
    ifd = np.array([0.5, 0.9, 0.7, 0.1])
    embeddings = np.array([[0.0, 0.0], [0.0, 0.1], [5.0, 5.0], [0.1, 0.0]])
    picked = {rule: select(rule, everything, verified, 2, seed=1, ifd=ifd, embeddings=embeddings) for rule in RULES}
    assert all(len(p) == 2 for p in picked.values())
    assert [r["reply"] for r in picked["verified, highest IFD"]] == [RECORDS[1]["reply"], RECORDS[2]["reply"]]
    assert [r["reply"] for r in picked["verified, longest"]] == [RECORDS[1]["reply"], RECORDS[3]["reply"]]
    assert RECORDS[2] in picked["verified, most diverse"]  # the far-away prompt is always among two centres
    assert select("verified, random", everything, verified, 2, seed=1) == picked["verified, random"]  # seeded
    with pytest.raises(ValueError, match="budget 5 is larger than the pool of 4 verified replies"):
        select("verified, random", everything, verified, 5)
    with pytest.raises(ValueError, match="budget 6 is larger than the pool of 5 replies"):
        select("unverified", everything, verified, 6)
    with pytest.raises(ValueError, match="unknown selection rule"):
        select("shortest", everything, verified, 1)
