"""Tests of ``sftlab.run.report``."""

from __future__ import annotations

from sftlab.run.report import main, record, results_from_junit


def test_record_merges_and_rounds(tmp_path):
    record("nb", {"f1": 0.123456789, "n": 3, "tiny": 1.23456e-9}, tmp_path)
    assert record("nb", {"acc": float("nan")}, tmp_path) == {"f1": 0.1235, "n": 3, "tiny": 1.235e-9, "acc": "nan"}


JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="5">
<testcase classname="notebooks.01_theory.ipynb" name="Cell 0" time="1.5" />
<testcase classname="notebooks.01_theory.ipynb" name="Cell 1" time="2.0" />
<testcase classname="notebooks.05_ner_finetuning.ipynb" name="Cell 0" time="0.5" />
<testcase classname="notebooks.05_ner_finetuning.ipynb" name="Cell 7"
time="3.0"><failure message="Cell outputs differ&#10;more">...</failure></testcase>
<testcase classname="notebooks.solutions.01_theory.ipynb" name="Cell 0" time="0.25" />
</testsuite></testsuites>"""


def test_results_from_nbval_junit(tmp_path):
    junit = tmp_path / "nbval.xml"
    junit.write_text(JUNIT)
    results = results_from_junit(
        junit, ["01_theory", "05_ner_finetuning", "06_sentiment_finetuning", "solutions/01_theory"]
    )
    assert [(r["notebook"], r["status"]) for r in results] == [
        ("01_theory", "ok"),
        ("05_ner_finetuning", "failed"),
        ("06_sentiment_finetuning", "not run"),
        ("solutions/01_theory", "ok"),
    ]
    assert results[0]["seconds"] == 3.5 and results[0]["error"] is None
    assert results[1]["error"] == "Cell 7: Cell outputs differ"


def test_results_of_lanes_run_side_by_side_are_merged(tmp_path):
    head, cases = JUNIT.split("<testcase", 1)
    cases = ["<testcase" + case for case in cases.split("<testcase")]
    first, second = tmp_path / "nbval-1.xml", tmp_path / "nbval-2.xml"
    tail = "</testsuite></testsuites>"
    first.write_text(head + "".join(cases[:2]) + tail)
    second.write_text(head + "".join(cases[2:]).replace(tail, "") + tail)
    names = ["01_theory", "05_ner_finetuning", "solutions/01_theory"]
    assert results_from_junit([first, second], names) == results_from_junit(_one_file(tmp_path), names)


def _one_file(tmp_path):
    path = tmp_path / "nbval.xml"
    path.write_text(JUNIT)
    return path


def test_report_command_exits_non_zero_when_a_notebook_failed(tmp_path, capsys):
    (tmp_path / "notebooks" / "solutions").mkdir(parents=True)
    for name in ("01_theory", "05_ner_finetuning"):
        (tmp_path / "notebooks" / f"{name}.ipynb").write_text("{}")
    (tmp_path / "nbval.xml").write_text(JUNIT)
    code = main(
        [
            "--junit",
            str(tmp_path / "nbval.xml"),
            "--build",
            str(tmp_path / "build"),
            "--notebooks",
            str(tmp_path / "notebooks"),
        ]
    )
    assert code == 1
    report = (tmp_path / "build" / "report.md").read_text()
    assert "| 05_ner_finetuning | failed |" in report and "Cell 7: Cell outputs differ" in report
    assert main(["--junit", str(tmp_path / "missing.xml")]) == 2
