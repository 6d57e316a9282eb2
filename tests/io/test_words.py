"""The word tokenizer keeps names, numbers and handles together and splits clitics and punctuation."""

from __future__ import annotations

import pytest

from sftlab.io.words import split_words


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "IBM's U.S. unit didn't sell 3.5 tonnes.",
            ["IBM", "'s", "U.S.", "unit", "did", "n't", "sell", "3.5", "tonnes", "."],
        ),
        ("AT&T rose 2.5% to $1,000 at 9:30.", ["AT&T", "rose", "2.5%", "to", "$", "1,000", "at", "9:30", "."]),
        ("O'Neill's Coca-Cola", ["O'Neill", "'s", "Coca-Cola"]),
        ("@serena_w #Euro2024 http://x.co/a?b=1.", ["@serena_w", "#Euro2024", "http://x.co/a?b=1", "."]),
        ("Zürich, São Paulo", ["Zürich", ",", "São", "Paulo"]),
        ("they\u2019re", ["they", "'re"]),
        ("", []),
    ],
)
def test_split_words(text, expected):
    assert split_words(text) == expected
