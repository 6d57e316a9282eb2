"""The main job: execute every notebook with papermill under one profile and write a report.

``python -m sftlab run --profile smoke`` executes ``notebooks/NN_*.ipynb`` (then the
``solutions/`` notebooks) into ``build/notebooks/``, gathers the figures each recorded, and
writes ``build/metrics.json`` and ``build/report.md``. A failing notebook does not stop the
others; the report names it with its cell and error, and the exit status is non-zero.

Before each notebook it prints where it is: ``[3/18] 03_data_formats — elapsed 04:10, about 12:30
left``, the estimate from the times the same profile's earlier runs recorded in
``build/cache/timings-<profile>.json`` (``no estimate yet`` on a first run).

Without a GPU the notebooks run in two lanes side by side, one thread each (:mod:`sftlab.run.lanes`):
each lane is a ``sftlab run --part K`` process that runs its notebooks one after the other and leaves
its results in ``build/parts/K.json``; this process then writes the report. ``--lanes 1`` runs them
one after the other in this process.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Sequence

from sftlab.io.atomic import write_json
from sftlab.io.errors import ConfigError
from sftlab.run.lanes import ONE_THREAD, lanes_for, side_by_side, split_into_lanes
from sftlab.run.profiles import check_profile, default_profile
from sftlab.run.progress import (
    clock,
    estimate_left,
    history_path,
    progress_line,
    read_history,
    reference_seconds,
)
from sftlab.run.report import gather, write_report


def find_notebooks(folder: Path) -> list[Path]:
    """Chapter notebooks ``NN_*.ipynb`` in order, then ``solutions/NN_*.ipynb`` in order."""
    chapters = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    solutions = sorted((folder / "solutions").glob("[0-9][0-9]_*.ipynb"))
    return chapters + solutions


def notebook_name(path: Path) -> str:
    """``05_ner_finetuning`` for a chapter, ``solutions/05_ner_finetuning`` for its solutions."""
    return f"solutions/{path.stem}" if path.parent.name == "solutions" else path.stem


def select(notebooks: list[Path], only: Sequence[str] | None) -> list[Path]:
    """Keep the notebooks whose name starts with one of ``only`` (``05``, ``05_ner``, ``solutions/05``)."""
    if not only:
        return notebooks
    chosen = [nb for nb in notebooks if any(notebook_name(nb).startswith(key) for key in only)]
    if not chosen:
        known = ", ".join(notebook_name(nb) for nb in notebooks)
        raise ConfigError("--only", ",".join(only), "matches no notebook", f"known: {known}")
    return chosen


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", exc)).strip().splitlines()
    count = getattr(exc, "exec_count", None)
    source = (getattr(exc, "source", "") or "").strip().splitlines()
    where = f"cell In [{count}]" if count is not None else "before the first cell ran"
    first = f" (`{source[0][:80]}`)" if source else ""
    return f"{where}{first}: {ename}: {evalue[0] if evalue else ''}"


def execute(notebook: Path, output: Path, parameters: dict, progress: bool) -> None:
    """Run one notebook with papermill; the output file appears only when the run ends."""
    import papermill

    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.partial.ipynb")
    try:
        papermill.execute_notebook(
            str(notebook),
            str(partial),
            parameters=parameters,
            cwd=str(notebook.parent),
            kernel_name="python3",
            progress_bar=progress,
            language="python",
        )
    finally:
        if partial.exists():
            os.replace(partial, output)


#: What ``--with NAME`` switches on: each is a notebook parameter set to True (a notebook without it ignores it).
SWITCHES = {
    "extras": "the runs that take long on a CPU and that the smoke and cpu profiles skip (each notebook's top "
    "names its own); the full profile runs them anyway"
}


def default_lanes(profile: str) -> int:
    """Two lanes on a CPU with two cores or more; one with a GPU (two notebooks would share its memory)."""
    return 2 if profile != "full" and (os.cpu_count() or 1) >= 2 else 1


def _run_one_after_another(
    notebooks: list[Path],
    names: list[str],
    profile: str,
    build: Path,
    progress: bool,
    switches: Sequence[str],
    history: dict,
    keep_history: bool,
) -> list[dict]:
    """Execute ``notebooks`` in order in this process, a progress line before each; their results.

    ``keep_history``: record each notebook's time as soon as it ends (an interrupted run keeps them).
    """
    results = []
    run_started = time.perf_counter()
    for index, (notebook, name) in enumerate(zip(notebooks, names, strict=True), 1):
        (build / "metrics" / f"{name}.json").unlink(missing_ok=True)
        parameters = {
            "profile": profile,
            "build_dir": os.path.relpath(build, notebook.parent),
            **{switch: True for switch in switches},
        }
        print(
            progress_line(
                index,
                len(notebooks),
                name,
                time.perf_counter() - run_started,
                estimate_left(names[index - 1 :], {**reference_seconds(profile, names), **history}),
            ),
            flush=True,
        )
        started = time.perf_counter()
        try:
            execute(notebook, build / "notebooks" / f"{name}.ipynb", parameters, progress)
            status, error = "ok", None
        except Exception as exc:  # any failure of one notebook is reported, then the next one runs
            status, error = "failed", _error_text(exc)
        seconds = time.perf_counter() - started
        print(
            f"[{index}/{len(notebooks)}] {name}: {status} in {seconds:.1f} s" + (f"\n    {error}" if error else ""),
            flush=True,
        )
        results.append({"notebook": name, "status": status, "seconds": seconds, "error": error})
        if keep_history and status == "ok":  # a failed notebook stopped early: its time would shrink the estimate
            history[name] = round(seconds, 1)
            write_json(history_path(build, profile), history)
    return results


def _run_in_lanes(
    lanes: list[list[str]],
    names: list[str],
    profile: str,
    notebooks_dir: Path,
    build: Path,
    progress: bool,
    switches: Sequence[str],
) -> list[dict]:
    """Execute the ``lanes`` side by side, a ``sftlab run --part K`` process each; the results in ``names``' order."""
    parts = build / "parts"
    shutil.rmtree(parts, ignore_errors=True)
    commands = [
        [sys.executable, "-m", "sftlab", "run", "--profile", profile, "--only", ",".join(lane)]
        + ["--notebooks", notebooks_dir, "--build", build, "--part", k, "--lanes", 1]
        + ([] if progress else ["--no-progress"])
        + [word for switch in switches for word in ("--with", switch)]
        for k, lane in enumerate(lanes, 1)
    ]
    side_by_side(commands, env=ONE_THREAD)
    by_name = {}
    for k, lane in enumerate(lanes, 1):
        path = parts / f"{k}.json"
        done = json.loads(path.read_text()) if path.is_file() else []
        by_name.update({r["notebook"]: r for r in done})
        for name in lane:  # a lane that died leaves the rest of its notebooks unrun
            by_name.setdefault(name, {"notebook": name, "status": "failed", "seconds": 0.0, "error": "its lane died"})
    shutil.rmtree(parts, ignore_errors=True)
    return [by_name[name] for name in names]


def run(
    profile: str | None = None,
    only: Sequence[str] | None = None,
    notebooks_dir: str | Path = "notebooks",
    build: str | Path = "build",
    fresh: bool = False,
    progress: bool = True,
    switches: Sequence[str] = (),
    lanes: int | None = None,
    part: int | None = None,
) -> int:
    """Execute the notebooks and write the report; return the number of failed notebooks.

    ``switches``: names of :data:`SWITCHES`, passed to every notebook as parameters set to True.
    ``lanes``: 2 runs the notebooks in the two lanes of :func:`sftlab.run.lanes.lanes_for` the profile, 1 one after the
    other (default :func:`default_lanes`). ``part``: this
    process is lane ``part`` of a run in lanes: it runs ``only`` and leaves its results to the parent.
    """
    unknown = sorted(set(switches) - set(SWITCHES))
    if unknown:
        raise ConfigError("--with", ",".join(unknown), "is not a switch", f"known: {', '.join(SWITCHES)}")
    if profile:
        profile, reason = check_profile(profile), "chosen"
    else:
        profile = default_profile()
        reason = "default: a GPU is present" if profile == "full" else "default: no GPU found"
    notebooks_dir, build = Path(notebooks_dir).resolve(), Path(build).resolve()
    notebooks = select(find_notebooks(notebooks_dir), only)
    if part is not None and only:  # a lane runs in its lane's order (sftlab.run.lanes), not in the notebooks' numbers
        position = {key: k for k, key in enumerate(only)}
        notebooks.sort(key=lambda nb: position.get(notebook_name(nb), len(position)))
    names = [notebook_name(nb) for nb in notebooks]
    history = read_history(history_path(build, profile))
    if fresh and build.exists():
        shutil.rmtree(build)
    build.mkdir(parents=True, exist_ok=True)
    lanes = default_lanes(profile) if lanes is None else lanes
    groups = split_into_lanes(names, lanes_for(profile)) if part is None and lanes > 1 else [names]
    if part is None:
        side = f" in {len(groups)} lanes side by side" if len(groups) > 1 else ""
        print(
            f"sftlab run: profile '{profile}' ({reason}); {len(notebooks)} notebook(s){side}; output in {build}",
            flush=True,
        )
    run_started = time.perf_counter()
    if len(groups) > 1:
        results = _run_in_lanes(groups, names, profile, notebooks_dir, build, progress, switches)
    else:
        results = _run_one_after_another(
            notebooks, names, profile, build, progress, switches, history, keep_history=part is None
        )
    if part is not None:  # a lane: the parent process writes the history and the report
        write_json(build / "parts" / f"{part}.json", results)
        return sum(r["status"] != "ok" for r in results)
    history.update({r["notebook"]: round(r["seconds"], 1) for r in results if r["status"] == "ok"})
    write_json(history_path(build, profile), history)
    figures = gather(build, [r["notebook"] for r in results])
    for r in results:
        r["figures"] = figures[r["notebook"]]
    write_json(build / "timings.json", {r["notebook"]: round(r["seconds"], 1) for r in results})
    report = write_report(build, profile, results)
    failed = sum(r["status"] != "ok" for r in results)
    took = clock(time.perf_counter() - run_started)
    print(f"report: {report}  ({len(results) - failed} ok, {failed} failed) in {took}", flush=True)
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: ``python -m sftlab run [--profile P] [--only 01,05] [--fresh] [--with extras]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="sftlab run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--profile",
        choices=("smoke", "cpu", "full"),
        help="smoke (CI, minutes), cpu (~15 min on 2 cores) or full (GPU); default: full on a GPU, else cpu",
    )
    parser.add_argument("--only", help="comma-separated notebook prefixes, e.g. 01 or 05,07")
    parser.add_argument("--notebooks", default="notebooks", help="folder of the notebooks (default: notebooks)")
    parser.add_argument("--build", default="build", help="output folder (default: build)")
    parser.add_argument(
        "--fresh", action="store_true", help="delete the build folder first (no resuming from checkpoints)"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide papermill's per-cell progress bar")
    parser.add_argument(
        "--with",
        dest="switches",
        action="append",
        default=[],
        metavar="NAME",
        help="switch on what the profile skips: " + "; ".join(f"{k}: {v}" for k, v in SWITCHES.items()),
    )
    parser.add_argument(
        "--lanes",
        type=int,
        choices=(1, 2),
        default=None,
        help="2: two notebooks side by side, one thread each; 1: one after the other "
        "(default: 2 on a CPU with 2 cores or more, 1 with a GPU)",
    )
    parser.add_argument("--part", type=int, default=None, help=argparse.SUPPRESS)  # a lane of a run in lanes
    args = parser.parse_args(argv)
    only = [key.strip() for key in args.only.split(",") if key.strip()] if args.only else None
    try:
        failed = run(
            args.profile,
            only,
            args.notebooks,
            args.build,
            args.fresh,
            progress=not args.no_progress,
            switches=args.switches,
            lanes=args.lanes,
            part=args.part,
        )
    except ConfigError as exc:
        print(f"sftlab run: {exc}", file=sys.stderr)
        return 2
    return 1 if failed else 0
