"""Tests of ``sftlab.run.runner``."""

from __future__ import annotations

import json

import nbformat
import pytest

from sftlab.run import runner


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('profile = "smoke"\nbuild_dir = "../build"')]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def notebooks(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(
        folder / "01_ok.ipynb",
        "from sftlab.run.report import record\nrecord('01_ok', {'answer': 42, 'profile': profile}, build_dir)",
    )
    _notebook(folder / "02_broken.ipynb", "x = 1", "raise ValueError('the data path is wrong')")
    _notebook(
        folder / "03_after.ipynb", "from sftlab.run.report import record\nrecord('03_after', {'ran': True}, build_dir)"
    )
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("lanes", [1, 2])
def test_failure_is_reported_and_the_others_still_run(notebooks, tmp_path, lanes, capsys):
    build = tmp_path / "build"
    failed = runner.run("smoke", None, notebooks, build, progress=False, lanes=lanes)
    assert failed == 1
    metrics = json.loads((build / "metrics.json").read_text())
    assert metrics["profile"] == "smoke"
    assert metrics["notebooks"]["01_ok"] == {"status": "ok", "figures": {"answer": 42, "profile": "smoke"}}
    assert metrics["notebooks"]["02_broken"]["status"] == "failed"
    assert metrics["notebooks"]["03_after"]["figures"] == {"ran": True}
    report = (build / "report.md").read_text()
    assert (
        "**02_broken**: cell In [4]" in report
    )  # papermill adds the injected-parameters cell and "ValueError: the data path is wrong" in report
    assert (build / "notebooks" / "02_broken.ipynb").is_file()
    assert not list((build / "notebooks").glob(".*partial*"))
    assert set(json.loads((build / "timings.json").read_text())) == {"01_ok", "02_broken", "03_after"}
    assert set(json.loads((build / "cache" / "timings-smoke.json").read_text())) == {"01_ok", "03_after"}
    printed = capsys.readouterr().out
    if lanes == 2:  # notebooks no lane lists go to the shorter lane: 01 and 03 in one, 02 in the other
        assert "[lane 1] [1/2] 01_ok" in printed and "[lane 2] [1/1] 02_broken" in printed
        assert not (build / "parts").exists()


@pytest.mark.slow
def test_cli_exit_status_and_only(notebooks, tmp_path, capsys):
    build = tmp_path / "b"
    assert (
        runner.main(
            [
                "--profile",
                "smoke",
                "--only",
                "01",
                "--notebooks",
                str(notebooks),
                "--build",
                str(build),
                "--no-progress",
            ]
        )
        == 0
    )
    assert "profile 'smoke' (chosen); 1 notebook(s)" in capsys.readouterr().out
    assert (
        runner.main(["--profile", "smoke", "--notebooks", str(notebooks), "--build", str(build), "--no-progress"]) == 1
    )


def test_unknown_only_names_the_known_notebooks(notebooks, tmp_path, capsys):
    assert runner.main(["--only", "99", "--notebooks", str(notebooks), "--build", str(tmp_path / "b")]) == 2
    assert "01_ok, 02_broken, 03_after" in capsys.readouterr().err


def test_unknown_profile_is_rejected_by_the_cli(capsys):
    with pytest.raises(SystemExit):
        runner.main(["--profile", "huge"])
    assert "invalid choice: 'huge'" in capsys.readouterr().err


def test_notebook_order_puts_solutions_last(tmp_path):
    for name in ("02_b.ipynb", "01_a.ipynb", "solutions/01_a.ipynb", "README.md"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("{}")
    assert [runner.notebook_name(p) for p in runner.find_notebooks(tmp_path)] == ["01_a", "02_b", "solutions/01_a"]


def test_with_passes_a_switch_to_every_notebook_and_rejects_unknown_ones(notebooks, tmp_path, monkeypatch, capsys):
    passed = []
    monkeypatch.setattr(runner, "execute", lambda notebook, output, parameters, progress: passed.append(parameters))
    assert (
        runner.main(
            [
                "--profile",
                "cpu",
                "--only",
                "01,03",
                "--with",
                "extras",
                "--notebooks",
                str(notebooks),
                "--build",
                str(tmp_path / "b"),
                "--no-progress",
                "--lanes",
                "1",
            ]
        )
        == 0
    )
    assert [p["extras"] for p in passed] == [True, True] and all(p["profile"] == "cpu" for p in passed)
    assert runner.main(["--with", "ablation", "--notebooks", str(notebooks), "--build", str(tmp_path / "b")]) == 2
    assert "known: extras" in capsys.readouterr().err


def test_a_lane_runs_its_notebooks_in_the_lane_s_order(notebooks, tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr(runner, "execute", lambda notebook, output, parameters, progress: ran.append(notebook.stem))
    build = tmp_path / "b"
    runner.run("cpu", ["03_after", "01_ok"], notebooks, build, progress=False, lanes=1, part=1)
    assert ran == ["03_after", "01_ok"]  # a lane's order, which puts readers after the notebooks they read
    ran.clear()
    runner.run("cpu", ["03_after", "01_ok"], notebooks, build, progress=False, lanes=1)
    assert ran == ["01_ok", "03_after"]  # a user's --only runs in the notebooks' numbers
