"""Training checkpoints: written atomically, read with ``torch.load(weights_only=True)``.

A checkpoint holds everything needed to continue exactly where training stopped: model,
optimizer and scheduler states, the RNG states, the epoch and step, and the history. It is
written to a temporary file and renamed, so a crash mid-save leaves the previous checkpoint
intact and a half-written file is never under the checkpoint's name. Loading uses the
weights-only unpickler: a file that would need arbitrary code (a pickled object) is refused.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import torch

from sftlab.io.atomic import atomic_open


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be trusted: corrupt, truncated, or not weights-only."""


def rng_state() -> dict[str, Any]:
    """The random states that affect training: Python, PyTorch CPU and every CUDA device."""
    return {
        "python": random.getstate(),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` saved."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically."""
    with atomic_open(path, "wb") as handle:
        torch.save(state, handle)


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint with the weights-only unpickler; anything else raises CheckpointError."""
    path = Path(path)
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # UnpicklingError, RuntimeError (truncated zip), EOFError ...
        raise CheckpointError(
            f"{path}: refused to load ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
            "it is corrupt or not a weights-only checkpoint. Delete it to start training afresh."
        ) from None


def remove_stale_temporaries(folder: str | Path) -> int:
    """Delete temporary files a killed save left behind; return how many."""
    count = 0
    for leftover in Path(folder).glob(".*.tmp"):
        os.unlink(leftover)
        count += 1
    return count
