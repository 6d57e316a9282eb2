"""Tests of ``sftlab.construct.rouge``."""

from __future__ import annotations

import pytest

from sftlab.construct.rouge import lcs_length, max_rouge_l, rouge_l


def test_lcs_hand_computed():
    assert lcs_length("abcbdab", "bdcaba") == 4  # the textbook example: "bcba"
    assert lcs_length([], ["a"]) == 0


def test_rouge_l_hand_computed():
    # candidate 5 words, reference 6, LCS "the cat on the mat" = 5: P = 1, R = 5/6, F = 2·(5/6)/(11/6) = 10/11
    assert rouge_l("the cat on the mat", "the cat sat on the mat") == pytest.approx(10 / 11)
    # LCS "the food" = 2 of 4 and 3: P = 1/2, R = 2/3, F = 4/7
    assert rouge_l("the food was cold", "the bad food") == pytest.approx(4 / 7)
    assert rouge_l("Great, food!", "great food") == 1.0
    assert rouge_l("abc", "") == 0.0
    assert max_rouge_l("great food", ["bad service", "great food here"]) == pytest.approx(0.8)
