"""Who made each label set, in the words of its card: the notebooks never call a model's labels human.

Every data card under ``data/`` declares its label makers in one line,
``**Label makers** (...): names = maker; names = maker``, where ``names`` are the words the
notebooks use for that label set. A set whose maker is a model or an AI assistant is *model-made*.
A sentence of a notebook's prose that names a model-made set and speaks of people ("human",
"people", "a person", "annotators") must also say that a model made them (it names the AI, the
model or the assistant) or deny the people outright ("not by people"); cited outside studies
(Universal NER's human annotators, compared with the passes) are not project label sets.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CARDS = sorted((ROOT / "data").glob("*/README.md"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
LINE = re.compile(r"^\*\*Label makers\*\*[^:]*:\s*(.+)$", re.M)
MODEL = re.compile(r"\ban AI\b|\ba language model\b")  # "an AI model", "an AI assistant"; not "a person or a model"
PEOPLE = re.compile(r"\b(human[- ]?\w*|people|person|persons|annotators?)\b", re.I)
NAMES_A_MODEL = re.compile(r"\b(AI|model|models|assistant|Claude|machine)\b", re.I)
DENIES_PEOPLE = re.compile(r"\bnot (by )?(a |two |any )?(people|person|human)", re.I)
OUTSIDE_STUDY = re.compile(r"Universal NER|\bUNER\b|Mayhew")  # people of a cited study, compared with the passes


def label_makers(card: Path) -> dict[str, str]:
    """``{name the notebooks use: maker}`` from the card's one ``**Label makers**`` line."""
    found = LINE.findall(card.read_text(encoding="utf-8"))
    assert len(found) == 1, f"{card.relative_to(ROOT)}: needs exactly one '**Label makers** (...): names = maker' line"
    makers = {}
    for entry in found[0].split(";"):
        names, _, maker = entry.partition("=")
        assert maker.strip(), f"{card.relative_to(ROOT)}: '{entry.strip()}' names no maker ('names = maker')"
        for name in names.split(","):
            makers[name.strip().lower()] = maker.strip()
    return makers


def model_made_names() -> set[str]:
    return {name for card in CARDS for name, maker in label_makers(card).items() if MODEL.search(maker)}


def offending_sentences(text: str, names: set[str]) -> list[str]:
    """Sentences that name a model-made set and speak of people without naming the model or denying the people."""
    bad = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n\s*\n", text):
        lowered = sentence.lower()
        if not any(re.search(rf"\b{re.escape(name)}\b", lowered) for name in names):
            continue
        if PEOPLE.search(sentence) and not (
            NAMES_A_MODEL.search(sentence) or DENIES_PEOPLE.search(sentence) or OUTSIDE_STUDY.search(sentence)
        ):
            bad.append(" ".join(sentence.split()))
    return bad


@pytest.mark.parametrize("card", CARDS, ids=lambda p: p.parent.name)
def test_every_card_says_who_made_its_labels(card):
    assert label_makers(card)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_no_notebook_calls_a_models_labels_human(notebook):
    names = model_made_names()
    cells = nbformat.read(notebook, as_version=4).cells
    found = [
        f"cell {i}: {s}"
        for i, c in enumerate(cells)
        if c.cell_type == "markdown"
        for s in offending_sentences(c.source, names)
    ]
    assert not found, "prose that calls a model's labels human (say who made them, as the card does):\n" + "\n".join(
        found
    )


def test_the_check_catches_the_old_wording():
    names = model_made_names()
    assert offending_sentences("Cohen's κ between pass A and pass B, two annotators working independently.", names)
    assert offending_sentences("Label precision of the audit list, measured against people.", names)
    assert offending_sentences(
        "The project keeps a human-labelled audit list of generated reviews.", names
    )  # 04, before
    assert not offending_sentences("Pass A and pass B are two runs of one AI model, not two people.", names)
    assert not offending_sentences("The passes agree on LOC more than two people do (the Universal NER row).", names)
