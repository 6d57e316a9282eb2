"""``python -m sftlab.train.distributed ARGUMENTS``, which stops itself (SIGSTOP) in the middle of its second epoch.

Run as ``python tests/train/stop_mid_epoch.py ARGUMENTS``. Once the first epoch's checkpoint is written, the
process stops after the second optimizer step of the next epoch: its weights in memory are past the checkpoint,
and nothing of the second epoch is saved yet. A test then kills it there, on purpose rather than after a guessed
sleep, so the kill lands mid-epoch however fast the model or busy the machine.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
from pathlib import Path

import sftlab.train.training as training

STOP_AFTER_STEP = 2  # of the second epoch


def main() -> None:
    arguments = sys.argv[1:]
    checkpoints = Path(arguments[arguments.index("--output") + 1]) / "checkpoints"
    optimizer_step = training._optimizer_step
    steps_since_checkpoint = 0

    def step_then_maybe_stop(loop, max_grad_norm):
        nonlocal steps_since_checkpoint
        optimizer_step(loop, max_grad_norm)
        if list(checkpoints.glob("*/last.pt")):
            steps_since_checkpoint += 1
            if steps_since_checkpoint == STOP_AFTER_STEP:
                os.kill(os.getpid(), signal.SIGSTOP)

    training._optimizer_step = step_then_maybe_stop
    sys.argv = ["sftlab.train.distributed", *arguments]
    runpy.run_module("sftlab.train.distributed", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
