"""TRL's SFTTrainer set up as fit trains: no gradient checkpointing, fit's batches replayed, the loss once an epoch."""

from __future__ import annotations

import pytest

from sftlab.train.batching import length_grouped_batches
from sftlab.train.training import TrainConfig
from tests.conftest import random_llama


@pytest.fixture(scope="module")
def setup(smollm2_tokenizer):
    model = random_llama(
        smollm2_tokenizer,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=8,
    )
    records = [
        {
            "messages": [
                {"role": "user", "content": "Sentiment of: " + "good " * (i % 5 + 1)},
                {"role": "assistant", "content": "positive"},
            ]
        }
        for i in range(10)
    ]
    return model, smollm2_tokenizer, records


def test_sft_trainer_settings_match_fit(setup, tmp_path):
    from sftlab.train.trl_trainer import make_sft_trainer

    model, tokenizer, records = setup
    config = TrainConfig(epochs=1, batch_size=4, lr=1e-3, device="cpu", progress=False)
    trainer = make_sft_trainer(model, tokenizer, records, config, tmp_path, replay=True)
    args = trainer.args
    assert args.gradient_checkpointing is False and not args.bf16 and args.logging_strategy == "epoch"
    assert args.train_sampling_strategy == "group_by_length" and args.optim == "adamw_torch_fused"
    assert [list(batch) for batch in trainer.get_train_dataloader().batch_sampler] == length_grouped_batches(
        [len(row["input_ids"]) for row in trainer.train_dataset], 4, seed=0
    )  # fit's batches
    free = make_sft_trainer(model, tokenizer, records, config, tmp_path, padding_free=True)
    assert free.args.padding_free and free.args.max_length is None  # TRL applies max_length only when packing


def test_packing_gives_one_row_a_step_and_counts_the_warmup_in_those_steps(setup, tmp_path):
    from sftlab.train.instruction_tuning import encode_chats
    from sftlab.train.trl_trainer import make_sft_trainer

    model, tokenizer, records = setup
    config = TrainConfig(epochs=2, batch_size=4, lr=1e-3, device="cpu", progress=False, warmup_ratio=0.3)
    lengths = [len(f["input_ids"]) for f in encode_chats(records, tokenizer)]
    trainer = make_sft_trainer(model, tokenizer, records, config, tmp_path, packing=True, max_length=2 * max(lengths))
    rows = len(trainer.train_dataset)
    assert trainer.args.per_device_train_batch_size == 1 and rows < len(records)
    assert sum(len(row["input_ids"]) for row in trainer.train_dataset) == sum(lengths)  # nothing cut
    assert trainer.args.warmup_steps == int(0.3 * rows * 2)
    with pytest.raises(ValueError, match="packing"):
        make_sft_trainer(model, tokenizer, records, config, tmp_path, packing=True, replay=True)


def test_batch_loss_is_trls_compute_loss_and_equals_fits_loss(setup, tmp_path):
    import torch

    from sftlab.train.batching import collate, make_collator
    from sftlab.train.instruction_tuning import encode_chats
    from sftlab.train.training import summed_loss
    from sftlab.train.trl_trainer import batch_loss, make_sft_trainer

    model, tokenizer, records = setup
    config = TrainConfig(epochs=1, batch_size=4, lr=1e-3, device="cpu", progress=False)
    trainer = make_sft_trainer(model, tokenizer, records, config, tmp_path)
    rows = trainer.train_dataset
    first = trainer.data_collator([rows[i] for i in range(4)])
    trainer.model.train()
    loss = batch_loss(trainer, first)
    assert trainer.model.training  # the mode it was in
    assert all(p.grad is None for p in trainer.model.parameters())  # no gradient
    with torch.no_grad():
        ours = collate(make_collator(tokenizer, "causal_lm"), encode_chats(records, tokenizer), range(4))
        summed, count = summed_loss(trainer.model.eval(), ours, True)
    assert abs(loss - summed.item() / count) < 1e-5 * abs(loss)


def test_completion_only_loss_trains_the_last_assistant_turn_only(setup, tmp_path):
    from sftlab.data.chat import tokenize_chat
    from sftlab.train.trl_trainer import make_sft_trainer

    model, tokenizer, _ = setup
    messages = [
        {"role": "user", "content": "Sentiment of: good"},
        {"role": "assistant", "content": "positive"},
        {"role": "user", "content": "Sentiment of: bad"},
        {"role": "assistant", "content": "negative"},
    ]
    config = TrainConfig(epochs=1, batch_size=1, lr=1e-3, device="cpu", progress=False)
    row = make_sft_trainer(model, tokenizer, [{"messages": messages}], config, tmp_path).train_dataset[0]
    last, every = (tokenize_chat(messages, tokenizer, train_on=mode) for mode in ("last", "assistant"))
    assert list(row["input_ids"]) == last["input_ids"] == every["input_ids"]
    assert list(row["labels"]) == last["labels"] != every["labels"]
