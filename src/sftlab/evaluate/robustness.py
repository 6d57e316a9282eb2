"""Robustness probes: the same test sentences, perturbed in ways that should not change the answer.

- **lower-casing** every token (informal text). A probe for cased models only: an uncased
  model's tokenizer lower-cases its input first, so lower-cased text is the same input to it;
- **typos**: one character swapped, dropped or doubled in a share of the words;
- **entity swaps**: every mention replaced by a name of the same type that never occurs in the
  training data, so the model must recognise names from context rather than from memory.

Without changing a word, :func:`familiarity_counts` splits the gold mentions of a test set into
those seen as entities in the training sentences and the rest, so that each part can be scored.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Sequence

import numpy as np

from sftlab.evaluate.metrics import strict_spans
from sftlab.io.conll import Sentence
from sftlab.io.tags import spans_from_iob2
from sftlab.io.textfile import iter_tab_pairs
from sftlab.io.words import split_words


def lower_case(sentences: Sequence[Sentence]) -> list[Sentence]:
    """Every token lower-cased; tags unchanged."""
    return [Sentence([t.lower() for t in s.tokens], list(s.tags), s.doc) for s in sentences]


def typo(word: str, rng: random.Random) -> str:
    """One random edit inside a word of 4+ letters: swap two neighbours, drop or double a letter."""
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 2)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def with_typos(sentences: Sequence[Sentence], rate: float = 0.2, seed: int = 0) -> list[Sentence]:
    """A ``rate`` share of the words get one typo; tags unchanged."""
    rng = random.Random(seed)
    return [
        Sentence([typo(t, rng) if rng.random() < rate else t for t in s.tokens], list(s.tags), s.doc) for s in sentences
    ]


def read_unseen_entities(path: str | Path) -> dict[str, list[list[str]]]:
    """``TYPE<TAB>name`` lines -> type -> tokenized names."""
    names: dict[str, list[list[str]]] = {}
    for _, kind, name in iter_tab_pairs(path, "TYPE<TAB>name"):
        names.setdefault(kind, []).append(split_words(name))
    return names


def swap_entities(sentences: Sequence[Sentence], names: dict[str, list[list[str]]], seed: int = 0) -> list[Sentence]:
    """Every mention replaced by a random name of the same type from ``names`` (types without names kept)."""
    rng = random.Random(seed)
    out = []
    for s in sentences:
        tokens, tags, position = [], [], 0
        for start, end, label in spans_from_iob2(s.tags):
            tokens += s.tokens[position:start]
            tags += s.tags[position:start]
            mention = rng.choice(names[label]) if names.get(label) else s.tokens[start:end]
            tokens += mention
            tags += [f"B-{label}"] + [f"I-{label}"] * (len(mention) - 1)
            position = end
        out.append(Sentence(tokens + s.tokens[position:], tags + s.tags[position:], s.doc))
    return out


def unseen_in(names: dict[str, list[list[str]]], training: Sequence[Sentence]) -> dict[str, list[list[str]]]:
    """Only the names none of whose tokens occurs (case-insensitively) in the training text."""
    vocabulary = {t.lower() for s in training for t in s.tokens}
    return {k: [n for n in v if not any(t.lower() in vocabulary for t in n)] for k, v in names.items()}


def familiarity_counts(
    sentences: Sequence[Sentence], predicted: Sequence[Sequence[str]], training: Sequence[Sentence]
) -> np.ndarray:
    """Per sentence: (found, gold) for its gold mentions seen in ``training``, then (found, gold) for the rest.

    A mention is *seen* when its words, ignoring case, are marked as an entity (of any type) in a
    training sentence; it is *found* when ``predicted`` has an entity with the same start, end and
    type (strict IOB2). Shape (N, 4); recall of a part is found / gold summed over sentences.
    """

    def words(s, start: int, end: int) -> tuple[str, ...]:
        return tuple(t.lower() for t in s.tokens[start:end])

    known = {words(s, start, end) for s in training for start, end, _ in strict_spans(s.tags)}
    rows = []
    for sentence, tags in zip(sentences, predicted, strict=True):
        found = strict_spans(tags)
        row = [0, 0, 0, 0]
        for span in strict_spans(sentence.tags):
            part = 0 if words(sentence, span[0], span[1]) in known else 2
            row[part] += span in found
            row[part + 1] += 1
        rows.append(row)
    return np.array(rows, dtype=np.int64).reshape(-1, 4)
