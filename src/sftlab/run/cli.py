"""``sftlab`` / ``python -m sftlab``: the main job, its report, the site builder and the notebooks' refresh."""

from __future__ import annotations

import sys
from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch ``run`` (the main job), ``report``, ``site`` (the static site) and ``refresh`` (stored outputs)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {
        "run": "sftlab.run.runner",
        "report": "sftlab.run.report",
        "site": "sftlab.run.site",
        "refresh": "sftlab.run.refresh",
    }
    if not argv or argv[0] not in commands:
        print(
            "usage: python -m sftlab {run,report,site,refresh} [options]   (--help after a command for its options)",
            file=sys.stderr,
        )
        return 2
    from importlib import import_module

    return import_module(commands[argv[0]]).main(argv[1:])
