"""Instruction tuning of a causal LM on chat records, through the same loop as the encoders (notebook 07).

Chat records (:func:`sftlab.data.formats.to_sft_record`) are tokenized with the model's chat
template and labels on the answers only (:func:`sftlab.data.chat.tokenize_chat`); batches are
padded rows or padding-free rows (a batch's examples in one row, :mod:`sftlab.train.batching`);
:func:`sftlab.train.training.fit` trains with the loss of each step averaged over the answer tokens
of the whole step, and selects the epoch on the dev replies, generated greedily and scored by strict parsers
(:func:`sftlab.evaluate.generation.score_replies`). :func:`label_log_probs` scores a
classification without generating: the model's probability of each label word as the reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from sftlab.data.chat import tokenize_chat
from sftlab.evaluate.comparison import compare
from sftlab.evaluate.generation import score_of_rows, score_replies, score_rows
from sftlab.train.batching import make_collator
from sftlab.train.device import autocast, autocast_dtype
from sftlab.train.inference import generate_replies
from sftlab.train.training import Scorer, TrainConfig, TrainResult, fit


def encode_chats(
    records: Sequence[dict], tokenizer, *, train_on: str = "assistant", max_length: int = 256
) -> list[dict]:
    """One feature per record: ``input_ids``, ``attention_mask``, ``labels``, and the record itself (for scoring)."""
    features = []
    for index, record in enumerate(records):
        encoded = tokenize_chat(
            record["messages"],
            tokenizer,
            train_on=train_on,
            max_length=max_length,
            where=f"record {index} ({record.get('task', 'chat')})",
        )
        features.append({**encoded, "record": record})
    return features


def answer_budget(records: Sequence[dict], tokenizer, margin: int = 8) -> dict[str, int]:
    """New tokens to allow per task: the longest reference answer of that task, plus ``margin``."""
    budget: dict[str, int] = {}
    for record in records:
        length = len(tokenizer(record["messages"][-1]["content"], add_special_tokens=False)["input_ids"]) + margin
        budget[record["task"]] = max(budget.get(record["task"], 0), length)
    return budget


def reply_texts(model, tokenizer, records: Sequence[dict], budget: dict[str, int], batch_size: int = 16) -> list[str]:
    """Greedy replies to each record's prompt (its messages without the answer), task by task."""
    replies: list[str] = [""] * len(records)
    for task, max_new_tokens in budget.items():
        indices = [i for i, r in enumerate(records) if r["task"] == task]
        generated = generate_replies(
            model,
            tokenizer,
            [records[i]["messages"][:-1] for i in indices],
            max_new_tokens=max_new_tokens,
            batch_size=batch_size,
        )
        for i, reply in zip(indices, generated):
            replies[i] = reply.text
    return replies


def label_log_probs(
    model, tokenizer, records: Sequence[dict], labels: Sequence[str], batch_size: int = 16
) -> np.ndarray:
    """``log P(label word | prompt)`` per record and label, shape ``(records, labels)``: replies scored, not generated.

    The prompt is the record's messages without the answer, rendered with the generation prompt,
    as :func:`reply_texts` generates from it; the label's tokens follow it, and their
    log-probabilities are summed. The arg-max over the labels is the model's answer *without a
    format to follow*: it cannot write a sentence instead of the label, so comparing it with the
    generated answers separates what the model knows from whether it keeps to the format.
    One forward pass per record and label, no generation.
    """
    import torch

    device = next(model.parameters()).device
    model.eval()
    label_ids = [tokenizer(label, add_special_tokens=False)["input_ids"] for label in labels]
    rows = []
    for record in records:
        prompt = tokenizer.apply_chat_template(
            list(record["messages"][:-1]), tokenize=False, add_generation_prompt=True
        )
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        rows += [(prompt_ids + ids, len(prompt_ids)) for ids in label_ids]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    scores = []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        width = max(len(ids) for ids, _ in chunk)
        input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids, _ in chunk], device=device)
        mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in chunk], device=device)
        with torch.no_grad(), autocast(device, autocast_dtype(device)):
            logits = model(input_ids=input_ids, attention_mask=mask, use_cache=False).logits
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        for row, (ids, first) in enumerate(chunk):
            positions = torch.arange(first, len(ids), device=device)
            scores.append(log_probs[row, positions - 1, input_ids[row, positions]].sum().item())
    return np.array(scores).reshape(len(records), len(labels))


@dataclass
class ChatRun:
    """A tuned causal LM with its tokenizer, its training result and the reply budget per task."""

    model: object
    tokenizer: object
    result: TrainResult
    budget: dict[str, int] = field(default_factory=dict)


def finetune_causal_lm(
    model,
    tokenizer,
    train: Sequence[dict],
    dev: Sequence[dict],
    config: TrainConfig,
    *,
    train_on: str = "assistant",
    padding_free: bool = False,
    max_length: int = 256,
    labels: Sequence[str] = ("positive", "negative"),
    prepare: Callable | None = None,
) -> ChatRun:
    """Instruction-tune ``model`` on chat records; the epoch is chosen on the dev replies' ``score``.

    ``score`` is :func:`~sftlab.evaluate.generation.score_replies`'s mean of the tasks' main
    figures: sentiment accuracy, entity F1 and the redaction score (names masked and the rest kept).

    ``train_on`` is ``assistant`` (loss on the answers) or ``all`` (every token); ``padding_free`` lays
    each batch's examples end to end in one row without padding (what TRL calls ``padding_free``);
    ``prepare(model) -> model`` wraps the model first (LoRA: :func:`sftlab.train.lora.apply_lora` with
    ``task_type="CAUSAL_LM"``).
    """
    if prepare is not None:
        model = prepare(model)
    train_features = encode_chats(train, tokenizer, train_on=train_on, max_length=max_length)
    dev_features = encode_chats(dev, tokenizer, max_length=max_length)
    budget = answer_budget(list(train) + list(dev), tokenizer)
    collator = make_collator(tokenizer, "causal_lm_packed" if padding_free else "causal_lm")

    def predict(m, features):
        return reply_texts(m, tokenizer, [f["record"] for f in features], budget)

    def score(replies):
        return score_replies([f["record"] for f in dev_features], replies, labels)

    result = fit(
        model,
        train_features,
        dev_features,
        collator=collator,
        predict=predict,
        score=Scorer(score, metric="score"),
        config=config,
    )
    return ChatRun(model, tokenizer, result, budget)


def compare_loss_targets(
    new_model: Callable[[], object],
    tokenizer,
    train: Sequence[dict],
    dev: Sequence[dict],
    test: Sequence[dict],
    config: TrainConfig,
    *,
    seeds: Sequence[int],
    labels: Sequence[str] = ("positive", "negative"),
    bootstrap_samples: int = 1000,
    prepare: Callable | None = None,
) -> dict:
    """The ablation of answer-only loss: tune with the loss on the answers and on every token, per seed.

    ``new_model()`` returns a fresh copy of the base model for each run; both modes of a seed get the
    same data, budget and ``config`` (with that seed). Every run is scored on ``test`` (its replies
    through the strict parsers). Returns ``scores`` (mode -> the test ``score`` per seed) and
    ``comparison``, answers − all by :func:`~sftlab.evaluate.comparison.compare` over the seeds and
    the test records (a t interval that adds both sources of noise; one seed: the paired bootstrap).
    """
    replies: dict[str, list[list[str]]] = {"assistant": [], "all": []}
    for run_seed in seeds:
        for mode in replies:
            run = finetune_causal_lm(
                new_model(),
                tokenizer,
                train,
                dev,
                replace(config, seed=run_seed),
                train_on=mode,
                labels=labels,
                prepare=prepare,
            )
            replies[mode].append(reply_texts(run.model, tokenizer, test, run.budget))
    scores = {mode: [score_replies(test, r, labels)["score"] for r in replies[mode]] for mode in replies}
    rows = {mode: np.stack([score_rows(test, r, labels) for r in replies[mode]]) for mode in replies}
    comparison = compare(
        rows["assistant"],
        rows["all"],
        names=("answers only", "every token"),
        statistic=score_of_rows,
        measure="test score",
        samples=bootstrap_samples,
        seed=seeds[0],
    )
    return {"scores": scores, "comparison": comparison, "seeds": list(seeds)}
