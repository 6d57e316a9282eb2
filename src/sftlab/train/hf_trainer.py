"""The same fine-tuning with the transformers ``Trainer``, for comparison with :func:`sftlab.train.training.fit`.

``Trainer`` needs the ``accelerate`` package (in the lock). With ``matched=True`` it is set up
like sftlab's loop, each setting at the value ``fit`` uses: fused AdamW (where torch has the
fused kernel), the same learning rate, weight decay (none on biases and LayerNorm), the same
number of linear warmup steps and decay to zero, gradient clipping, batch size, gradient
accumulation and length-grouped batches. That is the ``Trainer`` at its best settings, the
benchmark's "(d)" row. With ``matched=False`` it keeps the Trainer's defaults apart from epochs
and batch size, as the benchmark's "(c)" row does.
"""

from __future__ import annotations

import math
import tempfile
import time
from typing import Callable, Sequence

import torch

from sftlab.train.device import pick_device
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


def matched_options(config: TrainConfig, n_examples: int, device: torch.device | None = None) -> dict:
    """``TrainingArguments`` that make the ``Trainer`` train as :func:`fit` does with ``config``."""
    device = device or pick_device(config.device)
    return dict(learning_rate=config.lr, weight_decay=config.weight_decay,
                warmup_steps=warmup_steps(config, n_examples), lr_scheduler_type="linear",
                max_grad_norm=config.max_grad_norm, gradient_accumulation_steps=config.grad_accum,
                optim="adamw_torch_fused" if device.type in ("cpu", "cuda") else "adamw_torch",
                train_sampling_strategy="group_by_length")


def train_with_trainer(model, train_features: Sequence[dict], collator, config: TrainConfig, *, matched: bool = True,
                       dev_features: Sequence[dict] | None = None,
                       compute_metrics: Callable | None = None) -> dict:
    """Fine-tune ``model`` in place with ``transformers.Trainer``; return seconds, examples/s, dev evaluations and
    ``train_loss``, the Trainer's mean training loss over its steps."""
    from transformers import PrinterCallback, Trainer, TrainingArguments

    with tempfile.TemporaryDirectory() as scratch:
        options = dict(output_dir=scratch, num_train_epochs=config.epochs, per_device_train_batch_size=config.batch_size,
                       per_device_eval_batch_size=64, seed=config.seed, report_to="none", save_strategy="no",
                       logging_strategy="no", disable_tqdm=not config.progress, use_cpu=config.device == "cpu",
                       dataloader_pin_memory=torch.cuda.is_available())
        if matched:
            options.update(matched_options(config, len(train_features)))
        if dev_features is not None and compute_metrics is not None:
            options["eval_strategy"] = "epoch"
        trainer = Trainer(model=model, args=TrainingArguments(**options), train_dataset=_strip(train_features),
                          eval_dataset=_strip(dev_features) if dev_features is not None else None,
                          data_collator=collator, compute_metrics=compute_metrics)
        trainer.remove_callback(PrinterCallback)  # it prints the final metrics dict to stdout
        started = time.perf_counter()
        output = trainer.train()
        seconds = time.perf_counter() - started
        evaluations = [e for e in trainer.state.log_history if any(k.startswith("eval_") for k in e)]
        optimizer = getattr(trainer.optimizer, "optimizer", trainer.optimizer)  # accelerate wraps the torch optimizer
    return {"seconds": seconds, "examples_per_second": len(train_features) * config.epochs / seconds,
            "evaluations": evaluations, "train_loss": output.training_loss, "optimizer": type(optimizer).__name__,
            "fused": bool(optimizer.defaults.get("fused")), "warmup_steps": options.get("warmup_steps", 0)}
