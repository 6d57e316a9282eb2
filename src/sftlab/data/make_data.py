"""Build the project's shipped datasets from their hand-written sources.

``python -m sftlab.data.make_data`` reads ``data/ner/source/*.txt`` (bracket annotation) and
``data/sentiment/source/*.tsv``, validates them, splits them by group and writes
``data/ner/{train,dev,test}.iob2``, ``data/sentiment/{train,dev,test}.jsonl`` and the stats
block of each data card. ``--check`` writes nothing and exits non-zero if any output is stale.

Groups: NER sentences are grouped by document, and documents are merged when any of their
sentences share a *skeleton* (the sentence with names replaced by their type and digits by 0)
or are near duplicates; reviews are grouped by the item reviewed, merged the same way. So no
near-duplicate or shared-skeleton pair can cross from train to test.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Sequence

from sftlab.data.datacard import card_block, ner_stats, render_ner, render_text, text_stats, update_card
from sftlab.data.dedup import merged_groups
from sftlab.data.splits import grouped_split
from sftlab.io.atomic import write_text
from sftlab.io.brackets import read_brackets
from sftlab.io.conll import Sentence, format_conll
from sftlab.io.errors import DataError
from sftlab.io.jsonl import format_jsonl
from sftlab.io.paths import data_dir
from sftlab.io.tags import spans_from_iob2
from sftlab.io.textfile import iter_lines

SENTIMENT_LABELS = ("negative", "neutral", "positive")
SEED = 2024


def skeleton(sentence: Sentence) -> str:
    """The sentence with each entity replaced by ``<TYPE>``, digits by 0, lower-cased."""
    spans = {start: (end, label) for start, end, label in spans_from_iob2(sentence.tags)}
    parts, i = [], 0
    while i < len(sentence.tokens):
        if i in spans:
            end, label = spans[i]
            parts.append(f"<{label}>")
            i = end
        else:
            parts.append(re.sub(r"\d", "0", sentence.tokens[i].lower()))
            i += 1
    return " ".join(parts)


def read_ner_sources(folder: Path) -> list[Sentence]:
    """All bracket-annotated source files, each sentence tagged with its register (file stem)."""
    sentences = []
    for path in sorted(folder.glob("*.txt")):
        for sentence in read_brackets(path):
            sentence.meta["register"] = path.stem
            sentences.append(sentence)
    if not sentences:
        raise DataError(folder, None, "no *.txt source files")
    return sentences


def read_sentiment_sources(folder: Path) -> list[dict]:
    """All ``<domain>.tsv`` sources: ``id<TAB>label<TAB>item<TAB>text`` lines, validated."""
    records, seen = [], {}
    for path in sorted(folder.glob("*.tsv")):
        for number, line in iter_lines(path):
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) != 4:
                raise DataError(
                    path,
                    number,
                    f"expected 4 tab-separated fields (id, label, item, text), found {len(fields)}",
                    "remove tabs inside the text; see data/sentiment/GUIDELINES.md",
                )
            review_id, label, item, text = (f.strip() for f in fields)
            if label not in SENTIMENT_LABELS:
                raise DataError(
                    path,
                    number,
                    f"unknown label {label!r} (known: {', '.join(SENTIMENT_LABELS)})",
                    "use one of the known labels",
                )
            if not text or not item:
                raise DataError(path, number, "empty item or text", "fill in the item and the review")
            if review_id in seen:
                raise DataError(
                    path, number, f"id {review_id!r} already used at {seen[review_id]}", "give each review its own id"
                )
            seen[review_id] = f"{path.name}:{number}"
            records.append({"id": review_id, "domain": path.stem, "item": item, "text": text, "label": label})
    if not records:
        raise DataError(folder, None, "no *.tsv source files")
    return records


def split_ner(sentences: list[Sentence]) -> dict[str, list[Sentence]]:
    """Grouped (document + skeleton + near-duplicate) split stratified by register."""
    groups = merged_groups(
        [s.doc for s in sentences], [" ".join(s.tokens) for s in sentences], keys=[skeleton(s) for s in sentences]
    )
    return grouped_split(sentences, groups, strata=[s.meta["register"] for s in sentences], seed=SEED)


def split_sentiment(records: list[dict]) -> dict[str, list[dict]]:
    """Grouped (item + near-duplicate) split stratified by domain and label."""
    groups = merged_groups([f"{r['domain']}/{r['item']}" for r in records], [r["text"] for r in records])
    return grouped_split(records, groups, strata=[(r["domain"], r["label"]) for r in records], seed=SEED)


def build(root: Path | None = None, check: bool = False) -> list[str]:
    """Build (or with ``check``, compare) every output; return the list of stale or written files."""
    root = root or data_dir()
    changed = []
    ner = split_ner(read_ner_sources(root / "ner" / "source"))
    sentiment = split_sentiment(read_sentiment_sources(root / "sentiment" / "source"))
    outputs = {root / "ner" / f"{name}.iob2": format_conll(part) for name, part in ner.items()}
    outputs.update({root / "sentiment" / f"{name}.jsonl": format_jsonl(part) for name, part in sentiment.items()})
    cards = {
        root / "ner" / "README.md": render_ner(ner_stats(ner)),
        root / "sentiment" / "README.md": render_text(text_stats(sentiment, "item")),
    }
    for path, text in outputs.items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            changed.append(str(path))
            if not check:
                write_text(path, text)
    for path, block in cards.items():
        if card_block(path) != block:
            changed.append(str(path))
            if not check:
                update_card(path, block)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sftlab.data.make_data [--check]``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in argv
    changed = build(check=check)
    verb = "stale" if check else "written"
    for path in changed:
        print(f"{verb}: {path}")
    if not changed:
        print("data is up to date with its sources")
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
