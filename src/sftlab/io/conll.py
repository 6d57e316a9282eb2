"""Read and write CoNLL/IOB2 token files, with validation that names file and line.

Format: one token per line, columns separated by a tab (or by spaces when a line has no tab),
a blank (or whitespace-only) line between sentences, ``# ...`` comment lines before a
sentence, and optional ``-DOCSTART-`` lines. ``# doc: ID`` and ``# newdoc id = ID`` comments
name the document the following sentences belong to.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from sftlab.io.atomic import write_text
from sftlab.io.errors import DataError
from sftlab.io.tags import iob2_problems, repair_iob1
from sftlab.io.textfile import iter_lines

_DOC = re.compile(r"^#\s*(?:doc:|newdoc id =)\s*(\S+)")


class RepairWarning(UserWarning):
    """Lenient reading changed some tags; the message says how many and where."""


@dataclass
class Sentence:
    """A tokenized sentence with one tag per token."""

    tokens: list[str]
    tags: list[str]
    doc: str | None = None
    line: int | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.tags):
            raise ValueError(f"{len(self.tokens)} tokens but {len(self.tags)} tags")


def _fix_for(problem: str) -> str:
    if "follows" in problem:
        return "start entities with B-, or pass strict=False to repair IOB1-style starts"
    if "unknown entity type" in problem:
        return "correct the tag, or pass types=None to accept any type"
    if "BIOES" in problem:
        return "convert the file to IOB2 (sftlab.io.tags.bioes_to_iob2)"
    return "tags are O or B-/I- followed by a type, as in B-PER"


def read_conll(
    path: str | Path,
    *,
    token_column: int = 0,
    tag_column: int = -1,
    types: Iterable[str] | None = None,
    strict: bool = True,
) -> list[Sentence]:
    """Read a CoNLL/IOB2 file into sentences.

    ``token_column`` and ``tag_column`` pick the columns (negative counts from the end).
    ``types`` restricts entity types. In ``strict`` mode an ``I-X`` that does not continue an
    ``X`` entity is an error; otherwise such IOB1-style starts are repaired to ``B-X`` and a
    :class:`RepairWarning` says how many. Every problem raises :class:`DataError` naming the
    file and line.
    """
    path = Path(path)
    allowed = set(types) if types is not None else None
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    numbers: list[int] = []
    meta: dict[str, str] = {}
    doc: str | None = None
    n_columns: tuple[int, int] | None = None
    repaired = 0

    def finish() -> None:
        nonlocal tokens, tags, numbers, meta, repaired
        if not tokens:
            return
        problems = iob2_problems(tags, allowed)
        if problems and not strict:
            fixable = all("follows" in problem for _, problem in problems)
            if fixable:
                fixed, count = repair_iob1(tags)
                repaired += count
                problems = iob2_problems(fixed, allowed)
                tags = fixed
        if problems:
            position, problem = problems[0]
            raise DataError(path, numbers[position], problem, _fix_for(problem))
        sentences.append(Sentence(tokens, tags, doc, numbers[0], meta))
        tokens, tags, numbers, meta = [], [], [], {}

    for number, line in iter_lines(path):
        if not line.strip():
            finish()
            continue
        if line.startswith("-DOCSTART-"):
            finish()
            doc = f"doc-{number}"
            continue
        if not tokens and (line == "#" or line.startswith("# ") or _DOC.match(line)):
            match = _DOC.match(line)
            if match:
                doc = match.group(1)
            elif "=" in line:
                key, _, value = line[1:].partition("=")
                meta[key.strip()] = value.strip()
            continue
        columns = line.split("\t") if "\t" in line else line.split()
        shape = (len(columns), "\t" in line)
        if n_columns is None:
            if len(columns) < 2:
                raise DataError(
                    path,
                    number,
                    f"found 1 column in {line!r}; a token line needs a token and a tag",
                    "separate token and tag with a tab",
                )
            n_columns = shape
            first_line = number
        elif shape != n_columns:
            raise DataError(
                path,
                number,
                f"found {len(columns)} columns, but line {first_line} has {n_columns[0]}",
                "every token line needs the same columns",
            )
        try:
            token, tag = columns[token_column], columns[tag_column].strip()
        except IndexError:
            raise DataError(
                path,
                number,
                f"no column {token_column} or {tag_column} in a line of {len(columns)} columns",
                "set token_column= and tag_column= to the file's columns",
            ) from None
        if not token.strip():
            raise DataError(path, number, "empty token", "remove the line or fill in the token")
        if not tag:
            raise DataError(path, number, "empty tag", "give every token a tag (O outside entities)")
        tokens.append(token)
        tags.append(tag)
        numbers.append(number)
    finish()
    if not sentences:
        raise DataError(
            path,
            None,
            "no sentences found (the file is empty or holds only comments)",
            "give the path of a CoNLL/IOB2 file: token and tag per line, blank line between sentences",
        )
    if repaired:
        warnings.warn(f"{path}: repaired {repaired} IOB1-style I- starts to B-", RepairWarning, stacklevel=2)
    return sentences


def format_conll(sentences: Sequence[Sentence], *, write_docs: bool = True) -> str:
    """``token<TAB>tag`` lines, a blank line after each sentence, ``# doc: ID`` at each new document."""
    lines = []
    current_doc = None
    for sentence in sentences:
        if write_docs and sentence.doc is not None and sentence.doc != current_doc:
            lines.append(f"# doc: {sentence.doc}\n")
            current_doc = sentence.doc
        lines.extend(f"{token}\t{tag}\n" for token, tag in zip(sentence.tokens, sentence.tags))
        lines.append("\n")
    return "".join(lines)


def write_conll(path: str | Path, sentences: Sequence[Sentence], *, write_docs: bool = True) -> None:
    """Write :func:`format_conll` of ``sentences`` to ``path`` atomically."""
    write_text(path, format_conll(sentences, write_docs=write_docs))
