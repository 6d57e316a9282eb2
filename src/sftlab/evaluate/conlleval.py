"""A CoNLL-style scorer: the chunk logic, counts and report format of the classic ``conlleval`` script.

``conlleval`` (CoNLL-2000 shared task, Perl) is the reference scorer of CoNLL NER results. It
reads IOB1, IOB2 or IOBES, decides where chunks start and end from each pair of adjacent tags,
counts a phrase as correct when gold and guess start *and* end together with the same type, and
prints token accuracy (``O`` included) and phrase precision, recall and FB1, overall and per
type. This module reproduces that logic line for line (``start_of_chunk``/``end_of_chunk``
follow the Perl subs), so its numbers match the script's on the same input.

One deliberate difference: the Perl script splits a tag on every ``-``, so a type such as
``geo-loc`` (WNUT) is truncated to ``geo``; here the type is everything after the first ``-``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence


def _split(tag: str) -> tuple[str, str]:
    prefix, _, kind = tag.partition("-")
    return prefix, kind


def end_of_chunk(prev_tag: str, tag: str, prev_type: str, kind: str) -> bool:
    """Whether a chunk ended between the previous token and this one (conlleval's ``endOfChunk``)."""
    pairs = {("B", "B"), ("B", "O"), ("I", "B"), ("I", "O"), ("E", "E"), ("E", "I"), ("E", "O")}
    if (prev_tag, tag) in pairs:
        return True
    if prev_tag not in ("O", ".") and prev_type != kind:
        return True
    return prev_tag in ("]", "[")


def start_of_chunk(prev_tag: str, tag: str, prev_type: str, kind: str) -> bool:
    """Whether a chunk starts at this token (conlleval's ``startOfChunk``)."""
    pairs = {("B", "B"), ("I", "B"), ("O", "B"), ("O", "I"), ("E", "E"), ("E", "I"), ("O", "E")}
    if (prev_tag, tag) in pairs:
        return True
    if tag not in ("O", ".") and prev_type != kind:
        return True
    return tag in ("[", "]")


@dataclass
class ConllCounts:
    """The counters conlleval keeps."""

    tokens: int = 0
    correct_tags: int = 0
    found_correct: Counter = field(default_factory=Counter)
    found_guessed: Counter = field(default_factory=Counter)
    correct_chunks: Counter = field(default_factory=Counter)


def count(gold: Sequence[Sequence[str]], guessed: Sequence[Sequence[str]]) -> ConllCounts:
    """Run conlleval's token loop over sentences (a sentence boundary acts as an ``O`` token)."""
    counts = ConllCounts()
    for g_sentence, p_sentence in zip(gold, guessed, strict=True):
        if len(g_sentence) != len(p_sentence):
            raise ValueError(f"sentence of {len(g_sentence)} gold tags but {len(p_sentence)} guessed tags")
        last_correct, last_correct_type, last_guessed, last_guessed_type = "O", "", "O", ""
        in_correct = False
        for g_tag, p_tag in list(zip(g_sentence, p_sentence)) + [("O", "O")]:
            correct, correct_type = _split(g_tag)
            guessed_tag, guessed_type = _split(p_tag)
            end_correct = end_of_chunk(last_correct, correct, last_correct_type, correct_type)
            end_guessed = end_of_chunk(last_guessed, guessed_tag, last_guessed_type, guessed_type)
            if in_correct:
                if end_correct and end_guessed and last_guessed_type == last_correct_type:
                    in_correct = False
                    counts.correct_chunks[last_correct_type] += 1
                elif end_correct != end_guessed or guessed_type != correct_type:
                    in_correct = False
            start_correct = start_of_chunk(last_correct, correct, last_correct_type, correct_type)
            start_guessed = start_of_chunk(last_guessed, guessed_tag, last_guessed_type, guessed_type)
            if start_correct and start_guessed and guessed_type == correct_type:
                in_correct = True
            if start_correct:
                counts.found_correct[correct_type] += 1
            if start_guessed:
                counts.found_guessed[guessed_type] += 1
            last_correct, last_correct_type, last_guessed, last_guessed_type = (
                correct,
                correct_type,
                guessed_tag,
                guessed_type,
            )
        counts.tokens += len(g_sentence)
        counts.correct_tags += sum(g == p for g, p in zip(g_sentence, p_sentence))
    return counts


def _prf(correct: int, guessed: int, gold: int) -> tuple[float, float, float]:
    precision = 100.0 * correct / guessed if guessed else 0.0
    recall = 100.0 * correct / gold if gold else 0.0
    fb1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, fb1


def evaluate(gold: Sequence[Sequence[str]], guessed: Sequence[Sequence[str]]) -> dict:
    """Scores as numbers: accuracy and overall / per-type precision, recall, FB1 (in %), and the counts."""
    counts = count(gold, guessed)
    total = _prf(
        sum(counts.correct_chunks.values()), sum(counts.found_guessed.values()), sum(counts.found_correct.values())
    )
    types = sorted((set(counts.found_correct) | set(counts.found_guessed)) - {""})
    return {
        "tokens": counts.tokens,
        "phrases": sum(counts.found_correct.values()),
        "found": sum(counts.found_guessed.values()),
        "correct": sum(counts.correct_chunks.values()),
        "accuracy": 100.0 * counts.correct_tags / counts.tokens if counts.tokens else 0.0,
        "precision": total[0],
        "recall": total[1],
        "fb1": total[2],
        "per_type": {
            t: dict(
                zip(
                    ("precision", "recall", "fb1"),
                    _prf(counts.correct_chunks[t], counts.found_guessed[t], counts.found_correct[t]),
                ),
                found=counts.found_guessed[t],
            )
            for t in types
        },
    }


def report(gold: Sequence[Sequence[str]], guessed: Sequence[Sequence[str]]) -> str:
    """The report exactly as conlleval prints it."""
    s = evaluate(gold, guessed)
    lines = [
        f"processed {s['tokens']} tokens with {s['phrases']} phrases; "
        f"found: {s['found']} phrases; correct: {s['correct']}."
    ]
    if s["tokens"]:
        lines.append(
            f"accuracy: {s['accuracy']:6.2f}%; precision: {s['precision']:6.2f}%; "
            f"recall: {s['recall']:6.2f}%; FB1: {s['fb1']:6.2f}"
        )
    for kind, v in s["per_type"].items():
        lines.append(
            f"{kind:>17}: precision: {v['precision']:6.2f}%; recall: {v['recall']:6.2f}%; "
            f"FB1: {v['fb1']:6.2f}  {v['found']}"
        )
    return "\n".join(lines)
