"""Checks of what the test command's run left in build/: report, reproducibility, the site in a real browser.

`python3 tasks.py test` runs these after nbval has executed every notebook once in the smoke
profile (recording figures into build/) and `sftlab report` has written the report of that run.
They are skipped when there is no such run to check (for example when pytest runs on its own).
"""

from __future__ import annotations

import base64
import json
import math
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from sftlab.run.runner import find_notebooks, notebook_name
from tests.conftest import ROOT

BUILD = ROOT / "build"
pytestmark = pytest.mark.after_run

needs_run = pytest.mark.skipif(not (BUILD / "metrics.json").is_file(), reason="no main job output in build/")


@needs_run
def test_report_lists_every_notebook_as_ok_with_figures():
    metrics = json.loads((BUILD / "metrics.json").read_text())
    names = [notebook_name(p) for p in find_notebooks(ROOT / "notebooks")]
    assert metrics["profile"] == "smoke"
    assert sorted(metrics["notebooks"]) == sorted(names)
    failed = {n: e["status"] for n, e in metrics["notebooks"].items() if e["status"] != "ok"}
    assert not failed, f"failed notebooks: {failed} (see build/report.md)"
    assert all(metrics["notebooks"][n]["figures"] for n in names), "a notebook recorded no figures"
    report = (BUILD / "report.md").read_text()
    assert all(f"| {n} | ok |" in report for n in names)
    assert "## Evaluation" in report and "figures/08_reliability.png" in report
    assert (BUILD / "figures" / "08_reliability.png").is_file()


def differences(run: dict, reference: dict, rel: float = 1e-3) -> dict:
    """Figures of ``run`` that differ from ``reference``: floats beyond ``rel``, anything else at all."""
    def same(a, b):
        if isinstance(a, float) or isinstance(b, float):
            return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        return a == b
    return {name: {k: (run[name].get(k), reference.get(name, {}).get(k))
                   for k in set(run[name]) | set(reference.get(name, {}))
                   if not same(run[name].get(k), reference.get(name, {}).get(k))}
            for name in run if not same(run[name], reference.get(name))}


#: Figures that depend on the processor rather than on the code, each with the range it must fall in.
#: 09 trains whole bf16 runs only on a CPU with fast bf16 (so the figure exists on some machines and
#: not on others); dynamic int8 and ONNX Runtime run different kernels on AVX2 and AVX-512 machines,
#: so their accuracy change and float error differ in the last digits between two correct runs.
MACHINE_DEPENDENT = {
    "09_practice": {"bf16_accuracy_change": (-0.05, 0.05), "int8_accuracy_change": (-0.05, 0.05),
                    "onnx_max_logit_difference": (0.0, 1e-4)},
}


def machine_dependent_problems(run: dict) -> dict:
    """Split the machine-dependent figures off ``run`` (in place); return those outside their range."""
    problems = {}
    for notebook, bounds in MACHINE_DEPENDENT.items():
        for name, (low, high) in bounds.items():
            value = run.get(notebook, {}).pop(name, None)
            if value is not None and not low <= value <= high:
                problems[f"{notebook}.{name}"] = (value, (low, high))
    return problems


def test_differences_catch_a_changed_figure():
    assert differences({"a": {"f1": 0.6341}}, {"a": {"f1": 0.6340}}) == {}
    assert differences({"a": {"f1": 0.64}}, {"a": {"f1": 0.63}}) == {"a": {"f1": (0.64, 0.63)}}
    assert differences({"a": {"n": 3, "x": [1.0]}}, {"a": {"n": 4, "x": [1.0]}}) == {"a": {"n": (3, 4)}}


def test_machine_dependent_figures_are_held_to_a_range():
    run = {"09_practice": {"onnx_max_logit_difference": 2.6e-6, "best_lr": 3e-4}}
    assert machine_dependent_problems(run) == {} and run == {"09_practice": {"best_lr": 3e-4}}
    wrong = {"09_practice": {"onnx_max_logit_difference": 0.1, "int8_accuracy_change": -0.2}}
    assert machine_dependent_problems(wrong) == {"09_practice.onnx_max_logit_difference": (0.1, (0.0, 1e-4)),
                                                 "09_practice.int8_accuracy_change": (-0.2, (-0.05, 0.05))}


@needs_run
def test_the_run_reproduces_the_reference_figures():
    """This run's figures equal those of the run that made the stored outputs (tasks.py refresh writes both).

    Two smoke runs on a CPU give the same numbers; floats are compared to 4 significant digits
    (``record`` rounds to 4) with one unit of slack in the last, for a machine whose BLAS rounds
    the last bit differently. The few figures that describe the processor (``MACHINE_DEPENDENT``)
    are checked against a range instead.
    """
    reference = json.loads((ROOT / "tests" / "reference" / "smoke_metrics.json").read_text())
    run = {str(p.relative_to(BUILD / "metrics").with_suffix("")): json.loads(p.read_text())
           for p in (BUILD / "metrics").rglob("*.json")}
    assert sorted(run) == sorted(reference), "the run and the reference recorded figures for different notebooks"
    out_of_range = machine_dependent_problems(run)
    assert not out_of_range, f"machine-dependent figures outside their range: {out_of_range}"
    machine_dependent_problems(reference)  # the reference loses them too; the rest is compared digit by digit
    changed = differences(run, reference)
    assert not changed, ("figures that differ from tests/reference/smoke_metrics.json (after an intended change, "
                         f"run `python3 tasks.py refresh --only NN`): {changed}")


@needs_run
def test_the_gpu_check_dry_run_ran_every_step():
    """The test command's dry run of ``tasks.py gpu-check`` wrote every figure it reports (at toy sizes)."""
    path = BUILD / "gpu-dry-run" / "results.json"
    assert path.is_file(), "the GPU check's dry run wrote no results.json (did it run at all?)"
    results = json.loads(path.read_text())
    assert results["dry_run"] is True
    for step in ("ner_conll_size", "ner_full_profile", "sentiment_full_profile", "lm_lora", "lm_full"):
        assert step in results, f"the dry run has no {step!r}"
    assert results["ner_conll_size"]["examples_per_second"] > 0 and 0 <= results["sentiment_full_profile"]["test_accuracy"] <= 1
    assert (BUILD / "gpu-dry-run" / "results.md").read_text().startswith("GPU check on")


@needs_run
def test_pip_freeze_was_written():
    freeze = (BUILD / "pip-freeze.txt").read_text()
    assert "torch==2.13.0" in freeze and "transformers==" in freeze


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Headless Chromium driven over the DevTools protocol (websocket-client is in the lock)."""

    def __init__(self, executable: str):
        self.profile = tempfile.mkdtemp(prefix="sftlab-chromium-")
        self.port = _free_port()
        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--remote-allow-origins=*",
             f"--user-data-dir={self.profile}", f"--remote-debugging-port={self.port}", "--window-size=1280,900",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                pages = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json", timeout=2).read())
                page = next(p for p in pages if p.get("type") == "page")
                break
            except (OSError, StopIteration):
                if time.time() > deadline:
                    raise RuntimeError("chromium did not open its DevTools port") from None
                time.sleep(0.2)
        import websocket

        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0

    def call(self, method: str, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def open(self, url: str, ready: str, timeout: float = 30) -> None:
        self.call("Page.navigate", url=url)
        deadline = time.time() + timeout
        while not self.evaluate(f"document.readyState === 'complete' && ({ready})"):
            if time.time() > deadline:
                raise AssertionError(f"{url}: not ready within {timeout} s ({ready})")
            time.sleep(0.25)

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(not (BUILD / "site" / "index.html").is_file(), reason="no site built in build/site")
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (tasks.py installs it in CI)")
def test_site_renders_title_equations_and_plots_in_a_browser():
    browser = Browser(CHROMIUM)
    try:
        browser.open((BUILD / "site" / "index.html").as_uri(), "document.title.length > 0")
        assert "sftlab" in browser.evaluate("document.title")
        links = browser.evaluate("Array.from(document.querySelectorAll('nav a, .bd-sidebar a')).map(a => a.textContent.trim())")
        assert any(link.startswith("01 ·") for link in links) and any(link.startswith("09 ·") for link in links)
        browser.screenshot(BUILD / "site-index.png")
        typeset = ("(window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && "
                   "document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_CHTML').length > 0)")
        browser.open((BUILD / "site" / "01_theory.html").as_uri(), typeset, timeout=60)
        assert browser.evaluate("document.querySelector('h1').textContent").startswith("01 ·")
        errors = browser.evaluate("document.querySelectorAll('.MathJax_Error, merror').length")
        assert errors == 0, f"{errors} equations failed to render"
        assert browser.evaluate("document.querySelectorAll('.MathJax_Display, .MathJax').length") > 20
        loaded = browser.evaluate("Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length")
        assert loaded >= 3, f"only {loaded} images rendered"
        browser.screenshot(BUILD / "site-01_theory.png")
        assert (BUILD / "site-01_theory.png").stat().st_size > 10_000
    finally:
        browser.close()
