"""Fixtures shared by the tests of ``sftlab.data``."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def chat_tokenizer():
    from sftlab.train.causal_lm import load_causal_lm_tokenizer

    return load_causal_lm_tokenizer()
