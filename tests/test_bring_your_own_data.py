"""Bring your own data: a chapter's loading cell, run with papermill on each layout of tests/fixtures/.

A chapter that takes a ``dataset`` tags the cell that loads it ``load-data`` and the cells that
cell needs (imports, settings) ``load-data-imports``; a chapter with no ``load-data-imports`` cell
gets its setup cell, the first code cell after the parameters. This test builds a small notebook
from those cells and the ``parameters`` cell, in the chapter's order, adds one cell that prints
what was loaded as JSON, and runs it with papermill as a learner would (kernel python3, in
notebooks/, the dataset given as a relative path). No model is trained.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test starts a Jupyter kernel: 5 to 8 s apiece
ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

#: What each chapter's loading cell leaves behind, printed as JSON by the added cell.
SUMMARIES = {
    "06_sentiment_finetuning": 'json.dumps({"counts": [len(train_all), len(dev_all), len(test)], "labels": labels, '
    '"first": train_all[0]["text"]})',
    "05_ner_finetuning": 'json.dumps({"counts": [len(train_all), len(dev), len(test)], "labels": labels, '
    '"first": " ".join(train_all[0].tokens)})',
}


def loading_notebook(chapter: str):
    """The chapter's parameters and loading cells, plus a cell printing the summary.

    Skips if the chapter has no ``load-data`` cell."""
    import nbformat

    notebook = nbformat.read(NOTEBOOKS / f"{chapter}.ipynb", as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]

    def tagged(tag):
        return [c for c in code if tag in c.metadata.get("tags", [])]

    if not tagged("load-data"):
        pytest.skip(f"notebooks/{chapter}.ipynb has no cell tagged 'load-data' yet")
    setup = tagged("load-data-imports") or [code[code.index(tagged("parameters")[0]) + 1]]
    chosen = {id(c) for c in tagged("parameters") + setup + tagged("load-data")}
    cells = [c for c in code if id(c) in chosen]
    for cell in cells:
        cell.outputs, cell.execution_count = [], None
    summary = nbformat.v4.new_code_cell(f"import json\nprint({SUMMARIES[chapter]})")
    notebook.cells = cells + [summary]
    return notebook


def run_loading_cells(chapter: str, tmp_path: Path, **parameters):
    """Execute the loading notebook with papermill; return (its summary, the loading cells' printed text)."""
    import nbformat
    import papermill

    source, target = tmp_path / f"{chapter}-load.ipynb", tmp_path / f"{chapter}-loaded.ipynb"
    nbformat.write(loading_notebook(chapter), source)
    executed = papermill.execute_notebook(
        str(source),
        str(target),
        parameters={"build_dir": str(tmp_path / "build"), **parameters},
        cwd=str(NOTEBOOKS),
        kernel_name="python3",
        progress_bar=False,
    )
    printed = [
        "".join(o.get("text", "")) for c in executed.cells for o in c.get("outputs", []) if o.get("name") == "stdout"
    ]
    return json.loads(printed[-1]), "\n".join(printed[:-1])


LAYOUTS = [
    # (case, parameters, counts, labels, first training text, the line the loading cell prints for the training split)
    (
        "GLUE TSV, columns found by themselves, label_names list",
        {"dataset": "../tests/fixtures/glue_tsv", "label_names": ["negative", "positive"]},
        [6, 2, 3],
        ["negative", "positive"],
        "a gentle , funny film that earns every one of its tears ",
        "glue_tsv/train.tsv: text column 'sentence', label column 'label', named by label_names (0 → negative, "
        "1 → positive); 6 records",
    ),
    (
        "GLUE TSV, label_names as a comma-separated string (papermill -p)",
        {"dataset": "../tests/fixtures/glue_tsv", "label_names": "negative,positive"},
        [6, 2, 3],
        ["negative", "positive"],
        "a gentle , funny film that earns every one of its tears ",
        "named by label_names (0 → negative, 1 → positive)",
    ),
    (
        "CSV with quotes and commas, columns named by parameter",
        {"dataset": "../tests/fixtures/reviews_csv", "text_field": "body", "label_field": "verdict"},
        [4, 2, 2],
        ["negative", "positive"],
        "Fast delivery, works as described, and the battery lasts all week.",
        "reviews_csv/train.csv: text column 'body', label column 'verdict'; 4 records",
    ),
    (
        "folder laid out like a Hub dataset, ClassLabel names",
        {"dataset": "hf:../tests/fixtures/hub_reviews"},
        [4, 2, 3],
        ["neg", "pos"],
        "A warm, funny film with a big heart.",
        "hf:../tests/fixtures/hub_reviews (train): text column 'text', label column 'label', named by its ClassLabel "
        "feature (0 → neg, 1 → pos); 4 records",
    ),
]


@pytest.mark.parametrize("case,parameters,counts,labels,first,line", LAYOUTS, ids=[c[0] for c in LAYOUTS])
def test_notebook_06_loads_each_layout(tmp_path, case, parameters, counts, labels, first, line):
    summary, printed = run_loading_cells("06_sentiment_finetuning", tmp_path, **parameters)
    assert summary == {"counts": counts, "labels": labels, "first": first}
    assert line in printed, printed


def test_notebook_06_stops_at_the_loading_cell_with_the_message(tmp_path):
    import papermill

    with pytest.raises(papermill.PapermillExecutionError) as info:
        run_loading_cells(
            "06_sentiment_finetuning", tmp_path, dataset="../tests/fixtures/glue_tsv", label_names=["negative"]
        )
    assert info.value.ename == "DataError"
    assert "glue_tsv/train.tsv:2: label '1' has no name in label_names (names for: 0)" in info.value.evalue


def test_notebook_05_loads_conll2003(tmp_path):
    summary, _ = run_loading_cells("05_ner_finetuning", tmp_path, dataset="../tests/fixtures/conll2003")
    assert summary["counts"] == [3, 1, 2] and summary["first"].startswith("EU rejects German call")
    assert summary["labels"] == ["O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
