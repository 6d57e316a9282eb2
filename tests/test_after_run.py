"""Checks of what the test command's run left in build/: report, reproducibility, the site in a real browser.

`python3 tasks.py test` runs these after nbval has executed every notebook once in the smoke
profile (recording figures into build/) and `sftlab report` has written the report of that run.
They are skipped when there is no such run to check (for example when pytest runs on its own).
"""

from __future__ import annotations

import json

import pytest

from sftlab.run.runner import find_notebooks, notebook_name
from tests.browser import CHROMIUM, Browser
from tests.conftest import ROOT
from tests.reference_figures import differences, machine_dependent_problems

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


@needs_run
def test_the_run_reproduces_the_reference_figures():
    """This run's figures equal those of the run that made the stored outputs (tasks.py refresh writes both).

    Two smoke runs on a CPU give the same numbers; floats are compared to 4 significant digits
    (``record`` rounds to 4) with one unit of slack in the last, for a machine whose BLAS rounds
    the last bit differently. The few figures that describe the processor (``MACHINE_DEPENDENT``)
    are checked against a range instead.
    """
    reference = json.loads((ROOT / "tests" / "reference" / "smoke_metrics.json").read_text())
    run = {
        str(p.relative_to(BUILD / "metrics").with_suffix("")): json.loads(p.read_text())
        for p in (BUILD / "metrics").rglob("*.json")
    }
    assert sorted(run) == sorted(reference), "the run and the reference recorded figures for different notebooks"
    out_of_range = machine_dependent_problems(run)
    assert not out_of_range, f"machine-dependent figures outside their range: {out_of_range}"
    machine_dependent_problems(reference)  # the reference loses them too; the rest is compared digit by digit
    changed = differences(run, reference)
    assert not changed, (
        "figures that differ from tests/reference/smoke_metrics.json (after an intended change, "
        f"run `python3 tasks.py refresh --only NN`): {changed}"
    )


@needs_run
def test_the_gpu_check_dry_run_ran_every_step():
    """The test command's dry run of ``tasks.py gpu-check`` wrote every figure it reports (at toy sizes)."""
    path = BUILD / "gpu-dry-run" / "results.json"
    assert path.is_file(), "the GPU check's dry run wrote no results.json (did it run at all?)"
    results = json.loads(path.read_text())
    assert results["dry_run"] is True
    for step in ("ner_conll_size", "ner_full_profile", "sentiment_full_profile", "lm_lora", "lm_full"):
        assert step in results, f"the dry run has no {step!r}"
    assert (
        results["ner_conll_size"]["examples_per_second"] > 0
        and 0 <= results["sentiment_full_profile"]["test_accuracy"] <= 1
    )
    assert (BUILD / "gpu-dry-run" / "results.md").read_text().startswith("GPU check on")


@needs_run
def test_pip_freeze_was_written():
    freeze = (BUILD / "pip-freeze.txt").read_text()
    assert "torch==2.13.0" in freeze and "transformers==" in freeze


@pytest.mark.skipif(not (BUILD / "site" / "index.html").is_file(), reason="no site built in build/site")
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (tasks.py installs it in CI)")
def test_site_renders_title_equations_and_plots_in_a_browser():
    browser = Browser(CHROMIUM)
    try:
        browser.open((BUILD / "site" / "index.html").as_uri(), "document.title.length > 0")
        assert "sftlab" in browser.evaluate("document.title")
        links = browser.evaluate(
            "Array.from(document.querySelectorAll('nav a, .bd-sidebar a')).map(a => a.textContent.trim())"
        )
        assert any(link.startswith("01 ·") for link in links) and any(link.startswith("09 ·") for link in links)
        browser.screenshot(BUILD / "site-index.png")
        typeset = (
            "(window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && "
            "document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_CHTML').length > 0)"
        )
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
