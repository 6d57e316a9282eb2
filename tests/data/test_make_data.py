"""The shipped data: up to date with its sources, split without leakage, and its cards current."""

from __future__ import annotations

import pytest

from sftlab.data import make_data
from sftlab.data.dedup import cross_split_pairs
from sftlab.data.splits import groups_crossing
from sftlab.io.brackets import read_brackets
from sftlab.io.errors import DataError
from sftlab.io.tags import spans_from_iob2
from tests.conftest import ROOT

DATA = ROOT / "data"


@pytest.fixture(scope="module")
def ner_splits():
    return make_data.split_ner(make_data.read_ner_sources(DATA / "ner" / "source"))


@pytest.fixture(scope="module")
def sentiment_splits():
    return make_data.split_sentiment(make_data.read_sentiment_sources(DATA / "sentiment" / "source"))


def test_built_files_and_cards_match_the_sources():
    stale = make_data.build(DATA, check=True)
    assert not stale, f"run `python -m sftlab.data.make_data`: stale {stale}"


def test_ner_corpus_size_and_registers(ner_splits):
    sentences = [s for part in ner_splits.values() for s in part]
    mentions = sum(len(spans_from_iob2(s.tags)) for s in sentences)
    registers = {s.meta["register"] for s in sentences}
    assert len(sentences) >= 1500 and mentions >= 2500
    assert registers >= {"news", "sports", "finance", "scitech", "travel", "social"}
    assert all(registers == {s.meta["register"] for s in part} for part in ner_splits.values())


def test_no_document_skeleton_or_near_duplicate_crosses_ner_splits(ner_splits):
    assert not groups_crossing({k: [s.doc for s in v] for k, v in ner_splits.items()})
    skeletons = {k: {make_data.skeleton(s) for s in v} for k, v in ner_splits.items()}
    assert not (skeletons["train"] & skeletons["test"]) and not (skeletons["train"] & skeletons["dev"])
    assert not cross_split_pairs({k: [" ".join(s.tokens) for s in v] for k, v in ner_splits.items()}, threshold=0.7)


def test_split_shares_are_about_70_15_15(ner_splits, sentiment_splits):
    for splits in (ner_splits, sentiment_splits):
        total = sum(map(len, splits.values()))
        for name, share in (("train", 0.7), ("dev", 0.15), ("test", 0.15)):
            assert abs(len(splits[name]) / total - share) < 0.03


def test_no_item_or_near_duplicate_crosses_sentiment_splits(sentiment_splits):
    items = {k: [f"{r['domain']}/{r['item']}" for r in v] for k, v in sentiment_splits.items()}
    assert not groups_crossing(items)
    assert not cross_split_pairs({k: [r["text"] for r in v] for k, v in sentiment_splits.items()}, threshold=0.7)


def test_sentiment_size_balance_and_domains(sentiment_splits):
    reviews = [r for part in sentiment_splits.values() for r in part]
    binary = [r for r in reviews if r["label"] != "neutral"]
    assert len(binary) >= 2000
    assert {r["domain"] for r in reviews} == {"films", "products", "restaurants", "apps"}
    positive = sum(r["label"] == "positive" for r in binary) / len(binary)
    assert 0.45 < positive < 0.55


def _adjudicated_spans():
    """data/ner/double/adjudication.tsv: {(doc, position): {(start, end): (gold before, A, B, gold now)}}."""
    table = {}
    for line in (DATA / "ner" / "double" / "adjudication.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        sentence, span, before, a, b, now, why = line.split("\t")
        doc, position = sentence.split("#")
        start, end = map(int, span.split(":"))
        assert why.strip(), line
        table.setdefault((doc, int(position)), {})[(start, end)] = (before, a, b, now)
    return table


def _labels(sentence):
    return {(s.start, s.end): s.label for s in spans_from_iob2(sentence.tags)}


def test_double_annotations_are_independent_passes_adjudicated_against_gold():
    """Two annotators' files are never identical, each differs from the gold as it stood when they
    annotated, and every difference is in adjudication.tsv with the gold it led to."""
    gold, position = {}, {}
    for s in make_data.read_ner_sources(DATA / "ner" / "source"):
        position[s.doc] = position.get(s.doc, 0) + 1
        gold[(s.doc, " ".join(s.tokens))] = (s, position[s.doc])
    a = read_brackets(DATA / "ner" / "double" / "annotator_a.txt")
    b = read_brackets(DATA / "ner" / "double" / "annotator_b.txt")
    assert len(a) == len(b) >= 300 and [s.tokens for s in a] == [s.tokens for s in b]
    assert (DATA / "ner" / "double" / "annotator_a.txt").read_text() != (
        DATA / "ner" / "double" / "annotator_b.txt"
    ).read_text()
    table = _adjudicated_spans()
    differs = {"A": 0, "B": 0}
    for sa, sb in zip(a, b):
        g, pos = gold[(sa.doc, " ".join(sa.tokens))]
        rows = table.get((sa.doc, pos), {})
        now, la, lb = _labels(g), _labels(sa), _labels(sb)
        before = {k: v for k, v in now.items() if k not in rows}
        before.update({k: r[0] for k, r in rows.items() if r[0] != "-"})
        for key in set(now) | set(la) | set(lb) | set(before):
            if key in rows:
                assert rows[key][1:] == (la.get(key, "-"), lb.get(key, "-"), now.get(key, "-")), (sa.doc, pos, key)
            else:
                assert la.get(key) == lb.get(key) == before.get(key), f"{sa.doc}#{pos} {key}: not in adjudication.tsv"
        differs["A"] += la != before
        differs["B"] += lb != before
    assert differs["A"] and differs["B"], f"a pass identical to the gold it was made against: {differs}"
    assert not (DATA / "sentiment" / "double").exists(), (
        "the sentiment double subset was dropped (see data/sentiment/README.md)"
    )


@pytest.mark.parametrize(
    "content,line,phrase",
    [
        ("a\tpositive\ttext\n", 1, "expected 4 tab-separated fields"),
        ("x-1\tpos\tItem\tGreat\n", 1, "unknown label 'pos'"),
        ("x-1\tpositive\tItem\t \n", 1, "empty item or text"),
        ("x-1\tpositive\tItem\tGreat\nx-1\tnegative\tItem\tBad\n", 2, "already used"),
    ],
)
def test_sentiment_source_errors(tmp_path, content, line, phrase):
    (tmp_path / "films.tsv").write_text(content)
    with pytest.raises(DataError) as info:
        make_data.read_sentiment_sources(tmp_path)
    assert info.value.line == line and phrase in str(info.value) and "films.tsv" in str(info.value)


def test_bracket_source_errors_name_file_and_line(tmp_path):
    (tmp_path / "news.txt").write_text("# doc: n-1\n[PER Ada] spoke.\n[ORG Acme said.\n")
    with pytest.raises(DataError, match=r"news\.txt:3: column 1: '\[' is never closed"):
        make_data.read_ner_sources(tmp_path)


def test_skeleton_replaces_names_and_digits():
    from sftlab.io.conll import Sentence

    sentence = Sentence(["Ajax", "3", "PSV", "1"], ["B-ORG", "O", "B-ORG", "O"])
    assert make_data.skeleton(sentence) == "<ORG> 0 <ORG> 0"
