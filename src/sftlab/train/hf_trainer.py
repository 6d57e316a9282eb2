"""The same fine-tuning with the transformers ``Trainer``, for comparison with :func:`sftlab.train.training.fit`.

``Trainer`` needs the ``accelerate`` package (in the lock). With ``matched=True`` it is set up
like sftlab's loop (AdamW, the same learning rate, warmup, decay, clipping, batch size and
length-grouped batches); with ``matched=False`` it keeps the Trainer's defaults apart from
epochs and batch size, as the benchmark's "(c)" row does.
"""

from __future__ import annotations

import tempfile
import time
from typing import Callable, Sequence

import torch

from sftlab.train.training import TrainConfig

KEEP = ("input_ids", "attention_mask", "labels", "token_type_ids")


def _strip(features: Sequence[dict]) -> list[dict]:
    return [{k: v for k, v in f.items() if k in KEEP} for f in features]


def train_with_trainer(model, train_features: Sequence[dict], collator, config: TrainConfig, *, matched: bool = True,
                       dev_features: Sequence[dict] | None = None,
                       compute_metrics: Callable | None = None) -> dict:
    """Fine-tune ``model`` in place with ``transformers.Trainer``; return seconds and examples/s."""
    from transformers import PrinterCallback, Trainer, TrainingArguments

    with tempfile.TemporaryDirectory() as scratch:
        options = dict(output_dir=scratch, num_train_epochs=config.epochs, per_device_train_batch_size=config.batch_size,
                       per_device_eval_batch_size=64, seed=config.seed, report_to="none", save_strategy="no",
                       logging_strategy="no", disable_tqdm=not config.progress, use_cpu=config.device == "cpu",
                       dataloader_pin_memory=torch.cuda.is_available())
        if matched:
            options.update(learning_rate=config.lr, weight_decay=config.weight_decay, warmup_steps=config.warmup_ratio,
                           max_grad_norm=config.max_grad_norm, lr_scheduler_type="linear", optim="adamw_torch",
                           gradient_accumulation_steps=config.grad_accum, train_sampling_strategy="group_by_length")
        if dev_features is not None and compute_metrics is not None:
            options["eval_strategy"] = "epoch"
        trainer = Trainer(model=model, args=TrainingArguments(**options), train_dataset=_strip(train_features),
                          eval_dataset=_strip(dev_features) if dev_features is not None else None,
                          data_collator=collator, compute_metrics=compute_metrics)
        trainer.remove_callback(PrinterCallback)  # it prints the final metrics dict to stdout
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
        evaluations = [e for e in trainer.state.log_history if any(k.startswith("eval_") for k in e)]
    return {"seconds": seconds, "examples_per_second": len(train_features) * config.epochs / seconds,
            "evaluations": evaluations}
