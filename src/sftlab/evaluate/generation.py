"""Scoring what a language model generates: strict parsers back to labels and spans, and redaction.

A generation is scored only through a parser that accepts exactly the answer format the
instruction asked for. An output the parser rejects is *invalid*: it counts as wrong (never as a
crash), and the format-valid rate is reported beside the score, because a model that knows the
answer but not the format is not yet usable.

- :func:`parse_label`: one label word (case and a final full stop forgiven).
- :func:`parse_entities`: ``TYPE: mention; ...`` or ``none``, each mention found among the sentence's
  tokens, so the spans are scored with the same entity F1 as the encoders of notebook 05.
- :func:`redaction_scores`: a redaction scored by what the task is: the names' words it leaks, and
  the rest of the sentence it keeps. Text overlap (:func:`token_f1`, SQuAD's measure) is no score
  for it: copying the input unchanged keeps almost every word of the reference, names included.
- :func:`trivial_replies`: what answers that need no model score (the majority label, ``none``,
  the input copied), the floor every score of generated output is read against.
- :func:`score_replies`: each task's scores and their mean (what ``fit`` picks the epoch on);
  :func:`per_example_scores` and :func:`score_rows`: the same per record, for intervals.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Sequence

import numpy as np

from sftlab.data.formats import ENTITY_TYPES, NONE, REDACTED
from sftlab.evaluate.metrics import classification_scores, entity_counts, entity_scores
from sftlab.io.tags import Span, iob2_from_spans
from sftlab.io.words import split_words


def parse_label(text: str, labels: Sequence[str]) -> str | None:
    """The label ``text`` states, or None when it is anything but one of ``labels``."""
    answer = text.strip().rstrip(".").strip().lower()
    matches = [label for label in labels if label.lower() == answer]
    return matches[0] if matches else None


def _find_mention(mention: str, tokens: Sequence[str], used: set[int], cursor: int) -> tuple[int, int] | None:
    """The first run of unused ``tokens`` that spells ``mention`` (spaces ignored), from ``cursor`` on, then from 0."""
    target = "".join(mention.split())
    for start in [*range(cursor, len(tokens)), *range(min(cursor, len(tokens)))]:
        joined = ""
        for end in range(start, len(tokens)):
            if end in used:
                break
            joined += "".join(tokens[end].split())
            if joined == target:
                return start, end + 1
            if not target.startswith(joined):
                break
    return None


def parse_entities(text: str, tokens: Sequence[str], types: Sequence[str] = ENTITY_TYPES) -> list[Span] | None:
    """Spans over ``tokens`` from a ``TYPE: mention; TYPE: mention`` answer (``none``: no entity), or None if invalid.

    A mention is a run of the sentence's tokens, written with or without spaces between them
    (``U.S.``, ``Acme Corp.``, ``IBM's`` all match their tokens); each occurrence is used once,
    searched from the end of the previous mention (the answer lists them in order), then from
    the start. A full stop after a mention is read as the end of the reply when the mention
    without it is in the sentence, and as part of the mention otherwise (``LOC: London.`` is
    London; ``LOC: U.S.`` is U.S.). ``types``: the entity types a reply may name (case forgiven;
    a data set's own, such as ``DRUG``). Invalid: a part that is not ``TYPE: mention``, a type not
    in ``types``, a mention that is not a run of unused tokens.
    """
    known = {t.upper(): t for t in types}
    answer = text.strip()
    if answer.rstrip(".").strip().lower() == NONE:
        return []
    spans: list[Span] = []
    used: set[int] = set()
    cursor = 0
    for part in answer.split(";"):
        if not part.strip():
            continue
        match = re.fullmatch(r"\s*([A-Za-z][\w-]*)\s*:\s*(.+?)\s*", part)
        if not match or match.group(1).upper() not in known:
            return None
        mention = match.group(2)
        readings = [mention.rstrip(".").strip(), mention] if mention.endswith(".") else [mention]
        found = next(
            (
                run
                for reading in readings
                if reading
                for run in [_find_mention(reading, tokens, used, cursor)]
                if run is not None
            ),
            None,
        )
        if found is None:
            return None
        spans.append(Span(found[0], found[1], known[match.group(1).upper()]))
        used |= set(range(*found))
        cursor = found[1]
    return sorted(spans) if spans else None


def entity_tags(text: str, tokens: Sequence[str], types: Sequence[str] = ENTITY_TYPES) -> tuple[list[str], bool]:
    """IOB2 tags of a generated NER answer (all ``O`` when invalid) and whether it was valid."""
    spans = parse_entities(text, tokens, types)
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


def redaction_source(record: dict) -> str:
    """The sentence a ``redact`` record asks to rewrite: its last user turn after the instruction's blank line."""
    question = [m["content"] for m in record["messages"] if m["role"] == "user"][-1]
    return question.split("\n\n", 1)[-1]


def _redaction_words(text: str) -> Counter:
    """Lower-cased words of ``text``, each ``[PERSON]`` marker one word."""
    pieces = text.split(REDACTED)
    words = _words(pieces[0])
    for piece in pieces[1:]:
        words += [REDACTED.lower(), *_words(piece)]
    return Counter(words)


def _harmonic(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a + b else 0.0


def redaction_scores(reply: str, source: str, reference: str) -> dict[str, float]:
    """A redaction scored by the task: ``masked``, ``kept`` and ``score``, their harmonic mean.

    The names' words are those of ``source`` that ``reference`` replaced by ``[PERSON]``.
    ``masked``: the share of them that the reply does not leak (a name word in the reply beyond
    the times the reference keeps that word elsewhere is a leak); 1 when there is no name.
    ``kept``: F1 of the reply's other words (leaked name words left out) against the rest of the
    reference, its other words and its ``[PERSON]`` markers. Copying the input keeps nearly
    everything but masks nothing and scores 0; answering ``[PERSON]`` alone masks everything but
    keeps little and scores low: a redaction must do both to score.
    """
    said, rest = _redaction_words(reply), _redaction_words(reference)
    names = _redaction_words(source) - Counter({w: n for w, n in rest.items() if w != REDACTED.lower()})
    leaked = Counter({w: min(n, max(0, said[w] - rest[w])) for w, n in names.items()})
    masked = 1 - sum(leaked.values()) / sum(names.values()) if names else 1.0
    other = said - leaked
    common = sum((other & rest).values())
    if not other or not rest:
        kept = float(not other and not rest)
    else:
        kept = _harmonic(common / sum(other.values()), common / sum(rest.values()))
    return {"masked": masked, "kept": kept, "score": _harmonic(masked, kept)}


def trivial_replies(records: Sequence[dict], majority: str) -> list[str]:
    """Replies that need no model, one per record: ``majority`` for sentiment, ``none`` for NER, the input copied for
    redaction.

    Each is format-valid, so the score it gets is what a model earns by format alone.
    """
    answers = {"sentiment": lambda r: majority, "ner": lambda r: NONE, "redact": redaction_source}
    return [answers[r["task"]](r) for r in records]


def per_example_scores(
    records: Sequence[dict], replies: Sequence[str], labels: Sequence[str] = ("positive", "negative")
) -> dict[str, np.ndarray]:
    """Each task's scores per record, in the records' order within the task: what :func:`compare` resamples.

    ``sentiment`` (1 when the parsed label is right) and ``sentiment_valid``; ``ner``: rows of
    :func:`~sftlab.evaluate.metrics.entity_counts` (true positives, predicted, gold), to score with
    :func:`~sftlab.evaluate.metrics.f1_from_counts`, ``ner_valid``, and ``ner_named`` (1 for a valid
    reply that names at least one entity of the sentence: "none" is valid but names none); ``redact``,
    ``redact_masked``, ``redact_kept``: :func:`redaction_scores`. A task without records is absent.
    """
    rows: dict[str, list] = {}
    for record, reply in zip(records, replies, strict=True):
        task = record["task"]
        if task == "sentiment":
            label = parse_label(reply, labels)
            rows.setdefault("sentiment", []).append(float(label == record["label"]))
            rows.setdefault("sentiment_valid", []).append(float(label is not None))
        elif task == "ner":
            tags, valid = entity_tags(reply, record["tokens"], record.get("entity_types", ENTITY_TYPES))
            rows.setdefault("ner", []).append(entity_counts([record["tags"]], [tags])[0])
            rows.setdefault("ner_valid", []).append(float(valid))
            rows.setdefault("ner_named", []).append(float(valid and any(tag != "O" for tag in tags)))
        elif task == "redact":
            scores = redaction_scores(reply, redaction_source(record), record["reference"])
            for key, name in (("score", "redact"), ("masked", "redact_masked"), ("kept", "redact_kept")):
                rows.setdefault(name, []).append(scores[key])
        else:
            raise ValueError(f"unknown task {task!r} (known: sentiment, ner, redact)")
    return {name: np.array(values, dtype=float) for name, values in rows.items()}


#: The columns of :func:`score_rows`: per task, whether the row is one of its records, then its counts.
SCORE_COLUMNS = ("sentiment", "correct", "ner", "true_positives", "predicted", "gold", "redact", "redact_score")


def score_rows(
    records: Sequence[dict], replies: Sequence[str], labels: Sequence[str] = ("positive", "negative")
) -> np.ndarray:
    """One row per record (columns :data:`SCORE_COLUMNS`), from which :func:`score_of_rows` computes ``score``.

    A resample of these rows is a resample of the test records of every task at once, so
    :func:`~sftlab.evaluate.comparison.compare` can put an interval on the mean score of the tasks.
    """
    rows = np.zeros((len(records), len(SCORE_COLUMNS)))
    for i, (record, reply) in enumerate(zip(records, replies, strict=True)):
        scores = per_example_scores([record], [reply], labels)
        if record["task"] == "sentiment":
            rows[i, 0:2] = 1, scores["sentiment"][0]
        elif record["task"] == "ner":
            rows[i, 2], rows[i, 3:6] = 1, scores["ner"][0]
        else:
            rows[i, 6:8] = 1, scores["redact"][0]
    return rows


def score_of_rows(rows: np.ndarray) -> float:
    """The ``score`` of :func:`score_replies` from :func:`score_rows`: the mean over the tasks present of
    accuracy, entity F1 (strict, from the summed counts) and the mean redaction score."""
    main = []
    if rows[:, 0].any():
        main.append(rows[:, 1].sum() / rows[:, 0].sum())
    if rows[:, 2].any():
        tp, predicted, gold = rows[:, 3:6].sum(axis=0)
        precision, recall = (tp / predicted if predicted else 0.0), (tp / gold if gold else 0.0)
        main.append(_harmonic(precision, recall))
    if rows[:, 6].any():
        main.append(rows[:, 7].sum() / rows[:, 6].sum())
    return float(np.mean(main)) if main else 0.0


def score_replies(
    records: Sequence[dict], replies: Sequence[str], labels: Sequence[str] = ("positive", "negative")
) -> dict[str, float]:
    """Per-task scores of replies to chat records (see :func:`sftlab.data.formats.to_sft_record`).

    ``sentiment``: accuracy and macro-F1 (an invalid reply is wrong) and the valid rate; ``ner``:
    strict entity F1 with seqeval (an invalid reply predicts no entity) and the valid rate;
    ``redact``: the mean :func:`redaction_scores` (``redact_score``, ``redact_masked``,
    ``redact_kept``) and exact match. ``score`` is the mean of the tasks' main figures present
    (accuracy, entity F1, redaction score): what ``fit`` selects the epoch on.
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
        scores.update(
            sentiment_accuracy=result["accuracy"],
            sentiment_macro_f1=result["macro_f1"],
            sentiment_valid=sum(p is not None for p in parsed) / len(parsed),
        )
        main.append(result["accuracy"])
    if "ner" in by_task:
        pairs = by_task["ner"]
        tagged = [entity_tags(reply, r["tokens"], r.get("entity_types", ENTITY_TYPES)) for r, reply in pairs]
        scores.update(
            ner_f1=entity_scores([r["tags"] for r, _ in pairs], [t for t, _ in tagged])["f1"],
            ner_valid=sum(valid for _, valid in tagged) / len(tagged),
        )
        main.append(scores["ner_f1"])
    if "redact" in by_task:
        pairs = by_task["redact"]
        rows = per_example_scores([r for r, _ in pairs], [reply for _, reply in pairs], labels)
        scores.update(
            redact_score=float(rows["redact"].mean()),
            redact_masked=float(rows["redact_masked"].mean()),
            redact_kept=float(rows["redact_kept"].mean()),
            redact_exact=sum(exact_match(reply, r["reference"]) for r, reply in pairs) / len(pairs),
        )
        main.append(scores["redact_score"])
    scores["score"] = sum(main) / len(main) if main else 0.0
    return scores
