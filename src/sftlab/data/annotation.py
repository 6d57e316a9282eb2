"""The annotation study of ``data/annotation/``: two independent passes over real text, loaded with its corpus.

The study stores no corpus text, only ids that point into the packaged corpora and the labels:

- ``rotten_tomatoes/``: 300 critic snippets (``items.tsv``: id, the row ``_line`` of
  :func:`sftlab.data.corpora.rotten_tomatoes`, a fingerprint of the text), each pass's label
  (``pass_a.tsv``, ``pass_b.tsv``: ``id<TAB>label[<TAB>flag]``) and the adjudicated labels of the
  snippets where the passes disagree (``adjudication.tsv``: ``id<TAB>label<TAB>kept<TAB>why``).
- ``wnut16/``: 200 WNUT-16 tweets (``items.tsv``: id, the tweet id of
  :func:`sftlab.data.corpora.wnut16`, its token count, a fingerprint), each pass's spans
  (``id<TAB>start:end:TYPE ...``, token offsets, end exclusive) and the adjudication.

The loaders join them with the corpus, check every fingerprint (a different corpus version fails
with the file and line), and return one record per item with the corpus's own label beside
the passes: the critic's fresh/rotten verdict, WNUT-16's gold mapped to PER/ORG/LOC/MISC.

:func:`load_ner_double` loads the project's own NER double subset (``data/ner/double/``): the
same two passes over 47 documents of the project's corpus, with the gold as it is now and as it
stood before the adjudication corrected it.

It also holds the two small pieces of a zero-shot machine annotator that are about text, not
models: the prompt (:func:`zero_shot_messages`) and a strict reader of the reply
(:func:`parse_label_reply`).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterator, Sequence

from sftlab.data.cleaning import normalize_text
from sftlab.data.corpora import rotten_tomatoes, wnut16
from sftlab.data.make_data import read_ner_sources
from sftlab.io.brackets import read_brackets
from sftlab.io.errors import DataError
from sftlab.io.paths import data_dir
from sftlab.io.tags import Span, spans_from_iob2
from sftlab.io.textfile import iter_lines

SENTIMENT_LABELS = ("negative", "neutral", "positive")
NER_TYPES = ("PER", "ORG", "LOC", "MISC")
KEPT = ("A", "B", "neither")


def fingerprint(text: str) -> str:
    """The first 10 hex digits of the text's SHA-1: enough to notice that a corpus row changed."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def _rows(path: Path, widths: Sequence[int]) -> Iterator[tuple[int, list[str]]]:
    """``(line, fields)`` of a tab-separated study file; ``#`` lines are comments; the field count must be in
    ``widths``."""
    for number, line in iter_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) not in widths:
            expected = " or ".join(map(str, widths))
            raise DataError(
                path,
                number,
                f"expected {expected} tab-separated fields, found {len(fields)}",
                "see the comment lines at the top of the file for its columns",
            )
        yield number, fields


def _keyed(path: Path, widths: Sequence[int], known: dict | None = None) -> dict[str, tuple[int, list[str]]]:
    """Rows by id; ids must be unique and, when ``known`` is given, be items of the study."""
    rows: dict[str, tuple[int, list[str]]] = {}
    for number, fields in _rows(path, widths):
        key = fields[0]
        if key in rows:
            raise DataError(path, number, f"id {key!r} already given on line {rows[key][0]}", "keep one line per id")
        if known is not None and key not in known:
            raise DataError(path, number, f"unknown id {key!r}", "use the ids of items.tsv")
        rows[key] = (number, fields)
    return rows


def _require_all(path: Path, rows: dict, items: dict) -> None:
    missing = [key for key in items if key not in rows]
    if missing:
        raise DataError(
            path, None, f"{len(missing)} items have no line, first {missing[:3]}", "label every item of items.tsv"
        )


def _sentiment_label(path: Path, number: int, label: str) -> str:
    if label not in SENTIMENT_LABELS:
        raise DataError(
            path, number, f"unknown label {label!r} (known: {', '.join(SENTIMENT_LABELS)})", "use a known label"
        )
    return label


def parse_spans(field: str, length: int, path: Path | str = "<spans>", line: int | None = None) -> list[Span]:
    """``"4:5:LOC 10:13:ORG"`` -> spans, checked: types known, inside the ``length`` tokens, in order, not
    overlapping."""
    spans: list[Span] = []
    for part in field.split():
        match = re.fullmatch(r"(\d+):(\d+):([A-Z]+)", part)
        if not match:
            raise DataError(path, line, f"malformed span {part!r}", "write spans as start:end:TYPE, e.g. 4:6:PER")
        start, end, label = int(match.group(1)), int(match.group(2)), match.group(3)
        if label not in NER_TYPES:
            raise DataError(
                path, line, f"unknown entity type {label!r} in {part!r}", f"use one of {', '.join(NER_TYPES)}"
            )
        if not 0 <= start < end <= length:
            raise DataError(path, line, f"span {part!r} is outside the item's {length} tokens", "count tokens from 0")
        if spans and start < spans[-1].end:
            raise DataError(
                path, line, f"span {part!r} overlaps or precedes the span before it", "list spans left to right"
            )
        spans.append(Span(start, end, label))
    return spans


def format_spans(spans: Sequence[Span]) -> str:
    """The inverse of :func:`parse_spans`."""
    return " ".join(f"{s.start}:{s.end}:{s.label}" for s in spans)


def _adjudication(path: Path, items: dict, a: dict, b: dict, parse) -> dict[str, dict]:
    """The adjudicated value of every item where A and B disagree; it must name whose reading it keeps."""
    rows = _keyed(path, (4,), items)
    decisions = {}
    for key, (number, fields) in rows.items():
        value, kept, why = parse(number, key, fields[1]), fields[2], fields[3]
        if a[key] == b[key]:
            raise DataError(
                path, number, f"{key}: passes A and B agree, there is nothing to adjudicate", "remove the line"
            )
        expected = "A" if value == a[key] else "B" if value == b[key] else "neither"
        if kept != expected:
            raise DataError(
                path,
                number,
                f"{key}: kept is {kept!r} but the adjudicated value is {expected}'s reading",
                f"write {expected}",
            )
        if not why.strip():
            raise DataError(path, number, f"{key}: no reason given", "cite the guideline rule that decides it")
        decisions[key] = {"value": value, "kept": kept, "why": why}
    undecided = [key for key in items if a[key] != b[key] and key not in decisions]
    if undecided:
        raise DataError(
            path,
            None,
            f"{len(undecided)} disagreements are not adjudicated, first {undecided[:3]}",
            "add a line for each",
        )
    return decisions


def study_dir(root: Path | None = None) -> Path:
    """``data/annotation`` (or ``root``)."""
    return root if root is not None else data_dir() / "annotation"


def load_sentiment_study(root: Path | None = None) -> list[dict]:
    """The Rotten Tomatoes snippets with both passes, the adjudicated label and the critic's verdict.

    Each record: ``id``, ``row``, ``text`` (normalised, as the annotators saw it), ``movie``,
    ``critic`` (``positive`` = fresh, ``negative`` = rotten), ``a``, ``b`` (labels), ``a_flag``,
    ``b_flag`` (rule 8: could not decide between neutral and polar), ``adjudicated``, ``kept``
    (``agreed``, ``A``, ``B`` or ``neither``) and ``why`` (the rule, for adjudicated ones).
    """
    folder = study_dir(root) / "rotten_tomatoes"
    corpus = {r["_line"]: r for r in rotten_tomatoes()}
    items = {}
    for key, (number, (_, row, stamp)) in _keyed(folder / "items.tsv", (3,)).items():
        record = corpus.get(int(row)) if row.isdigit() else None
        if record is None:
            raise DataError(
                folder / "items.tsv",
                number,
                f"row {row!r} is not a snippet of the packaged corpus",
                "check the corpus version (sftlab.data.corpora.CORPORA)",
            )
        text = normalize_text(record["text"])
        if fingerprint(text) != stamp:
            raise DataError(
                folder / "items.tsv",
                number,
                f"row {row}'s text does not match the fingerprint {stamp}",
                "the packaged corpus differs from the one annotated; install the version in CORPORA",
            )
        items[key] = {"id": key, "row": int(row), "text": text, "movie": record["movie"], "critic": record["label"]}
    passes = {}
    for name in ("a", "b"):
        path = folder / f"pass_{name}.tsv"
        rows = _keyed(path, (2, 3), items)
        _require_all(path, rows, items)
        for key, (number, fields) in rows.items():
            if len(fields) == 3 and fields[2] != "flag":
                raise DataError(
                    path, number, f"third field must be 'flag', found {fields[2]!r}", "write flag or nothing"
                )
            items[key][name] = _sentiment_label(path, number, fields[1])
            items[key][f"{name}_flag"] = len(fields) == 3
        passes[name] = {key: items[key][name] for key in items}
    path = folder / "adjudication.tsv"
    decisions = _adjudication(
        path, items, passes["a"], passes["b"], lambda number, _, v: _sentiment_label(path, number, v)
    )
    for key, record in items.items():
        decision = decisions.get(key, {"value": record["a"], "kept": "agreed", "why": ""})
        record.update(adjudicated=decision["value"], kept=decision["kept"], why=decision["why"])
    return list(items.values())


def load_ner_study(root: Path | None = None) -> list[dict]:
    """The WNUT-16 tweets with both passes' spans, the adjudicated spans and WNUT-16's own gold.

    Each record: ``id``, ``tweet``, ``tokens``, ``gold`` (WNUT-16's spans mapped to CoNLL types),
    ``a``, ``b``, ``adjudicated`` (lists of :class:`~sftlab.io.tags.Span`), ``kept`` and ``why``.
    """
    folder = study_dir(root) / "wnut16"
    corpus = {s.doc: s for s in wnut16(map_to_conll=True)}
    items = {}
    for key, (number, (_, tweet, count, stamp)) in _keyed(folder / "items.tsv", (4,)).items():
        sentence = corpus.get(tweet)
        if sentence is None:
            raise DataError(
                folder / "items.tsv",
                number,
                f"tweet {tweet!r} is not in the packaged corpus",
                "check the corpus version (sftlab.data.corpora.CORPORA)",
            )
        if str(len(sentence.tokens)) != count or fingerprint(" ".join(sentence.tokens)) != stamp:
            raise DataError(
                folder / "items.tsv",
                number,
                f"{tweet}'s tokens do not match the count {count} and fingerprint {stamp}",
                "the packaged corpus differs from the one annotated",
            )
        items[key] = {"id": key, "tweet": tweet, "tokens": sentence.tokens, "gold": spans_from_iob2(sentence.tags)}
    passes = {}
    for name in ("a", "b"):
        path = folder / f"pass_{name}.tsv"
        rows = _keyed(path, (1, 2), items)
        _require_all(path, rows, items)
        for key, (number, fields) in rows.items():
            items[key][name] = parse_spans(
                fields[1] if len(fields) == 2 else "", len(items[key]["tokens"]), path, number
            )
        passes[name] = {key: items[key][name] for key in items}
    path = folder / "adjudication.tsv"
    decisions = _adjudication(
        path,
        items,
        passes["a"],
        passes["b"],
        lambda number, key, v: parse_spans(v, len(items[key]["tokens"]), path, number),
    )
    for key, record in items.items():
        decision = decisions.get(key, {"value": record["a"], "kept": "agreed", "why": ""})
        record.update(adjudicated=decision["value"], kept=decision["kept"], why=decision["why"])
    return list(items.values())


def _label_at(spans: Sequence[Span], start: int, end: int) -> str:
    """The type of the span exactly at ``start:end``, or ``-`` when there is none."""
    return next((s.label for s in spans if (s.start, s.end) == (start, end)), "-")


def load_ner_double(folder: Path | None = None) -> list[dict]:
    """The project's NER double subset: each sentence with passes A and B, and the gold now and before adjudication.

    ``folder`` is ``data/ner/double`` (its ``annotator_a.txt``, ``annotator_b.txt`` and
    ``adjudication.tsv``); the gold is read from ``../source``. Each record: ``id``
    (``document#position``, 1 = the document's first sentence), ``tokens``, and the spans ``a``,
    ``b``, ``gold`` (the gold now) and ``gold_before`` (the gold as it stood when the passes were
    made: the corrections of ``adjudication.tsv`` undone). That file says it lists every span where
    A or B differed from the gold then; the loader checks it, so a difference it does not list is an
    error, and so is a row whose A, B or gold-now column does not match the files.
    """
    folder = folder if folder is not None else data_dir() / "ner" / "double"
    gold = {(s.doc, tuple(s.tokens)): spans_from_iob2(s.tags) for s in read_ner_sources(folder.parent / "source")}
    passes = {name: read_brackets(folder / f"annotator_{name}.txt") for name in ("a", "b")}
    records: dict[str, dict] = {}
    position: dict[str, int] = {}
    for sentence_a, sentence_b in zip(passes["a"], passes["b"], strict=True):
        if (sentence_a.doc, sentence_a.tokens) != (sentence_b.doc, sentence_b.tokens):
            raise DataError(
                folder / "annotator_b.txt",
                sentence_b.line,
                "the sentence differs from annotator_a.txt's",
                "both passes annotate the same sentences, in the same order",
            )
        key = (sentence_a.doc, tuple(sentence_a.tokens))
        if key not in gold:
            raise DataError(
                folder / "annotator_a.txt",
                sentence_a.line,
                f"no sentence of document {sentence_a.doc} in ../source has these tokens",
                "re-annotate from the current source",
            )
        position[sentence_a.doc] = position.get(sentence_a.doc, 0) + 1
        ident = f"{sentence_a.doc}#{position[sentence_a.doc]}"
        records[ident] = {
            "id": ident,
            "tokens": list(sentence_a.tokens),
            "a": spans_from_iob2(sentence_a.tags),
            "b": spans_from_iob2(sentence_b.tags),
            "gold": gold[key],
            "gold_before": list(gold[key]),
        }
    path = folder / "adjudication.tsv"
    listed: set[tuple[str, int, int]] = set()
    for number, (ident, span, before, label_a, label_b, now, _why) in _rows(path, (7,)):
        record = records.get(ident)
        match = re.fullmatch(r"(\d+):(\d+)", span)
        if record is None or not match or not 0 <= int(match.group(1)) < int(match.group(2)) <= len(record["tokens"]):
            raise DataError(
                path,
                number,
                f"{ident} {span}: not a sentence and span of the subset",
                "write document#position and start:end over its tokens",
            )
        start, end = int(match.group(1)), int(match.group(2))
        for column, value, spans in (
            ("A", label_a, record["a"]),
            ("B", label_b, record["b"]),
            ("gold now", now, record["gold"]),
        ):
            if value != _label_at(spans, start, end):
                raise DataError(
                    path,
                    number,
                    f"{ident} {span}: the {column} column says {value!r}, the files say "
                    f"{_label_at(spans, start, end)!r}",
                    "correct the row",
                )
        kept = [s for s in record["gold_before"] if (s.start, s.end) != (start, end)]
        record["gold_before"] = sorted(kept + ([Span(start, end, before)] if before != "-" else []))
        listed.add((ident, start, end))
    for ident, record in records.items():
        for name in ("a", "b"):
            for s in sorted(set(record[name]) ^ set(record["gold_before"])):
                if (ident, s.start, s.end) not in listed:
                    raise DataError(
                        path,
                        None,
                        f"{ident}: pass {name.upper()} differs from the gold at {s.start}:{s.end} and no row lists it",
                        "list every span where a pass differed from the gold",
                    )
    return list(records.values())


def zero_shot_messages(text: str, labels: Sequence[str] = SENTIMENT_LABELS) -> list[dict]:
    """The chat messages that ask a language model for one label of a review, zero-shot (no examples)."""
    options = ", ".join(labels[:-1]) + f" or {labels[-1]}"
    return [{"role": "user", "content": f'Review: "{text}"\n\nWas this review {options}? Answer with one word.'}]


def parse_label_reply(reply: str, labels: Sequence[str] = SENTIMENT_LABELS) -> str | None:
    """The label a reply gives, read strictly: the whole reply must be one label (any case, a final
    full stop allowed). Anything else (``The review is positive``, ``I'm not sure``) is None: an
    annotator who does not follow the format has not given a label.
    """
    word = reply.strip().rstrip(".").strip().lower()
    return word if word in labels else None
