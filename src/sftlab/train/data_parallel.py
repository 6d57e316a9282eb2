"""Data-parallel training across processes: what :func:`sftlab.train.training.fit` needs under ``torchrun``.

Each process (a *rank*) holds a copy of the model, trains on its shard of the batches
(:func:`sftlab.train.batching.shard_batches`) and DistributedDataParallel averages the gradients.
Losses are normalised by the targets of all ranks together (:func:`sum_over_processes`), dev
predictions are gathered from every rank (:func:`evaluate_distributed`), and only rank 0 writes
files (:func:`is_main_process`). On a single process every function here is a no-op or a plain call.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

import torch
import torch.distributed as dist

from sftlab.train.device import pick_device


def world() -> tuple[int, int]:
    """``(rank, world_size)``: (0, 1) unless running under torch.distributed."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main_process() -> bool:
    """Whether this is rank 0, the one process that writes files."""
    return world()[0] == 0


def join_process_group() -> None:
    """Join the process group when launched as one of several processes (``WORLD_SIZE`` > 1): NCCL on GPUs, or gloo."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")


def leave_process_group() -> None:
    """Wait for every rank, then leave the process group (nothing to do on a single process)."""
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def wait_for_all() -> None:
    """A barrier: every rank waits here until all have arrived."""
    if world()[1] > 1:
        dist.barrier()


def process_device(prefer: str) -> torch.device:
    """This process's device: ``prefer`` (``auto``: the best one); with several GPU processes, GPU ``rank % count``."""
    rank, size = world()
    device = pick_device(prefer)
    if size > 1 and device.type == "cuda":
        device = torch.device("cuda", rank % torch.cuda.device_count())
    return device


def data_parallel(model: torch.nn.Module) -> torch.nn.Module:
    """The module to train: ``model`` wrapped in DistributedDataParallel on several processes, else ``model`` itself."""
    return torch.nn.parallel.DistributedDataParallel(model) if world()[1] > 1 else model


def sum_over_processes(value: float, device: torch.device) -> torch.Tensor:
    """``value`` summed over every rank (all-reduce), as a tensor on ``device``."""
    total = torch.tensor(value, device=device)
    if world()[1] > 1:
        dist.all_reduce(total)
    return total


def gather_in_order(local: list, indices: list[int], total: int) -> list:
    """Every rank's predictions (``local[j]`` is the prediction of example ``indices[j]``) in dataset order."""
    size = world()[1]
    pairs: list[Any] = [list(zip(indices, local, strict=True))]
    if size > 1:
        pairs = [None] * size
        dist.all_gather_object(pairs, list(zip(indices, local, strict=True)))
    ordered = [None] * total
    for rank_pairs in pairs:
        for i, value in rank_pairs:
            ordered[i] = value
    return ordered


def evaluate_distributed(model, features: Sequence[dict], predict: Callable, score: Callable[[list], dict]) -> dict:
    """Predict this rank's share of ``features``, gather all predictions, score them on every rank."""
    rank, size = world()
    indices = list(range(rank, len(features), size))
    local = predict(model, [features[i] for i in indices])
    return score(gather_in_order(list(local), indices, len(features)))
