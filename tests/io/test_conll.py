"""CoNLL/IOB2 reading and writing: a table of malformed files, each error naming file and line."""

from __future__ import annotations

import re

import pytest

from sftlab.io.conll import RepairWarning, Sentence, format_conll, read_conll, write_conll
from sftlab.io.errors import DataError

TYPES = ("PER", "ORG", "LOC", "MISC")


MALFORMED = [
    ("I after O", "Ada\tO\nLovelace\tI-PER\n", 2, "follows 'O'", {}),
    ("I after B of another type", "Ada\tB-ORG\nLovelace\tI-PER\n", 2, "same type", {}),
    ("I at sentence start", "Lovelace\tI-PER\n\nmet\tO\n", 1, "follows 'O'", {}),
    ("I after sentence break", "Ada\tB-PER\n\nLovelace\tI-PER\n", 3, "follows 'O'", {}),
    ("unknown type", "Ada\tB-PERSON\n", 1, "unknown entity type 'PERSON'", {"types": TYPES}),
    ("malformed tag", "Ada\tPER\n", 1, "malformed tag 'PER'", {}),
    ("lower-case prefix", "Ada\tb-PER\n", 1, "malformed tag", {}),
    ("BIOES tag in IOB2", "Ada\tS-PER\n", 1, "BIOES", {}),
    ("one column", "Ada\tB-PER\nLovelace\n", 2, "found 1 columns", {}),
    ("one column first", "Ada\n", 1, "found 1 column", {}),
    ("extra column", "Ada\tNNP\tB-PER\nmet\tVBD\tO\textra\n", 2, "found 4 columns", {}),
    ("space and tab mixed", "Ada\tB-PER\nmet O\n", 2, "line 1 has", {}),
    ("empty token", "Ada\tB-PER\n\tO\n", 2, "empty token", {}),
    ("empty tag", "Ada\tB-PER\nmet\t\n", 2, "empty tag", {}),
    ("bad UTF-8", b"Ada\tB-PER\nZ\xfcrich\tB-LOC\n", 2, "not valid UTF-8", {}),
    ("latin-1 in third line", b"a\tO\nb\tO\n\xe9t\xe9\tO\n", 3, "byte 0xe9", {}),
    ("empty file", "", None, "no sentences", {}),
    ("only comments", "# doc: x\n# text = hi\n", None, "no sentences", {}),
    ("only blank lines", "\n\n  \n", None, "no sentences", {}),
    ("tag column out of range", "Ada\tB-PER\n", 1, "no column", {"tag_column": 5}),
    ("unknown type later", "Ada\tB-PER\n\nParis\tB-CITY\n", 3, "unknown entity type 'CITY'", {"types": TYPES}),
]


@pytest.mark.parametrize("name,content,line,phrase,options", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_names_file_line_and_problem(write, name, content, line, phrase, options):
    path = write("bad.iob2", content)
    with pytest.raises(DataError) as info:
        read_conll(path, **options)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}:" if line else f"{path}:"), message
    assert phrase in message, message
    assert info.value.line == line


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_conll(tmp_path / "absent.iob2")


def test_reads_tokens_tags_docs_and_lines(write):
    path = write("ok.iob2", "# doc: d1\nAda\tB-PER\nLovelace\tI-PER\nmet\tO\n\n# doc: d2\nin\tO\nParis\tB-LOC\n")
    sentences = read_conll(path, types=TYPES)
    assert [s.tokens for s in sentences] == [["Ada", "Lovelace", "met"], ["in", "Paris"]]
    assert [s.tags for s in sentences] == [["B-PER", "I-PER", "O"], ["O", "B-LOC"]]
    assert [s.doc for s in sentences] == ["d1", "d2"]
    assert [s.line for s in sentences] == [2, 7]


def test_conll2003_columns_and_docstart(write):
    text = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n\n"
    sentences = read_conll(write("c.txt", text))
    assert sentences[0].tokens == ["EU", "rejects", "German"]
    assert sentences[0].tags == ["B-ORG", "O", "B-MISC"]
    assert sentences[0].doc == "doc-1"


def test_universal_ner_layout_with_index_column_and_comments(write):
    text = (
        "# newdoc id = d7\n# sent_id = s1\n# text = in tampa bay\n"
        "1\tin\tO\t-\t-\n2\ttampa\tB-LOC\t-\tann\n3\tbay\tI-LOC\t-\tann\n\n"
    )
    sentence = read_conll(write("u.iob2", text), token_column=1, tag_column=2)[0]
    assert sentence.tokens == ["in", "tampa", "bay"] and sentence.tags == ["O", "B-LOC", "I-LOC"]
    assert sentence.doc == "d7" and sentence.meta == {"sent_id": "s1", "text": "in tampa bay"}


def test_whitespace_only_line_separates_sentences_like_wnut(write):
    sentences = read_conll(write("w.txt", "a\tO\n\t\nb\tB-person\n"))
    assert len(sentences) == 2


def test_hash_token_inside_sentence_is_a_token(write):
    sentences = read_conll(write("h.txt", "I\tO\n#\tO\nlove\tO\n"))
    assert sentences[0].tokens == ["I", "#", "love"]


def test_lenient_mode_repairs_iob1_and_says_how_many(write):
    path = write("iob1.txt", "Ada\tI-PER\nLovelace\tI-PER\nmet\tO\nIBM\tI-ORG\n\nin\tO\nParis\tI-LOC\n")
    with pytest.warns(RepairWarning, match=re.escape("repaired 3 IOB1-style")):
        sentences = read_conll(path, strict=False)
    assert sentences[0].tags == ["B-PER", "I-PER", "O", "B-ORG"]
    assert sentences[1].tags == ["O", "B-LOC"]


def test_lenient_mode_still_rejects_what_it_cannot_repair(write):
    with pytest.raises(DataError, match="unknown entity type"):
        read_conll(write("x.txt", "Ada\tI-PERSON\n"), strict=False, types=TYPES)


def test_strict_error_suggests_lenient_mode(write):
    with pytest.raises(DataError, match="strict=False"):
        read_conll(write("x.txt", "Ada\tO\nLovelace\tI-PER\n"))


def test_bom_is_ignored(write):
    assert read_conll(write("bom.txt", "\ufeffAda\tB-PER\n"))[0].tokens == ["Ada"]


def test_crlf_line_endings(write):
    assert read_conll(write("crlf.txt", "Ada\tB-PER\r\nmet\tO\r\n"))[0].tags == ["B-PER", "O"]


def test_write_then_read_round_trip(tmp_path):
    sentences = [
        Sentence(["Ada", "Lovelace"], ["B-PER", "I-PER"], "d1"),
        Sentence(["in", "Paris"], ["O", "B-LOC"], "d1"),
        Sentence(["IBM"], ["B-ORG"], "d2"),
    ]
    path = tmp_path / "out" / "rt.iob2"
    write_conll(path, sentences)
    again = read_conll(path)
    assert [(s.tokens, s.tags, s.doc) for s in again] == [(s.tokens, s.tags, s.doc) for s in sentences]
    assert format_conll(sentences).count("# doc:") == 2


def test_sentence_rejects_token_tag_count_mismatch():
    with pytest.raises(ValueError, match="2 tokens but 1 tags"):
        Sentence(["Ada", "Lovelace"], ["B-PER"])
