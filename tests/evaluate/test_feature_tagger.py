"""Tests of ``sftlab.evaluate.feature_tagger``."""

from __future__ import annotations

from sftlab.evaluate.feature_tagger import FeatureTagger
from sftlab.io.conll import Sentence
from sftlab.io.tags import iob2_problems

SENTENCES = [
    Sentence(["Ada", "Lovelace", "met", "IBM", "."], ["B-PER", "I-PER", "O", "B-ORG", "O"]),
    Sentence(["Kofi", "visited", "New", "York", "."], ["B-PER", "O", "B-LOC", "I-LOC", "O"]),
    Sentence(["Nothing", "here", "."], ["O", "O", "O"]),
]


def test_feature_tagger_learns_and_outputs_valid_iob2():
    train = SENTENCES * 5
    tagger = FeatureTagger().fit(train)
    predicted = tagger.predict(SENTENCES)
    assert all(not iob2_problems(p) for p in predicted)
    assert predicted[0][:2] == ["B-PER", "I-PER"]
    probability = tagger.tag_probability(SENTENCES[:1])[0]
    assert 0.5 < probability <= 1.0


def test_entity_probability_is_the_least_probable_span():
    tagger = FeatureTagger().fit(SENTENCES * 5)
    wrong = Sentence(["Ada", "Lovelace", "met", "IBM", "."], ["B-LOC", "I-LOC", "O", "B-ORG", "O"])
    per_token = tagger.given_tag_probabilities([wrong])[0]
    assert tagger.entity_probability([wrong])[0] == min(sum(per_token[0:2]) / 2, per_token[3])
    assert tagger.entity_probability([wrong])[0] < tagger.tag_probability([wrong])[0]
    assert tagger.entity_probability([SENTENCES[2]]) == [1.0] and tagger.entity_probability([Sentence([], [])]) == [0.0]
