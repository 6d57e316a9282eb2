"""Tests of ``sftlab.run.progress`` and of the progress lines the main job prints."""

from __future__ import annotations

import json

from sftlab.run import progress, runner
from tests.conftest import ROOT


def test_clock_and_the_line():
    assert progress.clock(0) == "00:00" and progress.clock(61.4) == "01:01" and progress.clock(4503) == "75:03"
    assert (
        progress.progress_line(3, 18, "03_data_formats", 250, 750)
        == "[3/18] 03_data_formats — elapsed 04:10, about 12:30 left"
    )
    assert progress.progress_line(1, 2, "01_theory", 0, None) == "[1/2] 01_theory — elapsed 00:00, no estimate yet"


def test_estimate_counts_an_untimed_notebook_as_the_mean_of_the_timed():
    assert progress.estimate_left(["01", "02"], {}) is None
    assert progress.estimate_left(["02", "03"], {"01": 10.0, "02": 30.0, "03": 50.0}) == 80.0
    assert progress.estimate_left(["02", "04"], {"02": 30.0, "03": 50.0}) == 70.0  # 04: mean of 30 and 50


def test_a_first_run_estimates_from_the_reference_times_and_a_record_replaces_them():
    names = ["05_ner_finetuning", "07_instruction_tuning", "solutions/05_ner_finetuning"]
    reference = progress.reference_seconds("cpu", names)
    assert reference == {
        "05_ner_finetuning": progress.REFERENCE_SECONDS["cpu"]["05_ner_finetuning"],
        "07_instruction_tuning": progress.REFERENCE_SECONDS["cpu"]["07_instruction_tuning"],
        "solutions/05_ner_finetuning": 8.0,
    }
    assert progress.reference_seconds("cpu", ["01_a"]) == {} and progress.reference_seconds("full", names) == {}
    recorded = {"05_ner_finetuning": 100.0}
    left = progress.estimate_left(names, {**reference, **recorded})
    assert left == 100.0 + reference["07_instruction_tuning"] + 8.0
    found = {runner.notebook_name(path) for path in runner.find_notebooks(ROOT / "notebooks")}
    chapters = {name for name in found if not name.startswith("solutions/")}
    assert set(progress.REFERENCE_SECONDS["cpu"]) == set(progress.REFERENCE_SECONDS["smoke"]) == chapters


def test_history_is_per_profile_and_tolerates_a_broken_file(tmp_path):
    assert progress.history_path(tmp_path, "cpu") != progress.history_path(tmp_path, "smoke")
    path = progress.history_path(tmp_path, "cpu")
    assert progress.read_history(path) == {}
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert progress.read_history(path) == {}
    path.write_text(json.dumps({"01_a": 12.5, "02_b": "soon"}))
    assert progress.read_history(path) == {"01_a": 12.5}


def test_run_prints_progress_records_times_and_keeps_them_through_fresh(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("01_a", "02_b"):
        (folder / f"{name}.ipynb").write_text("{}")
    seconds = {"01_a": 60.0, "02_b": 120.0}
    now = [0.0]
    monkeypatch.setattr(runner.time, "perf_counter", lambda: now[0])

    def fake_execute(notebook, output, parameters, progress):  # papermill's time, without papermill
        now[0] += seconds[notebook.stem]
        if notebook.stem == "02_b" and seconds["02_b"] > 200:
            raise RuntimeError("broke")

    monkeypatch.setattr(runner, "execute", fake_execute)
    build = tmp_path / "build"
    assert runner.run("cpu", None, folder, build, progress=False, lanes=1) == 0
    out = capsys.readouterr().out
    assert "[1/2] 01_a — elapsed 00:00, no estimate yet" in out
    assert "[2/2] 02_b — elapsed 01:00, about 01:00 left" in out  # only 01_a was timed so far: its 60 s
    assert json.loads(progress.history_path(build, "cpu").read_text()) == {"01_a": 60.0, "02_b": 120.0}

    seconds["02_b"] = 300.0  # this time 02_b fails after 300 s: its record stays the last good one
    assert runner.run("cpu", None, folder, build, fresh=True, progress=False, lanes=1) == 1
    out = capsys.readouterr().out
    assert "[1/2] 01_a — elapsed 00:00, about 03:00 left" in out
    assert "[2/2] 02_b — elapsed 01:00, about 02:00 left" in out
    assert json.loads(progress.history_path(build, "cpu").read_text()) == {"01_a": 60.0, "02_b": 120.0}
    assert not progress.history_path(build, "smoke").exists()
