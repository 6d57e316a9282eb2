"""Tests of ``sftlab.run.refresh``: what a refresh strips, and which notebooks it runs first."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from sftlab.run.refresh import cell_seconds, clean, execute_in_place, update_reference, with_dependencies


def test_clean_strips_progress_bars_widgets_and_timestamps():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"state": {}}
    cell = nbformat.v4.new_code_cell("x")
    cell.metadata["execution"] = {"iopub.execute_input": "2026-01-01"}
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"application/vnd.jupyter.widget-view+json": {}, "text/plain": "0/32"}
        ),
        nbformat.v4.new_output("stream", name="stderr", text="epoch 1/3:  50%|#####     | 16/32\r"),
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: something real\n"),
        nbformat.v4.new_output(
            "stream",
            name="stderr",
            text="USDT:2026-12-02 20:24:30 17148:17148 SyncActivityProfilerHandler.cpp:52] profiler_start\n",
        ),
        nbformat.v4.new_output("stream", name="stdout", text="test F1 0.634\n"),
    ]
    nb.cells = [cell]
    clean(nb)
    assert "widgets" not in nb.metadata and "execution" not in nb.cells[0].metadata
    assert [o.get("text") for o in nb.cells[0].outputs] == ["UserWarning: something real\n", "test F1 0.634\n"]


def test_clean_refuses_a_progress_bar_in_a_checked_cell():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("for x in tqdm(items): ...", metadata={"tags": ["nbval-check-output"]})
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"application/vnd.jupyter.widget-view+json": {}, "text/plain": "0/32"}
        )
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# title"), cell]
    with pytest.raises(ValueError, match="cell 1 is tagged nbval-check-output"):
        clean(nb)


def test_cell_seconds_reads_nbclient_timestamps_slowest_first():
    nb = nbformat.v4.new_notebook()
    fast, slow = nbformat.v4.new_code_cell("a"), nbformat.v4.new_code_cell("b")
    fast.metadata["execution"] = {
        "iopub.execute_input": "2026-12-02T10:00:00.000000Z",
        "shell.execute_reply": "2026-12-02T10:00:01.500000Z",
    }
    slow.metadata["execution"] = {
        "iopub.execute_input": "2026-12-02T10:00:02Z",
        "shell.execute_reply": "2026-12-02T10:01:02Z",
    }
    nb.cells = [fast, nbformat.v4.new_markdown_cell("x"), slow, nbformat.v4.new_code_cell("never run")]
    assert cell_seconds(nb) == [(2, 60.0), (0, 1.5)]


def test_a_notebook_that_reads_earlier_output_gets_its_producers_first(tmp_path):
    every = [Path(f"notebooks/{n}.ipynb") for n in ("05_ner_finetuning", "06_sentiment_finetuning", "08_evaluation")]
    assert [p.stem for p in with_dependencies(every[2:], every, tmp_path)] == [p.stem for p in every]
    for folder in ("05_ner", "06_sentiment"):
        (tmp_path / folder / "model").mkdir(parents=True)
        (tmp_path / folder / "model" / "config.json").write_text("{}")
    assert [p.stem for p in with_dependencies(every[2:], every, tmp_path)] == ["08_evaluation"]


def test_update_reference_merges_the_refreshed_notebooks(tmp_path):
    reference = tmp_path / "smoke_metrics.json"
    reference.write_text('{"01_theory": {"checks": 20}, "05_ner_finetuning": {"f1": 0.5}}')
    (tmp_path / "build" / "metrics").mkdir(parents=True)
    (tmp_path / "build" / "metrics" / "05_ner_finetuning.json").write_text('{"f1": 0.634}')
    update_reference(reference, tmp_path / "build", ["05_ner_finetuning"])
    assert reference.read_text().count('"f1": 0.634') == 1 and '"checks": 20' in reference.read_text()


def test_no_checked_cell_draws_a_progress_bar():
    """A refresh strips progress bars, so a bar in a cell nbval compares is an output the reference lacks."""
    root = Path(__file__).resolve().parents[2] / "notebooks"
    offenders = []
    for path in sorted(root.rglob("*.ipynb")):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if "nbval-check-output" in cell.metadata.get("tags", []) and "tqdm(" in cell.source:
                offenders.append(f"{path.relative_to(root)} cell {index}")
    assert not offenders, f"cells tagged nbval-check-output that draw a tqdm bar: {offenders}"


def test_a_refresh_records_only_this_runs_figures(tmp_path):
    """A figure an earlier run recorded, and this run no longer does, leaves the metrics file."""
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import os\nfrom sftlab.run.report import record\n"
                "record('x_test', {'kept': 1}, os.environ['SFTLAB_BUILD_DIR'])"
            )
        ]
    )
    path = tmp_path / "x_test.ipynb"
    path.write_text(nbformat.writes(notebook))
    metrics = tmp_path / "build" / "metrics" / "x_test.json"
    metrics.parent.mkdir(parents=True)
    metrics.write_text('{"kept": 0, "stale": 0.5}')
    execute_in_place(path, tmp_path / "build", write=False)
    assert json.loads(metrics.read_text()) == {"kept": 1}
