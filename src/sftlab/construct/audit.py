"""The audit: generated examples next to the label an annotator gave them without seeing the intended one.

A generator's label is an *intention*. The audit list (``data/construction/audit_sentiment.tsv``)
holds candidates with the label a blind annotator gave them; candidates are matched to it by their
normalised words, and every figure computed from it comes with its coverage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from sftlab.data.dedup import dedup_key
from sftlab.io.errors import DataError
from sftlab.io.jsonl import check_text_labels, read_records

AUDIT_LABELS = ("negative", "neutral", "positive")


def read_audit(path: str | Path) -> dict[str, str]:
    """Normalised text -> audit label; a bad label or one text with two labels is an error naming the line."""
    records = read_records(path)
    check_text_labels(records, path, labels=AUDIT_LABELS)
    audit: dict[str, tuple[str, int]] = {}
    for record in records:
        key = dedup_key(record["text"])
        if key in audit and audit[key][0] != record["label"]:
            raise DataError(path, record["_line"], f"this text was labelled {audit[key][0]!r} on line {audit[key][1]}, "
                            f"here {record['label']!r}", "keep one label per text")
        audit[key] = (record["label"], record["_line"])
    return {key: label for key, (label, _) in audit.items()}


def audited(candidates: Sequence[dict], audit: dict[str, str]) -> list[tuple[dict, str]]:
    """(candidate, audit label) for the candidates the audit list covers."""
    return [(c, audit[dedup_key(c["text"])]) for c in candidates if dedup_key(c["text"]) in audit]


def intended_label_correct(candidates: Sequence[dict], audit: dict[str, str]) -> list[tuple[dict, bool]]:
    """(candidate, whether its intended label is the audit label) for the covered candidates."""
    return [(c, c["label"] == label) for c, label in audited(candidates, audit)]
