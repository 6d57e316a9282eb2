"""Chat rendering and answer-only masking, the core of instruction SFT (notebooks 03 and 07).

A conversation (``{"messages": [{"role", "content"}, ...]}``, built by
:func:`sftlab.data.formats.to_chat`) is rendered with the causal LM's chat template; the loss is
masked (-100) on everything but the answers (multi-turn too), found from the rendering's character
offsets (:func:`render_chat`, :func:`tokenize_chat`) and checked against tokenizing the pieces
apart (:func:`tokenize_apart`). Errors are :class:`DataError` naming the record (``record N``).
"""

from __future__ import annotations

from typing import Sequence

from sftlab.data.formats import validate_chat
from sftlab.io.errors import DataError


def _fail(where: str, problem: str) -> None:
    raise DataError(where, None, problem)


def _template(tokenizer):
    if not getattr(tokenizer, "chat_template", None):
        from sftlab.io.errors import ConfigError

        raise ConfigError(
            "tokenizer",
            getattr(tokenizer, "name_or_path", type(tokenizer).__name__),
            "has no chat template, so a conversation cannot be rendered the way the model was trained",
            "use the causal LM's own tokenizer (sftlab.train.causal_lm.load_causal_lm_tokenizer), "
            "or set tokenizer.chat_template to a Jinja template",
        )
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
            _fail(
                where,
                f"the chat template renders turn {i} differently inside the whole conversation, "
                "so the answer's tokens cannot be located",
            )
        spans.append((len(prompt), len(through)))
    return full, spans


def render_prompt_and_answer(messages: Sequence[dict], tokenizer) -> tuple[str, str]:
    """``(prompt, answer)`` text of a conversation whose last turn is the answer; ``prompt + answer`` is the whole."""
    full, spans = render_chat(messages, tokenizer)
    start, end = spans[-1]
    return full[:start], full[start:end]


def tokenize_chat(
    messages: Sequence[dict],
    tokenizer,
    *,
    train_on: str = "assistant",
    max_length: int | None = None,
    where: str = "record",
) -> dict:
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
                _fail(
                    where,
                    f"token {k} ({tokenizer.decode([ids[k]])!r}) straddles an answer's boundary; "
                    "the prompt and the answer would tokenize differently apart",
                )
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
