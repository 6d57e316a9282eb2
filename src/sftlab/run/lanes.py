"""Two notebooks at a time on a CPU: lanes of notebooks run side by side, one thread each.

torch trains SmolLM2 only about 1.5x faster on two threads than on one, and MiniLM less than that,
so on a 2-core machine two notebooks side by side, one thread each, finish sooner than the same two
one after the other on both cores (notebooks 05 and 06 in the smoke profile, 2026-12-07: 206 s one
after the other, 118 s side by side; over the whole smoke run the gain is smaller, see
docs/results.md). The main job (without a GPU) and CI's nbval run use these lanes.

Only the standard library is imported here: ``tasks.py`` reads :data:`LANES` before the project
environment exists.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Sequence

# A notebook comes after those whose build/ output it reads, in the same lane: 07 (its comparison with
# the encoders) and 08 after 05 and 06; 04 and 10 after 02, the first to dequantize SmolLM2 into
# build/cache. The lanes are balanced by the notebooks' smoke times in lanes (clean clone, 2026-12-07:
# 07 558 s, 10 507 s, 04 449 s, 09 258 s, 06 220 s, 05 181 s, 02 115 s, 08 56 s, the solutions 4-13 s
# each, 01 and 03 11-15 s). tests/run/test_lanes.py checks that every notebook is in one lane, after
# the ones it reads.
_FIRST = ["05_ner_finetuning", "06_sentiment_finetuning", "07_instruction_tuning", "08_evaluation", "09_practice"]
_SECOND = ["02_building_data", "04_automated_construction", "10_which_data", "01_theory", "03_data_formats"]
LANES: list[list[str]] = [_FIRST, _SECOND + [f"solutions/{name}" for name in sorted(_FIRST + _SECOND)]]
# The cpu profile's lanes: 05-08 (the encoders and what reads them) in one lane, 09 moves to the other, which
# has the language-model chapters; balanced on the cpu sizes of 2026-12-07 (docs/results.md).
_CPU_FIRST = ["05_ner_finetuning", "06_sentiment_finetuning", "07_instruction_tuning", "08_evaluation"]
_CPU_SECOND = [
    "02_building_data",
    "04_automated_construction",
    "10_which_data",
    "09_practice",
    "01_theory",
    "03_data_formats",
]
CPU_LANES: list[list[str]] = [_CPU_FIRST, _CPU_SECOND + [f"solutions/{name}" for name in sorted(_FIRST + _SECOND)]]

#: The environment of a lane's process: one thread for torch's (OpenMP's) and MKL's pools.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def lanes_for(profile: str) -> list[list[str]]:
    """The lanes of a profile: :data:`CPU_LANES` for ``cpu``, :data:`LANES` (smoke times) otherwise."""
    return CPU_LANES if profile == "cpu" else LANES


def split_into_lanes(names: Sequence[str], lanes: Sequence[Sequence[str]] = LANES) -> list[list[str]]:
    """``names`` in the lanes' order, lane by lane; a name no lane lists goes to the shorter lane.

    Lanes left empty (``--only`` chose none of their notebooks) are dropped.
    """
    chosen = [[name for name in lane if name in names] for lane in lanes]
    for name in names:
        if not any(name in lane for lane in lanes):
            min(chosen, key=len).append(name)
    return [lane for lane in chosen if lane]


def side_by_side(lanes: Sequence[Sequence[object]], env: dict | None = None, cwd: Path | None = None) -> int:
    """Run the ``lanes`` at once, each output line prefixed with ``[lane k]``; the first failing exit status.

    A lane is one command (a list of words) or a list of commands, run one after the other; a command
    that fails does not stop the ones after it in its lane (each is a check of its own).
    """
    codes: list[list[int]] = [[] for _ in lanes]

    def run_lane(lane: int, commands: Sequence[Sequence[object]]) -> None:
        for command in commands:
            words = [str(word) for word in command]
            print(f"[lane {lane}] $ {' '.join(words)}", flush=True)
            try:
                process = subprocess.Popen(
                    words,
                    cwd=cwd,
                    env={**os.environ, **(env or {})},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            except OSError as error:  # raised in this thread, it would be lost: the lane fails with it instead
                print(f"[lane {lane}] cannot start {words[0]}: {error}", flush=True)
                codes[lane - 1].append(127)
                continue
            for line in process.stdout:
                sys.stdout.write(f"[lane {lane}] {line}")
                sys.stdout.flush()
            codes[lane - 1].append(process.wait())

    threads = [
        threading.Thread(
            target=run_lane, args=(lane, list(commands) if _is_sequence_of_commands(commands) else [commands])
        )
        for lane, commands in enumerate(lanes, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return next((code for lane in codes for code in lane if code != 0), 0)


def _is_sequence_of_commands(lane: Sequence[object]) -> bool:
    return bool(lane) and isinstance(lane[0], (list, tuple))
