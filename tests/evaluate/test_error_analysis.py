"""Tests of ``sftlab.evaluate.error_analysis``."""

from __future__ import annotations

from sftlab.evaluate import error_analysis
from sftlab.io.tags import Span


def test_error_analysis_table_and_html():
    classified = error_analysis.classify([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "O", "O", "B-ORG"]])
    table = error_analysis.table_by_type(classified)
    assert table["PER"]["boundary"] == 1 and table["LOC"]["type"] == 1
    assert error_analysis.errors_per_sentence(classified) == [2]
    html = error_analysis.spans_html(["Ada", "<b>", "Paris"], [Span(0, 1, "PER"), Span(2, 3, "LOC")])
    assert "&lt;b&gt;" in html and html.count("<mark") == 2
