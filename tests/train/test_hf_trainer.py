"""The Trainer set up "at its best settings" trains as fit does: fused AdamW, the same warmup, grouped batches."""

from __future__ import annotations

import math

import pytest
import torch

from sftlab.io.conll import Sentence
from sftlab.train.batching import make_collator
from sftlab.train.encoding import encode_ner
from sftlab.train.hf_trainer import matched_options, run_options, train_with_trainer, warmup_steps
from sftlab.train.models import load_tokenizer
from sftlab.train.training import TrainConfig


@pytest.mark.parametrize("examples, batch_size, accum, epochs", [(500, 16, 1, 3), (100, 8, 3, 2), (7, 16, 1, 1)])
def test_warmup_steps_are_fits_count_not_the_trainers_rounded_up_ratio(examples, batch_size, accum, epochs):
    config = TrainConfig(batch_size=batch_size, grad_accum=accum, epochs=epochs)
    total = math.ceil(math.ceil(examples / batch_size) / accum) * epochs
    assert warmup_steps(config, examples) == int(0.1 * total)
    # 500 sentences, batch 16, 3 epochs: 96 steps; fit warms up for 9, Trainer's ratio would give ceil(9.6) = 10
    if (examples, batch_size, accum, epochs) == (500, 16, 1, 3):
        assert warmup_steps(config, examples) == 9 != math.ceil(0.1 * total)


def test_matched_options_use_fused_adamw_and_length_grouping_on_cpu_and_cuda_only():
    config = TrainConfig(lr=3e-4)
    cpu = matched_options(config, 100, torch.device("cpu"))
    assert cpu["optim"] == "adamw_torch_fused" and cpu["train_sampling_strategy"] == "group_by_length"
    assert cpu["learning_rate"] == 3e-4 and cpu["lr_scheduler_type"] == "linear" and cpu["max_grad_norm"] == 1.0
    assert False in (cpu.get("activation_checkpointing"), cpu.get("gradient_checkpointing"))  # off, as in fit
    assert cpu["bf16"] is False and cpu["fp16"] is False  # fit autocasts nothing on the CPU
    assert matched_options(config, 100, torch.device("mps"))["optim"] == "adamw_torch"


def test_run_options_make_quiet_trainer_arguments_with_fits_epochs_seed_and_device(tmp_path):
    from transformers import TrainingArguments

    options = run_options(TrainConfig(epochs=3, seed=7, device="cpu", progress=False), tmp_path)
    args = TrainingArguments(**options)
    assert args.output_dir == str(tmp_path) and args.num_train_epochs == 3 and args.seed == 7 and args.use_cpu
    assert args.report_to == [] and args.save_strategy == "no" and args.logging_strategy == "epoch"
    assert args.disable_tqdm


def test_a_matched_trainer_run_uses_the_fused_optimizer_and_learns():
    from transformers import BertConfig, BertForTokenClassification

    tokenizer = load_tokenizer("minilm")
    labels = ["O", "B-PER", "I-PER"]
    sentences = [
        Sentence(["Ada", "Lovelace", "met", "Charles", "Babbage", "."], ["B-PER", "I-PER", "O", "B-PER", "I-PER", "O"]),
        Sentence(["The", "engine", "was", "never", "built", "."], ["O"] * 6),
    ] * 8
    features = encode_ner(sentences, tokenizer, {label: i for i, label in enumerate(labels)})
    torch.manual_seed(0)
    model = BertForTokenClassification(
        BertConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            num_labels=3,
        )
    )
    batch = make_collator(tokenizer, "ner")(
        [{k: f[k] for k in ("input_ids", "attention_mask", "labels")} for f in features]
    )
    before = model(**batch).loss.item()
    run = train_with_trainer(
        model,
        features,
        make_collator(tokenizer, "ner"),
        TrainConfig(epochs=3, batch_size=4, lr=3e-3, device="cpu", progress=False),
    )
    assert (
        run["optimizer"] == "AdamW" and run["fused"] and run["warmup_steps"] == 1
    )  # 4 batches x 3 epochs = 12 steps, int(1.2) = 1
    model.eval()
    assert model(**batch).loss.item() < before
    assert math.isfinite(run["train_loss"]) and run["train_loss"] > 0  # the Trainer's mean over its steps


def test_a_replaying_trainer_gives_fits_weights_bit_for_bit():
    from itertools import count

    from transformers import BertConfig, BertForTokenClassification

    from sftlab.train.inference import predict_word_tags
    from sftlab.train.training import Scorer, fit

    tokenizer = load_tokenizer("minilm")
    labels = ["O", "B-PER", "I-PER"]
    words = ["Ada", "Lovelace", "met", "Charles", "Babbage", "in", "London", "."]
    sentences = [Sentence(words[: 3 + i % 6], (["B-PER", "I-PER"] + ["O"] * 6)[: 3 + i % 6]) for i in range(19)]
    features = encode_ner(sentences, tokenizer, {label: i for i, label in enumerate(labels)})
    collator = make_collator(tokenizer, "ner")
    config = TrainConfig(epochs=2, batch_size=4, lr=3e-3, patience=None, device="cpu", progress=False)  # a short batch

    def fresh():
        torch.manual_seed(0)
        small = BertConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            id2label=dict(enumerate(labels)),
        )
        return BertForTokenClassification(small)

    looped, replayed, own = fresh(), fresh(), fresh()
    later = count()  # every epoch scores better than the last: fit keeps the last weights, as the Trainer does
    fit(
        looped,
        features,
        features,
        collator=collator,
        score=Scorer(lambda _: {"epoch": next(later)}, "epoch"),
        config=config,
        predict=lambda m, f: predict_word_tags(m, f, collator),
    )
    train_with_trainer(replayed, features, collator, config, replay=True)
    train_with_trainer(own, features, collator, config)

    def gap(model):
        return max((a - b).abs().max().item() for a, b in zip(model.parameters(), looped.parameters()))

    assert gap(replayed) == 0.0  # same batches, same order, same dropout masks: the same arithmetic
    assert gap(own) > 1e-4  # its own sampler and generator: another run
