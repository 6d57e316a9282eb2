"""Inline bracket annotation (``[PER Ada Lovelace] met [ORG IBM]``) to IOB2 sentences.

The project's NER data is written this way (see ``data/ner/GUIDELINES.md``): one sentence a
line, ``# doc: ID`` lines to group sentences into documents, other ``#`` lines as comments.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Sequence

from sftlab.io.conll import Sentence
from sftlab.io.errors import DataError
from sftlab.io.tags import spans_from_iob2
from sftlab.io.textfile import iter_lines
from sftlab.io.words import split_words

DEFAULT_TYPES = ("PER", "ORG", "LOC", "MISC")
_DOC = re.compile(r"^# doc: (\S+)\s*$")
_OPEN = re.compile(r"\[([A-Za-z]+) ")


def parse_bracket_line(line: str, types: Iterable[str] = DEFAULT_TYPES) -> tuple[list[str], list[str]]:
    """Tokens and IOB2 tags of one bracket-annotated sentence.

    Raises ``ValueError`` (with the column) for unbalanced or nested brackets, unknown types,
    empty entities and brackets that cut a word.
    """
    allowed = set(types)
    tokens: list[str] = []
    tags: list[str] = []
    position = 0
    while position < len(line):
        start = line.find("[", position)
        stray_close = line.find("]", position)
        if stray_close != -1 and (start == -1 or stray_close < start):
            raise ValueError(f"column {stray_close + 1}: ']' without a matching '['")
        if start == -1:
            words = split_words(line[position:])
            tokens += words
            tags += ["O"] * len(words)
            break
        outside = line[position:start]
        if start > 0 and re.match(r"\w", line[start - 1]):
            raise ValueError(f"column {start + 1}: '[' cuts a word; brackets must start at a word boundary")
        words = split_words(outside)
        tokens += words
        tags += ["O"] * len(words)
        opening = _OPEN.match(line, start)
        if not opening:
            raise ValueError(f"column {start + 1}: '[' must be followed by a type and a space, as in '[PER Ada]'")
        label = opening.group(1)
        if label not in allowed:
            raise ValueError(f"column {start + 2}: unknown entity type {label!r} (known: {', '.join(sorted(allowed))})")
        end = line.find("]", opening.end())
        nested = line.find("[", opening.end())
        if end == -1:
            raise ValueError(f"column {start + 1}: '[' is never closed with ']'")
        if nested != -1 and nested < end:
            raise ValueError(f"column {nested + 1}: nested '[' inside an entity; entities do not nest")
        words = split_words(line[opening.end() : end])
        if not words:
            raise ValueError(f"column {start + 1}: empty entity")
        if end + 1 < len(line) and re.match(r"\w", line[end + 1]):
            raise ValueError(f"column {end + 1}: ']' cuts a word; brackets must end at a word boundary")
        tokens += words
        tags += [f"B-{label}"] + [f"I-{label}"] * (len(words) - 1)
        position = end + 1
    return tokens, tags


def read_brackets(path: str | Path, types: Iterable[str] = DEFAULT_TYPES) -> list[Sentence]:
    """Read a bracket-annotated source file into IOB2 sentences (with doc ids and lines)."""
    path = Path(path)
    sentences: list[Sentence] = []
    doc = None
    seen_docs: dict[str, int] = {}
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        if line.startswith("#"):
            match = _DOC.match(line)
            if match:
                doc = match.group(1)
                if doc in seen_docs:
                    raise DataError(
                        path,
                        number,
                        f"document id {doc!r} already used on line {seen_docs[doc]}",
                        "give every document its own id",
                    )
                seen_docs[doc] = number
            elif line.startswith("# doc"):
                raise DataError(path, number, "malformed document line", "write '# doc: ID'")
            continue
        if doc is None:
            raise DataError(
                path, number, "sentence before the first '# doc: ID' line", "start the file with '# doc: ID'"
            )
        try:
            tokens, tags = parse_bracket_line(line, types)
        except ValueError as exc:
            raise DataError(
                path, number, str(exc), "see data/ner/GUIDELINES.md, section 6, for the bracket format"
            ) from None
        if not tokens:
            raise DataError(path, number, "no tokens in the line", "remove the line")
        sentences.append(Sentence(tokens, tags, doc, number))
    if not sentences:
        raise DataError(path, None, "no sentences found", "add '# doc: ID' and sentences, one per line")
    return sentences


def to_brackets(tokens: Sequence[str], tags: Sequence[str]) -> str:
    """Render IOB2 tokens back as a bracket-annotated line (tokens joined by spaces)."""
    spans = {start: (end, label) for start, end, label in spans_from_iob2(tags)}
    parts, i = [], 0
    while i < len(tokens):
        if i in spans:
            end, label = spans[i]
            parts.append(f"[{label} {' '.join(tokens[i:end])}]")
            i = end
        else:
            parts.append(tokens[i])
            i += 1
    return " ".join(parts)
