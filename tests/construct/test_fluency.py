"""Tests of ``sftlab.construct.fluency`` (a stub unigram; SLOR with the real LM runs in notebook 04)."""

from __future__ import annotations

import math

from sftlab.construct.fluency import SlorFilter, unigram_model


class WordTokenizer:
    vocabulary = {"<s>": 0, "a": 1, "b": 2, "c": 3}

    def __call__(self, text):
        return {"input_ids": [self.vocabulary[w] for w in text.split()]}

    def __len__(self):
        return len(self.vocabulary)


def test_unigram_model_is_add_one_over_the_vocabulary():
    unigram = unigram_model(["a a b"], WordTokenizer())
    total = 3 + 4
    assert math.isclose(unigram([1]), math.log(3 / total)) and math.isclose(unigram([3]), math.log(1 / total))
    assert math.isclose(unigram([1, 3]), math.log(3 / total) + math.log(1 / total))


def test_slor_filter_keeps_at_or_above_its_threshold():
    flt = SlorFilter(lambda texts: [len(t) - 3.0 for t in texts], min_slor=0.0)
    verdicts = flt([{"text": "abc"}, {"text": "ab"}, {"text": "abcd"}], [])
    assert [k for k, _ in verdicts] == [True, False, True] and flt([], []) == []
