"""Re-execute notebooks in place in the smoke profile, so their stored outputs (nbval's reference) are current.

``python -m sftlab refresh --only 05`` (or ``python3 tasks.py refresh --only 05``) executes the
notebook with its own default parameters (the smoke profile), with ``SFTLAB_BUILD_DIR`` set to
``build/refresh`` so it never mixes with a main job's output, then:

- strips what changes between two correct runs and teaches nothing: frozen progress bars, the
  widget state behind them, and per-cell execution timestamps;
- writes the notebook back atomically;
- copies the figures it recorded into ``tests/reference/smoke_metrics.json``, the reference the
  test command compares its own run with.

A notebook that reads what an earlier one saved (08 loads the models of 05 and 06) gets those run
first when ``build/refresh`` lacks their output, so a partial refresh sees what CI's full run sees;
they are executed only for their output, and their own stored notebooks are left as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Sequence

from sftlab.io.atomic import write_json, write_text
from sftlab.io.paths import repo_root
from sftlab.run.runner import find_notebooks, notebook_name, select

#: notebook -> (notebooks it reads from, the file of theirs that must exist in the build folder)
DEPENDS = {
    "07_instruction_tuning": [
        ("05_ner_finetuning", "05_ner/model/config.json"),
        ("06_sentiment_finetuning", "06_sentiment/model/config.json"),
    ],
    "08_evaluation": [
        ("05_ner_finetuning", "05_ner/model/config.json"),
        ("06_sentiment_finetuning", "06_sentiment/model/config.json"),
    ],
}

_PROGRESS = re.compile(r"\d+%\||\r")
_PROFILER_CHATTER = re.compile(r"USDT:\S+ \S+ \S+ SyncActivityProfilerHandler")  # torch.profiler's start/stop lines
WIDGET = "application/vnd.jupyter.widget-view+json"


def clean(notebook) -> None:
    """Drop progress bars, profiler chatter, widget state and execution timestamps from a notebook, in place.

    A cell that nbval compares (tagged ``nbval-check-output``) must not draw a bar: its stored
    outputs would lack what every run prints, so this raises ``ValueError`` naming the cell.
    """
    notebook.metadata.pop("widgets", None)
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if WIDGET in output.get("data", {}):
                continue
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                if _PROGRESS.search(output["text"]):
                    continue
                output["text"] = "".join(
                    line for line in output["text"].splitlines(keepends=True) if not _PROFILER_CHATTER.match(line)
                )
                if not output["text"]:
                    continue
            kept.append(output)
        if len(kept) < len(cell.get("outputs", [])) and "nbval-check-output" in cell.metadata.get("tags", []):
            raise ValueError(
                f"cell {index} is tagged nbval-check-output but draws a progress bar: "
                "move the loop into a cell of its own and print the figures in the checked cell"
            )
        cell.outputs = kept


def cell_seconds(notebook) -> list[tuple[int, float]]:
    """``(cell index, seconds)`` of every executed code cell, from nbclient's timestamps, slowest first."""
    from datetime import datetime

    timings = []
    for index, cell in enumerate(notebook.cells):
        stamps = cell.metadata.get("execution", {})
        if "iopub.execute_input" in stamps and "shell.execute_reply" in stamps:
            start, end = (
                datetime.fromisoformat(stamps[k].replace("Z", "+00:00"))
                for k in ("iopub.execute_input", "shell.execute_reply")
            )
            timings.append((index, (end - start).total_seconds()))
    return sorted(timings, key=lambda item: -item[1])


def execute_in_place(path: Path, build: Path, timeout: int = 1800, write: bool = True) -> float:
    """Execute ``path`` with its default parameters, clean it and (``write``) write it back; return the seconds."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    # record() merges into build/metrics/<name>.json: start empty, so no figure of an earlier run survives
    (build / "metrics" / f"{notebook_name(path)}.json").unlink(missing_ok=True)
    previous = os.environ.get("SFTLAB_BUILD_DIR")
    os.environ["SFTLAB_BUILD_DIR"] = str(build)
    started = time.perf_counter()
    try:
        NotebookClient(
            notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    finally:
        if previous is None:
            os.environ.pop("SFTLAB_BUILD_DIR")
        else:
            os.environ["SFTLAB_BUILD_DIR"] = previous
    slowest = cell_seconds(notebook)[:5]
    print(f"{notebook_name(path)}: slowest cells " + ", ".join(f"{i} {t:.0f} s" for i, t in slowest), flush=True)
    if write:
        clean(notebook)
        write_text(path, nbformat.writes(notebook) + "\n")
    return time.perf_counter() - started


def with_dependencies(chosen: list[Path], every: list[Path], build: Path) -> list[Path]:
    """``chosen`` plus the notebooks they read from whose output is missing in ``build``, in notebook order."""
    names = {notebook_name(p) for p in chosen}
    for name in list(names):
        for needed, output in DEPENDS.get(name, []):
            if not (build / output).is_file():
                names.add(needed)
    return [p for p in every if notebook_name(p) in names]


def update_reference(reference: Path, build: Path, names: Sequence[str]) -> None:
    """Copy the recorded figures of ``names`` from ``build/metrics`` into the reference file."""
    current = json.loads(reference.read_text()) if reference.is_file() else {}
    for name in names:
        path = build / "metrics" / f"{name}.json"
        current[name] = json.loads(path.read_text()) if path.is_file() else {}
    write_json(reference, dict(sorted(current.items())))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sftlab refresh [--only 05,solutions/05]``."""
    parser = argparse.ArgumentParser(prog="sftlab refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated notebook prefixes (default: every notebook)")
    args = parser.parse_args(argv)
    root = repo_root()
    build = root / "build" / "refresh"
    every = find_notebooks(root / "notebooks")
    only = [key.strip() for key in args.only.split(",") if key.strip()] if args.only else None
    asked = select(every, only)
    chosen = with_dependencies(asked, every, build)
    done = []
    for path in chosen:
        try:
            seconds = execute_in_place(path, build, write=path in asked)
        except Exception as exc:  # the notebook is left as it was; the others still run
            lines = str(exc).strip().splitlines()
            print(
                f"{notebook_name(path)}: FAILED, stored outputs kept: {type(exc).__name__}:\n" + "\n".join(lines[-25:]),
                file=sys.stderr,
                flush=True,
            )
            continue
        if path in asked:
            done.append(notebook_name(path))
        print(
            f"{'refreshed' if path in asked else 'executed (for its output only)'} {notebook_name(path)} "
            f"in {seconds:.1f} s",
            flush=True,
        )
    update_reference(root / "tests" / "reference" / "smoke_metrics.json", build, done)
    return 0 if len(done) == len(asked) else 1
