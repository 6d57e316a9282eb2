"""SFT data formats: one labelled example rendered every common way, with validators and round trips.

- classification JSONL: ``{"text", "label"}``
- token classification: ``{"tokens", "tags"}`` in IOB2 or BIOES
- text-to-text (seq2seq): ``ner: <sentence>`` -> ``PER: Ada Lovelace; LOC: London``, parsed back to spans
- extractive QA (SQuAD style): ``{"context", "question", "answers": {"text", "answer_start"}}``
- masked LM: 15% of positions chosen; of those 80% ``[MASK]``, 10% a random token, 10% unchanged
- instruction (Alpaca): ``{"instruction", "input", "output"}``, for sentiment, NER and a free-text
  task (redacting people's names)
- chat: ``{"messages": [{"role", "content"}, ...]}``, rendered with the causal LM's chat template;
  the loss is masked (-100) on everything but the answers (multi-turn too), found from the
  rendering's character offsets and checked against tokenizing the pieces apart
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

SENTIMENT_INSTRUCTION = "Classify the sentiment of the review as {labels}. Answer with one word."
NER_INSTRUCTION = ("List the named entities in the sentence as 'TYPE: mention', separated by semicolons, with TYPE "
                   "one of PER, ORG, LOC, MISC, in the order they occur; answer 'none' if there are none.")
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


def to_instruction(record: dict, task: str, labels: Sequence[str] = ("positive", "negative", "neutral")) -> dict:
    """Alpaca-style ``{"instruction", "input", "output"}`` for ``task`` ``sentiment``, ``ner`` or ``redact``.

    ``sentiment`` takes ``{"text", "label"}``; ``ner`` and ``redact`` take ``{"sentence": Sentence}``
    (the input is the sentence as text; the NER answer lists ``TYPE: mention`` in order, ``none``
    when empty; the redaction answer is the sentence with people's names replaced by ``[PERSON]``).
    """
    if task == "sentiment":
        names = list(labels)
        listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
        return {"instruction": SENTIMENT_INSTRUCTION.format(labels=listed), "input": record["text"],
                "output": record["label"]}
    if task in ("ner", "redact"):
        from sftlab.data.augment import detokenize

        sentence = record["sentence"]
        text = detokenize(sentence.tokens)
        if task == "ner":
            return {"instruction": NER_INSTRUCTION, "input": text, "output": to_text_pair(sentence)["target"]}
        return {"instruction": REDACT_INSTRUCTION, "input": text, "output": redact_people(sentence)}
    raise ValueError(f"unknown task {task!r} (known: sentiment, ner, redact)")


def to_chat(instruction: dict, system: str | None = None) -> dict:
    """``{"messages": [...]}`` from an instruction record: system (optional), user, assistant."""
    user = instruction["instruction"] + ("\n\n" + instruction["input"] if instruction.get("input") else "")
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user}, {"role": "assistant", "content": instruction["output"]}]
    return {"messages": messages}


def to_sft_record(task: str, item, labels: Sequence[str] = ("positive", "negative"), system: str | None = None) -> dict:
    """A chat record for instruction tuning with what scoring its reply needs.

    ``task`` ``sentiment`` takes a ``{"text", "label"}`` record, ``ner`` and ``redact`` a
    :class:`Sentence`. The result has ``task``, ``messages`` (the last one is the answer) and the
    reference: ``label``; ``tokens`` and ``tags``; or ``reference`` text.
    """
    source = item if task == "sentiment" else {"sentence": item}
    record = {"task": task, **to_chat(to_instruction(source, task, labels), system)}
    if task == "sentiment":
        record["label"] = item["label"]
    elif task == "ner":
        record["tokens"], record["tags"] = list(item.tokens), list(item.tags)
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
            _fail(where, f"message {i}: empty content" + (" (an empty answer teaches nothing)"
                                                          if message.get("role") == "assistant" else ""))
    if not any(m["role"] == "assistant" for m in messages):
        _fail(where, "no assistant turn: there is nothing to learn (add the answer as a message with role 'assistant')")
    if messages[-1]["role"] != "assistant":
        _fail(where, "the last message must be the assistant's answer (the training target)")


def _template(tokenizer):
    if not getattr(tokenizer, "chat_template", None):
        from sftlab.io.errors import ConfigError

        raise ConfigError("tokenizer", getattr(tokenizer, "name_or_path", type(tokenizer).__name__),
                          "has no chat template, so a conversation cannot be rendered the way the model was trained",
                          "use the causal LM's own tokenizer (sftlab.train.causal_lm.load_causal_lm_tokenizer), "
                          "or set tokenizer.chat_template to a Jinja template")
    return lambda messages, **kw: tokenizer.apply_chat_template(list(messages), tokenize=False, **kw)


def render_chat(messages: Sequence[dict], tokenizer, where: str = "record") -> tuple[str, list[tuple[int, int]]]:
    """The conversation as the tokenizer's chat template renders it, and the characters of each answer.

    An answer is what the template writes after the generation prompt of an assistant turn, up to
    the next turn: the content, the end-of-turn token (the EOS the model must learn to emit) and
    any separator the template adds. It is found by rendering the conversation up to that turn
    with ``add_generation_prompt=True`` and up to its end, which must both be prefixes of the whole.
    """
    render = _template(tokenizer)
    full = render(messages)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = render(messages[:i], add_generation_prompt=True)
        through = render(messages[: i + 1])
        if not (through.startswith(prompt) and full.startswith(through)):
            _fail(where, f"the chat template renders turn {i} differently inside the whole conversation, "
                         "so the answer's tokens cannot be located")
        spans.append((len(prompt), len(through)))
    return full, spans


def render_prompt_and_answer(messages: Sequence[dict], tokenizer) -> tuple[str, str]:
    """``(prompt, answer)`` text of a conversation whose last turn is the answer; ``prompt + answer`` is the whole."""
    full, spans = render_chat(messages, tokenizer)
    start, end = spans[-1]
    return full[:start], full[start:end]


def tokenize_chat(messages: Sequence[dict], tokenizer, *, train_on: str = "assistant", max_length: int | None = None,
                  where: str = "record") -> dict:
    """``input_ids``, ``attention_mask`` and ``labels`` of one conversation for causal-LM SFT.

    ``train_on``: ``assistant`` (every answer is a target, -100 on everything else: system prompt,
    user turns, template markup), ``last`` (only the final answer) or ``all`` (every token, the
    plain language-modelling loss). Labels are not shifted: the model shifts them (position t
    predicts token t + 1). ``max_length`` truncates from the right; a conversation left without
    any target is an error naming the record.
    """
    if train_on not in ("assistant", "last", "all"):
        raise ValueError(f"train_on={train_on!r}: use 'assistant', 'last' or 'all'")
    validate_chat({"messages": list(messages)}, where)
    full, spans = render_chat(messages, tokenizer, where)
    if train_on == "last":
        spans = spans[-1:]
    encoded = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = list(encoded["input_ids"]), encoded["offset_mapping"]
    labels = [-100] * len(ids)
    for k, (first, last) in enumerate(offsets):
        for start, end in spans:
            if first < start < last or first < end < last:
                _fail(where, f"token {k} ({tokenizer.decode([ids[k]])!r}) straddles an answer's boundary; "
                             "the prompt and the answer would tokenize differently apart")
            if start <= first and last <= end and last > first:
                labels[k] = ids[k]
    if train_on == "all":
        labels = list(ids)
    if max_length is not None and len(ids) > max_length:
        ids, labels = ids[:max_length], labels[:max_length]
    if all(label == -100 for label in labels):
        _fail(where, f"no answer token left within max_length={max_length}" if max_length else "no answer token")
    first_target = next(i for i, label in enumerate(labels) if label != -100)
    return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels, "prompt_tokens": first_target}


def tokenize_apart(messages: Sequence[dict], tokenizer) -> dict:
    """The same conversation tokenized piece by piece: each prompt part and each answer on its own.

    If ``tokenize_chat`` is right, this gives the same ``input_ids`` and ``labels``: a check that the
    answer's tokens (EOS included) are exactly the ones that carry a label.
    """
    full, spans = render_chat(messages, tokenizer)
    ids, labels, cursor = [], [], 0
    for start, end in spans:
        prompt = tokenizer(full[cursor:start], add_special_tokens=False)["input_ids"]
        answer = tokenizer(full[start:end], add_special_tokens=False)["input_ids"]
        ids += prompt + answer
        labels += [-100] * len(prompt) + answer
        cursor = end
    if cursor < len(full):
        rest = tokenizer(full[cursor:], add_special_tokens=False)["input_ids"]
        ids, labels = ids + rest, labels + [-100] * len(rest)
    return {"input_ids": ids, "labels": labels}


# --- preference pairs ----------------------------------------------------------------------------

def to_preference(prompt: Sequence[dict], chosen: str, rejected: str) -> dict:
    """A preference pair in the conversational form DPO-style trainers read (TRL's ``prompt``/``chosen``/``rejected``)."""
    return {"prompt": list(prompt), "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}]}


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
