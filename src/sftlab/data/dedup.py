"""Duplicate and near-duplicate detection, and leakage between splits.

- Exact duplicates: equal after normalisation (:func:`dedup_key`), found by hashing.
- Near duplicates: Jaccard similarity of character n-gram sets, estimated with MinHash and
  made scalable with locality-sensitive hashing (LSH): only pairs that share a band of their
  signatures are compared exactly. LSH finds a pair of similarity s with probability
  1 − (1 − s^r)^b (:func:`lsh_probability`), so it misses some pairs below its design point;
  :func:`exact_jaccard_pairs` compares every pair (sparse matrix products), which is feasible
  up to tens of thousands of short texts and is the ground truth to measure LSH against.
- Groups for splitting: groups (documents, films) merged when their members are near duplicates
  (:func:`merged_groups`), so that no near-duplicate pair can cross from train to test.
- Leakage: near duplicates whose two sides sit in different splits.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sparse

from sftlab.io.words import split_words

_PRIME = (1 << 31) - 1  # Mersenne prime: a·x + b stays below 2^63 in uint64
#: The Jaccard similarity from which two texts are near duplicates for :func:`merged_groups`.
NEAR_DUPLICATE = 0.7


def dedup_key(text: str) -> str:
    """Case-folded, NFKC-normalised words without punctuation: equal keys are exact duplicates."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(w.casefold() for w in split_words(text) if any(c.isalnum() for c in w))


def exact_duplicate_groups(texts: Sequence[str]) -> list[list[int]]:
    """Groups (of size >= 2) of indices whose texts have the same :func:`dedup_key`."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(texts):
        by_key[hashlib.sha1(dedup_key(text).encode()).hexdigest()].append(index)
    return [group for group in by_key.values() if len(group) > 1]


def shingles(text: str, n: int = 5) -> set[str]:
    """Character n-grams of the normalised text (the whole text if it is shorter than n)."""
    key = dedup_key(text)
    if len(key) <= n:
        return {key}
    return {key[i : i + n] for i in range(len(key) - n + 1)}


def jaccard(a: set, b: set) -> float:
    """|a ∩ b| / |a ∪ b| (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _stable_hash(item: str) -> int:
    return int.from_bytes(hashlib.blake2b(item.encode(), digest_size=8).digest(), "little") % _PRIME


def minhash_signatures(sets: Sequence[set[str]], num_perm: int = 128, seed: int = 0) -> np.ndarray:
    """MinHash signatures (len(sets), num_perm): for each of ``num_perm`` random hash functions
    h(x) = (a·x + b) mod p, the minimum over the set. Two signatures agree in a position with
    probability equal to the Jaccard similarity of their sets.
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(1, _PRIME, size=(num_perm, 1), dtype=np.uint64)
    b = rng.integers(0, _PRIME, size=(num_perm, 1), dtype=np.uint64)
    signatures = np.empty((len(sets), num_perm), dtype=np.uint64)
    for row, items in enumerate(sets):
        hashes = np.fromiter((_stable_hash(x) for x in items), dtype=np.uint64, count=len(items))
        signatures[row] = ((a * hashes[None, :] + b) % _PRIME).min(axis=1)
    return signatures


def lsh_candidates(signatures: np.ndarray, bands: int = 32) -> set[tuple[int, int]]:
    """Pairs whose signatures are equal on at least one band of ``num_perm / bands`` rows."""
    rows = signatures.shape[1] // bands
    pairs = set()
    for band in range(bands):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        chunk = signatures[:, band * rows : (band + 1) * rows]
        for index in range(len(signatures)):
            buckets[chunk[index].tobytes()].append(index)
        for members in buckets.values():
            for i, first in enumerate(members):
                for second in members[i + 1 :]:
                    pairs.add((first, second))
    return pairs


def near_duplicate_pairs(
    texts: Sequence[str], threshold: float = 0.7, n: int = 5, num_perm: int = 128, bands: int = 32, seed: int = 0
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, jaccard)`` with i < j and exact n-gram Jaccard >= ``threshold``.

    MinHash + LSH proposes candidates; each is verified with the exact Jaccard. With 32 bands of
    4 rows a pair at Jaccard 0.7 is proposed with probability > 0.999, but one at 0.5 only with
    1 − (1 − 0.5⁴)³² ≈ 0.87: about one pair in eight is missed there. Use it at 0.7 and above;
    below that, use :func:`exact_jaccard_pairs`.
    """
    sets = [shingles(t, n) for t in texts]
    candidates = lsh_candidates(minhash_signatures(sets, num_perm, seed), bands)
    found = []
    for i, j in sorted(candidates):
        similarity = jaccard(sets[i], sets[j])
        if similarity >= threshold:
            found.append((i, j, similarity))
    return found


def lsh_probability(similarity: float | np.ndarray, bands: int = 32, rows: int = 4) -> float | np.ndarray:
    """Probability that LSH with ``bands`` bands of ``rows`` rows proposes a pair of Jaccard ``similarity``:
    1 − (1 − s^r)^b."""
    return 1 - (1 - np.asarray(similarity, dtype=float) ** rows) ** bands


def exact_jaccard_pairs(
    texts: Sequence[str], threshold: float = 0.5, n: int = 5, block: int = 2000
) -> list[tuple[int, int, float]]:
    """Every pair ``(i, j, jaccard)`` with i < j and exact n-gram Jaccard >= ``threshold``, without LSH.

    The n-gram sets become rows of a sparse 0/1 matrix X; ``X @ X.T`` counts every pair's shared
    n-grams, |A ∪ B| = |A| + |B| − |A ∩ B|. Rows are processed ``block`` at a time to bound memory.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    sets = [shingles(t, n) for t in texts]
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for row, items in enumerate(sets):
        for item in items:
            rows.append(row)
            cols.append(vocabulary.setdefault(item, len(vocabulary)))
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(len(sets), len(vocabulary)))
    sizes = np.array([len(s) for s in sets], dtype=np.float64)
    found = []
    for start in range(0, len(sets), block):
        shared = (matrix[start : start + block] @ matrix.T).tocoo()
        i, j, common = shared.row + start, shared.col, shared.data
        keep = i < j
        i, j, common = i[keep], j[keep], common[keep]
        similarity = common / (sizes[i] + sizes[j] - common)
        chosen = similarity >= threshold
        found += zip(i[chosen].tolist(), j[chosen].tolist(), similarity[chosen].tolist())
    return sorted(found)


def cluster_ids(count: int, pairs: Iterable[tuple[int, int, float] | tuple[int, int]]) -> list[int]:
    """Connected components of the duplicate graph: a cluster id (smallest member) per item."""
    parent = list(range(count))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for pair in pairs:
        a, b = root(pair[0]), root(pair[1])
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(count)]


def merged_groups(base: Sequence[str], texts: Sequence[str], keys: Sequence[str] | None = None) -> list[str]:
    """Merge ``base`` groups whose members are near duplicates (or share a ``key``)."""
    index = {g: i for i, g in enumerate(dict.fromkeys(base))}
    links = [(index[base[i]], index[base[j]]) for i, j, _ in near_duplicate_pairs(texts, NEAR_DUPLICATE)]
    if keys is not None:
        first: dict[str, int] = {}
        for position, key in enumerate(keys):
            links.append((index[base[first.setdefault(key, position)]], index[base[position]]))
    names = list(index)
    clusters = cluster_ids(len(names), links)
    return [names[clusters[index[g]]] for g in base]


def cross_split_pairs(splits: dict[str, Sequence[str]], threshold: float = 0.7, **kwargs) -> list[dict]:
    """Near-duplicate pairs whose texts are in different splits: the leaks (found by LSH: use ``threshold`` ≥ 0.7)."""
    names, texts = [], []
    for name, split_texts in splits.items():
        for index, text in enumerate(split_texts):
            names.append((name, index))
            texts.append(text)
    leaks = []
    for i, j, similarity in near_duplicate_pairs(texts, threshold, **kwargs):
        if names[i][0] != names[j][0]:
            leaks.append({"a": names[i], "b": names[j], "jaccard": similarity, "text_a": texts[i], "text_b": texts[j]})
    return leaks


def pairs_across(
    pairs: Iterable[tuple[int, int, float]], train: Iterable[int], test: Iterable[int]
) -> list[tuple[int, int, float]]:
    """The ``pairs`` (``(i, j, jaccard)`` over one list of items) with one item in ``train`` and the
    other in ``test``, each as ``(train item, test item, jaccard)``: the copies a split leaks."""
    train, test = set(train), set(test)
    if train & test:
        raise ValueError(f"{len(train & test)} items are in both train and test, e.g. {min(train & test)}")
    across = []
    for i, j, similarity in pairs:
        if i in train and j in test:
            across.append((i, j, similarity))
        elif j in train and i in test:
            across.append((j, i, similarity))
    return across
