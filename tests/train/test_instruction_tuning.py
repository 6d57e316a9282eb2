"""Tests of ``sftlab.train.instruction_tuning``: chat SFT through fit, padded and padding-free."""

from __future__ import annotations

import copy

import pytest

from sftlab.data.formats import to_sft_record
from sftlab.io.conll import Sentence
from sftlab.train.instruction_tuning import answer_budget, encode_chats, finetune_causal_lm, label_log_probs
from sftlab.train.lora import apply_lora, trainable_parameters
from sftlab.train.training import TrainConfig

RECORDS = [
    to_sft_record("sentiment", {"text": t, "label": label})
    for t, label in [("Loved every minute.", "positive"), ("Cold soup, rude staff.", "negative")] * 3
] + [to_sft_record("ner", Sentence(["Ada", "visited", "Paris", "."], ["B-PER", "O", "B-LOC", "O"]))]


def test_features_keep_their_record_and_the_budget_fits_the_answers(tiny_llama):
    _, tokenizer = tiny_llama
    features = encode_chats(RECORDS, tokenizer)
    assert features[0]["record"] is RECORDS[0] and len(features[0]["input_ids"]) == len(features[0]["labels"])
    budget = answer_budget(RECORDS, tokenizer, margin=4)
    assert set(budget) == {"sentiment", "ner"} and budget["ner"] > budget["sentiment"] >= 5


@pytest.mark.parametrize("padding_free", [False, True])
def test_finetune_causal_lm_runs_and_scores_replies(tiny_llama, padding_free):
    model, tokenizer = tiny_llama
    run = finetune_causal_lm(
        copy.deepcopy(model),
        tokenizer,
        RECORDS,
        RECORDS[:3] + RECORDS[-1:],
        TrainConfig(epochs=2, batch_size=4, lr=1e-3, progress=False, patience=None),
        padding_free=padding_free,
    )
    history = run.result.history
    assert len(history) == 2 and {"dev_score", "dev_sentiment_valid", "dev_ner_f1"} <= set(history[0])
    assert history[1]["train_loss"] < history[0]["train_loss"]


def test_padding_free_rows_train_as_padded_batches_do(tiny_llama):
    """Same batches, same targets, no dropout: the two layouts give the same training losses, epoch after epoch."""
    model, tokenizer = tiny_llama
    config = TrainConfig(epochs=2, batch_size=4, lr=1e-3, progress=False, patience=None)
    losses = [
        [
            epoch["train_loss"]
            for epoch in finetune_causal_lm(
                copy.deepcopy(model), tokenizer, RECORDS, RECORDS[:2], config, padding_free=padding_free
            ).result.history
        ]
        for padding_free in (False, True)
    ]
    assert losses[0] == pytest.approx(losses[1], rel=1e-4)


#: The linear layers of a Llama-architecture block (SmolLM2 is one): attention and MLP projections.
LLAMA_PROJECTIONS = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}


def test_lora_on_every_projection_trains_a_small_share(tiny_llama):
    model, _ = tiny_llama
    adapted = apply_lora(rank=4, alpha=8, dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")(
        copy.deepcopy(model)
    )
    trainable, total = trainable_parameters(adapted)
    names = [n for n, p in adapted.named_parameters() if p.requires_grad]
    assert 0 < trainable < total / 10 and all("lora_" in n for n in names)
    # "all-linear" finds the seven projections of a Llama block by itself (and leaves the output layer alone)
    assert {n.split(".")[-4] for n in names if n.endswith("lora_A.default.weight")} == LLAMA_PROJECTIONS


def test_label_log_probs_are_the_models_own_log_likelihood_of_each_label(tiny_llama):
    import torch

    model, tokenizer = tiny_llama
    records = RECORDS[:3]
    scores = label_log_probs(model, tokenizer, records, ["positive", "negative"], batch_size=4)
    assert scores.shape == (3, 2) and (scores < 0).all()
    for record, row in zip(records, scores):
        prompt = tokenizer.apply_chat_template(record["messages"][:-1], tokenize=False, add_generation_prompt=True)
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        for label, value in zip(["positive", "negative"], row):
            label_ids = tokenizer(label, add_special_tokens=False)["input_ids"]
            ids = torch.tensor([prompt_ids + label_ids])
            targets = torch.tensor([[-100] * len(prompt_ids) + label_ids])
            with torch.no_grad():  # the model's mean loss over the label's tokens, times their number
                expected = -model(input_ids=ids, labels=targets).loss.item() * len(label_ids)
            assert value == pytest.approx(expected, rel=1e-4, abs=1e-4)


def test_the_loss_target_ablation_trains_both_modes_per_seed_on_the_same_data(tiny_llama, monkeypatch):
    import sftlab.train.instruction_tuning as it

    model, tokenizer = tiny_llama
    calls = []
    original = it.finetune_causal_lm

    def spy(m, tok, train, dev, config, **kwargs):
        calls.append((config.seed, kwargs["train_on"], len(train)))
        return original(m, tok, train, dev, config, **kwargs)

    monkeypatch.setattr(it, "finetune_causal_lm", spy)
    out = it.compare_loss_targets(
        lambda: copy.deepcopy(model),
        tokenizer,
        RECORDS,
        RECORDS[:2],
        RECORDS,
        TrainConfig(epochs=1, batch_size=4, lr=1e-3, progress=False, patience=None),
        seeds=[0, 1],
        bootstrap_samples=50,
    )
    assert calls == [(0, "assistant", 7), (0, "all", 7), (1, "assistant", 7), (1, "all", 7)]
    assert set(out["scores"]) == {"assistant", "all"} and all(len(v) == 2 for v in out["scores"].values())
    mean = {mode: sum(v) / 2 for mode, v in out["scores"].items()}
    comparison = out["comparison"]
    assert comparison.seeds == 2 and comparison.examples == len(RECORDS)
    assert abs(comparison.difference - (mean["assistant"] - mean["all"])) < 1e-9
    assert comparison.low <= comparison.difference <= comparison.high
