"""Tests of ``sftlab.train.data_parallel``."""

from __future__ import annotations

import os
import socket

import pytest
import torch
import torch.distributed as dist

from sftlab.train.data_parallel import (
    data_parallel,
    evaluate_distributed,
    gather_in_order,
    is_main_process,
    process_device,
    sum_over_processes,
    wait_for_all,
    world,
)


def _values(model, features) -> list[str]:
    return [f["value"] for f in features]


def test_on_one_process_everything_is_a_plain_call():
    model = torch.nn.Linear(2, 2)
    assert world() == (0, 1) and is_main_process()
    assert data_parallel(model) is model and process_device("cpu") == torch.device("cpu")
    assert sum_over_processes(3.0, torch.device("cpu")).item() == 3.0
    assert gather_in_order(["b", "a"], [1, 0], 2) == ["a", "b"]
    features = [{"value": v} for v in "abc"]
    assert evaluate_distributed(model, features, _values, lambda predicted: {"all": predicted}) == {"all": list("abc")}
    wait_for_all()


def _two_ranks(rank: int, port: int) -> None:
    """One of two gloo processes: sums, gathers and scores across both, as ``fit`` does."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2)
    try:
        assert world() == (rank, 2) and is_main_process() is (rank == 0)
        assert sum_over_processes(float(rank + 1), torch.device("cpu")).item() == 3.0
        features = [{"value": v} for v in "abcde"]  # rank 0 predicts a, c, e and rank 1 b, d
        scored = evaluate_distributed(None, features, _values, lambda predicted: {"all": "".join(predicted)})
        assert scored == {"all": "abcde"}
        assert isinstance(data_parallel(torch.nn.Linear(2, 2)), torch.nn.parallel.DistributedDataParallel)
        wait_for_all()
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_gloo_processes_sum_targets_and_gather_predictions_in_dataset_order():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    torch.multiprocessing.spawn(_two_ranks, args=(port,), nprocs=2, join=True)
