"""Labelled text readers: JSONL, TSV and CSV, with errors that name file and line."""

from __future__ import annotations

import json

import pytest

from sftlab.io.errors import DataError
from sftlab.io.jsonl import check_text_labels, format_jsonl, read_jsonl, read_records, read_text_labels, write_jsonl

LABELS = ("negative", "positive")


@pytest.mark.parametrize(
    "name,content,line,phrase",
    [
        ("bad json", '{"text": "ok", "label": "positive"}\n{"text": "oops", label: 1}\n', 2, "invalid JSON"),
        ("not an object", '["text", "label"]\n', 1, "expected a JSON object"),
        ("missing label", '{"text": "great"}\n', 1, "missing field 'label'"),
        ("missing text", '{"review": "great", "label": "positive"}\n', 1, "missing field 'text'"),
        ("empty text", '{"text": "  ", "label": "positive"}\n', 1, "empty text"),
        ("text not a string", '{"text": 5, "label": "positive"}\n', 1, "must be a string"),
        ("unknown label", '{"text": "meh", "label": "neutral"}\n', 1, "unknown label 'neutral'"),
        ("empty file", "", None, "no records"),
        ("bad utf-8", b'{"text": "caf\xe9", "label": "positive"}\n', 1, "not valid UTF-8"),
    ],
)
def test_jsonl_errors(write, name, content, line, phrase):
    path = write("data.jsonl", content)
    with pytest.raises(DataError) as info:
        read_text_labels(path, labels=LABELS)
    assert info.value.line == line and phrase in str(info.value)
    assert str(info.value).startswith(str(path))


@pytest.mark.parametrize(
    "content,line,phrase",
    [
        ("text\tlabel\ngood film\tpositive\nbad\tfilm\tnegative\n", 3, "found 3 tab-separated fields"),
        ("text\tlabel\n", None, "header only"),
        ("review\tstars\ngreat\t5\n", 2, "missing field 'text'"),
    ],
)
def test_tsv_errors(write, content, line, phrase):
    path = write("data.tsv", content)
    with pytest.raises(DataError) as info:
        read_text_labels(path, labels=LABELS)
    assert info.value.line == line and phrase in str(info.value)


def test_tsv_and_jsonl_give_the_same_records(write):
    tsv = write("d.tsv", "text\tlabel\nGreat film\tpositive\nDull\tnegative\n")
    jsonl = write("d.jsonl", '{"text": "Great film", "label": "positive"}\n\n{"text": "Dull", "label": "negative"}\n')

    def strip(rs: list[dict]) -> list[tuple]:
        return [(r["text"], r["label"]) for r in rs]

    assert strip(read_text_labels(tsv, labels=LABELS)) == strip(read_text_labels(jsonl, labels=LABELS))


def test_custom_field_names(write):
    path = write("d.jsonl", '{"review": "Great", "stars": "positive"}\n')
    records = read_text_labels(path, text_field="review", label_field="stars", labels=LABELS)
    assert records[0]["review"] == "Great"


def test_write_read_round_trip_drops_private_keys(tmp_path):
    records = [{"text": "héllo", "label": "positive", "_line": 3}]
    path = tmp_path / "x.jsonl"
    write_jsonl(path, records)
    assert json.loads(path.read_text(encoding="utf-8")) == {"text": "héllo", "label": "positive"}
    assert read_jsonl(path)[0]["_line"] == 1
    assert format_jsonl(records).endswith("\n")


def test_csv_quotes_commas_line_breaks_and_line_numbers(write):
    path = write(
        "d.csv",
        'text,label\n"Great, really great",positive\n"He said ""meh"", then\nleft",negative\n\nPlain,negative\n',
    )
    records = read_text_labels(path, labels=LABELS)
    assert [(r["text"], r["_line"]) for r in records] == [
        ("Great, really great", 2),
        ('He said "meh", then\nleft', 3),
        ("Plain", 6),
    ]


@pytest.mark.parametrize(
    "content,line,phrase",
    [
        ('text,label\n"never closed,positive\nnext,negative\n', 2, "never closed"),
        ("text,label\nGreat, really,positive\n", 2, "found 3 comma-separated fields"),
        ("text,text,label\na,b,positive\n", 1, "names column 'text' more than once"),
    ],
)
def test_csv_errors(write, content, line, phrase):
    path = write("data.csv", content)
    with pytest.raises(DataError) as info:
        read_text_labels(path, labels=LABELS)
    assert info.value.line == line and phrase in str(info.value) and "(fix: " in str(info.value)


def test_tsv_header_names_are_stripped_and_unique(write):
    assert read_records(write("d.tsv", "text \tlabel\ngood\tpositive\n"))[0]["text"] == "good"
    with pytest.raises(DataError, match="more than once"):
        read_records(write("e.tsv", "label\tlabel\nx\ty\n"))


def test_check_text_labels_names_where_and_line():
    with pytest.raises(DataError, match=r"^hf:x \(train\):7: empty text in field 'sentence'"):
        check_text_labels([{"sentence": " ", "label": 1, "_line": 7}], "hf:x (train)", text_field="sentence")
