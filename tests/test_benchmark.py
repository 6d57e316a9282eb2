"""The fine-tuning benchmark script runs end to end on a tiny setting and writes one row per method."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_writes_a_row_per_method(tmp_path):
    output = tmp_path / "bench.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_finetune.py"), "--train", "24", "--dev", "16",
               "--epochs", "1", "--batch-size", "8", "--output", str(output)]
    finished = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    summary = json.loads(output.read_text(encoding="utf-8"))
    methods = [row["method"] for row in summary["results"]]
    assert methods == ["(a) sftlab loop", "(b) pad-to-128 loop", "(c) Trainer, default settings",
                       "(d) Trainer at its best settings"]
    for row in summary["results"]:
        assert row["examples_per_second"] > 0 and 0.0 <= row["dev_f1"] <= 1.0 and row["train_seconds"] > 0
        assert len(row["dev_counts"]) == 16
    gap = summary["comparison"]["dev_f1_a_minus_d"]
    assert gap["low"] <= gap["high"]
    assert {"a_over_b", "a_over_c", "a_over_d"} <= set(summary["comparison"])
    assert "sftlab / the pad-to-128 loop throughput" in finished.stdout
    assert "sftlab / Trainer (best settings) throughput" in finished.stdout
    assert "paired bootstrap 95% interval" in finished.stdout
