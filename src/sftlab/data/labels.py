"""Label naming: raw labels (``0``, ``"1"``, ``"pos"``) of a learner's dataset made string names.

A dataset's labels must be all numbers or all names; numbers stay as their spelling (``"0"``)
unless ``label_names`` names them, given as a list, a comma-separated string or a mapping.
:func:`sftlab.data.sources.load_text_classification` names the labels of a folder, a file or a
Hub dataset with :func:`name_labels`.
"""

from __future__ import annotations

from typing import Sequence

from sftlab.io.errors import ConfigError, DataError


def raw_label(label: object) -> tuple[str, str] | None:
    """``(kind, spelling)`` of a raw label: ``("number", "1")`` for ``1``, ``"1"`` or ``1.0``, ``("name", "pos")``
    for ``"pos"``; None for what cannot be a label (empty, null, a list)."""
    if isinstance(label, bool):
        return "name", str(label).lower()
    if isinstance(label, int):
        return "number", str(label)
    if isinstance(label, float) and label.is_integer():
        return "number", str(int(label))
    if isinstance(label, str) and label.strip():
        spelling = label.strip()
        return ("number" if spelling.lstrip("-").isdigit() else "name"), spelling
    return None


def label_mapping(label_names: Sequence[str] | dict | str) -> dict[str, str]:
    """Raw label (as a string) -> name, from a list (label ``i`` gets the ``i``-th name), a
    comma-separated string (``"negative,positive"``, handy on a command line) or a mapping
    (``{0: "negative", 1: "positive"}``; keys are compared as strings, so ``0`` and ``"0"`` agree)."""
    if isinstance(label_names, str):
        label_names = [name.strip() for name in label_names.split(",")]
    pairs = label_names.items() if isinstance(label_names, dict) else enumerate(label_names)
    mapping = {}
    for raw, name in pairs:
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(
                "label_names",
                label_names,
                f"the name of label {raw!r} is {name!r}, not a word",
                'give one non-empty name per label, e.g. ["negative", "positive"]',
            )
        mapping[raw_label(raw)[1] if raw_label(raw) else str(raw)] = name.strip()
    if not mapping:
        raise ConfigError(
            "label_names", label_names, "is empty", 'give one name per label, e.g. ["negative", "positive"]'
        )
    return mapping


def name_labels(
    records: list[dict], label_names: Sequence[str] | dict | str | None, where: str
) -> dict[str, str] | None:
    """Make every record's ``label`` a string name, in place; return the mapping used (None without ``label_names``).

    Labels must all be numbers (``0``, ``"1"``) or all names (``"pos"``): a mix is a
    :class:`DataError` naming the first line of each. Numbers stay as their spelling (``"0"``)
    unless ``label_names`` names them (see :func:`label_mapping`).
    """
    first: dict[str, dict] = {}
    spellings = []
    for record in records:
        raw = raw_label(record["label"])
        if raw is None:
            raise DataError(
                where,
                record.get("_line"),
                f"label {record['label']!r} is not a name or a whole number",
                "give every record a label such as 'positive' or 1",
            )
        first.setdefault(raw[0], record)
        spellings.append(raw[1])
    if len(first) > 1:
        found = " and ".join(
            f"{kind}s (first at line {r.get('_line', '?')}: {r['label']!r})" for kind, r in sorted(first.items())
        )
        raise DataError(
            where,
            first["name"].get("_line"),
            f"labels mix {found}",
            "write every label the same way: all names, or all numbers with label_names= to name them",
        )
    mapping = label_mapping(label_names) if label_names is not None else None
    for record, spelling in zip(records, spellings):
        if mapping is None:
            record["label"] = spelling
            continue
        if spelling not in mapping:
            hint = " (-1 marks an unlabelled example, as in GLUE's test splits)" if spelling == "-1" else ""
            raise DataError(
                where,
                record.get("_line"),
                f"label {record['label']!r} has no name in label_names (names for: {', '.join(mapping)}){hint}",
                "add it to label_names, or fix the label",
            )
        record["label"] = mapping[spelling]
    return mapping
