"""The audit: generated examples next to the label an annotator gave them without seeing the intended one.

A generator's label is an *intention*. The audit list (``data/construction/audit_sentiment.tsv``)
holds candidates with the label a blind annotator gave them and, in its ``labelled_by`` column,
who that annotator was (a person, or an AI assistant: its data card says which lines are which);
candidates are matched to it by their normalised words, and every figure computed from it comes
with its coverage and the labeller it rests on.

:func:`kept_minus_rejected` asks whether a filter keeps right labels more often than it rejects
them, within each generation strategy, so that a filter that merely tells the strategies apart
(and a strategy that merely labels better) cannot pass for a judge of labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from sftlab.data.dedup import dedup_key
from sftlab.io.errors import DataError
from sftlab.io.jsonl import check_text_labels, read_records

AUDIT_LABELS = ("negative", "neutral", "positive")
UNSTATED = "not stated"  # the labeller of a list without a ``labelled_by`` column


def _read(path: str | Path) -> dict[str, tuple[str, str, int]]:
    """Normalised text -> (label, labelled_by, line)."""
    records = read_records(path)
    check_text_labels(records, path, labels=AUDIT_LABELS)
    audit: dict[str, tuple[str, str, int]] = {}
    for record in records:
        key = dedup_key(record["text"])
        labeller = record.get("labelled_by", UNSTATED).strip() or UNSTATED
        if key in audit and audit[key][0] != record["label"]:
            raise DataError(
                path,
                record["_line"],
                f"this text was labelled {audit[key][0]!r} on line {audit[key][2]}, here {record['label']!r}",
                "keep one label per text",
            )
        audit.setdefault(key, (record["label"], labeller, record["_line"]))
    return audit


def read_audit(path: str | Path) -> dict[str, str]:
    """Normalised text -> audit label; a bad label or one text with two labels is an error naming the line."""
    return {key: label for key, (label, _, _) in _read(path).items()}


def read_labellers(path: str | Path) -> dict[str, str]:
    """Normalised text -> who labelled it (the ``labelled_by`` column; ``"not stated"`` when the list has none)."""
    return {key: labeller for key, (_, labeller, _) in _read(path).items()}


def audited(candidates: Sequence[dict], audit: dict[str, str]) -> list[tuple[dict, str]]:
    """(candidate, audit label) for the candidates the audit list covers."""
    return [(c, audit[dedup_key(c["text"])]) for c in candidates if dedup_key(c["text"]) in audit]


def intended_label_correct(candidates: Sequence[dict], audit: dict[str, str]) -> list[tuple[dict, bool]]:
    """(candidate, whether its intended label is the audit label) for the covered candidates."""
    return [(c, c["label"] == label) for c, label in audited(candidates, audit)]


def distinct(candidates: Sequence[dict]) -> list[dict]:
    """The first candidate of each normalised text: an exact duplicate is one judgement, not two."""
    seen: set[str] = set()
    out = []
    for c in candidates:
        key = dedup_key(c["text"])
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _gap(right: np.ndarray, keep: np.ndarray) -> float:
    return float(right[keep].mean() - right[~keep].mean())


def kept_minus_rejected(
    right: Sequence[bool],
    keep: Sequence[bool],
    strata: Sequence[str],
    samples: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> dict:
    """Precision of the kept minus precision of the rejected candidates, within strata, with a bootstrap interval.

    ``right[i]``: the intended label of candidate ``i`` is right; ``keep[i]``: the filter keeps it;
    ``strata[i]``: its generation strategy. Only strata with both kept and rejected candidates say
    anything about the filter; the estimate is their within-stratum gaps averaged with weights
    proportional to their sizes, and the percentile interval resamples candidates within each
    stratum (a stratified bootstrap; a resample that leaves one side of a stratum empty drops that
    stratum from its average). Returns ``difference``, ``low``, ``high``, ``level``, ``per_stratum``
    (gap and counts of each informative stratum) and ``strata_left_out`` (strata with one side only).
    """
    r, k, s = np.asarray(right, dtype=bool), np.asarray(keep, dtype=bool), np.asarray(strata)
    if not len(r) == len(k) == len(s):
        raise ValueError(f"right, keep and strata must have one entry per candidate, got {len(r)}, {len(k)}, {len(s)}")
    groups = {name: np.flatnonzero(s == name) for name in dict.fromkeys(s.tolist())}
    used = {name: idx for name, idx in groups.items() if k[idx].any() and (~k[idx]).any()}
    if not used:
        raise ValueError("no stratum has both kept and rejected candidates: the filter's use cannot be measured")

    def estimate(chosen: dict[str, np.ndarray]) -> float:
        gaps, weights = [], []
        for idx in chosen.values():
            if k[idx].any() and (~k[idx]).any():
                gaps.append(_gap(r[idx], k[idx]))
                weights.append(len(idx))
        return float(np.average(gaps, weights=weights)) if gaps else float("nan")

    rng = np.random.default_rng(seed)
    draws = np.array(
        [
            estimate({name: idx[rng.integers(0, len(idx), len(idx))] for name, idx in used.items()})
            for _ in range(samples)
        ]
    )
    tail = (1 - level) / 2
    low, high = np.nanquantile(draws, [tail, 1 - tail])
    per_stratum = {
        name: {
            "gap": _gap(r[idx], k[idx]),
            "kept": f"{int(r[idx][k[idx]].sum())}/{int(k[idx].sum())} right",
            "rejected": f"{int(r[idx][~k[idx]].sum())}/{int((~k[idx]).sum())} right",
        }
        for name, idx in used.items()
    }
    return {
        "difference": estimate(used),
        "low": float(low),
        "high": float(high),
        "level": level,
        "per_stratum": per_stratum,
        "strata_left_out": [name for name in groups if name not in used],
    }
