"""Scoring what a language model generates: strict parsers back to labels and spans, and text overlap.

A generation is scored only through a parser that accepts exactly the answer format the
instruction asked for. An output the parser rejects is *invalid*: it counts as wrong (never as a
crash), and the format-valid rate is reported beside the score, because a model that knows the
answer but not the format is not yet usable.

- :func:`parse_label`: one label word (case and a final full stop forgiven).
- :func:`parse_entities`: ``TYPE: mention; ...`` or ``none``, each mention found among the sentence's
  tokens, so the spans are scored with the same entity F1 as the encoders of notebook 05.
- :func:`token_f1`, :func:`exact_match`: free-text answers against a reference (SQuAD's measures).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Sequence

from sftlab.evaluate.metrics import classification_scores, entity_scores
from sftlab.io.tags import Span, iob2_from_spans
from sftlab.io.words import split_words

ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")


def parse_label(text: str, labels: Sequence[str]) -> str | None:
    """The label ``text`` states, or None when it is anything but one of ``labels``."""
    answer = text.strip().rstrip(".").strip().lower()
    matches = [label for label in labels if label.lower() == answer]
    return matches[0] if matches else None


def parse_entities(text: str, tokens: Sequence[str], types: Sequence[str] = ENTITY_TYPES) -> list[Span] | None:
    """Spans over ``tokens`` from a ``TYPE: mention; TYPE: mention`` answer (``none``: no entity), or None if invalid.

    Invalid: a part that is not ``TYPE: mention``, an unknown type, or a mention that is not a run
    of the sentence's tokens (each occurrence is used once, left to right), or overlapping spans.
    """
    answer = text.strip().rstrip(".").strip()
    if answer.lower() == "none":
        return []
    spans: list[Span] = []
    used: set[int] = set()
    for part in answer.split(";"):
        if not part.strip():
            continue
        match = re.fullmatch(r"\s*([A-Za-z]+)\s*:\s*(.+?)\s*", part)
        if not match or match.group(1).upper() not in types:
            return None
        label, words = match.group(1).upper(), split_words(match.group(2))
        found = next((start for start in range(len(tokens) - len(words) + 1)
                      if list(tokens[start:start + len(words)]) == words
                      and not used & set(range(start, start + len(words)))), None)
        if not words or found is None:
            return None
        spans.append(Span(found, found + len(words), label))
        used |= set(range(found, found + len(words)))
    return sorted(spans) if spans else None


def entity_tags(text: str, tokens: Sequence[str]) -> tuple[list[str], bool]:
    """IOB2 tags of a generated NER answer (all ``O`` when invalid) and whether it was valid."""
    spans = parse_entities(text, tokens)
    return (iob2_from_spans(spans or [], len(tokens)), spans is not None)


def _words(text: str) -> list[str]:
    return [w.lower() for w in split_words(text)]


def token_f1(prediction: str, reference: str) -> float:
    """F1 of the word multisets of ``prediction`` and ``reference`` (lower-cased), as SQuAD scores answers."""
    predicted, gold = _words(prediction), _words(reference)
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, reference: str) -> bool:
    """Whether the two texts are the same words (case and spacing forgiven)."""
    return _words(prediction) == _words(reference)


def score_replies(records: Sequence[dict], replies: Sequence[str], labels: Sequence[str] = ("positive", "negative")
                  ) -> dict[str, float]:
    """Per-task scores of replies to chat records (see :func:`sftlab.data.formats.to_sft_record`).

    ``sentiment``: accuracy and macro-F1 (an invalid reply is wrong) and the valid rate; ``ner``:
    strict entity F1 with seqeval (an invalid reply predicts no entity) and the valid rate;
    ``redact``: exact match and token F1. ``score`` is the mean of the tasks' main figures
    (accuracy, entity F1, token F1) present: what ``fit`` selects the epoch on.
    """
    by_task: dict[str, list[tuple[dict, str]]] = {}
    for record, reply in zip(records, replies):
        by_task.setdefault(record["task"], []).append((record, reply))
    scores: dict[str, float] = {}
    main = []
    if "sentiment" in by_task:
        pairs = by_task["sentiment"]
        parsed = [parse_label(reply, labels) for _, reply in pairs]
        gold = [r["label"] for r, _ in pairs]
        predicted = [p if p is not None else "(invalid)" for p in parsed]
        result = classification_scores(gold, predicted, list(labels))
        scores.update(sentiment_accuracy=result["accuracy"], sentiment_macro_f1=result["macro_f1"],
                      sentiment_valid=sum(p is not None for p in parsed) / len(parsed))
        main.append(result["accuracy"])
    if "ner" in by_task:
        pairs = by_task["ner"]
        tagged = [entity_tags(reply, r["tokens"]) for r, reply in pairs]
        scores.update(ner_f1=entity_scores([r["tags"] for r, _ in pairs], [t for t, _ in tagged])["f1"],
                      ner_valid=sum(valid for _, valid in tagged) / len(tagged))
        main.append(scores["ner_f1"])
    if "redact" in by_task:
        pairs = by_task["redact"]
        scores.update(redact_exact=sum(exact_match(reply, r["reference"]) for r, reply in pairs) / len(pairs),
                      redact_token_f1=sum(token_f1(reply, r["reference"]) for r, reply in pairs) / len(pairs))
        main.append(scores["redact_token_f1"])
    scores["score"] = sum(main) / len(main) if main else 0.0
    return scores
