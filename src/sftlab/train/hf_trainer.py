"""The same fine-tuning with the transformers ``Trainer``, for comparison with :func:`sftlab.train.training.fit`.

``Trainer`` needs the ``accelerate`` package (in the lock). With ``matched=True`` it is set up
like sftlab's loop, each setting at the value ``fit`` uses: fused AdamW (where torch has the
fused kernel), the same mixed precision (bf16 or fp16 autocast on CUDA, none on the CPU), the
same learning rate, weight decay (none on biases and LayerNorm), the same number of linear
warmup steps and decay to zero, gradient clipping, batch size, gradient accumulation,
length-grouped batches and no gradient checkpointing; ``replay`` gives it the very batches
``fit`` draws, in ``fit``'s order (:func:`replay_fit`). That is the ``Trainer`` at its best
settings, the encoder benchmark's "(d)" row. With ``matched=False`` it keeps the
Trainer's defaults apart from epochs and batch size, as that benchmark's "(c)" row does. Either
way the loss is logged once per epoch, as ``fit`` records it, and nothing is evaluated unless
``dev_features`` and ``compute_metrics`` are given.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

import torch

from sftlab.train.batching import length_grouped_batches
from sftlab.train.device import autocast_dtype, pick_device
from sftlab.train.training import TrainConfig

KEEP = ("input_ids", "attention_mask", "labels", "token_type_ids")


def _strip(features: Sequence[dict]) -> list[dict]:
    return [{k: v for k, v in f.items() if k in KEEP} for f in features]


def warmup_steps(config: TrainConfig, n_examples: int) -> int:
    """The warmup steps :func:`fit` takes: ``int(warmup_ratio * total optimizer steps)``.

    The ``Trainer`` turns a ratio into ``ceil(ratio * total)`` steps, one more than ``fit``
    whenever the product is not whole; passing the count keeps the two schedules identical.
    """
    batches = math.ceil(n_examples / config.batch_size)
    total = math.ceil(batches / config.grad_accum) * config.epochs
    return int(config.warmup_ratio * total)


class FitBatches(torch.utils.data.Sampler):
    """:func:`fit`'s batches as a batch sampler: its sizes and its order, the one short batch where ``fit`` puts it.

    Epoch ``e`` gives ``length_grouped_batches(lengths, batch_size, seed=seed + e)``.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int):
        self.lengths, self.batch_size, self.seed, self.epoch = list(lengths), batch_size, seed, 0

    def __len__(self) -> int:
        return math.ceil(len(self.lengths) / self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        return iter(length_grouped_batches(self.lengths, self.batch_size, seed=self.seed + self.epoch))


def replay_fit(trainer, lengths: Sequence[int], config: TrainConfig) -> None:
    """Make ``trainer`` train on what :func:`fit` trains on: its batches in its order, and its dropout masks.

    With matched settings two things still differ. The ``Trainer``'s sampler draws other batches
    in another order (a sampler could give ``fit``'s batches only with the short one moved to the
    end: the loader cuts its order into full batches); and its ``DataLoader`` draws a seed from
    the global torch generator as each epoch starts, which shifts every dropout mask after it.
    Here the loader cuts ``fit``'s batches itself (:class:`FitBatches`) and draws that seed from a
    generator of its own: a matched run then gives ``fit``'s weights bit for bit on a CPU.
    """
    from torch.utils.data import DataLoader

    batches = FitBatches(lengths, config.batch_size, config.seed)

    def train_dataloader():
        loader = DataLoader(
            trainer.train_dataset,
            batch_sampler=batches,
            collate_fn=trainer.data_collator,
            pin_memory=trainer.args.dataloader_pin_memory,
            generator=torch.Generator(),
        )
        return trainer.accelerator.prepare(loader)

    trainer.get_train_dataloader = train_dataloader


def matched_options(config: TrainConfig, n_examples: int, device: torch.device | None = None) -> dict:
    """``TrainingArguments`` that make the ``Trainer`` train as :func:`fit` does with ``config``."""
    import dataclasses

    from transformers import TrainingArguments

    device = device or pick_device(config.device)
    # off, as in fit (TRL's SFTConfig turns it on); transformers 5 renamed the option
    names = {f.name for f in dataclasses.fields(TrainingArguments)}
    checkpointing = "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"
    dtype = (getattr(torch, config.amp_dtype) if config.amp_dtype else autocast_dtype(device)) if config.amp else None
    return dict(
        bf16=dtype == torch.bfloat16,
        fp16=dtype == torch.float16,
        learning_rate=config.lr,
        weight_decay=config.weight_decay,
        warmup_steps=warmup_steps(config, n_examples),
        lr_scheduler_type="linear",
        max_grad_norm=config.max_grad_norm,
        gradient_accumulation_steps=config.grad_accum,
        optim="adamw_torch_fused" if device.type in ("cpu", "cuda") else "adamw_torch",
        train_sampling_strategy="group_by_length",
        **{checkpointing: False},
    )


def run_options(config: TrainConfig, output_dir: str | Path) -> dict:
    """``TrainingArguments`` for a run like ``fit``'s with ``config``: its epochs, seed, device and progress bar, the
    loss logged once an epoch, nothing saved or reported, into ``output_dir``."""
    return dict(
        output_dir=str(output_dir),
        num_train_epochs=config.epochs,
        seed=config.seed,
        report_to="none",
        save_strategy="no",
        logging_strategy="epoch",
        disable_tqdm=not config.progress,
        use_cpu=config.device == "cpu",
        dataloader_pin_memory=torch.cuda.is_available(),
    )


def train_with_trainer(
    model,
    train_features: Sequence[dict],
    collator,
    config: TrainConfig,
    *,
    matched: bool = True,
    dev_features: Sequence[dict] | None = None,
    compute_metrics: Callable | None = None,
    replay: bool = False,
) -> dict:
    """Fine-tune ``model`` in place with ``transformers.Trainer``; return seconds, optimizer steps, examples/s, dev
    evaluations and ``train_loss``, the Trainer's mean training loss over its steps. ``replay``: ``fit``'s
    batches in ``fit``'s order and its dropout masks (:func:`replay_fit`), so that only the code differs."""
    from transformers import PrinterCallback, Trainer, TrainingArguments

    with tempfile.TemporaryDirectory() as scratch:
        options = run_options(config, scratch)
        options.update(per_device_train_batch_size=config.batch_size, per_device_eval_batch_size=64)
        if matched:
            options.update(matched_options(config, len(train_features)))
        if dev_features is not None and compute_metrics is not None:
            options["eval_strategy"] = "epoch"
        trainer = Trainer(
            model=model,
            args=TrainingArguments(**options),
            train_dataset=_strip(train_features),
            eval_dataset=_strip(dev_features) if dev_features is not None else None,
            data_collator=collator,
            compute_metrics=compute_metrics,
        )
        trainer.remove_callback(PrinterCallback)  # it prints the final metrics dict to stdout
        if replay:
            replay_fit(trainer, [len(f["input_ids"]) for f in train_features], config)
        started = time.perf_counter()
        output = trainer.train()
        seconds = time.perf_counter() - started
        evaluations = [e for e in trainer.state.log_history if any(k.startswith("eval_") for k in e)]
        optimizer = getattr(trainer.optimizer, "optimizer", trainer.optimizer)  # accelerate wraps the torch optimizer
    return {
        "seconds": seconds,
        "steps": trainer.state.global_step,
        "examples_per_second": len(train_features) * config.epochs / seconds,
        "evaluations": evaluations,
        "train_loss": output.training_loss,
        "optimizer": type(optimizer).__name__,
        "fused": bool(optimizer.defaults.get("fused")),
        "warmup_steps": options.get("warmup_steps", 0),
    }
