"""Fixtures shared by the tests of ``sftlab.data``."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def chat_tokenizer(smollm2_tokenizer):
    """SmolLM2's tokenizer, with its chat template: the session's copy (see ``tests/conftest.py``)."""
    return smollm2_tokenizer
