"""The fine-tuning loop, written out plainly, with the pieces a real run needs.

:func:`fit` reads like the loop of notebook 05 §4, in named steps: :func:`_set_up` (seed, device,
AdamW, the linear warmup/decay schedule), :func:`_resume` (from the last checkpoint), then per
epoch :func:`train_one_epoch` (forward -> loss -> backward; every ``grad_accum`` batches clip the
gradient norm and step), :func:`_score_dev`, :func:`_choose_epoch` (keep the best weights),
:func:`_save_checkpoint`, and early stopping (:func:`_patience_ran_out`) when the dev metric has
not improved for ``patience`` epochs. A :class:`Scorer` names the dev metric that chooses the epoch.

The same function runs on one CPU, one GPU (autocast bf16/fp16) or several processes under
``torchrun``; what several processes need is in :mod:`sftlab.train.data_parallel`.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from tqdm.auto import tqdm

from sftlab.io.errors import ConfigError
from sftlab.train.batching import collate, length_grouped_batches, shard_batches
from sftlab.train.checkpoint import load_checkpoint, remove_stale_temporaries, rng_state, save_checkpoint, set_rng_state
from sftlab.train.data_parallel import (
    data_parallel,
    evaluate_distributed,
    is_main_process,
    process_device,
    sum_over_processes,
    wait_for_all,
    world,
)
from sftlab.train.device import autocast, autocast_dtype, set_seed


@dataclass
class TrainConfig:
    """Hyper-parameters and switches of :func:`fit` (defaults suit MiniLM on a few thousand examples).

    ``amp`` turns on autocast where it helps (bf16, else fp16, on CUDA; nothing on the CPU);
    ``amp_dtype`` forces a dtype on any device, which notebook 09 uses to measure bf16 on the CPU.
    """

    epochs: int = 3
    batch_size: int = 32
    lr: float = 2e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    grad_accum: int = 1
    patience: int | None = 2
    metric: str | None = None  # the dev metric that selects the epoch; None: the scorer's own (``Scorer.metric``)
    seed: int = 0
    device: str = "auto"
    amp: bool = True
    amp_dtype: str | None = None
    freeze_encoder: bool = False
    checkpoint_dir: str | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "grad_accum"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(name, value, "must be a whole number >= 1", f"for example {name}=1")
        if not self.lr > 0:
            raise ConfigError("lr", self.lr, "must be positive", "typical values: 5e-5 (BERT-base) to 3e-4 (MiniLM)")
        if not 0 <= self.warmup_ratio < 1:
            raise ConfigError("warmup_ratio", self.warmup_ratio, "must be in [0, 1)")
        if self.amp_dtype not in (None, "bfloat16", "float16"):
            raise ConfigError("amp_dtype", self.amp_dtype, "unknown", "use None (automatic), 'bfloat16' or 'float16'")
        if self.patience is not None and self.patience < 1:
            raise ConfigError("patience", self.patience, "must be >= 1 or None (no early stopping)")


@dataclass
class TrainResult:
    """What a run produced: per-epoch history, the best dev score and the speed."""

    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    best_score: float = -math.inf
    examples_per_second: float = 0.0
    train_seconds: float = 0.0
    steps: int = 0
    resumed_from_epoch: int | None = None
    stopped_early: bool = False
    peak_memory_mb: float | None = None


@dataclass(frozen=True)
class Scorer:
    """A task's dev scores: ``scorer(predictions)`` gives a dict of metrics, ``metric`` the one choosing the epoch."""

    score: Callable[[list], dict]
    metric: str

    def __call__(self, predictions: list) -> dict:
        """The dev metrics of ``predictions``."""
        return self.score(predictions)


def _parameter_groups(model, weight_decay: float) -> list[dict]:
    """AdamW groups: no decay for biases and LayerNorm weights (their scale is not overfitting)."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        (no_decay if parameter.ndim < 2 or "LayerNorm" in name or "norm" in name.lower() else decay).append(parameter)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def freeze_encoder(model) -> int:
    """Freeze everything but the task head; return the number of trainable parameters left."""
    for parameter in model.base_model.parameters():
        parameter.requires_grad = False
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def is_causal_lm(model) -> bool:
    """Whether ``model`` predicts the next token (its labels are shifted inside the loss)."""
    inner = getattr(model, "module", model)  # DistributedDataParallel
    names = [type(inner).__name__, *(getattr(getattr(inner, "config", None), "architectures", None) or [])]
    return any("CausalLM" in name for name in names)


def target_count(features: Sequence[dict], indices: Sequence[int], causal: bool) -> int:
    """How many targets the loss averages over in these examples: labels that are not -100.

    A classification example is one target; a causal LM's first label is never a target (no
    token comes before it to predict it).
    """
    total = 0
    for i in indices:
        labels = features[i]["labels"]
        if isinstance(labels, int):
            total += 1
        else:
            total += sum(label != -100 for label in (labels[1:] if causal else labels))
    return total


def summed_loss(model, batch: dict, causal: bool) -> tuple[torch.Tensor, int]:
    """Sum (not mean) of the cross-entropy over the batch's targets, and how many targets there were.

    The logits at position t predict the token at t + 1 in a causal LM, so the labels move one
    place to the left and the last position gets none (-100), as in Hugging Face's own causal-LM
    loss. Shifting the labels rather than cutting the last position off the logits spares a copy
    of the logits (batch x length x vocabulary: 8 x 96 x 49,152 fp32 values, 151 MB, for SmolLM2) forward and
    backward; the gradients are the same. A causal LM runs without its key/value cache (training
    needs none, and transformers only turns restarting ``position_ids`` into a mask that keeps
    packed examples apart when there is no cache).
    """
    labels = batch["labels"]
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    logits = model(**inputs, **({"use_cache": False} if causal else {})).logits
    if causal:
        labels = torch.nn.functional.pad(labels[:, 1:], (0, 1), value=-100)
    labels = labels.reshape(-1)
    summed = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.size(-1)).float(), labels, ignore_index=-100, reduction="sum"
    )
    return summed, int((labels != -100).sum())


@dataclass
class _Loop:
    """What the steps of one run share: the model, the module that trains it, and what updates its weights."""

    model: torch.nn.Module
    trained: torch.nn.Module  # ``model``, or its DistributedDataParallel wrapper on several processes
    device: torch.device
    causal: bool
    dtype: torch.dtype | None  # autocast's dtype; None: full precision
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler


@dataclass
class EpochStats:
    """What one epoch of training measured on this process."""

    loss: float  # the epoch's target losses summed, over its number of targets: every target weighs the same
    seconds: float
    examples: int
    steps: int


def fit(
    model,
    train_features: Sequence[dict],
    dev_features: Sequence[dict],
    *,
    collator,
    predict: Callable[[Any, Sequence[dict]], Sequence],
    score: Scorer,
    config: TrainConfig,
) -> TrainResult:
    """Fine-tune ``model`` on ``train_features``, choosing the epoch on dev by ``config.metric or score.metric``.

    The loop of notebook 05 §4 in named steps: set up, resume from the last checkpoint if there is
    one, then each epoch train, score ``score(predict(model, dev_features))``, keep the best epoch's
    weights and save a checkpoint, until the epochs run out or the dev metric has not improved for
    ``config.patience`` epochs. The best epoch's weights are loaded back into ``model`` at the end.
    """
    metric = config.metric or score.metric
    loop = _set_up(model, train_features, config)
    folder = _checkpoint_folder(config, train_features, model)
    result = _resume(loop, folder)
    if loop.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(loop.device)  # the run's peak memory counts from here
    best_state, measured = None, []
    for epoch in range(len(result.history), config.epochs):  # a resumed run goes on after its saved epochs
        if _patience_ran_out(result, epoch, config.patience):
            result.stopped_early = True
            break
        measured.append(train_one_epoch(loop, train_features, collator, config, epoch))
        metrics = _score_dev(model, dev_features, predict, score, metric)
        _log_epoch(result, epoch, measured[-1], loop, metrics)
        if _choose_epoch(result, epoch, metrics[metric]):
            best_state = _keep_best(model, folder, epoch)
        _save_checkpoint(folder, loop, epoch, result)
        wait_for_all()
    _load_best(model, best_state, folder, loop.device)
    _record_speed(result, measured, loop.device)
    return result


def _set_up(model, train_features: Sequence[dict], config: TrainConfig) -> _Loop:
    """Seed, move ``model`` to this process's device, build AdamW, the warmup/decay schedule, the loss scaler."""
    from transformers import get_linear_schedule_with_warmup

    device = process_device(config.device)
    set_seed(config.seed)
    if config.freeze_encoder:
        freeze_encoder(model)
    model.to(device)
    trained = data_parallel(model)
    # fused: one kernel for the whole update; on a CPU it cuts the step over MiniLM's 22.7M
    # parameters from ~77 ms to ~16 ms (the default foreach version is what most copied loops use).
    optimizer = torch.optim.AdamW(
        _parameter_groups(model, config.weight_decay), lr=config.lr, fused=device.type in ("cpu", "cuda")
    )
    steps_per_epoch = math.ceil(len(_epoch_batches(train_features, config.batch_size, seed=0)) / config.grad_accum)
    total_steps = steps_per_epoch * config.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * total_steps), total_steps)
    dtype = (getattr(torch, config.amp_dtype) if config.amp_dtype else autocast_dtype(device)) if config.amp else None
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16 and device.type == "cuda")
    return _Loop(model, trained, device, is_causal_lm(model), dtype, optimizer, scheduler, scaler)


def _checkpoint_folder(config: TrainConfig, train_features: Sequence[dict], model) -> Path | None:
    """This run's checkpoints' folder, ``checkpoint_dir/<fingerprint>`` (:func:`run_fingerprint`), or None."""
    if not config.checkpoint_dir:
        return None
    return Path(config.checkpoint_dir) / run_fingerprint(config, train_features, model)


def _resume(loop: _Loop, folder: Path | None) -> TrainResult:
    """A fresh result, or, when ``folder`` holds ``last.pt``, the saved one with everything else put back as it was.

    The model, optimizer, schedule, loss scaler and random states are restored, so the run goes on
    exactly as if it had not stopped.
    """
    if folder is not None and folder.exists() and is_main_process():
        remove_stale_temporaries(folder)
    if folder is None or not (folder / "last.pt").is_file():
        return TrainResult()
    state = load_checkpoint(folder / "last.pt", map_location=loop.device)
    loop.model.load_state_dict(state["model"])
    loop.optimizer.load_state_dict(state["optimizer"])
    loop.scheduler.load_state_dict(state["scheduler"])
    loop.scaler.load_state_dict(state["scaler"])
    set_rng_state(state["rng"])
    return TrainResult(
        history=state["history"],
        best_epoch=state["best_epoch"],
        best_score=state["best_score"],
        steps=state["step"],
        resumed_from_epoch=state["epoch"],
    )


def _patience_ran_out(result: TrainResult, epoch: int, patience: int | None) -> bool:
    """Early stopping: whether ``patience`` epochs have passed since the best one before ``epoch`` (counted from 0)."""
    return patience is not None and epoch - result.best_epoch >= patience


def _epoch_batches(features: Sequence[dict], batch_size: int, seed: int) -> list[list[int]]:
    """This process's share of one epoch's length-grouped batches, in the order ``seed`` gives."""
    rank, size = world()
    lengths = [len(f["input_ids"]) for f in features]
    return shard_batches(length_grouped_batches(lengths, batch_size, seed=seed), rank, size)


def train_one_epoch(loop: _Loop, features: Sequence[dict], collator, config: TrainConfig, epoch: int) -> EpochStats:
    """One pass over this process's batches (a new order each epoch): every ``grad_accum`` batches, one optimizer step.

    The loss of a step is the sum of its target losses over the targets of all its batches on all
    processes, so accumulated batches give the gradient of the large batch.
    """
    loop.trained.train()
    batches = _epoch_batches(features, config.batch_size, seed=config.seed + epoch)
    started, loss_sum, loss_targets = time.perf_counter(), 0.0, 0
    progress = tqdm(
        total=len(batches),
        desc=f"epoch {epoch + 1}/{config.epochs}",
        leave=False,
        unit="batch",
        disable=not config.progress or not is_main_process(),
    )
    groups = [batches[start : start + config.grad_accum] for start in range(0, len(batches), config.grad_accum)]
    for group in groups:
        targets = sum_over_processes(float(sum(target_count(features, b, loop.causal) for b in group)), loop.device)
        for indices in group:
            summed, count = _backward(loop, collate(collator, features, indices), targets)
            loss_sum, loss_targets = loss_sum + summed, loss_targets + count
            progress.update(1)
        _optimizer_step(loop, config.max_grad_norm)
    progress.close()
    return EpochStats(
        loss=loss_sum / max(1, loss_targets),
        seconds=time.perf_counter() - started,
        examples=sum(len(b) for b in batches),
        steps=len(groups),
    )


def _backward(loop: _Loop, batch: dict, targets: torch.Tensor) -> tuple[float, int]:
    """Forward and backward of one batch, its summed loss over the step's ``targets``; its loss sum and targets."""
    batch = {k: v.to(loop.device) for k, v in batch.items()}
    with autocast(loop.device, loop.dtype):
        summed, count = summed_loss(loop.trained, batch, loop.causal)
    # DistributedDataParallel averages the processes' gradients; times their number, that is the sum over all targets
    loop.scaler.scale(summed * world()[1] / targets.clamp(min=1)).backward()
    return summed.item(), count


def _optimizer_step(loop: _Loop, max_grad_norm: float) -> None:
    """Clip the gradient's norm, step AdamW (through the fp16 loss scaler) and the schedule, clear the gradients."""
    loop.scaler.unscale_(loop.optimizer)
    torch.nn.utils.clip_grad_norm_(loop.model.parameters(), max_grad_norm)
    loop.scaler.step(loop.optimizer)
    loop.scaler.update()
    loop.scheduler.step()
    loop.optimizer.zero_grad(set_to_none=True)


def _score_dev(model, dev_features: Sequence[dict], predict: Callable, score: Scorer, metric: str) -> dict:
    """The dev metrics of the model as it is now; the selecting ``metric`` must be among them."""
    metrics = evaluate_distributed(model, dev_features, predict, score)
    if metric not in metrics:
        raise ConfigError(
            "metric",
            metric,
            f"is not computed by this task's scorer (it gives: {', '.join(metrics)})",
            "pass metric= with one of those names",
        )
    return metrics


def _log_epoch(result: TrainResult, epoch: int, trained: EpochStats, loop: _Loop, metrics: dict) -> None:
    """Add the epoch to ``result``: its optimizer steps, and a history line (loss, time, rate, dev metrics)."""
    result.steps += trained.steps
    result.history.append(
        {
            "epoch": epoch + 1,
            "train_loss": trained.loss,
            "seconds": trained.seconds,
            "lr": loop.scheduler.get_last_lr()[0],
            **{f"dev_{k}": v for k, v in metrics.items() if _is_number(v)},
        }
    )


def _choose_epoch(result: TrainResult, epoch: int, value: float) -> bool:
    """Whether the dev ``value`` of ``epoch`` beats the best so far; if it does, this epoch becomes the best."""
    if value > result.best_score:
        result.best_score, result.best_epoch = value, epoch + 1
        return True
    return False


def _keep_best(model, folder: Path | None, epoch: int) -> dict[str, torch.Tensor]:
    """Save the best epoch's weights to ``best.pt`` (rank 0), and return a copy of them kept in memory."""
    if folder is not None and is_main_process():
        save_checkpoint(folder / "best.pt", {"model": model.state_dict(), "epoch": epoch + 1})
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _save_checkpoint(folder: Path | None, loop: _Loop, epoch: int, result: TrainResult) -> None:
    """Write ``last.pt`` (rank 0): all that :func:`_resume` needs to go on after ``epoch``."""
    if folder is None or not is_main_process():
        return
    save_checkpoint(
        folder / "last.pt",
        {
            "model": loop.model.state_dict(),
            "optimizer": loop.optimizer.state_dict(),
            "scheduler": loop.scheduler.state_dict(),
            "scaler": loop.scaler.state_dict(),
            "rng": rng_state(),
            "epoch": epoch,
            "step": result.steps,
            "history": result.history,
            "best_epoch": result.best_epoch,
            "best_score": result.best_score,
        },
    )


def _load_best(model, best_state: dict | None, folder: Path | None, device: torch.device) -> None:
    """Load the best epoch's weights into ``model``: those kept in memory, else (a resumed run) those of ``best.pt``."""
    if best_state is not None:
        model.load_state_dict(best_state)
    elif folder is not None and (folder / "best.pt").is_file():
        model.load_state_dict(load_checkpoint(folder / "best.pt", map_location=device)["model"])


def _record_speed(result: TrainResult, measured: list[EpochStats], device: torch.device) -> None:
    """The epochs' training time, examples per second (all processes together) and, on a GPU, the peak memory."""
    result.train_seconds = sum(e.seconds for e in measured)
    examples = sum(e.examples for e in measured)
    result.examples_per_second = examples * world()[1] / result.train_seconds if result.train_seconds else 0.0
    if device.type == "cuda":
        result.peak_memory_mb = torch.cuda.max_memory_allocated(device) / 2**20


def run_fingerprint(config: TrainConfig, train_features: Sequence[dict], model=None) -> str:
    """A short hash of the settings, the training data and what trains: a run resumes only its own checkpoint.

    Checkpoints live in ``checkpoint_dir/<fingerprint>/``, so changing a parameter, the data or
    the trainable parameters (LoRA adapters instead of the whole model) starts a fresh run beside
    the old one instead of resuming something else.
    """
    settings = asdict(config)
    for volatile in ("progress", "checkpoint_dir", "device"):
        settings.pop(volatile)
    digest = hashlib.sha1(json.dumps(settings, sort_keys=True).encode())
    for feature in train_features:
        digest.update(repr((feature["input_ids"], feature["labels"])).encode())
    if model is not None:
        digest.update(repr([(n, tuple(p.shape)) for n, p in model.named_parameters() if p.requires_grad]).encode())
    return digest.hexdigest()[:12]


def _is_number(value: Any) -> bool:
    """Whether a dev metric is a number to keep in the history (True and False are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
