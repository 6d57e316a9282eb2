"""SFT data formats: one labelled example written in every common format, with validators and round trips.

- classification JSONL: ``{"text", "label"}``
- token classification: ``{"tokens", "tags"}`` in IOB2 or BIOES
- text-to-text (seq2seq): ``ner: <sentence>`` -> ``PER: Ada Lovelace; LOC: London``, parsed back to spans
- extractive QA (SQuAD style): ``{"context", "question", "answers": {"text", "answer_start"}}``
- masked LM: 15% of positions chosen; of those 80% ``[MASK]``, 10% a random token, 10% unchanged
- instruction (Alpaca): ``{"instruction", "input", "output"}``, for sentiment, NER and a free-text
  task (redacting people's names)
- chat: ``{"messages": [{"role", "content"}, ...]}``; rendering it with the causal LM's chat
  template and masking the loss on everything but the answers is :mod:`sftlab.data.chat`
- preference pair: ``{"prompt", "chosen", "rejected"}`` (the input of DPO-style training)

Each ``validate_*`` raises :class:`DataError` naming the record (``record N``) and the problem.
"""

from __future__ import annotations

import random
from typing import Sequence

from sftlab.io.conll import Sentence
from sftlab.io.errors import DataError
from sftlab.io.tags import Span, bioes_to_iob2, iob2_problems, iob2_to_bioes, spans_from_iob2

TYPE_NAMES = {"PER": "people", "ORG": "organisations", "LOC": "places", "MISC": "other names"}
NONE = "none"


def _fail(where: str, problem: str) -> None:
    raise DataError(where, None, problem)


# --- classification ------------------------------------------------------------------------


def validate_classification(record: dict, labels: Sequence[str], where: str = "record") -> None:
    """A classification record has a non-empty ``text`` and a known ``label``."""
    if not isinstance(record.get("text"), str) or not record["text"].strip():
        _fail(where, "'text' must be a non-empty string")
    if record.get("label") not in labels:
        _fail(where, f"label {record.get('label')!r} is not one of {list(labels)}")


# --- token classification ------------------------------------------------------------------


def to_token_record(sentence: Sentence, scheme: str = "IOB2") -> dict:
    """``{"tokens", "tags"}`` in ``IOB2`` or ``BIOES``."""
    tags = iob2_to_bioes(sentence.tags) if scheme == "BIOES" else list(sentence.tags)
    return {"tokens": list(sentence.tokens), "tags": tags}


def validate_token_record(record: dict, scheme: str = "IOB2", where: str = "record") -> list[str]:
    """Check lengths and the tag scheme; return the IOB2 tags."""
    tokens, tags = record.get("tokens"), record.get("tags")
    if not isinstance(tokens, list) or not isinstance(tags, list):
        _fail(where, "'tokens' and 'tags' must be lists")
    if len(tokens) != len(tags):
        _fail(where, f"{len(tokens)} tokens but {len(tags)} tags")
    if any(not isinstance(t, str) or not t.strip() for t in tokens):
        _fail(where, "empty token")
    try:
        iob2 = bioes_to_iob2(tags) if scheme == "BIOES" else list(tags)
    except ValueError as exc:
        _fail(where, f"invalid BIOES: {exc}")
    problems = iob2_problems(iob2)
    if problems:
        _fail(where, f"position {problems[0][0]}: {problems[0][1]}")
    return iob2


# --- text-to-text ------------------------------------------------------------------------------


def to_text_pair(sentence: Sentence) -> dict:
    """``{"source": "ner: ...", "target": "TYPE: mention; ..."}`` (``none`` when there is no entity)."""
    spans = spans_from_iob2(sentence.tags)
    target = "; ".join(f"{label}: {' '.join(sentence.tokens[start:end])}" for start, end, label in spans)
    return {"source": "ner: " + " ".join(sentence.tokens), "target": target or NONE}


def seq2seq_targets(targets: Sequence[str], tokenizer, decoder_start_token_id: int) -> dict[str, list[list[int]]]:
    """The ``labels`` and ``decoder_input_ids`` of an encoder-decoder model for a batch of target texts.

    ``labels`` are each target's token ids, then the end-of-sequence token, padded with -100 to
    the batch's longest. ``decoder_input_ids`` are the labels shifted one place right behind
    ``decoder_start_token_id`` (teacher forcing: the decoder reads token t-1 when it predicts token
    t), with padding for -100, as ``transformers``' ``shift_tokens_right`` builds them.
    """
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    rows = [tokenizer(t, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id] for t in targets]
    width = max(map(len, rows))
    labels = [row + [-100] * (width - len(row)) for row in rows]
    decoder_inputs = [[decoder_start_token_id] + [pad if t == -100 else t for t in row[:-1]] for row in labels]
    return {"labels": labels, "decoder_input_ids": decoder_inputs}


def spans_from_text(target: str, tokens: Sequence[str], where: str = "record") -> list[Span]:
    """Parse a ``TYPE: mention; ...`` target back to spans over ``tokens`` (mentions matched left to right)."""
    if target.strip() == NONE:
        return []
    spans, cursor = [], 0
    for part in target.split(";"):
        if ":" not in part:
            _fail(where, f"target part {part.strip()!r} is not 'TYPE: mention'")
        label, mention = (x.strip() for x in part.split(":", 1))
        words = mention.split()
        if not label or not words:
            _fail(where, f"target part {part.strip()!r} has an empty type or mention")
        for start in range(cursor, len(tokens) - len(words) + 1):
            if list(tokens[start : start + len(words)]) == words:
                spans.append(Span(start, start + len(words), label))
                cursor = start + len(words)
                break
        else:
            _fail(where, f"mention {mention!r} does not occur in the sentence (after token {cursor})")
    return spans


# --- extractive QA -------------------------------------------------------------------------------


def to_qa_records(sentence: Sentence) -> list[dict]:
    """One SQuAD-style question per entity type present: which {people, places, ...} are mentioned?"""
    context = " ".join(sentence.tokens)
    offsets, position = [], 0
    for token in sentence.tokens:
        offsets.append(position)
        position += len(token) + 1
    by_type: dict[str, list[tuple[str, int]]] = {}
    for start, end, label in spans_from_iob2(sentence.tags):
        text = " ".join(sentence.tokens[start:end])
        by_type.setdefault(label, []).append((text, offsets[start]))
    return [
        {
            "context": context,
            "question": f"Which {TYPE_NAMES.get(label, label)} are mentioned?",
            "answers": {"text": [t for t, _ in found], "answer_start": [s for _, s in found]},
        }
        for label, found in by_type.items()
    ]


def validate_qa(record: dict, where: str = "record") -> None:
    """Every answer's text sits at its ``answer_start`` in the context."""
    context, answers = record.get("context", ""), record.get("answers", {})
    if len(answers.get("text", [])) != len(answers.get("answer_start", [])):
        _fail(where, "answers.text and answers.answer_start differ in length")
    for text, start in zip(answers["text"], answers["answer_start"]):
        if context[start : start + len(text)] != text:
            _fail(where, f"answer {text!r} is not at offset {start} of the context")


# --- masked language modelling ----------------------------------------------------------------


def mask_tokens(
    input_ids: Sequence[int],
    special: Sequence[bool],
    mask_id: int,
    vocab_size: int,
    rng: random.Random,
    probability: float = 0.15,
) -> tuple[list[int], list[int]]:
    """BERT's masking: choose ``probability`` of the non-special positions; 80% -> mask, 10% -> random, 10% kept.

    Returns ``(inputs, labels)`` with labels -100 everywhere except the chosen positions.
    """
    inputs, labels = list(input_ids), [-100] * len(input_ids)
    for i, token in enumerate(input_ids):
        if special[i] or rng.random() >= probability:
            continue
        labels[i] = token
        draw = rng.random()
        if draw < 0.8:
            inputs[i] = mask_id
        elif draw < 0.9:
            inputs[i] = rng.randrange(vocab_size)
    return inputs, labels


# --- instruction and chat ----------------------------------------------------------------------

SENTIMENT_INSTRUCTION = "Classify the sentiment of the review as {labels}. Answer with one word."
ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")  # the bundled data's (CoNLL-2003's) entity types
NER_INSTRUCTION = (
    "List the named entities in the sentence as 'TYPE: mention', separated by semicolons, with TYPE "
    "one of {types}, in the order they occur; answer 'none' if there are none."
)
REDACT_INSTRUCTION = "Rewrite the sentence with the name of every person replaced by [PERSON]. Change nothing else."
REDACTED = "[PERSON]"


def redact_people(sentence: Sentence) -> str:
    """The sentence as text with every ``PER`` mention replaced by ``[PERSON]`` (the redaction task's answer)."""
    from sftlab.data.augment import detokenize

    words, cursor = [], 0
    for start, end, label in spans_from_iob2(sentence.tags):
        if label == "PER":
            words += list(sentence.tokens[cursor:start]) + [REDACTED]
            cursor = end
    return detokenize(words + list(sentence.tokens[cursor:]))


def entity_types_of(sentences: Sequence[Sentence]) -> tuple[str, ...]:
    """The entity types the sentences' tags use: those of :data:`ENTITY_TYPES` in its order, then the others."""
    found = {tag[2:] for sentence in sentences for tag in sentence.tags if tag != "O"}
    return tuple(t for t in ENTITY_TYPES if t in found) + tuple(sorted(found - set(ENTITY_TYPES)))


def to_instruction(
    record: dict,
    task: str,
    labels: Sequence[str] = ("positive", "negative", "neutral"),
    entity_types: Sequence[str] = ENTITY_TYPES,
) -> dict:
    """Alpaca-style ``{"instruction", "input", "output"}`` for ``task`` ``sentiment``, ``ner`` or ``redact``.

    ``sentiment`` takes ``{"text", "label"}``; ``ner`` and ``redact`` take ``{"sentence": Sentence}``
    (the input is the sentence as text; the NER answer lists ``TYPE: mention`` in order, ``none``
    when empty, and the instruction names ``entity_types``; the redaction answer is the sentence with
    people's names replaced by ``[PERSON]``).
    """
    if task == "sentiment":
        names = list(labels)
        listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
        return {
            "instruction": SENTIMENT_INSTRUCTION.format(labels=listed),
            "input": record["text"],
            "output": record["label"],
        }
    if task in ("ner", "redact"):
        from sftlab.data.augment import detokenize

        sentence = record["sentence"]
        text = detokenize(sentence.tokens)
        if task == "ner":
            instruction = NER_INSTRUCTION.format(types=", ".join(entity_types))
            return {"instruction": instruction, "input": text, "output": to_text_pair(sentence)["target"]}
        return {"instruction": REDACT_INSTRUCTION, "input": text, "output": redact_people(sentence)}
    raise ValueError(f"unknown task {task!r} (known: sentiment, ner, redact)")


def to_chat(instruction: dict, system: str | None = None) -> dict:
    """``{"messages": [...]}`` from an instruction record: system (optional), user, assistant."""
    user = instruction["instruction"] + ("\n\n" + instruction["input"] if instruction.get("input") else "")
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user},
        {"role": "assistant", "content": instruction["output"]},
    ]
    return {"messages": messages}


def to_sft_record(
    task: str,
    item,
    labels: Sequence[str] = ("positive", "negative"),
    system: str | None = None,
    entity_types: Sequence[str] = ENTITY_TYPES,
) -> dict:
    """A chat record for instruction tuning with what scoring its reply needs.

    ``task`` ``sentiment`` takes a ``{"text", "label"}`` record, ``ner`` and ``redact`` a
    :class:`Sentence`. The result has ``task``, ``messages`` (the last one is the answer) and the
    reference: ``label``; ``tokens`` and ``tags`` (and ``entity_types`` when they are not
    :data:`ENTITY_TYPES`: the types a reply may name, see :func:`entity_types_of`); or ``reference`` text.
    """
    source = item if task == "sentiment" else {"sentence": item}
    record = {"task": task, **to_chat(to_instruction(source, task, labels, entity_types), system)}
    if task == "sentiment":
        record["label"] = item["label"]
    elif task == "ner":
        record["tokens"], record["tags"] = list(item.tokens), list(item.tags)
        if tuple(entity_types) != ENTITY_TYPES:
            record["entity_types"] = list(entity_types)
    else:
        record["reference"] = record["messages"][-1]["content"]
    return record


def validate_chat(record: dict, where: str = "record") -> None:
    """Roles are known, contents are non-empty strings, and the conversation ends with the assistant."""
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        _fail(where, "'messages' must be a non-empty list")
    for i, message in enumerate(messages):
        if message.get("role") not in ("system", "user", "assistant"):
            _fail(where, f"message {i}: unknown role {message.get('role')!r}")
        if not isinstance(message.get("content"), str) or not message["content"].strip():
            _fail(
                where,
                f"message {i}: empty content"
                + (" (an empty answer teaches nothing)" if message.get("role") == "assistant" else ""),
            )
    if not any(m["role"] == "assistant" for m in messages):
        _fail(where, "no assistant turn: there is nothing to learn (add the answer as a message with role 'assistant')")
    if messages[-1]["role"] != "assistant":
        _fail(where, "the last message must be the assistant's answer (the training target)")


# --- preference pairs ----------------------------------------------------------------------------


def to_preference(prompt: Sequence[dict], chosen: str, rejected: str) -> dict:
    """A preference pair in the conversational form DPO-style trainers read (TRL's
    ``prompt``/``chosen``/``rejected``)."""
    return {
        "prompt": list(prompt),
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
    }


def validate_preference(record: dict, where: str = "record") -> None:
    """The prompt is a conversation ending with the user; chosen and rejected are different, non-empty answers."""
    prompt = record.get("prompt")
    if not isinstance(prompt, list) or not prompt or prompt[-1].get("role") != "user":
        _fail(where, "'prompt' must be a list of messages ending with the user's turn")
    answers = []
    for key in ("chosen", "rejected"):
        turns = record.get(key)
        if not isinstance(turns, list) or len(turns) != 1 or turns[0].get("role") != "assistant":
            _fail(where, f"{key!r} must be one assistant message")
        if not isinstance(turns[0].get("content"), str) or not turns[0]["content"].strip():
            _fail(where, f"{key!r} is empty")
        answers.append(turns[0]["content"].strip())
    if answers[0] == answers[1]:
        _fail(where, "chosen and rejected are the same answer: the pair teaches no preference")
