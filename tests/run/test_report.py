"""Tests of ``sftlab.run.report``."""

from __future__ import annotations

from sftlab.run.report import record


def test_record_merges_and_rounds(tmp_path):
    record("nb", {"f1": 0.123456789, "n": 3, "tiny": 1.23456e-9}, tmp_path)
    assert record("nb", {"acc": float("nan")}, tmp_path) == {"f1": 0.1235, "n": 3, "tiny": 1.235e-9, "acc": "nan"}
