"""Decontamination: keep texts that duplicate evaluation data out of training.

A collected batch often contains copies of texts that already sit in the dev or test split (a
review quoted on a forum, re-scraped from a store). Trained on, they make the test score
measure memory instead of generalisation. :func:`find_contamination` matches every candidate
against the protected texts, exactly (same :func:`~sftlab.data.dedup.dedup_key`) and nearly
(character n-gram Jaccard >= a threshold, computed exactly with sparse products, no LSH, so no
match is missed); :func:`decontaminate` removes the matches and counts them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sparse

from sftlab.data.dedup import dedup_key, shingles


def _ngram_matrices(
    first: Sequence[set[str]], second: Sequence[set[str]]
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    vocabulary: dict[str, int] = {}
    out = []
    for sets in (first, second):
        rows, cols = [], []
        for row, items in enumerate(sets):
            for item in items:
                rows.append(row)
                cols.append(vocabulary.setdefault(item, len(vocabulary)))
        out.append((rows, cols, len(sets)))
    return tuple(sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(count, len(vocabulary))) for r, c, count in out)


def find_contamination(
    candidates: Sequence[str], protected: Sequence[str], threshold: float = 0.7, n: int = 5
) -> list[dict]:
    """One record per contaminated candidate: ``{index, match, jaccard, kind}``.

    ``match`` is the index of the most similar protected text; ``kind`` is ``exact`` (same
    dedup key) or ``near`` (n-gram Jaccard >= ``threshold``). Candidates are listed in order.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    if not candidates or not protected:
        return []
    keys = {dedup_key(t): i for i, t in enumerate(protected)}
    cand_sets, prot_sets = [shingles(t, n) for t in candidates], [shingles(t, n) for t in protected]
    left, right = _ngram_matrices(cand_sets, prot_sets)
    shared = (left @ right.T).toarray()
    sizes_left = np.array([len(s) for s in cand_sets], dtype=float)[:, None]
    sizes_right = np.array([len(s) for s in prot_sets], dtype=float)[None, :]
    similarity = shared / (sizes_left + sizes_right - shared)
    found = []
    for index, text in enumerate(candidates):
        key = dedup_key(text)
        if key in keys:
            found.append({"index": index, "match": keys[key], "jaccard": 1.0, "kind": "exact"})
            continue
        best = int(similarity[index].argmax())
        if similarity[index, best] >= threshold:
            found.append({"index": index, "match": best, "jaccard": float(similarity[index, best]), "kind": "near"})
    return found


def decontaminate(
    records: Sequence[dict], protected: Sequence[str], threshold: float = 0.7, key: str = "text"
) -> tuple[list[dict], list[dict], dict[str, int]]:
    """``(kept, removed, counts)``: records whose ``key`` text duplicates a protected text are removed.

    ``counts`` has ``checked``, ``exact``, ``near`` and ``kept``; each removed record carries
    ``contamination`` (the match found by :func:`find_contamination`).
    """
    matches = {m["index"]: m for m in find_contamination([r[key] for r in records], protected, threshold)}
    kept = [r for i, r in enumerate(records) if i not in matches]
    removed = [{**records[i], "contamination": m} for i, m in sorted(matches.items())]
    counts = {
        "checked": len(records),
        "exact": sum(m["kind"] == "exact" for m in matches.values()),
        "near": sum(m["kind"] == "near" for m in matches.values()),
        "kept": len(kept),
    }
    return kept, removed, counts
