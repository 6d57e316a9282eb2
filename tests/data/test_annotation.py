"""Tests of ``sftlab.data.annotation``: the study files, joined with the packaged corpora."""

from __future__ import annotations

import shutil

import pytest

from sftlab.data import annotation
from sftlab.data.annotation import (
    format_spans,
    load_ner_double,
    load_ner_study,
    load_sentiment_study,
    parse_label_reply,
    parse_spans,
    study_dir,
    zero_shot_messages,
)
from sftlab.io.errors import DataError
from sftlab.io.paths import data_dir
from sftlab.io.tags import Span


@pytest.fixture(scope="module")
def sentiment():
    return load_sentiment_study()


@pytest.fixture(scope="module")
def ner():
    return load_ner_study()


def test_sentiment_study_is_complete_and_its_passes_are_independent(sentiment):
    assert len(sentiment) == 300 and len({r["row"] for r in sentiment}) == 300
    assert {r["critic"] for r in sentiment} == {"positive", "negative"}
    a, b = [r["a"] for r in sentiment], [r["b"] for r in sentiment]
    assert a != b, "two passes that never differ are one pass copied"
    assert a != [r["critic"] for r in sentiment] and b != [r["critic"] for r in sentiment]
    for record in sentiment:
        if record["a"] == record["b"]:
            assert record["kept"] == "agreed" and record["adjudicated"] == record["a"]
        else:
            assert record["kept"] in ("A", "B", "neither") and record["why"]


def test_ner_study_is_complete_and_its_passes_are_independent(ner):
    assert len(ner) == 200 and len({r["tweet"] for r in ner}) == 200
    a, b, gold = ([r[k] for r in ner] for k in ("a", "b", "gold"))
    assert a != b and a != gold and b != gold
    assert sum(bool(spans) for spans in gold) >= 140  # the sample: 140 tweets with a gold entity, 60 without
    assert all(all(s.end <= len(r["tokens"]) for s in r["adjudicated"]) for r in ner)


def test_spans_round_trip_and_bad_spans_are_refused():
    spans = [Span(0, 2, "PER"), Span(4, 5, "LOC")]
    assert parse_spans(format_spans(spans), 6) == spans and parse_spans("", 3) == []
    for field, phrase in [
        ("0:2:PERSON", "unknown entity type"),
        ("0-2:PER", "malformed"),
        ("3:7:LOC", "outside"),
        ("2:4:PER 3:5:LOC", "overlaps"),
    ]:
        with pytest.raises(DataError, match=phrase):
            parse_spans(field, 6, "pass_a.tsv", 7)


def _copy_study(tmp_path):
    shutil.copytree(study_dir(), tmp_path / "annotation")
    return tmp_path / "annotation"


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "file,old,new,phrase",
    [
        ("items.tsv", "rt-000\t6024\t6702f8bdf1", "rt-000\t6024\t0000000000", "does not match the fingerprint"),
        ("pass_a.tsv", "rt-000\tnegative", "rt-000\tnegativ", "unknown label 'negativ'"),
        ("pass_b.tsv", "rt-001\tpositive", "rt-999\tpositive", "unknown id 'rt-999'"),
        ("adjudication.tsv", "rt-039\tnegative\tA", "rt-039\tnegative\tB", "kept is 'B'"),
    ],
)
def test_sentiment_study_errors_name_file_and_line(tmp_path, file, old, new, phrase):
    root = _copy_study(tmp_path)
    _edit(root / "rotten_tomatoes" / file, old, new)
    with pytest.raises(DataError, match=phrase) as info:
        load_sentiment_study(root)
    assert file in str(info.value) and info.value.line is not None


def test_an_unadjudicated_disagreement_is_an_error(tmp_path):
    root = _copy_study(tmp_path)
    path = root / "wnut16" / "adjudication.tsv"
    path.write_text("".join(line for line in path.read_text().splitlines(True) if not line.startswith("wnut-014")))
    with pytest.raises(DataError, match="not adjudicated"):
        load_ner_study(root)


def test_ner_double_rebuilds_the_gold_before_adjudication():
    records = load_ner_double()
    assert len(records) == 319 and len({r["id"].split("#")[0] for r in records}) == 47
    changed = {
        r["id"]: (set(r["gold_before"]) - set(r["gold"]), set(r["gold"]) - set(r["gold_before"]))
        for r in records
        if r["gold"] != r["gold_before"]
    }
    assert changed["finance-003#4"] == ({Span(0, 1, "LOC"), Span(2, 3, "LOC")}, {Span(0, 1, "ORG"), Span(2, 3, "ORG")})
    assert sum(len(before) for before, _ in changed.values()) == 5  # five corrections; the exoplanet stayed LOC
    for r in records:  # every difference between a pass and the old gold is one the adjudication lists
        assert all(
            tuple(s[:2]) in LISTED.get(r["id"], set())
            for name in ("a", "b")
            for s in set(r[name]) ^ set(r["gold_before"])
        )


LISTED = {
    "finance-003#3": {(0, 2)},
    "finance-003#4": {(0, 1), (2, 3)},
    "scitech-001#1": {(18, 21)},
    "social-008#2": {(18, 21)},
    "sports-020#5": {(13, 14)},
}


def _copy_double(tmp_path):
    ner = data_dir() / "ner"
    shutil.copytree(ner / "double", tmp_path / "ner" / "double")
    shutil.copytree(ner / "source", tmp_path / "ner" / "source")
    return tmp_path / "ner" / "double"


@pytest.mark.parametrize(
    "old,new,phrase",
    [
        ("finance-003#3\t0:2\tLOC\tORG", "finance-003#3\t0:2\tLOC\tMISC", "the A column says 'MISC'"),
        ("sports-020#5\t13:14", "sports-020#9\t13:14", "not a sentence and span"),
        ("social-008#2\t18:21\tORG\tLOC\tLOC\tLOC", "social-008#2\t18:21\tORG\tLOC\tLOC\tORG", "gold now column"),
    ],
)
def test_ner_double_adjudication_rows_must_match_the_files(tmp_path, old, new, phrase):
    folder = _copy_double(tmp_path)
    _edit(folder / "adjudication.tsv", old, new)
    with pytest.raises(DataError, match=phrase) as info:
        load_ner_double(folder)
    assert "adjudication.tsv" in str(info.value) and info.value.line is not None


def test_ner_double_difference_the_adjudication_does_not_list_is_an_error(tmp_path):
    folder = _copy_double(tmp_path)
    _edit(folder / "annotator_a.txt", "after [ORG OPEC +] signalled", "after [MISC OPEC +] signalled")
    with pytest.raises(DataError, match="finance-003#1: pass A differs from the gold at 6:8 and no row lists it"):
        load_ner_double(folder)


def test_zero_shot_prompt_and_strict_reply_parser():
    messages = zero_shot_messages("A triumph.")
    assert messages[0]["role"] == "user" and '"A triumph."' in messages[0]["content"]
    assert "negative, neutral or positive" in messages[0]["content"]
    assert parse_label_reply(" Positive. ") == "positive" and parse_label_reply("neutral") == "neutral"
    for reply in ["The review is positive", "I'm not sure", "", "pos", "positive, mostly"]:
        assert parse_label_reply(reply) is None
    assert annotation.SENTIMENT_LABELS == ("negative", "neutral", "positive")
