"""Rejection sampling with a program as the evaluator: generate → verify → keep (notebook 10).

The loop of notebook 04 with the checkers of :mod:`sftlab.evaluate.instruction_following` in
place of the filters: the causal LM samples ``k`` replies to each training prompt, every reply is
checked against the prompt's instructions, and the replies that follow all of them are kept,
deduplicated, as supervised fine-tuning data. :func:`generated_set_card` describes what was kept
and what it cost; :func:`tune_on_replies` trains on it through the project's ``fit``;
:func:`model_paraphrases` asks the model to reword prompts (the contaminated copies of notebook 10).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from sftlab.data.verifiable import chat
from sftlab.evaluate.instruction_following import instruction_results, pass_at_k, strict_accuracy
from sftlab.train.batching import make_collator
from sftlab.train.device import set_seed
from sftlab.train.inference import Reply, generate_replies
from sftlab.train.instruction_tuning import encode_chats
from sftlab.train.training import Scorer, TrainConfig, TrainResult, fit


@dataclass
class Samples:
    """``k`` sampled replies per prompt, whether each follows all its prompt's instructions, and their tokens."""

    prompts: list[dict]
    replies: list[list[str]]
    passed: np.ndarray  # (prompts, k) booleans
    tokens: np.ndarray  # (prompts, k) generated tokens, the end-of-turn token included where the model ended
    finished: np.ndarray  # (prompts, k) booleans: the model ended the reply itself (not cut off by the token limit)

    @property
    def k(self) -> int:
        return self.passed.shape[1]


def greedy_generations(
    model, tokenizer, prompts: Sequence[dict], max_new_tokens: int, batch_size: int = 16
) -> list[Reply]:
    """The model's greedy reply to each prompt (rendered as a one-turn chat), with whether it ended it itself."""
    return generate_replies(
        model, tokenizer, [chat(p) for p in prompts], max_new_tokens=max_new_tokens, batch_size=batch_size
    )


def greedy_replies(model, tokenizer, prompts: Sequence[dict], max_new_tokens: int, batch_size: int = 16) -> list[str]:
    """The text of the model's greedy reply to each prompt."""
    return [r.text for r in greedy_generations(model, tokenizer, prompts, max_new_tokens, batch_size)]


PARAPHRASE_REQUEST = (
    "Rewrite the following request in other words. Keep every instruction in it. "
    "Write only the rewritten request.\n\nRequest: {prompt}"
)


def model_paraphrases(
    model, tokenizer, prompts: Sequence[dict], max_new_tokens: int, batch_size: int = 16
) -> list[str]:
    """The model's greedy reply to :data:`PARAPHRASE_REQUEST` for each prompt: its rewording, as it stands.

    Nothing is cleaned up: whether a reply still states the prompt's topic and instructions is for
    :func:`sftlab.data.verifiable.keeps_instructions` to say.
    """
    requests = [[{"role": "user", "content": PARAPHRASE_REQUEST.format(prompt=p["prompt"])}] for p in prompts]
    return [r.text for r in generate_replies(model, tokenizer, requests, max_new_tokens, batch_size)]


def sample_replies(
    model,
    tokenizer,
    prompts: Sequence[dict],
    k: int,
    *,
    temperature: float,
    top_p: float,
    max_new_tokens: int,
    batch_size: int = 16,
    seed: int = 0,
) -> Samples:
    """``k`` replies per prompt sampled at ``temperature`` (nucleus ``top_p``), each verified.

    The k copies of a prompt are rows of the same batches (k × prompts rows in all), so one
    generation call samples them all; the seed makes the run repeat on the same machine.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1 (got {k})")
    set_seed(seed)
    rows = [p for p in prompts for _ in range(k)]
    generated = generate_replies(
        model,
        tokenizer,
        [chat(p) for p in rows],
        max_new_tokens=max_new_tokens,
        batch_size=batch_size,
        temperature=temperature,
        top_p=top_p,
    )
    texts = [g.text for g in generated]
    passed = [all(row) for row in instruction_results(rows, texts)]
    shape = (len(prompts), k)
    return Samples(
        list(prompts),
        [texts[i * k : (i + 1) * k] for i in range(len(prompts))],
        np.array(passed, dtype=bool).reshape(shape),
        np.array([g.tokens for g in generated]).reshape(shape),
        np.array([g.finished for g in generated], dtype=bool).reshape(shape),
    )


def pass_at_k_curve(samples: Samples) -> dict[int, float]:
    """Mean unbiased pass@k over the prompts, for k = 1 .. the samples per prompt."""
    counts = samples.passed.sum(axis=1)
    return {k: float(np.mean([pass_at_k(samples.k, int(c), k) for c in counts])) for k in range(1, samples.k + 1)}


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def kept_replies(samples: Samples, verified: bool = True, complete: bool = True) -> list[dict]:
    """One record per distinct reply of each prompt (``verified``: only replies that pass), in prompt order.

    ``complete`` drops the replies the token limit cut off: trained on with the end-of-turn token
    as a target, a reply cut mid-sentence would teach the model to stop mid-sentence.
    Duplicates are the same text up to case and whitespace, within one prompt's samples. A
    record has ``prompt`` (the prompt record), ``reply``, ``messages`` (the chat, for SFT) and
    ``task`` (the prompt's constraint types, joined).
    """
    records = []
    for prompt, replies, passed, finished in zip(
        samples.prompts, samples.replies, samples.passed, samples.finished, strict=True
    ):
        seen: set[str] = set()
        for reply, ok, ended in zip(replies, passed, finished, strict=True):
            key = _normalised(reply)
            if (verified and not ok) or (complete and not ended) or not key or key in seen:
                continue
            seen.add(key)
            records.append(
                {"prompt": prompt, "reply": reply, "messages": chat(prompt, reply), "task": "+".join(prompt["types"])}
            )
    return records


def generated_set_card(samples: Samples, kept: Sequence[dict], types: Sequence[str]) -> dict:
    """The data card's statistics of a generated set.

    Per constraint type: prompts, samples, samples that passed, prompts with at least one verified
    reply, kept (distinct) replies; the reply lengths in words (median, max); the generated tokens
    in all and per kept example (the cost of the set); ``cut_off``, the samples the token limit cut
    off, and ``verified_cut_off``, those of them that passed the checker (left out of the kept set);
    and ``types_without_data``, the types meant for
    training that ended with no verified reply (left out of SFT, reported by name).
    """
    per_type = {t: {"prompts": 0, "samples": 0, "passed": 0, "prompts_verified": 0, "kept": 0} for t in types}
    for prompt, passed in zip(samples.prompts, samples.passed, strict=True):
        for t in prompt["types"]:
            entry = per_type.setdefault(t, {"prompts": 0, "samples": 0, "passed": 0, "prompts_verified": 0, "kept": 0})
            entry["prompts"] += 1
            entry["samples"] += len(passed)
            entry["passed"] += int(passed.sum())
            entry["prompts_verified"] += int(passed.any())
    for record in kept:
        for t in record["prompt"]["types"]:
            per_type[t]["kept"] += 1
    lengths = [len(r["reply"].split()) for r in kept]
    generated = int(samples.tokens.sum())
    return {
        "per_type": per_type,
        "kept": len(kept),
        "samples": int(samples.passed.size),
        "median_words": float(np.median(lengths)) if lengths else 0.0,
        "max_words": max(lengths, default=0),
        "cut_off": int((~samples.finished).sum()),
        "verified_cut_off": int((samples.passed & ~samples.finished).sum()),
        "generated_tokens": generated,
        "tokens_per_kept": generated / len(kept) if kept else float("inf"),
        "types_without_data": [t for t, e in per_type.items() if e["kept"] == 0],
    }


def tune_on_replies(
    model,
    tokenizer,
    records: Sequence[dict],
    dev_prompts: Sequence[dict],
    config: TrainConfig,
    *,
    max_new_tokens: int,
    max_length: int = 256,
) -> TrainResult:
    """Fine-tune ``model`` on chat records (loss on the reply only) with ``fit``; the epoch is chosen on dev.

    The dev metric that chooses the epoch is the strict ``prompt_level`` accuracy of the greedy
    replies to ``dev_prompts``.
    """
    if not records:
        raise ValueError("no training records: no prompt got a verified reply")
    train_features = encode_chats(records, tokenizer, max_length=max_length)
    dev_features = [{"input_ids": [0], "prompt": p} for p in dev_prompts]

    def predict(m, features):
        return greedy_replies(m, tokenizer, [f["prompt"] for f in features], max_new_tokens)

    def score(replies):
        return strict_accuracy([f["prompt"] for f in dev_features], replies)

    return fit(
        model,
        train_features,
        dev_features,
        collator=make_collator(tokenizer, "causal_lm"),
        predict=predict,
        score=Scorer(score, metric="prompt_level"),
        config=config,
    )
