"""The same instruction tuning with TRL's ``SFTTrainer``, for comparison with :func:`sftlab.train.training.fit`.

TRL reads conversational *prompt-completion* records (``{"prompt": [...messages],
"completion": [answer message]}``); with ``completion_only_loss=True`` (its default for such
data) the loss covers what the chat template renders after the prompt's generation prompt: the
same tokens as :func:`sftlab.data.formats.tokenize_chat` labels. The optimiser, schedule,
clipping and batch size are those of ``fit`` (:func:`sftlab.train.hf_trainer.matched_options`),
so any difference in the result comes from the trainer, not from the settings.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Sequence

import torch

from sftlab.train.hf_trainer import matched_options
from sftlab.train.training import TrainConfig


def prompt_completion(records: Sequence[dict]) -> list[dict]:
    """TRL's conversational prompt-completion form of chat records (the last message is the completion)."""
    return [{"prompt": list(r["messages"][:-1]), "completion": [r["messages"][-1]]} for r in records]


def make_sft_trainer(model, tokenizer, records: Sequence[dict], config: TrainConfig, output_dir: str | Path, *,
                     packing: bool = False, max_length: int = 256, max_steps: int = -1):
    """An ``SFTTrainer`` set up as ``fit`` trains: same optimiser, schedule, clipping, batches, loss on the answers."""
    import datasets
    from datasets import Dataset
    from transformers import PrinterCallback
    from trl import SFTConfig, SFTTrainer

    datasets.disable_progress_bars()
    options = matched_options(config, len(records))
    options.pop("train_sampling_strategy")  # TRL sorts nothing by length; packing is its answer to padding
    with warnings.catch_warnings():  # TRL's config still sets transformers' renamed gradient_checkpointing
        warnings.filterwarnings("ignore", message=".*gradient_checkpointing.* is deprecated", category=FutureWarning)
        args = SFTConfig(output_dir=str(output_dir), num_train_epochs=config.epochs, max_steps=max_steps,
                         per_device_train_batch_size=config.batch_size, seed=config.seed, report_to="none",
                         save_strategy="no", logging_steps=1, disable_tqdm=not config.progress,
                         use_cpu=config.device == "cpu", dataloader_pin_memory=torch.cuda.is_available(),
                         completion_only_loss=True, packing=packing, max_length=max_length,
                         bf16=torch.cuda.is_available() and torch.cuda.is_bf16_supported(), **options)
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(prompt_completion(records)),
                         processing_class=tokenizer)
    trainer.remove_callback(PrinterCallback)
    return trainer


def train_with_sft_trainer(trainer) -> dict:
    """Train; return seconds, optimizer steps, trained (non-padding) tokens per second and the logged losses."""
    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    tokens = sum(len(row["input_ids"]) for row in trainer.train_dataset) * trainer.args.num_train_epochs
    if trainer.args.max_steps > 0:
        per_step = sum(len(row["input_ids"]) for row in trainer.train_dataset) / max(1, len(trainer.get_train_dataloader()))
        tokens = per_step * trainer.state.global_step
    return {"seconds": seconds, "steps": trainer.state.global_step, "tokens_per_second": tokens / seconds,
            "losses": losses}
