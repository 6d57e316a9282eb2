"""Where the main job is: the notebook, its number of N, the time spent and an estimate of what is left.

The estimate comes from the seconds each notebook took in earlier runs of the same profile, which
the main job records in ``build/cache/timings-<profile>.json``; before a machine has its own record (a
first run), from :data:`REFERENCE_SECONDS`, the project's own clean-clone runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

#: Seconds per notebook in the project's clean-clone runs on a 2-core CPU (AVX-512), two lanes of one thread
#: each (docs/results.md, 2026-12-07): smoke under nbval (CI), cpu under ``tasks.py run`` (05 from the run
#: before, at today's sizes; 06 and 08 estimated there from runs at other sizes or on two threads). A first
#: run's estimate; a machine's own record replaces them notebook by notebook.
REFERENCE_SECONDS: dict[str, dict[str, float]] = {
    "smoke": {
        "01_theory": 15.0,
        "02_building_data": 115.0,
        "03_data_formats": 11.0,
        "04_automated_construction": 449.0,
        "05_ner_finetuning": 181.0,
        "06_sentiment_finetuning": 220.0,
        "07_instruction_tuning": 558.0,
        "08_evaluation": 56.0,
        "09_practice": 258.0,
        "10_which_data": 507.0,
    },
    "cpu": {
        "01_theory": 20.0,
        "02_building_data": 154.1,
        "03_data_formats": 18.1,
        "04_automated_construction": 664.5,
        "05_ner_finetuning": 656.5,
        "06_sentiment_finetuning": 935.0,
        "07_instruction_tuning": 1114.7,
        "08_evaluation": 100.0,
        "09_practice": 656.4,
        "10_which_data": 793.4,
    },
}


def reference_seconds(profile: str, names: Sequence[str]) -> dict[str, float]:
    """The reference seconds of ``profile`` for those of ``names`` that have one (solutions take seconds: 8 each)."""
    table = REFERENCE_SECONDS.get(profile, {})
    known = {name: table[name] for name in names if name in table}
    if known:
        known.update({name: 8.0 for name in names if name.startswith("solutions/")})
    return known


def history_path(build: Path, profile: str) -> Path:
    """Where the seconds each notebook took in earlier runs of ``profile`` are kept (kept by ``--fresh`` too)."""
    return build / "cache" / f"timings-{profile}.json"


def read_history(path: Path) -> dict[str, float]:
    """The recorded seconds per notebook, or nothing when no earlier run (or an unreadable file) left any."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, (int, float))} if isinstance(data, dict) else {}


def clock(seconds: float) -> str:
    """``mm:ss`` (minutes past 59 stay minutes: ``75:03``)."""
    whole = max(0, round(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def estimate_left(remaining: Sequence[str], history: dict[str, float]) -> float | None:
    """Seconds the ``remaining`` notebooks should take by the earlier runs' times; None without any record.

    A notebook that has no record of its own counts as the mean of those that have.
    """
    known = list(history.values())
    if not known:
        return None
    mean = sum(known) / len(known)
    return sum(history.get(name, mean) for name in remaining)


def progress_line(index: int, total: int, name: str, elapsed: float, left: float | None) -> str:
    """``[3/18] 03_data_formats — elapsed 04:10, about 12:30 left`` (or ``no estimate yet``)."""
    estimate = f"about {clock(left)} left" if left is not None else "no estimate yet"
    return f"[{index}/{total}] {name} — elapsed {clock(elapsed)}, {estimate}"
