"""The benchmark scripts run end to end on tiny settings and write one row per method, with the FLOP line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_tiny_bert

ROOT = Path(__file__).resolve().parents[1]


def _run_benchmark(folder: Path, script: str, *arguments: str) -> tuple[subprocess.CompletedProcess, dict]:
    """Run ``benchmarks/<script>`` with ``arguments`` in ``folder``; its finished process and the summary it wrote."""
    output = folder / "summary.json"
    command = [sys.executable, str(ROOT / "benchmarks" / script), *arguments, "--output", str(output)]
    finished = subprocess.run(command, capture_output=True, text=True, cwd=folder, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    return finished, json.loads(output.read_text(encoding="utf-8"))


@pytest.mark.slow  # five Python processes, each training a tiny random BERT
def test_benchmark_writes_a_row_per_method(tmp_path):
    model = write_tiny_bert(tmp_path / "tiny-bert")
    settings = f"--train 24 --dev 16 --epochs 1 --batch-size 8 --repeat 1 --model {model}".split()
    finished, summary = _run_benchmark(tmp_path, "bench_finetune.py", *settings)
    methods = [row["method"] for row in summary["results"]]
    assert methods == [
        "(a) sftlab loop",
        "(b) pad-to-128 loop",
        "(c) Trainer, default settings",
        "(d) Trainer at its best settings",
    ]
    for row in summary["results"]:
        assert row["examples_per_second"] > 0 and 0.0 <= row["dev_f1"] <= 1.0 and row["train_seconds"] > 0
        assert len(row["dev_counts"]) == 16 and row["positions_per_real_token"] >= 1.0 and row["of_own_peak"] > 0
    by = {row["method"][:3]: row for row in summary["results"]}
    assert by["(a)"]["positions_per_real_token"] == by["(d)"]["positions_per_real_token"]  # (d) gets fit's batches
    assert by["(b)"]["positions_per_real_token"] > by["(a)"]["positions_per_real_token"]  # padding to 128
    gap = summary["comparison"]["dev_f1_a_minus_d"]
    assert gap["low"] <= gap["high"]
    assert {"a_over_b", "a_over_c", "a_over_d"} <= set(summary["comparison"])
    assert "sftlab / the pad-to-128 loop throughput" in finished.stdout
    assert "sftlab / Trainer (best settings) throughput" in finished.stdout
    assert "paired bootstrap over examples" in finished.stdout
    assert finished.stdout.count("of the square peak") == 4 and "of the own-shape peak" in finished.stdout


@pytest.mark.slow  # a Python process that trains four methods twice on a tiny model: about 38 s
def test_lm_benchmark_gives_every_row_the_same_batches_and_scores_it_on_held_out_chats(tmp_path):
    settings = "--random-init --tiny --records 8 --batch-size 4 --heldout 4 --generate 2 --repeats 2 --only a,c,d,f"
    finished, summary = _run_benchmark(tmp_path, "bench_lm_sft.py", *settings.split())
    rows = {row["method"][:3]: row for row in summary["results"]}
    assert list(rows) == ["(a)", "(c)", "(d)", "(f)"] and summary["repeats"] == 2
    # every method once a round, the order turned by one each round (after an untimed warm-up)
    order = [line.split()[2] for line in finished.stdout.splitlines() if line.startswith("round ")]
    assert order == ["(a)", "(c)", "(d)", "(f)", "(c)", "(d)", "(f)", "(a)"]
    for row in rows.values():
        assert len(row["seconds_runs"]) == 2 and row["seconds_low"] <= row["seconds"] <= row["seconds_high"]
        assert row["steps"] == 2 and row["heldout_loss"] > 0 and 0.0 <= row["heldout_score"] <= 1.0
    # the padded rows train on fit's batches, so they hold the same positions; padding-free holds none
    assert (
        rows["(a)"]["positions_per_real_token"]
        == rows["(c)"]["positions_per_real_token"]
        == rows["(f)"]["positions_per_real_token"]
        >= rows["(d)"]["positions_per_real_token"]
        == 1.0
    )
    # same start (adapters seeded alike), same batches in the same order, same settings: the same model
    assert all(abs(row["heldout_loss"] - rows["(a)"]["heldout_loss"]) < 1e-4 for row in rows.values())
    assert set(summary["comparisons"]) == {"c", "d", "f"}
    assert finished.stdout.count(": the same model") == 3  # no verdict drawn on rounding error
    assert "no gradient checkpointing" in finished.stdout and "fewer than 32" in finished.stdout
    assert finished.stdout.count("of the own-shape peak") == 4
