"""Each solutions notebook poses its exercises in the chapter's own words.

The chapter is the source of truth: an exercise's prompt, ``**N. Title** (level). Text``, appears in
``notebooks/solutions/NN_*.ipynb`` as the heading cell ``## N. Title (level)`` over the same text
(``sftlab.run.classroom._heading``, the form the nbgrader release uses too). Line breaks may differ
(markdown renders them alike); any other difference fails, naming the chapter, the exercise and the
first line where the two part.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from sftlab.run import classroom

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PAIRS = classroom.chapters(NOTEBOOKS)


def solution_prompts(path: Path) -> dict[int, str]:
    """The heading cell ``## N. ...`` of each exercise of a solutions notebook, by number."""
    cells = nbformat.read(path, as_version=4).cells
    return {number: cell.source for cell in cells if (number := classroom._exercise_number(cell)) is not None}


def _words(text: str) -> list[tuple[str, str]]:
    """Each word of ``text`` with the line it stands on."""
    return [(word, line) for line in text.strip().split("\n") for word in line.split()]


def first_difference(chapter: str, solution: str) -> str | None:
    """None when the texts have the same words in the same order; else the first line where they part."""
    a, b = _words(chapter), _words(solution)
    for i in range(max(len(a), len(b))):
        end = (None, "(the text ends here)")
        left, right = (a[i] if i < len(a) else end), (b[i] if i < len(b) else end)
        if left[0] != right[0]:
            return f"chapter:   {left[1].strip()}\n  solutions: {right[1].strip()}"
    return None


def mismatches(chapter: Path, solutions: Path) -> list[str]:
    """One message per exercise whose prompt in ``solutions`` is not the chapter's."""
    posed = classroom.chapter_exercises(chapter)[1]
    copies = solution_prompts(solutions)
    found = []
    for number, exercise in sorted(posed.items()):
        expected = classroom._heading("\n\n".join(exercise["prompt"]))
        where = f"{chapter.name}, exercise {number}"
        if number not in copies:
            found.append(f"{where}: no heading `## {number}. ...` in solutions/{solutions.name}")
        elif (difference := first_difference(expected, copies[number])) is not None:
            found.append(
                f"{where}: solutions/{solutions.name} poses it differently; first differing line:\n  {difference}"
            )
    found += [
        f"{chapter.name}, exercise {n}: answered in solutions/{solutions.name} but not posed in the chapter"
        for n in sorted(set(copies) - set(posed))
    ]
    return found


@pytest.mark.parametrize("chapter,solutions", PAIRS, ids=[c.stem for c, _ in PAIRS])
def test_solutions_pose_the_chapters_exercises(chapter, solutions):
    problems = mismatches(chapter, solutions)
    assert not problems, "copy the chapter's prompt into the solutions notebook:\n" + "\n".join(problems)


def test_a_drifted_prompt_is_named_with_its_first_differing_line(tmp_path):
    def notebook(path: Path, *sources: str) -> Path:
        new = nbformat.v4
        cells = [new.new_code_cell(s) if s.startswith("def") else new.new_markdown_cell(s) for s in sources]
        nbformat.write(new.new_notebook(cells=cells), path)
        return path

    stub = "def add(a, b):\n    raise NotImplementedError\n# check_add(add)  # uncomment to check your answer"
    answer = "def add(a, b):\n    return a + b"
    prompt = "**1. Sum** (easy). Add two numbers,\nthen round."
    chapter = notebook(tmp_path / "01_x.ipynb", "## Exercises", prompt, stub)
    same = notebook(tmp_path / "same.ipynb", "## 1. Sum (easy)\n\nAdd two\nnumbers, then round.", answer)
    drifted = notebook(tmp_path / "drifted.ipynb", "## 1. Sum (easy)\n\nAdd two numbers.", answer)
    assert mismatches(chapter, same) == []  # a line break elsewhere is no difference
    (problem,) = mismatches(chapter, drifted)
    assert problem.startswith("01_x.ipynb, exercise 1: solutions/drifted.ipynb poses it differently")
    assert "chapter:   Add two numbers," in problem and "solutions: Add two numbers." in problem
