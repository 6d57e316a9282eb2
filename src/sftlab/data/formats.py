"""SFT data formats: one labelled example rendered every common way, with validators and round trips.

- classification JSONL: ``{"text", "label"}``
- token classification: ``{"tokens", "tags"}`` in IOB2 or BIOES
- text-to-text (seq2seq): ``ner: <sentence>`` -> ``PER: Ada Lovelace; LOC: London``, parsed back to spans
- extractive QA (SQuAD style): ``{"context", "question", "answers": {"text", "answer_start"}}``
- masked LM: 15% of positions chosen; of those 80% ``[MASK]``, 10% a random token, 10% unchanged
- instruction (Alpaca): ``{"instruction", "input", "output"}``
- chat: ``{"messages": [{"role", "content"}, ...]}``, rendered with the tokenizer's chat template when
  it has one; the loss is masked (-100) on every prompt token so only the answer is learned.

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
            if list(tokens[start:start + len(words)]) == words:
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
    return [{"context": context, "question": f"Which {TYPE_NAMES.get(label, label)} are mentioned?",
             "answers": {"text": [t for t, _ in found], "answer_start": [s for _, s in found]}}
            for label, found in by_type.items()]


def validate_qa(record: dict, where: str = "record") -> None:
    """Every answer's text sits at its ``answer_start`` in the context."""
    context, answers = record.get("context", ""), record.get("answers", {})
    if len(answers.get("text", [])) != len(answers.get("answer_start", [])):
        _fail(where, "answers.text and answers.answer_start differ in length")
    for text, start in zip(answers["text"], answers["answer_start"]):
        if context[start:start + len(text)] != text:
            _fail(where, f"answer {text!r} is not at offset {start} of the context")


# --- masked language modelling ----------------------------------------------------------------

def mask_tokens(input_ids: Sequence[int], special: Sequence[bool], mask_id: int, vocab_size: int, rng: random.Random,
                probability: float = 0.15) -> tuple[list[int], list[int]]:
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

def to_instruction(record: dict, task: str) -> dict:
    """Alpaca-style ``{"instruction", "input", "output"}`` for ``task`` ``sentiment`` or ``ner``."""
    if task == "sentiment":
        return {"instruction": "Classify the sentiment of the review as positive, negative or neutral.",
                "input": record["text"], "output": record["label"]}
    if task == "ner":
        pair = to_text_pair(record["sentence"])
        return {"instruction": "List the named entities in the sentence as 'TYPE: mention', separated by "
                               "semicolons, with TYPE one of PER, ORG, LOC, MISC; answer 'none' if there are none.",
                "input": pair["source"][len("ner: "):], "output": pair["target"]}
    raise ValueError(f"unknown task {task!r}")


def to_chat(instruction: dict, system: str | None = None) -> dict:
    """``{"messages": [...]}`` from an instruction record: system (optional), user, assistant."""
    user = instruction["instruction"] + ("\n\n" + instruction["input"] if instruction.get("input") else "")
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user}, {"role": "assistant", "content": instruction["output"]}]
    return {"messages": messages}


def validate_chat(record: dict, where: str = "record") -> None:
    """Roles are known, contents are non-empty strings, and the conversation ends with the assistant."""
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        _fail(where, "'messages' must be a non-empty list")
    for i, message in enumerate(messages):
        if message.get("role") not in ("system", "user", "assistant"):
            _fail(where, f"message {i}: unknown role {message.get('role')!r}")
        if not isinstance(message.get("content"), str) or not message["content"].strip():
            _fail(where, f"message {i}: empty content")
    if messages[-1]["role"] != "assistant":
        _fail(where, "the last message must be the assistant's answer (the training target)")


PLAIN_TEMPLATE = "### {role}:\n{content}\n\n"


def render_prompt_and_answer(messages: Sequence[dict], tokenizer) -> tuple[str, str]:
    """The conversation as ``(prompt, answer)`` text: the chat template when the tokenizer has one,
    else a plain ``### role:`` template. ``prompt + answer`` is the full training text."""
    if getattr(tokenizer, "chat_template", None):
        prompt = tokenizer.apply_chat_template(list(messages[:-1]), tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template(list(messages), tokenize=False)
        if not full.startswith(prompt):
            raise ValueError("the chat template renders the prompt differently inside the full conversation")
        return prompt, full[len(prompt):]
    prompt = "".join(PLAIN_TEMPLATE.format(role=m["role"], content=m["content"]) for m in messages[:-1])
    prompt += "### assistant:\n"
    return prompt, messages[-1]["content"] + (tokenizer.eos_token or tokenizer.sep_token or "")


def tokenize_chat(messages: Sequence[dict], tokenizer) -> dict:
    """``input_ids`` and ``labels`` for causal-LM SFT: labels are -100 on every prompt token."""
    prompt, answer = render_prompt_and_answer(messages, tokenizer)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
    return {"input_ids": prompt_ids + answer_ids, "labels": [-100] * len(prompt_ids) + answer_ids,
            "prompt_tokens": len(prompt_ids)}
