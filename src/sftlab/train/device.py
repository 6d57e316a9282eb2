"""Device choice, mixed precision, seeds, and the environment line every notebook prints."""

from __future__ import annotations

import os
import platform
import random
from contextlib import nullcontext
from typing import ContextManager

import numpy as np
import torch

from sftlab.io.errors import ConfigError


def pick_device(prefer: str | None = None) -> torch.device:
    """CUDA if present, then Apple MPS, then CPU; ``prefer`` ('cpu', 'cuda', 'mps') forces one."""
    if prefer in (None, "", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if prefer not in ("cpu", "cuda", "mps"):
        raise ConfigError("device", prefer, "unknown device", "use 'auto', 'cpu', 'cuda' or 'mps'")
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available(),
        "mps": getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available(),
    }
    if not available[prefer]:
        raise ConfigError("device", prefer, "not available on this machine", "use device='auto'")
    return torch.device(prefer)


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """The mixed-precision dtype to use on ``device``: bf16 where supported, else fp16 on CUDA.

    ``None`` means full fp32: on the CPU and on MPS, where autocast gains little for these
    models (notebook 09 measures bf16 on the CPU to show why).
    """
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def autocast(device: torch.device, dtype: torch.dtype | None) -> ContextManager:
    """``torch.autocast`` for ``dtype`` on ``device``, or a no-op context when ``dtype`` is None."""
    if dtype is None:
        return nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (all devices), and ask cuDNN for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def describe_environment(device: torch.device | None = None) -> str:
    """One line: the device and the versions a result depends on."""
    import transformers

    device = device or pick_device()
    if device.type == "cuda":
        where = f"cuda ({torch.cuda.get_device_name(device)})"
    else:
        where = f"{device.type} ({torch.get_num_threads()} threads)"
    return (
        f"device: {where} | python {platform.python_version()} | torch {torch.__version__} "
        f"| transformers {transformers.__version__}"
    )
