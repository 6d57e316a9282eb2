"""Tests of ``sftlab.evaluate.robustness``."""

from __future__ import annotations

import random

from sftlab.evaluate import robustness
from sftlab.io.conll import Sentence
from tests.conftest import ROOT


def test_robustness_perturbations_keep_tags_aligned():
    sentences = [Sentence(["Ada", "Lovelace", "visited", "Paris", "yesterday"], ["B-PER", "I-PER", "O", "B-LOC", "O"])]
    assert robustness.lower_case(sentences)[0].tokens[0] == "ada"
    typoed = robustness.with_typos(sentences, rate=1.0, seed=0)[0]
    assert typoed.tags == sentences[0].tags and typoed.tokens != sentences[0].tokens
    names = {"PER": [["Kofi", "Annan", "Mensah"]], "LOC": [["Qarsun"]]}
    swapped = robustness.swap_entities(sentences, names)[0]
    assert swapped.tokens == ["Kofi", "Annan", "Mensah", "visited", "Qarsun", "yesterday"]
    assert swapped.tags == ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "O"]


def test_unseen_entity_list_reads_and_filters():
    names = robustness.read_unseen_entities(ROOT / "data" / "robustness" / "unseen_entities.tsv")
    assert set(names) == {"PER", "ORG", "LOC", "MISC"} and all(len(v) >= 10 for v in names.values())
    filtered = robustness.unseen_in(names, [Sentence(["Port", "Ashcombe"], ["B-LOC", "I-LOC"])])
    assert ["Port", "Ashcombe"] not in filtered["LOC"] and len(filtered["LOC"]) == len(names["LOC"]) - 1


def test_typo_only_edits_long_alphabetic_words():
    rng = random.Random(0)
    assert robustness.typo("a1b2", rng) == "a1b2" and robustness.typo("cat", rng) == "cat"
    assert robustness.typo("wonderful", rng) != "wonderful"


def test_familiarity_counts_split_gold_mentions_into_seen_and_unseen():
    training = [Sentence(["ada", "LOVELACE", "met", "IBM"], ["B-PER", "I-PER", "O", "B-ORG"])]
    test = [
        Sentence(["Ada", "Lovelace", "visited", "Paris"], ["B-PER", "I-PER", "O", "B-LOC"]),
        Sentence(["IBM", "hired", "Grace", "Hopper"], ["B-ORG", "O", "B-PER", "I-PER"]),
        Sentence(["nothing", "here"], ["O", "O"]),
    ]
    predicted = [
        ["B-PER", "I-PER", "O", "B-LOC"],  # seen Ada Lovelace found, unseen Paris found
        ["B-LOC", "O", "B-PER", "O"],  # seen IBM with the wrong type, unseen Grace Hopper cut short: neither found
        ["O", "B-MISC"],
    ]
    counts = robustness.familiarity_counts(test, predicted, training)
    assert counts.tolist() == [[1, 1, 1, 1], [0, 1, 0, 1], [0, 0, 0, 0]]
    assert counts.shape == (3, 4) and robustness.familiarity_counts([], [], training).shape == (0, 4)
