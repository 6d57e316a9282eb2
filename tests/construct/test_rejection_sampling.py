"""Tests of rejection sampling with the instruction checkers as the evaluator (on a tiny random Llama)."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.construct.rejection_sampling import (
    PARAPHRASE_REQUEST,
    Samples,
    generated_set_card,
    kept_replies,
    model_paraphrases,
    pass_at_k_curve,
    sample_replies,
    tune_on_replies,
)
from sftlab.data.verifiable import make_prompts
from sftlab.evaluate.instruction_following import follows, pass_at_k
from sftlab.train.inference import generate_replies
from sftlab.train.instruction_tuning import encode_chats
from sftlab.train.training import TrainConfig
from tests.conftest import random_llama


@pytest.fixture(scope="module")
def tiny_llama(smollm2_tokenizer):
    return random_llama(smollm2_tokenizer).eval(), smollm2_tokenizer


PROMPTS = make_prompts(["coffee", "the ocean"], ["no_commas", "keyword", "lowercase"])


def _samples(replies: list[list[str]], prompts=PROMPTS, finished=None) -> Samples:
    passed = np.array(
        [[all(follows(r, c) for c in p["constraints"]) for r in row] for p, row in zip(prompts, replies, strict=True)]
    )
    ended = np.ones(passed.shape, dtype=bool) if finished is None else np.array(finished, dtype=bool)
    return Samples(list(prompts), replies, passed, np.full(passed.shape, 10), ended)


def test_sampled_replies_are_verified_by_the_checkers_and_repeat_with_the_seed(tiny_llama):
    model, tokenizer = tiny_llama
    samples = sample_replies(model, tokenizer, PROMPTS[:3], 2, temperature=1.0, top_p=0.95, max_new_tokens=6, seed=1)
    assert samples.passed.shape == samples.tokens.shape == samples.finished.shape == (3, 2) and samples.k == 2
    assert ((samples.tokens == 6) | samples.finished).all()  # a reply not ended by the model used the whole limit
    for prompt, replies, passed in zip(samples.prompts, samples.replies, samples.passed, strict=True):
        assert [all(follows(r, c) for c in prompt["constraints"]) for r in replies] == passed.tolist()
    assert ((samples.tokens >= 1) & (samples.tokens <= 7)).all()
    again = sample_replies(model, tokenizer, PROMPTS[:3], 2, temperature=1.0, top_p=0.95, max_new_tokens=6, seed=1)
    assert again.replies == samples.replies
    with pytest.raises(ValueError, match="k must be at least 1"):
        sample_replies(model, tokenizer, PROMPTS, 0, temperature=1.0, top_p=1.0, max_new_tokens=4)


def test_pass_at_k_curve_is_the_mean_of_the_per_prompt_estimates():
    replies = [["no commas", "a, b", "x, y"]] + [["A, B"] * 3] * 5  # prompt 0 passes 1 of 3; the rest never pass
    samples = _samples(replies)
    curve = pass_at_k_curve(samples)
    assert list(curve) == [1, 2, 3]
    for k, value in curve.items():
        assert value == pytest.approx(pass_at_k(3, 1, k) / 6)
    assert curve[3] == pytest.approx(1 / 6)


def test_kept_replies_are_verified_and_distinct_within_a_prompt():
    replies = [
        ["No commas here", "no  commas HERE", "with, comma"],  # no_commas: the first two are one reply
        ["coffee", "coffee", "coffee"],  # keyword (simple/people/...) never passes
        ["all lower", "ALL", "all lower"],  # lowercase
        ["X, Y"] * 3,
        ["X, Y"] * 3,
        ["X, Y"] * 3,
    ]
    samples = _samples(replies)
    kept = kept_replies(samples)
    assert [(r["prompt"]["types"], r["reply"]) for r in kept] == [
        (["no_commas"], "No commas here"),
        (["lowercase"], "all lower"),
    ]
    assert kept[0]["messages"][-1] == {"role": "assistant", "content": "No commas here"}
    everything = kept_replies(samples, verified=False)
    assert len(everything) == 2 + 1 + 2 + 1 + 1 + 1
    card = generated_set_card(samples, kept, ["no_commas", "keyword", "lowercase"])
    assert card["per_type"]["no_commas"] == {"prompts": 2, "samples": 6, "passed": 2, "prompts_verified": 1, "kept": 1}
    assert card["types_without_data"] == ["keyword"]
    assert card["kept"] == 2 and card["generated_tokens"] == 180 and card["tokens_per_kept"] == 90
    assert card["cut_off"] == card["verified_cut_off"] == 0


def test_replies_cut_off_by_the_token_limit_are_not_kept():
    replies = [["No commas here", "no commas but cut", "with, comma"]] + [["X, Y"] * 3] * 5
    finished = [[True, False, False]] + [[True] * 3] * 5
    samples = _samples(replies, finished=finished)
    assert [r["reply"] for r in kept_replies(samples)] == ["No commas here"]
    assert [r["reply"] for r in kept_replies(samples, complete=False)] == ["No commas here", "no commas but cut"]
    card = generated_set_card(samples, kept_replies(samples), ["no_commas"])
    assert card["cut_off"] == 2 and card["verified_cut_off"] == 1


def test_tuning_needs_records_and_trains_on_the_replies(tiny_llama):
    import copy

    model, tokenizer = tiny_llama
    config = TrainConfig(epochs=1, batch_size=2, lr=1e-3, patience=None, progress=False)
    with pytest.raises(ValueError, match="no prompt got a verified reply"):
        tune_on_replies(copy.deepcopy(model), tokenizer, [], PROMPTS[:1], config, max_new_tokens=4)
    kept = kept_replies(_samples([["No commas here"]] + [["A, B"]] * 5))
    (feature,) = encode_chats(kept, tokenizer)
    targets = [t for t in feature["labels"] if t != -100]
    assert tokenizer.decode(targets).startswith("No commas here<|im_end|>")  # the loss is on the reply only
    result = tune_on_replies(copy.deepcopy(model), tokenizer, kept, PROMPTS[:2], config, max_new_tokens=4)
    assert result.steps == 1 and "dev_prompt_level" in result.history[0]


def test_model_paraphrases_are_the_greedy_replies_to_the_rewording_request(tiny_llama):
    model, tokenizer = tiny_llama
    texts = model_paraphrases(model, tokenizer, PROMPTS[:3], max_new_tokens=5)
    assert len(texts) == 3 and all(isinstance(t, str) for t in texts)
    assert model_paraphrases(model, tokenizer, PROMPTS[:3], max_new_tokens=5) == texts  # greedy: it repeats
    request = [{"role": "user", "content": PARAPHRASE_REQUEST.format(prompt=PROMPTS[0]["prompt"])}]
    assert texts[0] == generate_replies(model, tokenizer, [request], max_new_tokens=5)[0].text
