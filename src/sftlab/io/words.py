"""A small, deterministic word tokenizer for English in the CoNLL style.

It splits punctuation and the clitics ``'s``/``n't`` from words and keeps together
abbreviations (``U.S.``), decimal numbers (``3.5``), hyphenated words, URLs, ``@handles`` and
``#hashtags``. The project's bracket sources and the data notebooks use it, so that
token boundaries are the same everywhere.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
    https?://\S+[^\s.,;:!?)\]'"]       # URLs (trailing punctuation left out)
    | www\.\S+[^\s.,;:!?)\]'"]
    | [@\#]\w+(?:[-']\w+)*             # @handles and #hashtags
    | (?:[A-Za-z]\.){2,}               # abbreviations: U.S., e.g.
    | \d+(?:[.,:/]\d+)+%?              # numbers: 3.5, 1,000, 9:30, 24/7, 2.5%
    | \w+'(?=[A-Z])\w+                  # O'Neill, D'Angelo
    | \w+(?=n't\b)                     # do|n't
    | n't\b
    | '(?:s|re|ve|ll|d|m)\b            # clitics: 's 're 've 'll 'd 'm
    | \w+(?:[-&]\w+)*                  # words, hyphenated words, AT&T
    | \S                               # any other single character
    """,
    re.VERBOSE,
)


def split_words(text: str) -> list[str]:
    """Split ``text`` into word tokens.

    >>> split_words("IBM's U.S. unit didn't sell 3.5 tonnes.")
    ['IBM', "'s", 'U.S.', 'unit', 'did', "n't", 'sell', '3.5', 'tonnes', '.']
    """
    return _TOKEN.findall(text.replace("\u2019", "'"))
