"""Bracket annotation -> IOB2: conversions and errors with file:line."""

from __future__ import annotations

import re

import pytest

from sftlab.io.brackets import parse_bracket_line, read_brackets, to_brackets
from sftlab.io.errors import DataError


def test_parse_entities_clitics_and_punctuation():
    tokens, tags = parse_bracket_line("[PER Ada Lovelace] met [ORG IBM]'s chief in [LOC New York].")
    assert tokens == ["Ada", "Lovelace", "met", "IBM", "'s", "chief", "in", "New", "York", "."]
    assert tags == ["B-PER", "I-PER", "O", "B-ORG", "O", "O", "O", "B-LOC", "I-LOC", "O"]


def test_hashtags_handles_and_lower_case():
    tokens, tags = parse_bracket_line("omg [PER @serenawilliams] at [LOC nyc] [MISC #USOpen] lol")
    assert tokens == ["omg", "@serenawilliams", "at", "nyc", "#USOpen", "lol"]
    assert tags == ["O", "B-PER", "O", "B-LOC", "B-MISC", "O"]


def test_round_trip_through_to_brackets():
    line = "[ORG Bank of England] raised rates , [PER Andrew Bailey] said ."
    tokens, tags = parse_bracket_line(line)
    assert to_brackets(tokens, tags) == line
    assert parse_bracket_line(to_brackets(tokens, tags)) == (tokens, tags)


@pytest.mark.parametrize(
    "line,phrase",
    [
        ("[PER Ada Lovelace met IBM", "never closed"),
        ("Ada] met IBM", "']' without a matching '['"),
        ("[PER Ada [ORG IBM]]", "nested"),
        ("[PERSON Ada]", "unknown entity type 'PERSON'"),
        ("[Ada Lovelace]", "unknown entity type 'Ada'"),
        ("[ Ada]", "must be followed by a type"),
        ("[PER ]", "empty entity"),
        ("[MISC Brit]ish", "cuts a word"),
        ("un[MISC British]", "cuts a word"),
    ],
)
def test_malformed_lines(line, phrase):
    with pytest.raises(ValueError, match=re.escape(phrase)):
        parse_bracket_line(line)


def test_file_errors_name_file_and_line(write):
    path = write("src.txt", "# doc: a-1\n[PER Ada] met [ORG IBM].\n[LOC Paris\n")
    with pytest.raises(DataError) as info:
        read_brackets(path)
    assert str(info.value).startswith(f"{path}:3: column 1:")


@pytest.mark.parametrize(
    "content,line,phrase",
    [
        ("[PER Ada] met IBM.\n", 1, "before the first '# doc: ID'"),
        ("# doc: a\nx\n# doc: a\ny\n", 3, "already used on line 1"),
        ("# doc a\nx\n", 1, "malformed document line"),
        ("# doc: a\n[FOO x]\n", 2, "unknown entity type"),
    ],
)
def test_file_structure_errors(write, content, line, phrase):
    path = write("src.txt", content)
    with pytest.raises(DataError) as info:
        read_brackets(path)
    assert info.value.line == line and phrase in str(info.value)


def test_read_brackets_keeps_docs_lines_and_comments(write):
    path = write(
        "src.txt",
        "# register: news\n# doc: n-1\n[PER Ada] spoke.\n\n# a comment\nShe left.\n# doc: n-2\n[LOC Oslo] is cold.\n",
    )
    sentences = read_brackets(path)
    assert [(s.doc, s.line) for s in sentences] == [("n-1", 3), ("n-1", 6), ("n-2", 8)]
    assert sentences[2].tags == ["B-LOC", "O", "O", "O"]


def test_empty_source_file(write):
    with pytest.raises(DataError, match="no sentences"):
        read_brackets(write("e.txt", "# doc: a\n"))
