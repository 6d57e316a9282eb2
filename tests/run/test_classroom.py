"""nbgrader assignments from the chapters' exercises: built from the notebooks, released, autograded."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from sftlab.io.errors import DataError
from sftlab.run import classroom

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PAIRS = classroom.chapters(NOTEBOOKS)


def released(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What ``nbgrader generate_assignment`` does to solution regions, under the course's own config."""
    from nbgrader.preprocessors import ClearSolutions

    config = Config()
    exec(classroom.CONFIG, {"get_config": lambda: config})
    return ClearSolutions(config=config).preprocess(copy.deepcopy(notebook), {})[0]


def kinds(notebook) -> list[str]:
    """Each nbgrader cell as prompt / setup / answer / check."""
    out = []
    for cell in notebook.cells:
        meta = cell.metadata["nbgrader"]
        out.append(
            "answer"
            if meta["solution"]
            else "check"
            if meta["grade"]
            else "setup"
            if cell.cell_type == "code"
            else "prompt"
        )
    return out


def test_every_chapter_with_exercises_has_an_assignment():
    chapters = {c.stem for c in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    solved = {c.stem for c in (NOTEBOOKS / "solutions").glob("[0-9][0-9]_*.ipynb")}
    assert {chapter.stem for chapter, _ in PAIRS} == {
        c for c in chapters & solved if classroom.chapter_exercises(NOTEBOOKS / f"{c}.ipynb")[1]
    }
    assert PAIRS, "no chapter has exercises and a solutions notebook"


@pytest.mark.parametrize("chapter,solutions", PAIRS, ids=[c.stem for c, _ in PAIRS])
def test_the_release_reads_like_the_chapter(chapter, solutions):
    """Prompt, the chapter's stub, the chapter's check; the reference answer only in the source."""
    source = classroom.source_notebook(chapter, solutions)
    posed = classroom.chapter_exercises(chapter)[1]
    release = released(source)
    order = kinds(source)
    assert order[:2] == ["prompt", "setup"] and order.count("answer") == order.count("check") == len(posed)
    for number, exercise in posed.items():
        answer = next(c for c in release.cells if c.metadata["nbgrader"]["grade_id"] == f"ex{number}-answer")
        check = next(c for c in release.cells if c.metadata["nbgrader"]["grade_id"] == f"ex{number}-check")
        assert answer.source.rstrip() == "\n\n".join(exercise["stub"]), f"exercise {number}: release != chapter stub"
        assert all(f"print({call})" in check.source for call in exercise["checks"])
        assert all(
            re.search(rf"^from \S+ import .*\b{call.split('(')[0]}\b", check.source, re.M)
            for call in exercise["checks"]
        ), "the check cell imports its check again, so that an answer cell cannot redefine it"
        assert check.metadata["nbgrader"]["locked"] and check.metadata["nbgrader"]["points"] >= 1
    text = "\n".join(c.source for c in release.cells)
    assert classroom.BEGIN not in text and "reference answer" not in text
    setup = source.cells[1].source
    assert "record" not in setup and "passed" not in setup, "the solutions notebook's bookkeeping leaked into setup"


def test_points_follow_the_level():
    chapter, solutions = PAIRS[0]
    _, items = classroom.exercises(chapter, solutions)
    for item in items:
        level = next((word for word in classroom.POINTS if f"({word}" in item.prompt[0].lower()), None)
        assert item.points == classroom.POINTS.get(level, 1)


def test_check_call_is_read_from_its_comment():
    assert classroom._check_call("# check_kappa(kappa)  # uncomment to check your answer") == "check_kappa(kappa)"
    assert classroom._check_call("# check_url_filter(UrlFilter())  # (uncomment)") == "check_url_filter(UrlFilter())"
    assert classroom._check_call("    # check_f(f, g=(1, 2))") == "check_f(f, g=(1, 2))"
    assert classroom._check_call("check_kappa(kappa)") is None
    assert classroom._check_call("# a comment on check_kappa") is None


def test_a_bold_prompt_becomes_a_heading():
    assert (
        classroom._heading("**2. Macro-F1 by hand** (medium). Implement it.")
        == "## 2. Macro-F1 by hand (medium)\n\nImplement it."
    )
    assert classroom._heading("### 2. Already a heading") == "### 2. Already a heading"


# --- bad input: the error names the file, the cell and the problem ----------------------------


def _notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    made = [
        nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text) for kind, text in cells
    ]
    for i, cell in enumerate(made):
        cell.id = f"c{i:03d}"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=made), path)
    return path


CHAPTER = [
    ("md", "# 99 · A chapter"),
    ("md", "## Exercises\n\nSome intro."),
    ("code", "from sftlab.run.exercises import check_kappa"),
    ("md", "**1. Kappa** (medium). Implement it."),
    ("code", "def kappa(a, b):\n    raise NotImplementedError\n# check_kappa(kappa)  # uncomment to check your answer"),
]
SOLUTIONS = [
    ("md", "# Solutions"),
    ("code", "profile = 'smoke'"),
    ("code", "from sftlab.run.exercises import check_kappa\nfrom sftlab.run.report import record\n\npassed = []"),
    ("md", "## 1. Kappa (medium)\n\nImplement it."),
    ("code", "def kappa(a, b):\n    return 0.0"),
    ("code", "passed.append(check_kappa(kappa))"),
    ("md", "Kappa corrects agreement for chance."),
    ("code", "record('solutions/99', {'n': len(passed)}, '.')"),
]


def test_a_small_chapter_becomes_an_assignment(tmp_path):
    chapter = _notebook(tmp_path / "99_x.ipynb", CHAPTER)
    solutions = _notebook(tmp_path / "solutions" / "99_x.ipynb", SOLUTIONS)
    source = classroom.source_notebook(chapter, solutions)
    assert kinds(source) == ["prompt", "setup", "prompt", "answer", "check"]
    assert source.cells[1].source == "from sftlab.run.exercises import check_kappa"
    assert source.cells[2].source == "## 1. Kappa (medium)\n\nImplement it."
    answer = source.cells[3].source
    assert classroom.reference_answer(answer).endswith(
        "def kappa(a, b):\n    return 0.0\n\n# Kappa corrects agreement for chance."
    )
    assert source.cells[4].metadata["nbgrader"]["points"] == 2
    assert released(source).cells[3].source == "def kappa(a, b):\n    raise NotImplementedError\n"


@pytest.mark.parametrize(
    "where,index,text,problem",
    [
        ("chapter", 4, "def kappa(a, b):\n    raise NotImplementedError", "cell c003: exercise 1 names no check"),
        ("chapter", 4, "def kappa(a, b:\n# check_kappa(kappa)", "cell c004: Python syntax error"),
        ("solutions", 5, "print(kappa([1], [1]))", "checked with [], but 99_x.ipynb names ['check_kappa']"),
        ("solutions", 3, "## 2. Another", "exercise 1 of 99_x.ipynb has no reference answer"),
    ],
)
def test_bad_notebooks_are_reported_with_file_and_cell(tmp_path, where, index, text, problem):
    cells = {"chapter": list(CHAPTER), "solutions": list(SOLUTIONS)}
    cells[where][index] = (cells[where][index][0], text)
    chapter = _notebook(tmp_path / "99_x.ipynb", cells["chapter"])
    solutions = _notebook(tmp_path / "solutions" / "99_x.ipynb", cells["solutions"])
    with pytest.raises(DataError) as caught:
        classroom.source_notebook(chapter, solutions)
    assert problem in str(caught.value)
    assert str(chapter if where == "chapter" and index == 4 else solutions) in str(caught.value)


# --- the real thing: generate_assignment and autograde on a throwaway course -------------------


@pytest.mark.slow
def test_autograde_gives_full_marks_to_the_reference_and_zero_to_the_release(tmp_path):
    """Chapter 03's checks are pure Python: the grader runs three submissions in seconds."""
    pair = next(p for p in PAIRS if p[0].stem.startswith("03_"))
    name = pair[0].stem
    assert classroom.write_course(tmp_path, [pair]) == [name]
    release = nbformat.read(tmp_path / "release" / name / f"{name}.ipynb", as_version=4)
    assert classroom.BEGIN not in "\n".join(c.source for c in release.cells)
    classroom.submit(tmp_path, name, "reference", classroom.answered_release(tmp_path, name))
    classroom.submit(tmp_path, name, "unanswered", release)
    # "partial" leaves exercise 1 at the stub and replaces its check by one that always passes: 0 points for it.
    partial = classroom.answered_release(tmp_path, name, skip=["ex1-answer"])
    first = next(c for c in partial.cells if c.metadata["nbgrader"]["grade_id"] == "ex1-answer")
    check = classroom.exercises(*pair)[1][0].checks[0].split("(", 1)[0]
    first.source += f"\n{check} = lambda answer: 'correct'\n"
    classroom.submit(tmp_path, name, "partial", partial)
    classroom.nbgrader(tmp_path, "autograde", name, "--force")
    graded = classroom.scores(tmp_path, name)
    score, top = graded["reference"]["total"]
    assert top == sum(e.points for e in classroom.exercises(*pair)[1]) and score == top
    assert graded["unanswered"]["total"] == (0, top)
    assert graded["partial"]["ex1-check"] == (0, graded["reference"]["ex1-check"][1])
    assert graded["partial"]["total"] == (top - graded["reference"]["ex1-check"][1], top)
    autograded = nbformat.read(tmp_path / "autograded" / "unanswered" / name / f"{name}.ipynb", as_version=4)
    errors = [o.ename for c in autograded.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == ["NotImplementedError"] * len(errors) and errors, "the release must fail on the stubs, not crash"
