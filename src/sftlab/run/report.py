"""Headline figures: notebooks record them, the main job gathers them into a report.

A notebook calls :func:`record` with the numbers it computed; they land in
``build/metrics/<notebook>.json``. The main job gathers those into ``build/metrics.json``
(figures only, so two runs can be compared byte for byte) and writes ``build/report.md``
(figures, status and wall time per notebook).

The test command executes the notebooks once, under nbval, in two lanes side by side that each
write a JUnit XML file; ``python -m sftlab report --junit build/nbval-1.xml --junit build/nbval-2.xml``
turns that run into the same report.
"""

from __future__ import annotations

import json
import math
import sys
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path
from typing import Any, Mapping, Sequence

from sftlab.io.atomic import write_json, write_text
from sftlab.io.paths import build_dir as resolve_build_dir


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return float(f"{value:.4g}")
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        return _clean(value.item())
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def record(notebook: str, metrics: Mapping[str, Any], build_dir: str | Path = "../build") -> dict:
    """Merge ``metrics`` into ``build/metrics/<notebook>.json`` (floats to 4 significant digits).

    Returns the notebook's figures so far, so a notebook cell can show what it recorded.
    """
    path = resolve_build_dir(build_dir) / "metrics" / f"{notebook}.json"
    current = json.loads(path.read_text()) if path.is_file() else {}
    current.update(_clean(dict(metrics)))
    write_json(path, current)
    return current


def gather(build: Path, notebooks: list[str]) -> dict[str, dict]:
    """The recorded figures of each notebook (empty when it recorded none)."""
    figures = {}
    for name in notebooks:
        path = build / "metrics" / f"{name}.json"
        figures[name] = json.loads(path.read_text()) if path.is_file() else {}
    return figures


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_format(v)}" for k, v in value.items())
    return str(value)


def evaluation_section(build: Path, results: list[dict]) -> list[str]:
    """Notebook 08's headline figures and the plots it saved in ``build/figures/``, as report lines."""
    evaluation = next((r for r in results if r["notebook"] == "08_evaluation" and r["status"] == "ok"), None)
    if evaluation is None:
        return []
    figures = evaluation["figures"]
    headline = [
        ("NER test entity F1 (strict)", "ner_test_f1", ("ner_f1_ci_low", "ner_f1_ci_high")),
        (
            "sentiment test accuracy",
            "sentiment_test_accuracy",
            ("sentiment_accuracy_ci_low", "sentiment_accuracy_ci_high"),
        ),
        ("sentiment macro-F1", "sentiment_test_macro_f1", None),
        ("expected calibration error, before / after temperature scaling", "ece_before", None),
        ("NER F1 with unseen names swapped in", "robust_unseen_f1", None),
    ]
    lines = ["", "## Evaluation", "", "| measure | value | 95% bootstrap CI |", "|---|---|---|"]
    for title, key, interval in headline:
        if key not in figures:
            continue
        value = _format(figures[key]) + (f" / {_format(figures['ece_after'])}" if key == "ece_before" else "")
        ci = (
            f"[{_format(figures[interval[0]])}, {_format(figures[interval[1]])}]"
            if interval and interval[0] in figures
            else ""
        )
        lines.append(f"| {title} | {value} | {ci} |")
    for png in sorted((build / "figures").glob("08_*.png")):
        lines += ["", f"![{png.stem}](figures/{png.name})"]
    return lines


def write_report(build: Path, profile: str, results: list[dict], extra_sections: list[str] | None = None) -> Path:
    """Write ``build/metrics.json`` and ``build/report.md`` from the main job's results.

    Each result has ``notebook``, ``status`` ('ok' or 'failed'), ``seconds``, ``figures`` and, when
    failed, ``error`` (cell and message).
    """
    write_json(
        build / "metrics.json",
        {
            "profile": profile,
            "notebooks": {r["notebook"]: {"status": r["status"], "figures": r["figures"]} for r in results},
        },
    )
    lines = [
        "# sftlab run report",
        "",
        f"Profile: `{profile}`. "
        + (
            "Executed notebooks are in `build/notebooks/`; "
            if (build / "notebooks").is_dir()
            else "The notebooks were executed, and checked against their stored outputs, by nbval; "
        )
        + "figures in `build/metrics.json`.",
        "",
        "| notebook | status | wall time (s) | headline figures |",
        "|---|---|---|---|",
    ]
    for r in results:
        shown = "; ".join(f"{k}: {_format(v)}" for k, v in r["figures"].items() if not isinstance(v, (list, dict)))
        lines.append(f"| {r['notebook']} | {r['status']} | {r['seconds']:.1f} | {shown or '-'} |")
    failed = [r for r in results if r["status"] != "ok"]
    if failed:
        lines += ["", "## Failures", ""]
        for r in failed:
            lines.append(f"- **{r['notebook']}**: {r['error']}")
    lines += evaluation_section(build, results)
    for section in extra_sections or []:
        lines += ["", section]
    path = build / "report.md"
    write_text(path, "\n".join(lines) + "\n")
    return path


def results_from_junit(junit: Path | Sequence[Path], notebooks: Sequence[str]) -> list[dict]:
    """Status, seconds and first error of each notebook, from nbval's JUnit XML (one test case per cell).

    ``junit``: one file, or several (CI runs the notebooks in lanes side by side, a file each).
    ``notebooks`` gives the order (``05_ner_finetuning``, ``solutions/05_ner_finetuning``); a
    notebook without any test case is reported as ``not run``.
    """
    files = [junit] if isinstance(junit, (str, Path)) else list(junit)
    cases = [case for path in files for case in ElementTree.parse(path).getroot().iter("testcase")]
    cells: dict[str, list] = defaultdict(list)
    for case in cases:
        classname = case.get("classname", "")
        if not classname.endswith(".ipynb"):
            continue
        parts = classname.removesuffix(".ipynb").split(".")
        name = "/".join(parts[parts.index("notebooks") + 1 :] if "notebooks" in parts else parts[-1:])
        problem = next((child for child in case if child.tag in ("failure", "error")), None)
        cells[name].append((case.get("name", "?"), float(case.get("time", 0.0)), problem))
    results = []
    for name in notebooks:
        if name not in cells:
            results.append({"notebook": name, "status": "not run", "seconds": 0.0, "error": "nbval ran no cell of it"})
            continue
        failed = [(cell, problem) for cell, _, problem in cells[name] if problem is not None]
        error = None
        if failed:
            cell, problem = failed[0]
            message = (problem.get("message") or problem.text or "").strip().splitlines()
            error = f"{cell}: {message[0][:200] if message else problem.tag}"
        results.append(
            {
                "notebook": name,
                "status": "failed" if failed else "ok",
                "seconds": sum(seconds for _, seconds, _ in cells[name]),
                "error": error,
            }
        )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sftlab report --junit build/nbval-1.xml [--junit ...]``: the report of a run nbval executed."""
    import argparse

    from sftlab.run.runner import find_notebooks, notebook_name

    parser = argparse.ArgumentParser(prog="sftlab report", description=main.__doc__)
    parser.add_argument(
        "--junit", required=True, action="append", help="nbval's JUnit XML (pytest --junitxml); repeat for lanes"
    )
    parser.add_argument("--build", default="build", help="the folder the notebooks recorded into (default: build)")
    parser.add_argument("--notebooks", default="notebooks", help="folder of the notebooks (default: notebooks)")
    parser.add_argument("--profile", default="smoke", help="the profile nbval ran (the notebooks' default: smoke)")
    args = parser.parse_args(argv)
    build, junits = Path(args.build), [Path(j) for j in args.junit]
    for junit in junits:
        if not junit.is_file():
            print(f"sftlab report: {junit}: no such file (run nbval with --junitxml first)", file=sys.stderr)
            return 2
    names = [notebook_name(p) for p in find_notebooks(Path(args.notebooks))]
    results = results_from_junit(junits, names)
    figures = gather(build, names)
    for r in results:
        r["figures"] = figures[r["notebook"]]
    write_json(build / "timings.json", {r["notebook"]: round(r["seconds"], 1) for r in results})
    report = write_report(build, args.profile, results)
    failed = [r for r in results if r["status"] != "ok"]
    for r in results:
        print(f"{r['notebook']}: {r['status']} in {r['seconds']:.1f} s" + (f" ({r['error']})" if r["error"] else ""))
    print(f"report: {report}  ({len(results) - len(failed)} ok, {len(failed)} not ok)")
    return 1 if failed else 0
