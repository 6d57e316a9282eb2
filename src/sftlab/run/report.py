"""Headline figures: notebooks record them, the main job gathers them into a report.

A notebook calls :func:`record` with the numbers it computed; they land in
``build/metrics/<notebook>.json``. The main job gathers those into ``build/metrics.json``
(figures only, so two runs can be compared byte for byte) and writes ``build/report.md``
(figures, status and wall time per notebook).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Mapping

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
    """Notebook 07's headline figures and the plots it saved in ``build/figures/``, as report lines."""
    evaluation = next((r for r in results if r["notebook"] == "07_evaluation" and r["status"] == "ok"), None)
    if evaluation is None:
        return []
    figures = evaluation["figures"]
    headline = [("NER test entity F1 (strict)", "ner_test_f1", ("ner_f1_ci_low", "ner_f1_ci_high")),
                ("sentiment test accuracy", "sentiment_test_accuracy", ("sentiment_accuracy_ci_low", "sentiment_accuracy_ci_high")),
                ("sentiment macro-F1", "sentiment_test_macro_f1", None),
                ("expected calibration error, before / after temperature scaling", "ece_before", None),
                ("NER F1 with unseen names swapped in", "robust_unseen_f1", None)]
    lines = ["", "## Evaluation", "", "| measure | value | 95% bootstrap CI |", "|---|---|---|"]
    for title, key, interval in headline:
        if key not in figures:
            continue
        value = _format(figures[key]) + (f" / {_format(figures['ece_after'])}" if key == "ece_before" else "")
        ci = f"[{_format(figures[interval[0]])}, {_format(figures[interval[1]])}]" if interval and interval[0] in figures else ""
        lines.append(f"| {title} | {value} | {ci} |")
    for png in sorted((build / "figures").glob("07_*.png")):
        lines += ["", f"![{png.stem}](figures/{png.name})"]
    return lines


def write_report(build: Path, profile: str, results: list[dict], extra_sections: list[str] | None = None) -> Path:
    """Write ``build/metrics.json`` and ``build/report.md`` from the main job's results.

    Each result has ``notebook``, ``status`` ('ok' or 'failed'), ``seconds``, ``figures`` and, when
    failed, ``error`` (cell and message).
    """
    write_json(build / "metrics.json", {
        "profile": profile,
        "notebooks": {r["notebook"]: {"status": r["status"], "figures": r["figures"]} for r in results},
    })
    lines = [
        "# sftlab run report",
        "",
        f"Profile: `{profile}`. Executed notebooks are in `build/notebooks/`; figures in `build/metrics.json`.",
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
