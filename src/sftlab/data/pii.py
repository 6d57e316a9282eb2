"""Personal information in collected text: e-mail addresses, phone numbers, @-handles and URLs.

Rules, not a model: each kind is a regular expression, :func:`find_pii` lists the matches and
:func:`redact_pii` replaces them by a placeholder (``<EMAIL>``, ``<PHONE>``, ``<HANDLE>``,
``<URL>``) and counts them. Regular expressions find the well-formed cases; names and
addresses written in prose need a NER model (Microsoft Presidio combines both).
"""

from __future__ import annotations

import re
from collections import Counter

PATTERNS: dict[str, re.Pattern] = {
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "url": re.compile(r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,!?;:)]", re.IGNORECASE),
    "phone": re.compile(r"(?<![\w.])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,3}(?![\w.])"),
    "handle": re.compile(r"(?<![\w@.])@[A-Za-z0-9_]{1,30}\b"),
}
PLACEHOLDERS = {"email": "<EMAIL>", "url": "<URL>", "phone": "<PHONE>", "handle": "<HANDLE>"}
_MIN_PHONE_DIGITS = 7


def find_pii(text: str) -> list[tuple[str, int, int, str]]:
    """``(kind, start, end, match)`` of every match, left to right; an earlier kind wins an overlap.

    Kinds are tried in the order of :data:`PATTERNS` (an e-mail address is not also a handle, a
    URL's digits are not a phone number); a phone number needs at least 7 digits.
    """
    found: list[tuple[str, int, int, str]] = []
    for kind, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            if kind == "phone" and sum(c.isdigit() for c in match.group()) < _MIN_PHONE_DIGITS:
                continue
            if any(match.start() < end and start < match.end() for _, start, end, _ in found):
                continue
            found.append((kind, match.start(), match.end(), match.group()))
    return sorted(found, key=lambda m: m[1])


def redact_pii(text: str) -> tuple[str, Counter]:
    """The text with every match of :func:`find_pii` replaced by its placeholder, and the count per kind."""
    counts: Counter = Counter()
    parts, last = [], 0
    for kind, start, end, _ in find_pii(text):
        parts += [text[last:start], PLACEHOLDERS[kind]]
        counts[kind] += 1
        last = end
    return "".join(parts + [text[last:]]), counts
