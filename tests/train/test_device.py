"""Device choice, autocast and seeding on this (CPU) machine; the CUDA branches are exercised in test_training."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from sftlab.io.errors import ConfigError
from sftlab.train.device import autocast, autocast_dtype, describe_environment, pick_device, set_seed


def test_auto_picks_cpu_here_and_cpu_can_be_forced():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device().type in (expected, "mps")
    assert pick_device("cpu").type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device_is_a_clear_error():
    with pytest.raises(ConfigError, match="not available"):
        pick_device("cuda")


def test_unknown_device_is_rejected():
    with pytest.raises(ConfigError, match="unknown device"):
        pick_device("tpu")


def test_no_autocast_on_cpu():
    assert autocast_dtype(torch.device("cpu")) is None
    with autocast(torch.device("cpu"), None):
        assert (torch.ones(2) @ torch.ones(2)).dtype == torch.float32


def test_cpu_autocast_context_when_asked():
    with autocast(torch.device("cpu"), torch.bfloat16):
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.bfloat16


def test_set_seed_reproduces_every_generator():
    set_seed(123)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    set_seed(123)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


def test_environment_line_names_device_and_versions():
    line = describe_environment(torch.device("cpu"))
    assert line.startswith("device: cpu") and "torch" in line and "transformers" in line
