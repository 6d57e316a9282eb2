"""The main job: every notebook runs, a failure is reported with its cell, the exit status says so."""

from __future__ import annotations

import json

import nbformat
import pytest

from sftlab import runner
from sftlab.errors import ConfigError
from sftlab.profiles import PROFILES, settings
from sftlab.report import record


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
    _notebook(folder / "01_ok.ipynb",
              "from sftlab.report import record\nrecord('01_ok', {'answer': 42, 'profile': profile}, build_dir)")
    _notebook(folder / "02_broken.ipynb", "x = 1", "raise ValueError('the data path is wrong')")
    _notebook(folder / "03_after.ipynb", "from sftlab.report import record\nrecord('03_after', {'ran': True}, build_dir)")
    return folder


@pytest.mark.slow
def test_failure_is_reported_and_the_others_still_run(notebooks, tmp_path):
    build = tmp_path / "build"
    failed = runner.run("smoke", None, notebooks, build, progress=False)
    assert failed == 1
    metrics = json.loads((build / "metrics.json").read_text())
    assert metrics["profile"] == "smoke"
    assert metrics["notebooks"]["01_ok"] == {"status": "ok", "figures": {"answer": 42, "profile": "smoke"}}
    assert metrics["notebooks"]["02_broken"]["status"] == "failed"
    assert metrics["notebooks"]["03_after"]["figures"] == {"ran": True}
    report = (build / "report.md").read_text()
    assert "**02_broken**: cell In [4]" in report  # papermill adds the injected-parameters cell and "ValueError: the data path is wrong" in report
    assert (build / "notebooks" / "02_broken.ipynb").is_file()
    assert not list((build / "notebooks").glob(".*partial*"))
    assert set(json.loads((build / "timings.json").read_text())) == {"01_ok", "02_broken", "03_after"}


@pytest.mark.slow
def test_cli_exit_status_and_only(notebooks, tmp_path, capsys):
    build = tmp_path / "b"
    assert runner.main(["--profile", "smoke", "--only", "01", "--notebooks", str(notebooks), "--build", str(build),
                        "--no-progress"]) == 0
    assert "profile 'smoke' (chosen); 1 notebook(s)" in capsys.readouterr().out
    assert runner.main(["--profile", "smoke", "--notebooks", str(notebooks), "--build", str(build), "--no-progress"]) == 1


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


def test_record_merges_and_rounds(tmp_path):
    record("nb", {"f1": 0.123456789, "n": 3, "tiny": 1.23456e-9}, tmp_path)
    assert record("nb", {"acc": float("nan")}, tmp_path) == {"f1": 0.1235, "n": 3, "tiny": 1.235e-9, "acc": "nan"}


def test_profiles_and_overrides():
    assert set(PROFILES) == {"smoke", "cpu", "full"}
    assert settings("01_theory", "smoke").logreg_steps > 0
    assert settings("01_theory", "smoke", logreg_steps=7).logreg_steps == 7
    assert settings("01_theory", "smoke", logreg_steps=None).logreg_steps == settings("01_theory", "smoke").logreg_steps


@pytest.mark.parametrize("kwargs,phrase", [
    ({"profile": "huge"}, "unknown profile"),
    ({"logreg_steps": -3}, "must be a positive number"),
    ({"logreg_steps": 2.5}, "must be a whole number"),
    ({"epochs_typo": 3}, "is not a setting"),
])
def test_bad_profile_parameters(kwargs, phrase):
    profile = kwargs.pop("profile", "smoke")
    with pytest.raises(ConfigError, match=phrase):
        settings("01_theory", profile, **kwargs)


def test_every_notebook_records_under_its_own_name_and_has_settings():
    """The report finds a notebook's figures by its file name, so record() must use that name."""
    import json
    import re

    from sftlab.profiles import SETTINGS

    from conftest import ROOT

    for path in runner.find_notebooks(ROOT / "notebooks"):
        name = runner.notebook_name(path)
        code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
        assert re.findall(r'record\("([^"]+)"', code) == [name], f"{path.name} records under another name"
        if not name.startswith("solutions/"):
            assert re.findall(r'settings\("([^"]+)"', code) == [name] and name in SETTINGS, path.name
