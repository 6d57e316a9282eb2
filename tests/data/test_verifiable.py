"""Tests of the verifiable prompts and their splits by topic and by constraint type."""

from __future__ import annotations

import pytest

from sftlab.data.dedup import jaccard, shingles
from sftlab.data.verifiable import (
    CONSTRAINT_TYPES,
    INSTRUCTIONS,
    REWORDED_INSTRUCTIONS,
    REWORDED_TASKS,
    TASKS,
    TOPICS,
    chat,
    constraint,
    instruction_text,
    keeps_instructions,
    make_prompts,
    reworded,
    split_prompts,
    split_topics,
)


def test_prompts_are_topics_times_types_with_the_instruction_stated():
    prompts = make_prompts(["the ocean", "coffee"], ["keyword", "no_commas"])
    assert len(prompts) == 4
    assert [p["types"] for p in prompts] == [["keyword"], ["no_commas"]] * 2
    for p in prompts:
        assert p["topic"] in p["prompt"] and instruction_text(p["constraints"][0]) in p["prompt"]
    assert chat(prompts[0]) == [{"role": "user", "content": prompts[0]["prompt"]}]
    assert chat(prompts[0], "ok")[-1] == {"role": "assistant", "content": "ok"}


def test_the_same_topic_and_type_give_the_same_prompt_in_any_list():
    alone = make_prompts(["coffee"], ["keyword"])[0]
    among = [
        p
        for p in make_prompts(["the ocean", "coffee"], list(CONSTRAINT_TYPES))
        if p["topic"] == "coffee" and p["types"] == ["keyword"]
    ][0]
    assert alone == among


def test_splits_share_no_topic_and_hold_types_out_of_training():
    held_out = ["sentences", "starts_with", "capitals"]
    splits = split_prompts(10, 2, 5, held_out, seed=3)
    topics = {name: {p["topic"] for p in prompts} for name, prompts in splits.items()}
    assert len(topics["train"]) == 10 and len(topics["dev"]) == 2 and len(topics["test_topics"]) == 5
    assert not topics["train"] & topics["dev"] and not topics["train"] & topics["test_topics"]
    assert not topics["dev"] & topics["test_topics"] and topics["test_types"] == topics["test_topics"]
    trained = {t for p in splits["train"] for t in p["types"]}
    assert trained == set(CONSTRAINT_TYPES) - set(held_out) == {t for p in splits["test_topics"] for t in p["types"]}
    assert {t for p in splits["test_types"] for t in p["types"]} == set(held_out)
    assert split_prompts(10, 2, 5, held_out, seed=3) == splits  # seeded


def test_bad_sizes_and_types_are_errors_that_name_them():
    with pytest.raises(ValueError, match=f"only {len(TOPICS)} topics"):
        split_topics([len(TOPICS), 1])
    with pytest.raises(ValueError, match="rhyme"):
        split_prompts(2, 1, 1, ["rhyme"])
    with pytest.raises(ValueError, match="unknown constraint type 'rhyme'"):
        constraint("rhyme")


def test_a_reworded_prompt_keeps_topic_and_constraints_in_other_words():
    assert set(REWORDED_TASKS) == set(TASKS) and set(REWORDED_INSTRUCTIONS) == set(INSTRUCTIONS)
    for prompt in make_prompts(["the ocean", "honey bees", "coffee"], CONSTRAINT_TYPES):
        other = reworded(prompt)
        assert other["constraints"] == prompt["constraints"] and other["topic"] == prompt["topic"]
        assert other["original"] == prompt["prompt"] and other["prompt"] != prompt["prompt"]
        assert keeps_instructions(prompt["prompt"], prompt) and keeps_instructions(other["prompt"], prompt)
        assert jaccard(shingles(other["prompt"]), shingles(prompt["prompt"])) < 0.5


def test_a_rewording_that_loses_the_topic_a_parameter_or_the_instruction_is_not_kept():
    keyword, commas, limit = make_prompts(["honey bees"], ["keyword", "no_commas", "word_limit"])
    word = keyword["constraints"][0]["keyword"]
    assert keeps_instructions(f'Say something about BEES and use "{word.upper()}".', keyword)  # case ignored
    assert not keeps_instructions(f'Say something and use "{word}".', keyword)  # the topic is lost
    assert not keeps_instructions("Say something about bees.", keyword)  # the keyword is lost
    assert keeps_instructions("Tell me about bees without a single comma.", commas)
    assert not keeps_instructions("Tell me about bees without any punctuation.", commas)  # no word names it
    limit_words = limit["constraints"][0]["max_words"]
    assert keeps_instructions(f"Bees, in under {limit_words} words.", limit)
    assert not keeps_instructions(f"Bees, in under {limit_words + 1} words.", limit)
