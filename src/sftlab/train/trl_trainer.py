"""The same instruction tuning with TRL's ``SFTTrainer``, for comparison with :func:`sftlab.train.training.fit`.

TRL reads conversational *prompt-completion* records (``{"prompt": [...messages],
"completion": [answer message]}``); with ``completion_only_loss=True`` (its default for such
data) the loss covers what the chat template renders after the prompt's generation prompt: the
same tokens as :func:`sftlab.data.chat.tokenize_chat` labels. The optimiser, schedule,
clipping, batch size and batch order policy (length-grouped batches) are those of ``fit``
(:func:`sftlab.train.hf_trainer.matched_options`), and three of ``SFTConfig``'s defaults that
differ from ``fit`` are set to what ``fit`` does: gradient checkpointing off (``SFTConfig``
turns it on, which recomputes every layer's forward in the backward pass), the loss logged once
per epoch (``SFTConfig`` logs every 10 steps), no evaluation. So a difference in the result comes
from the trainer, not from the settings. TRL still computes its per-step entropy and token
accuracy inside ``compute_loss``: that is part of the trainer, not a setting.

Two ways to avoid padding. ``padding_free=True`` is what ``fit`` does with ``causal_lm_packed``: it
flattens each batch's examples into one row with ``position_ids`` restarting at 0 for each
example (TRL's collator also passes the examples' boundaries, ``cu_seq_lens_q``/``cu_seq_lens_k``,
for FlashAttention's variable-length kernel; with sdpa, transformers keeps the examples apart with
a block-diagonal mask built from the positions). ``packing=True`` packs examples best-fit-decreasing
into rows of ``max_length`` tokens, one row per step (padding-free within the row), so that with
``max_length`` about one batch's tokens each step sees about one batch of examples.

Where the two trainers' targets part: ``completion_only_loss`` on prompt-completion records trains
the completion, which :func:`prompt_completion` makes of a record's last message; earlier assistant turns
of a multi-turn record go to the prompt.
``fit`` with ``train_on="assistant"`` trains every assistant turn, with ``train_on="last"`` the last.
"""

from __future__ import annotations

import math
import time
import warnings
from pathlib import Path
from typing import Sequence

import torch

from sftlab.train.hf_trainer import matched_options, replay_fit, run_options
from sftlab.train.training import TrainConfig


def prompt_completion(records: Sequence[dict]) -> list[dict]:
    """TRL's conversational prompt-completion form of chat records (the last message is the completion)."""
    return [{"prompt": list(r["messages"][:-1]), "completion": [r["messages"][-1]]} for r in records]


def make_sft_trainer(
    model,
    tokenizer,
    records: Sequence[dict],
    config: TrainConfig,
    output_dir: str | Path,
    *,
    packing: bool = False,
    padding_free: bool = False,
    max_length: int = 256,
    max_steps: int = -1,
    group_by_length: bool = True,
    replay: bool = False,
):
    """An ``SFTTrainer`` set up as ``fit`` trains: same optimiser, schedule, clipping, batches, loss on the answers,
    no gradient checkpointing, the loss logged once per epoch.

    ``padding_free``: each batch flattened into one row (``max_length`` is then not applied: TRL
    enforces it only with packing). ``packing``: one packed row of ``max_length`` tokens per step,
    the warmup counted in those steps. ``group_by_length=False`` gives random batches; ``replay`` the batches
    ``fit`` draws, in its order (:func:`sftlab.train.hf_trainer.replay_fit`; not with packing, whose rows are not
    the records).
    """
    import datasets
    from datasets import Dataset
    from transformers import PrinterCallback
    from trl import SFTConfig, SFTTrainer

    datasets.disable_progress_bars()
    options = matched_options(config, len(records))
    if not group_by_length:
        options["train_sampling_strategy"] = "random"
    with warnings.catch_warnings():  # TRL's config still sets transformers' renamed gradient_checkpointing
        warnings.filterwarnings("ignore", message=".*gradient_checkpointing.* is deprecated", category=FutureWarning)
        args = SFTConfig(
            **run_options(config, output_dir),
            max_steps=max_steps,
            per_device_train_batch_size=1 if packing else config.batch_size,
            eval_strategy="no",
            completion_only_loss=True,
            packing=packing,
            padding_free=padding_free,
            max_length=None if padding_free and not packing else max_length,
            **options,
        )
    trainer = SFTTrainer(
        model=model, args=args, train_dataset=Dataset.from_list(prompt_completion(records)), processing_class=tokenizer
    )
    trainer.remove_callback(PrinterCallback)
    if replay:
        if packing:
            raise ValueError("replay=True needs one row per record: not with packing")
        replay_fit(trainer, [len(row["input_ids"]) for row in trainer.train_dataset], config)
    if packing:  # the schedule's warmup in the packed rows' steps, as fit counts it in its batches
        steps = math.ceil(len(trainer.train_dataset) / config.grad_accum) * config.epochs
        trainer.args.warmup_steps = int(config.warmup_ratio * steps)
    return trainer


def train_with_sft_trainer(trainer) -> dict:
    """Train; return seconds, optimizer steps, trained (non-padding) tokens per second and the logged losses."""
    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    tokens = sum(len(row["input_ids"]) for row in trainer.train_dataset) * trainer.args.num_train_epochs
    if trainer.args.max_steps > 0:
        per_step = sum(len(row["input_ids"]) for row in trainer.train_dataset) / max(
            1, len(trainer.get_train_dataloader())
        )
        tokens = per_step * trainer.state.global_step
    return {
        "seconds": seconds,
        "steps": trainer.state.global_step,
        "tokens_per_second": tokens / seconds,
        "losses": losses,
    }


def batch_loss(trainer, batch: dict) -> float:
    """The loss TRL trains on for ``batch``, through its own ``SFTTrainer.compute_loss``, without a gradient.

    The model runs in eval mode (no dropout) and goes back to the mode it was in. ``compute_loss``
    also records its entropy and token accuracy among the trainer's *eval* metrics, which only an
    evaluation would log.
    """
    model = trainer.model
    was_training = model.training
    inputs = {k: v.to(model.device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
    model.eval()
    try:
        with torch.no_grad():
            return trainer.compute_loss(model, inputs).item()
    finally:
        model.train(was_training)
