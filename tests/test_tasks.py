"""tasks.py's test command: what ``--fast`` and ``--profile cpu`` run, and the lint configuration it relies on."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def tasks():
    spec = importlib.util.spec_from_file_location("sftlab_tasks", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _titles(steps):
    return [title for title, _, _ in steps]


def _words(command):
    """The words of a command; of commands run side by side, all their words."""
    if command and isinstance(command[0], list):
        return [word for lane in command for word in _words(lane)]
    return [str(part) for part in command]


def test_options_are_taken_out_and_the_rest_goes_to_pytest(tasks):
    assert tasks.options_of_test([]) == ("smoke", False, [])
    assert tasks.options_of_test(["--fast", "-k", "dedup"]) == ("smoke", True, ["-k", "dedup"])
    assert tasks.options_of_test(["--profile", "cpu", "-x"]) == ("cpu", False, ["-x"])
    assert tasks.options_of_test(["--profile=cpu"]) == ("cpu", False, [])
    with pytest.raises(SystemExit, match="smoke .* or cpu"):
        tasks.options_of_test(["--profile", "full"])


def test_lint_comes_first_and_fast_skips_the_slow_tests_and_the_notebooks(tasks):
    py, build = Path(sys.executable), Path("build")
    full = tasks.steps_of_test(py, build)
    assert _titles(full)[:3] == ["lint", "format", "unit tests"]
    assert _words(full[0][1])[1:] == ["-m", "ruff", "check", *tasks.LINTED]
    assert _words(full[1][1])[1:] == ["-m", "ruff", "format", "--check", *tasks.LINTED]
    fast = tasks.steps_of_test(py, build, fast=True, pytest_args=["-x"])
    assert _titles(fast) == ["lint", "format", "unit tests (fast: not slow)"]
    unit = _words(fast[2][1])
    assert unit[unit.index("-m", 2) + 1] == "not after_run and not slow" and unit[-1] == "-x"


def test_the_cpu_profile_runs_the_same_steps_with_the_main_job_instead_of_nbval(tasks):
    py, build = Path(sys.executable), Path("build")
    smoke, cpu = tasks.steps_of_test(py, build), tasks.steps_of_test(py, build, "cpu")
    assert any("--nbval-lax" in _words(command) for _, command, _ in smoke)
    assert not any("--nbval-lax" in _words(command) for _, command, _ in cpu)
    (run,) = [_words(command) for title, command, _ in cpu if title.startswith("notebooks")]
    assert run[1:] == ["-m", "sftlab", "run", "--profile", "cpu", "--build", "build", "--no-progress"]
    assert [t for t in _titles(smoke) if not t.startswith(("notebooks", "report"))] == [
        t for t in _titles(cpu) if not t.startswith(("notebooks", "GPU check"))
    ]  # (the smoke run has the GPU check's dry run in its second lane)
    assert cpu[-1][2]["SFTLAB_TEST_PROFILE"] == "cpu"


def test_ruff_is_pinned_alike_in_the_lock_the_conda_file_and_pre_commit():
    lock = [line for line in (ROOT / "requirements.lock").read_text().splitlines() if line.startswith("ruff==")]
    assert len(lock) == 1
    version = lock[0].split("==")[1]
    assert f"ruff=={version}" in (ROOT / "requirements.in").read_text()
    assert f"- ruff=={version}" in (ROOT / "environment.yml").read_text()
    pre_commit = (ROOT / ".pre-commit-config.yaml").read_text()
    assert f"rev: v{version}" in pre_commit and "ruff-pre-commit" in pre_commit
    pyproject = (ROOT / "pyproject.toml").read_text()  # (tomllib is Python 3.11+; sftlab supports 3.10)
    ruff = pyproject.split("[tool.ruff]")[1]
    assert "\nline-length = 120\n" in ruff and 'select = ["E", "F", "W", "I", "B"]' in ruff


def test_the_smoke_notebooks_run_in_lanes_side_by_side_with_one_thread_each(tasks):
    py, build = Path(sys.executable), Path("build")
    (step,) = [s for s in tasks.steps_of_test(py, build) if s[0].startswith("notebooks")]
    _, commands, extra = step
    assert len(commands) == len(tasks.notebook_lanes.LANES) == 2 and extra["OMP_NUM_THREADS"] == "1"
    for commands_of_lane, lane in zip(commands, tasks.notebook_lanes.LANES):
        words = _words(commands_of_lane[0])
        assert "--nbval-lax" in words and words[-len(lane) :] == [f"notebooks/{name}.ipynb" for name in lane]
    # the GPU check's dry run comes once, after the second lane's notebooks, before the checks that read it
    assert [_words(c)[1:3] for c in commands[1][1:]] == [["-m", "sftlab.run.gpu_check"]] and len(commands[0]) == 1
    titles = [t for t, _, _ in tasks.steps_of_test(py, build)]
    assert not any(t.startswith("GPU check") for t in titles) and titles[-1].startswith("checks")
    cpu_titles = [t for t, _, _ in tasks.steps_of_test(py, build, "cpu")]
    assert cpu_titles.index("GPU check, dry run") < cpu_titles.index("checks of the run's outputs")
    (report,) = [_words(c) for t, c, _ in tasks.steps_of_test(py, build) if t.startswith("report")]
    assert report.count("--junit") == 2
