"""Tests of the instruction checkers, IFEval's strict accuracies and pass@k."""

from __future__ import annotations

import itertools

import pytest

from sftlab.data.verifiable import CONSTRAINT_TYPES, constraint
from sftlab.evaluate.instruction_following import (
    CHECKERS,
    accuracy_by_type,
    bullet_lines,
    follows,
    pass_at_k,
    prompt_passes,
    split_sentences,
    strict_accuracy,
    wilson_interval,
)

# (constraint, replies that follow it, replies that do not), written by hand, edge cases included
CASES = [
    (
        {"type": "word_limit", "max_words": 5},
        ["Bees make honey.", "Short answer here.  \n", "It's well-known, really."],
        ["One two three four five.", "", "Bees make honey from the nectar of flowers."],
    ),
    (
        {"type": "lowercase"},
        ["bees make honey.", "all lower case, even ünïcode.\n"],
        ["Bees make honey.", "", "123 456", "bees ÄRE"],
    ),
    ({"type": "capitals"}, ["BEES MAKE HONEY.", "THE SUN, 2024!  "], ["BEES make honey.", "", "...", "ÉTÉ is Summer"]),
    (
        {"type": "keyword", "keyword": "water"},
        ["Drink Water daily.", "water", "Is it water?"],
        ["Waterfalls are tall.", "", "wat er"],
    ),
    ({"type": "no_commas"}, ["No commas here.", "Just words  \n"], ["One, two.", "", "中文，逗号"]),
    (
        {"type": "bullets", "bullets": 3},
        ["- a\n- b\n- c", "Intro:\n* a\n* b\n* c\n", "  - a\n  - b\n  - c  "],
        ["- a\n- b", "- a\n- b\n- c\n- d", "-a\n-b\n-c", "a - b - c"],
    ),
    (
        {"type": "quoted"},
        ['"Bees make honey."', '  "Bees."\n', "“Bees make honey.”"],
        ['Bees "make" honey.', '"', "Bees."],
    ),
    (
        {"type": "json", "key": "answer"},
        ['{"answer": "yes"}', '```json\n{"answer": 1}\n```', ' {"answer": null, "x": 2} \n'],
        ['{"reply": "yes"}', '["answer"]', "answer: yes", '```json\n{"answer": 1\n```', '{"answer": "yes"} and more'],
    ),
    (
        {"type": "ending", "ending": "That is all."},
        ["Bees make honey. That is all.", "That is all.  \n"],
        ["That is all. Bees make honey.", "Bees make honey. That is all", ""],
    ),
    (
        {"type": "sentences", "sentences": 2},
        ["Bees fly. They make honey!", "Is it? Yes.\n"],
        ["Bees fly.", "Bees fly. They make honey. The end.", ""],
    ),
    (
        {"type": "starts_with", "first": "Yes"},
        ["Yes, bees make honey.", "  yes it is", "Yes"],
        ["Yesterday bees flew.", "Well, yes.", ""],
    ),
]


@pytest.mark.parametrize("item,passing,failing", CASES, ids=[c[0]["type"] for c in CASES])
def test_each_checker_on_hand_written_passing_and_failing_replies(item, passing, failing):
    for reply in passing:
        assert follows(reply, item), f"{item['type']} should accept {reply!r}"
    for reply in failing:
        assert not follows(reply, item), f"{item['type']} should reject {reply!r}"


def test_every_constraint_type_has_a_checker_and_hand_written_cases():
    assert set(CHECKERS) == set(CONSTRAINT_TYPES) == {c[0]["type"] for c in CASES}
    assert len(CONSTRAINT_TYPES) >= 10
    for kind in CONSTRAINT_TYPES:  # the parameters the prompts use are the ones the checkers take
        assert isinstance(follows("Some reply.", constraint(kind, 3)), bool)


@pytest.mark.parametrize("reply", ["\x00\x01", "{" * 5000, "[" * 100_000, "\ud800", "```", "   ", "\n\n"])
def test_a_checker_never_crashes_on_odd_text(reply):
    for kind in CONSTRAINT_TYPES:
        assert follows(reply, constraint(kind)) in (True, False)


def test_a_raising_checker_counts_the_reply_as_failing(monkeypatch):
    def broken(reply):
        raise ValueError("odd text")

    monkeypatch.setitem(CHECKERS, "lowercase", broken)
    assert follows("anything", {"type": "lowercase"}) is False


def test_helpers_count_sentences_and_bullets():
    assert split_sentences("One. Two!  Three?") == ["One.", "Two!", "Three?"]
    assert split_sentences("Pi is 3.14 today.") == ["Pi is 3.14 today."]
    assert bullet_lines("- a\ntext\n* b\n**bold**") == ["- a", "* b"]


def test_strict_accuracy_prompt_and_instruction_level_as_ifeval_defines_them():
    prompts = [
        {"constraints": [{"type": "lowercase"}, {"type": "no_commas"}], "types": ["lowercase", "no_commas"]},
        {"constraints": [{"type": "no_commas"}], "types": ["no_commas"]},
    ]
    replies = ["all lower, but a comma", "No commas"]
    # prompt 1: lowercase yes, commas no -> prompt fails; prompt 2 passes: prompt level 1/2; instructions 2/3
    assert strict_accuracy(prompts, replies) == {"prompt_level": 0.5, "instruction_level": pytest.approx(2 / 3)}
    assert prompt_passes(prompts, replies).tolist() == [0.0, 1.0]
    assert accuracy_by_type(prompts, replies) == {"lowercase": (1, 1), "no_commas": (1, 2)}
    with pytest.raises(ValueError, match="2 prompts but 1 replies"):
        strict_accuracy(prompts, replies[:1])


@pytest.mark.parametrize("n,c", [(1, 0), (1, 1), (4, 0), (4, 1), (4, 2), (5, 3), (6, 6)])
def test_pass_at_k_equals_direct_enumeration_of_every_subset(n, c):
    outcomes = [True] * c + [False] * (n - c)
    for k in range(1, n + 1):
        subsets = list(itertools.combinations(outcomes, k))
        direct = sum(any(s) for s in subsets) / len(subsets)
        assert pass_at_k(n, c, k) == pytest.approx(direct)


def test_pass_at_k_rejects_impossible_counts():
    for n, c, k in ((3, 4, 1), (3, 1, 0), (3, 1, 4), (3, -1, 1)):
        with pytest.raises(ValueError, match="pass@k needs"):
            pass_at_k(n, c, k)


@pytest.mark.parametrize("count,total", [(0, 10), (2, 10), (10, 10), (7, 30), (1, 1)])
def test_wilson_interval_matches_scipy(count, total):
    from scipy.stats import binomtest

    expected = binomtest(count, total).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = wilson_interval(count, total)
    assert low == pytest.approx(expected.low, abs=1e-9) and high == pytest.approx(expected.high, abs=1e-9)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
