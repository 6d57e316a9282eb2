"""Where the main job is: the notebook, its number of N, the time spent and an estimate of what is left.

The estimate comes from the seconds each notebook took in earlier runs of the same profile, which
the main job records in ``build/cache/timings-<profile>.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence


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
