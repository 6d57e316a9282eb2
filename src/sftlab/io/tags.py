"""Entity tag schemes: IOB2 checks, IOB1 repair, IOB2 <-> BIOES, and spans.

A *span* is ``(start, end, type)`` over token positions, ``end`` exclusive.
"""

from __future__ import annotations

import re
from typing import Iterable, NamedTuple, Sequence

_TAG = re.compile(r"^(?:O|([BIES])-(\S+))$")


class Span(NamedTuple):
    """An entity mention: tokens ``start`` to ``end`` (exclusive) of type ``label``."""

    start: int
    end: int
    label: str


def split_tag(tag: str) -> tuple[str, str | None]:
    """Split ``'B-PER'`` into ``('B', 'PER')`` and ``'O'`` into ``('O', None)``.

    Raises ``ValueError`` for anything that is not ``O`` or ``X-TYPE`` with X in B, I, E, S.
    """
    match = _TAG.match(tag)
    if not match:
        raise ValueError(f"malformed tag {tag!r}: expected 'O' or a prefix B-, I-, E-, S- and a type, as in 'B-PER'")
    if tag == "O":
        return "O", None
    return match.group(1), match.group(2)


def iob2_problems(tags: Sequence[str], types: Iterable[str] | None = None) -> list[tuple[int, str]]:
    """Return ``(position, problem)`` for every tag that breaks strict IOB2.

    Strict IOB2: each tag is ``O``, ``B-X`` or ``I-X``; ``I-X`` only continues ``B-X`` or ``I-X``;
    ``X`` is in ``types`` when ``types`` is given.
    """
    allowed = set(types) if types is not None else None
    problems = []
    previous = "O"
    for i, tag in enumerate(tags):
        try:
            prefix, label = split_tag(tag)
        except ValueError as exc:
            problems.append((i, str(exc)))
            previous = "O"
            continue
        if prefix in ("E", "S"):
            problems.append((i, f"tag {tag!r} is BIOES, not IOB2"))
        elif label is not None and allowed is not None and label not in allowed:
            problems.append((i, f"unknown entity type {label!r} in tag {tag!r} (known: {', '.join(sorted(allowed))})"))
        elif prefix == "I":
            prev_prefix, prev_label = split_tag(previous)
            if prev_prefix == "O":
                problems.append((i, f"{tag!r} follows 'O': an entity must start with B-{label}"))
            elif prev_label != label:
                problems.append((i, f"{tag!r} follows {previous!r}: I- must continue an entity of the same type"))
        previous = tag
    return problems


def repair_iob1(tags: Sequence[str]) -> tuple[list[str], int]:
    """Turn IOB1-style starts (``I-X`` after ``O`` or after another type) into ``B-X``.

    Returns the repaired tags and how many were changed.
    """
    repaired, changed = [], 0
    previous_label = None
    for tag in tags:
        prefix, label = split_tag(tag)
        if prefix == "I" and label != previous_label:
            tag = f"B-{label}"
            changed += 1
        repaired.append(tag)
        previous_label = label
    return repaired, changed


def spans_from_iob2(tags: Sequence[str]) -> list[Span]:
    """Entity spans of a valid IOB2 sequence."""
    spans = []
    start, label = None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, tag_label = split_tag(tag)
        if start is not None and (prefix != "I" or tag_label != label):
            spans.append(Span(start, i, label))
            start, label = None, None
        if prefix == "B" or (prefix == "I" and start is None):
            start, label = i, tag_label
    return spans


def iob2_from_spans(spans: Iterable[Span | tuple[int, int, str]], length: int) -> list[str]:
    """IOB2 tags of ``length`` tokens for non-overlapping ``spans``."""
    tags = ["O"] * length
    for start, end, label in sorted(spans):
        if not 0 <= start < end <= length:
            raise ValueError(f"span ({start}, {end}, {label}) is outside 0..{length}")
        if any(tag != "O" for tag in tags[start:end]):
            raise ValueError(f"span ({start}, {end}, {label}) overlaps another span")
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def iob2_to_bioes(tags: Sequence[str]) -> list[str]:
    """Convert IOB2 to BIOES (single-token entities ``S-``, last tokens ``E-``)."""
    bioes = ["O"] * len(tags)
    for start, end, label in spans_from_iob2(tags):
        if end - start == 1:
            bioes[start] = f"S-{label}"
            continue
        bioes[start] = f"B-{label}"
        for i in range(start + 1, end - 1):
            bioes[i] = f"I-{label}"
        bioes[end - 1] = f"E-{label}"
    return bioes


def bioes_to_iob2(tags: Sequence[str]) -> list[str]:
    """Convert BIOES to IOB2, rejecting sequences that are not valid BIOES."""
    iob2 = []
    open_label = None
    for i, tag in enumerate(tags):
        prefix, label = split_tag(tag)
        if prefix in ("I", "E") and open_label != label:
            raise ValueError(f"position {i}: {tag!r} does not continue an entity started with B-{label}")
        if prefix in ("B", "S", "O") and open_label is not None:
            raise ValueError(f"position {i}: {tag!r} before the entity {open_label!r} was closed with E-")
        iob2.append({"S": f"B-{label}", "E": f"I-{label}"}.get(prefix, tag))
        open_label = label if prefix in ("B", "I") else None
    if open_label is not None:
        raise ValueError(f"sequence ends inside an entity of type {open_label!r} (missing E-)")
    return iob2


def entity_types(tag_sequences: Iterable[Sequence[str]]) -> list[str]:
    """Sorted entity types used in some tag sequences."""
    found = {split_tag(tag)[1] for tags in tag_sequences for tag in tags}
    return sorted(t for t in found if t is not None)


def label_list(types: Iterable[str]) -> list[str]:
    """The IOB2 label inventory ``['O', 'B-T1', 'I-T1', ...]`` for sorted ``types``."""
    labels = ["O"]
    for t in sorted(types):
        labels += [f"B-{t}", f"I-{t}"]
    return labels
