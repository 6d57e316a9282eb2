"""Data cards: the statistics section of each ``data/*/README.md``, computed from the data.

A card's hand-written parts (purpose, sources of style, guidelines, limits, licence) stay as
written; the block between ``<!-- stats:begin -->`` and ``<!-- stats:end -->`` is generated,
and a test fails when it no longer matches the data.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Mapping, Sequence

from sftlab.io.atomic import write_text
from sftlab.io.conll import Sentence
from sftlab.io.tags import spans_from_iob2

BEGIN, END = "<!-- stats:begin -->", "<!-- stats:end -->"


def ner_stats(splits: Mapping[str, Sequence[Sentence]]) -> dict:
    """Sentences, tokens, documents and entity mentions per type, per split."""
    stats = {}
    for name, sentences in splits.items():
        types = Counter(span.label for s in sentences for span in spans_from_iob2(s.tags))
        stats[name] = {
            "sentences": len(sentences),
            "tokens": sum(len(s.tokens) for s in sentences),
            "documents": len({s.doc for s in sentences}),
            "entities": sum(types.values()),
            "types": dict(sorted(types.items())),
        }
    return stats


def text_stats(splits: Mapping[str, Sequence[dict]], group_field: str | None = None) -> dict:
    """Examples, labels, domains and mean length in words, per split."""
    stats = {}
    for name, records in splits.items():
        entry = {
            "examples": len(records),
            "labels": dict(sorted(Counter(r["label"] for r in records).items())),
            "mean_words": round(sum(len(r["text"].split()) for r in records) / max(1, len(records)), 1),
        }
        if records and "domain" in records[0]:
            entry["domains"] = dict(sorted(Counter(r["domain"] for r in records).items()))
        if group_field:
            entry["groups"] = len({r[group_field] for r in records})
        stats[name] = entry
    return stats


def _table(rows: list[list[str]]) -> list[str]:
    header, *body = rows
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in body]


def render_ner(stats: dict) -> str:
    """Markdown tables for :func:`ner_stats`."""
    splits = list(stats)
    types = sorted({t for s in stats.values() for t in s["types"]})
    rows = [["", *splits, "total"]]
    for key in ("documents", "sentences", "tokens", "entities"):
        values = [stats[s][key] for s in splits]
        rows.append([key, *map(str, values), str(sum(values))])
    for t in types:
        values = [stats[s]["types"].get(t, 0) for s in splits]
        rows.append([f"`{t}` mentions", *map(str, values), str(sum(values))])
    return "\n".join(_table(rows))


def render_text(stats: dict) -> str:
    """Markdown tables for :func:`text_stats`."""
    splits = list(stats)
    rows = [["", *splits, "total"]]
    values = [stats[s]["examples"] for s in splits]
    rows.append(["examples", *map(str, values), str(sum(values))])
    for key in ("labels", "domains"):
        names = sorted({n for s in stats.values() for n in s.get(key, {})})
        for n in names:
            values = [stats[s][key].get(n, 0) for s in splits]
            rows.append([f"{key[:-1]} `{n}`", *map(str, values), str(sum(values))])
    if "groups" in stats[splits[0]]:
        rows.append(["distinct items", *(str(stats[s]["groups"]) for s in splits), "-"])
    rows.append(["mean words", *(str(stats[s]["mean_words"]) for s in splits), "-"])
    return "\n".join(_table(rows))


def update_card(path: str | Path, generated: str) -> bool:
    """Replace the stats block of the card at ``path``; return whether it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(f"{path}: no '{BEGIN}' ... '{END}' block to fill in")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{generated}\n{END}{tail}"
    if new != text:
        write_text(path, new)
        return True
    return False


def card_block(path: str | Path) -> str:
    """The current stats block of a card (without the markers)."""
    text = Path(path).read_text(encoding="utf-8")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")
