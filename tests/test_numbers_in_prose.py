"""Every number a notebook's prose states is computed by that notebook.

A number of two or more significant digits in a markdown cell (``0.973``, ``1,200``, ``12,808``,
``5e-5``, ``45%``) must appear in the same notebook's code, as source or as a stored output, or be
on the short allow-list below. Math (``$...$``), links, headings' and lists' numbering, and
numbers that are part of a name (``F1``, ``SmolLM2-135M``, ``L6``) are not claims and are skipped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

#: Numbers prose may state without computing them, each with its reason.
ALLOWED = {
    "384": "all-MiniLM-L6-v2's hidden size, a property of the model",
    "512": "BERT's maximum position embeddings, a property of the model",
    "30,522": "the BERT uncased vocabulary size, a property of the model",
    "49,152": "SmolLM2's vocabulary size, a property of the model",
    "-100": "the ignore index of PyTorch's cross-entropy, a convention",
    "100": "as in 'per 100' or a percentage base",
    "95%": "the confidence level of every interval, a convention (the level is a parameter, not a result)",
}

_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)
_LINK = re.compile(r"\]\([^)]*\)|https?://\S+|<[^>]+>")
_NUMBERING = re.compile(r"^(\s*#+\s*\d+(\.\d+)*\.?|\s*\d+\.\s)", re.M)
_EXERCISE = re.compile(r"\b\d\d\.\d\b")  # exercise ids such as 05.1
_EQUATION = re.compile(r"\(\d{1,2}\)|\bEqs?\.\s*\d{1,2}")  # equation references such as (17) or Eq. 14
_YEAR = re.compile(r"^(19|20)\d\d$")
NUMBER = re.compile(r"(?<![\w.,-])[-−]?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?(?:e[-+]?\d+)?)(%?)(?![\w])")


def significant_digits(number: str) -> int:
    mantissa = number.lower().lstrip("-−").split("e")[0].replace(",", "").replace(".", "").lstrip("0")
    return len(mantissa.rstrip("0")) if "." not in number and "e" not in number.lower() else len(mantissa)


def claims(markdown: str) -> list[str]:
    """The numbers of ``markdown`` that need checking."""
    text = _NUMBERING.sub(" ", _LINK.sub(" ", _MATH.sub(" ", markdown)))
    text = _EQUATION.sub(" ", _EXERCISE.sub(" ", text))
    found = []
    for match in NUMBER.finditer(text):
        number = match.group(1)
        scientific = "e" in number.lower()
        if _YEAR.match(number) or (significant_digits(number) < 2 and not scientific):
            continue
        found.append(number + match.group(2))
    return found


def spellings(number: str) -> set[str]:
    """The ways code or an output may write ``number``."""
    bare = number.rstrip("%").replace("−", "-")
    forms = {bare, bare.replace(",", ""), bare.replace(",", "_")}
    if "e" in bare.lower():
        mantissa, exponent = bare.lower().split("e")
        forms |= {
            f"{mantissa}e{int(exponent)}",
            f"{mantissa}e{int(exponent):+03d}",
            f"{mantissa}e-{abs(int(exponent)):02d}",
        }
        forms.add(repr(float(bare)))
    if number.endswith("%"):
        value = float(bare.replace(",", "")) / 100
        forms |= {f"{value:g}", f"{value:.2f}", f"{value:.3f}"}
    return forms


def notebook_texts(path: Path) -> tuple[list[tuple[int, str]], str]:
    """(index, source) of the markdown cells, and all code sources and outputs as one text."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    markdown = [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "markdown"]
    code = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        code.append("".join(cell["source"]))
        for output in cell.get("outputs", []):
            code.append("".join(output.get("text", "")))
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    code.append("".join(value))
            code.append(" ".join(output.get("traceback", [])) + output.get("evalue", ""))
    return markdown, "\n".join(code)


def unbacked(path: Path) -> list[str]:
    markdown, code = notebook_texts(path)
    missing = []
    for index, source in markdown:
        for number in claims(source):
            if number.rstrip("%") in ALLOWED or number in ALLOWED:
                continue
            if not any(form in code for form in spellings(number)):
                missing.append(f"{path.relative_to(NOTEBOOKS.parent)}: cell {index}: {number}")
    return missing


@pytest.mark.parametrize(
    "path", sorted(NOTEBOOKS.rglob("[0-9][0-9]_*.ipynb")), ids=lambda p: str(p.relative_to(NOTEBOOKS))
)
def test_every_number_in_prose_is_computed(path):
    missing = unbacked(path)
    assert not missing, "numbers stated in prose that no code or output of the notebook shows:\n" + "\n".join(missing)


def test_the_check_finds_an_invented_number(tmp_path):
    notebook = {
        "cells": [
            {
                "cell_type": "markdown",
                "source": ["Fine-tuning reaches 0.973 with lr 5e-5 on 1,200 tweets (45%), see (17)."],
            },
            {
                "cell_type": "code",
                "source": ["lr = 5e-05\nn = 1200"],
                "outputs": [{"output_type": "stream", "text": "0.45\n"}],
            },
        ]
    }
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "01_x.ipynb").write_text(json.dumps(notebook))
    global NOTEBOOKS
    saved, NOTEBOOKS = NOTEBOOKS, folder
    try:
        assert unbacked(folder / "01_x.ipynb") == ["notebooks/01_x.ipynb: cell 0: 0.973"]
    finally:
        NOTEBOOKS = saved


def test_claims_skip_names_math_links_and_numbering():
    text = (
        "## 3. Data\n1. first\nall-MiniLM-L6-v2 has F1 $0.5 \\cdot 10^{-4}$ [x](a/0.71) in 2024, "
        "exercise 05.1, equation (17); 12 of 31, 40 or 7"
    )
    assert claims(text) == ["12", "31"]
