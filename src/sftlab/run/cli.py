"""``sftlab`` / ``python -m sftlab``: the main job and the site builder."""

from __future__ import annotations

import sys
from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch ``run`` (the main job) and ``site`` (the static site of the executed notebooks)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"run": "sftlab.run.runner", "site": "sftlab.run.site"}
    if not argv or argv[0] not in commands:
        print("usage: python -m sftlab {run,site} [options]   (--help after a command for its options)", file=sys.stderr)
        return 2
    from importlib import import_module

    return import_module(commands[argv[0]]).main(argv[1:])
