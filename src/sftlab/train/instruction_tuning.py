"""Instruction tuning of a causal LM on chat records, through the same loop as the encoders (notebook 07).

Chat records (:func:`sftlab.data.formats.to_sft_record`) are tokenized with the model's chat
template and labels on the answers only (:func:`sftlab.data.formats.tokenize_chat`); batches are
padded rows or packed rows (:mod:`sftlab.train.batching`); :func:`sftlab.train.training.fit`
trains with the loss of each step averaged over the answer tokens of the whole step, and selects
the epoch on the dev replies, generated greedily and scored by strict parsers
(:func:`sftlab.evaluate.generation.score_replies`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from sftlab.data.formats import tokenize_chat
from sftlab.evaluate.generation import score_replies
from sftlab.train.batching import make_collator
from sftlab.train.inference import generate_replies
from sftlab.train.training import TrainConfig, TrainResult, fit

#: The linear layers of a Llama-architecture block (SmolLM2 is one): attention and MLP projections.
LLAMA_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def encode_chats(records: Sequence[dict], tokenizer, *, train_on: str = "assistant", max_length: int = 256) -> list[dict]:
    """One feature per record: ``input_ids``, ``attention_mask``, ``labels``, and the record itself (for scoring)."""
    features = []
    for index, record in enumerate(records):
        encoded = tokenize_chat(record["messages"], tokenizer, train_on=train_on, max_length=max_length,
                                where=f"record {index} ({record.get('task', 'chat')})")
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
        generated = generate_replies(model, tokenizer, [records[i]["messages"][:-1] for i in indices],
                                     max_new_tokens=max_new_tokens, batch_size=batch_size)
        for i, reply in zip(indices, generated):
            replies[i] = reply.text
    return replies


@dataclass
class ChatRun:
    """A tuned causal LM with its tokenizer, its training result and the reply budget per task."""

    model: object
    tokenizer: object
    result: TrainResult
    budget: dict[str, int] = field(default_factory=dict)


def finetune_causal_lm(model, tokenizer, train: Sequence[dict], dev: Sequence[dict], config: TrainConfig, *,
                       train_on: str = "assistant", packing: bool = False, max_length: int = 256,
                       labels: Sequence[str] = ("positive", "negative"),
                       prepare: Callable | None = None) -> ChatRun:
    """Instruction-tune ``model`` on chat records; the epoch is chosen on the dev replies' mean score.

    ``train_on`` is ``assistant`` (loss on the answers) or ``all`` (every token); ``packing`` lays
    each batch's examples end to end in one row without padding; ``prepare(model) -> model``
    wraps the model first (LoRA: :func:`sftlab.train.lora.apply_lora` with ``task_type="CAUSAL_LM"``).
    """
    if prepare is not None:
        model = prepare(model)
    train_features = encode_chats(train, tokenizer, train_on=train_on, max_length=max_length)
    dev_features = encode_chats(dev, tokenizer, max_length=max_length)
    budget = answer_budget(list(train) + list(dev), tokenizer)
    collator = make_collator(tokenizer, "causal_lm_packed" if packing else "causal_lm")

    def predict(m, features):
        return reply_texts(m, tokenizer, [f["record"] for f in features], budget)

    def score(replies):
        return score_replies([f["record"] for f in dev_features], replies, labels)

    score.primary = "score"
    result = fit(model, train_features, dev_features, collator=collator, predict=predict, score=score, config=config)
    return ChatRun(model, tokenizer, result, budget)
