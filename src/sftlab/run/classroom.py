"""nbgrader assignments built from the chapters' exercises and their reference solutions.

``python -m sftlab.run.classroom`` (or ``python3 tasks.py release``) writes an nbgrader course
folder, ``build/classroom/`` by default, with one assignment per chapter that has exercises:

- ``source/NN_name/NN_name.ipynb``: the teacher's version. Each exercise is its prompt (a
  read-only cell), an answer cell and a read-only autograder test cell worth points (easy 1,
  medium 2, hard 3). The answer cell holds the chapter's own stub and, between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``, the reference answer of
  ``notebooks/solutions/NN_name.ipynb``. The test cell runs the check the chapter names
  (``sftlab.run.exercises``).
- ``release/NN_name/NN_name.ipynb``: what learners get, made by ``nbgrader generate_assignment``.
  The solution regions are removed, so each answer cell reads exactly as in the chapter, and the
  checks still print what is wrong or that the answer is correct.

Nothing is written twice: prompts and stubs come from the chapter notebook, answers from its
solutions notebook, checks from ``sftlab.run.exercises``. ``--verify`` autogrades, in a throwaway
copy of the course, the reference answers (they must get full marks) and the unanswered release
(it must get zero without crashing the grader).
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import nbformat

from sftlab.io.atomic import write_text
from sftlab.io.errors import ConfigError, DataError
from sftlab.io.paths import repo_root

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
POINTS = {"easy": 1, "medium": 2, "hard": 3}
COURSE_ID = "sftlab"
REFERENCE, UNANSWERED = "reference", "unanswered"

#: The course's nbgrader settings. The empty code stub makes the release keep the chapter's own
#: stub (written outside the solution markers) and put nothing where the reference answer was.
CONFIG = f'''# nbgrader settings of the sftlab course, written by `python3 tasks.py release`.
c = get_config()  # noqa: F821 (nbgrader defines get_config)
c.CourseDirectory.course_id = "{COURSE_ID}"
# Each answer cell keeps the chapter's stub outside the solution markers: nothing replaces the answer.
c.ClearSolutions.code_stub = {{"python": ""}}
# The checks run on small cases they generate; two minutes per cell is ample on a laptop.
c.Execute.timeout = 120
'''

_PROMPT = re.compile(r"^\s*(?:\*\*|#{2,4}\s*)(\d+)\.")  # "**1. Title** (easy). ..." or "## 1. Title"
_BOLD_TITLE = re.compile(r"^\s*\*\*(\d+\.\s*.+?)\*\*\s*(\([^)]*\))?[.:]?\s*", re.S)
_HEADING = re.compile(r"^\s*(#{1,6})\s")
_LEVEL = re.compile(r"\((easy|medium|hard)\b", re.I)
_CHECK_COMMENT = re.compile(r"^\s*#\s*(check_\w+\(.*)$")


@dataclass(frozen=True)
class Exercise:
    """One exercise, as the chapter poses it and the solutions notebook answers it."""

    number: int
    prompt: list[str]  # markdown the learner reads (the chapter's)
    stub: str  # the chapter's answer cell, without its commented check line
    checks: list[str]  # the check calls, e.g. ``check_kappa(kappa)``
    solution: str  # the reference answer: the solutions notebook's code, its prose as comments
    points: int


# --- reading the notebooks ------------------------------------------------------------------


def _python(source: str) -> str:
    """Cell source as plain Python (IPython magics turned into calls), for parsing only."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _parse(source: str, path: Path, cell) -> ast.Module:
    try:
        return ast.parse(_python(source))
    except SyntaxError as error:
        raise DataError(
            path,
            None,
            f"cell {cell.get('id', '?')}: Python syntax error ({error.msg}, line {error.lineno} of the cell)",
        ) from error


def _calls(tree: ast.AST) -> set[str]:
    return {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def _check_call(line: str) -> str | None:
    """``check_kappa(kappa)`` from ``# check_kappa(kappa)  # uncomment to check your answer``, else None."""
    match = _CHECK_COMMENT.match(line)
    if not match:
        return None
    text = match.group(1)
    for end in [i + 1 for i, char in enumerate(text) if char == ")"]:  # the shortest call: no trailing comment
        try:
            node = ast.parse(text[:end], mode="eval").body
        except SyntaxError:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return text[:end]
    return None


def _first_line(cell) -> str:
    return cell.source.lstrip().split("\n", 1)[0]


def _is_heading(cell, max_level: int) -> bool:
    match = _HEADING.match(_first_line(cell)) if cell.cell_type == "markdown" else None
    return bool(match) and len(match.group(1)) <= max_level and not _PROMPT.match(_first_line(cell))


def _exercise_number(cell) -> int | None:
    match = _PROMPT.match(_first_line(cell)) if cell.cell_type == "markdown" else None
    return int(match.group(1)) if match else None


def _exercises_heading(cells: list) -> int | None:
    """The index of the ``## Exercises`` heading, or None."""
    return next(
        (
            i
            for i, c in enumerate(cells)
            if c.cell_type == "markdown" and re.match(r"^#{1,3}\s+Exercises\b", _first_line(c))
        ),
        None,
    )


def chapter_exercises(path: Path) -> tuple[list[str], dict[int, dict]]:
    """The code before the first exercise of the ``## Exercises`` section, and each exercise as posed.

    An exercise starts at a markdown cell ``**N. Title** (level). ...``; its code cells are the
    stub the learner completes, with the check to run as a comment ``# check_...(...)``.
    Returns ``(preamble sources, {N: {"prompt", "stub", "checks", "cell"}})``; a chapter without
    an exercises section gives ``([], {})``.
    """
    cells = nbformat.read(path, as_version=4).cells
    start = _exercises_heading(cells)
    if start is None:
        return [], {}
    preamble, found, current = [], {}, None
    for cell in cells[start + 1 :]:
        if _is_heading(cell, 2):
            break
        number = _exercise_number(cell)
        if number is not None:
            if number in found:
                raise DataError(path, None, f"cell {cell.get('id', '?')}: exercise {number} is posed twice")
            current = found[number] = {"prompt": [cell.source], "stub": [], "checks": [], "cell": cell.get("id", "?")}
        elif current is None:
            if cell.cell_type == "code":
                preamble.append(cell.source)
        elif cell.cell_type == "markdown":
            current["prompt"].append(cell.source)
        elif cell.cell_type == "code":
            _parse(cell.source, path, cell)
            lines = cell.source.rstrip().split("\n")
            checks = [call for call in map(_check_call, lines) if call]
            current["checks"] += checks
            current["stub"].append("\n".join(line for line in lines if not _check_call(line)).rstrip())
    for number, exercise in found.items():
        if not exercise["stub"]:
            raise DataError(
                path,
                None,
                f"cell {exercise['cell']}: exercise {number} has no code cell for the answer",
                "put the stub the learner completes in the code cell after the prompt",
            )
        if not exercise["checks"]:
            raise DataError(
                path,
                None,
                f"cell {exercise['cell']}: exercise {number} names no check",
                "end its answer cell with `# check_<name>(<answer>)  # uncomment to check your answer`",
            )
    return preamble, found


def solution_answers(path: Path) -> tuple[list[str], dict[int, dict]]:
    """The setup code of a solutions notebook and each exercise's reference answer.

    An exercise starts at a markdown heading ``## N. Title``. Its code cells that call a
    ``check_*`` function are its checks; a cell that calls ``record`` is the notebook's report and
    belongs to no exercise; every other code cell is part of the reference answer, and markdown
    under the heading is its written part, kept in place as ``#`` comments. Returns ``(setup
    sources, {N: {"parts", "checks", "cell"}})`` with the answer's code and comments in order.
    """
    cells = nbformat.read(path, as_version=4).cells
    setup, found, current = [], {}, None
    for cell in cells:
        number = _exercise_number(cell)
        if number is not None:
            if number in found:
                raise DataError(path, None, f"cell {cell.get('id', '?')}: exercise {number} is answered twice")
            current = found[number] = {"parts": [], "code": False, "checks": set(), "cell": cell.get("id", "?")}
            continue
        if _is_heading(cell, 2):
            current = None
            continue
        if cell.cell_type != "code":
            if current is not None and cell.cell_type == "markdown":
                current["parts"].append("\n".join(f"# {line}".rstrip() for line in cell.source.strip().split("\n")))
            continue
        calls = _calls(_parse(cell.source, path, cell))
        if "record" in calls:
            continue
        if current is None:
            setup.append(cell.source)
        elif any(name.startswith("check_") for name in calls):
            current["checks"] |= {name for name in calls if name.startswith("check_")}
        else:
            current["parts"].append(cell.source.strip())
            current["code"] = True
    for number, answer in found.items():
        if not answer["code"]:
            raise DataError(
                path,
                None,
                f"cell {answer['cell']}: exercise {number} has no reference answer",
                "put the answer in a code cell under the exercise's heading",
            )
    return setup, found


def exercises(chapter: Path, solutions: Path) -> tuple[str, list[Exercise]]:
    """The setup code and the exercises of one chapter, matched with their reference answers by number."""
    preamble, posed = chapter_exercises(chapter)
    setup, answered = solution_answers(solutions)
    unanswered, unposed = sorted(set(posed) - set(answered)), sorted(set(answered) - set(posed))
    if unanswered:
        raise DataError(
            solutions,
            None,
            f"exercise {', '.join(map(str, unanswered))} of {chapter.name} has no reference answer",
            f"add a section `## {unanswered[0]}. ...` with its answer and check",
        )
    if unposed:
        raise DataError(
            chapter, None, f"exercise {', '.join(map(str, unposed))} is answered in {solutions.name} but not posed here"
        )
    result = []
    for number in sorted(posed):
        ask, answer = posed[number], answered[number]
        named = {call.split("(", 1)[0] for call in ask["checks"]}
        if named != answer["checks"]:
            raise DataError(
                solutions,
                None,
                f"cell {answer['cell']}: exercise {number} is checked with "
                f"{sorted(answer['checks'])}, but {chapter.name} names {sorted(named)}",
                "call the same check in both notebooks",
            )
        level = _LEVEL.search(ask["prompt"][0])
        result.append(
            Exercise(
                number,
                ask["prompt"],
                "\n\n".join(ask["stub"]),
                ask["checks"],
                "\n\n".join(answer["parts"]),
                POINTS[level.group(1).lower()] if level else 1,
            )
        )
    return _setup(setup + preamble, result), result


def _bound(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _setup(sources: list[str], items: list[Exercise]) -> str:
    """The statements of ``sources`` that the exercises use: imports of used names, assignments of used names."""
    code = [e.stub for e in items] + [e.solution for e in items] + [c for e in items for c in e.checks]
    used = {n.id for text in code for n in ast.walk(ast.parse(_python(text))) if isinstance(n, ast.Name)}
    kept, imported = [], set()
    for source in sources:
        plain = _python(source)
        for node in ast.parse(plain).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                aliases = [
                    a
                    for a in node.names
                    if (a.asname or a.name.split(".")[0]) in used
                    and (getattr(node, "module", None), a.name, a.asname) not in imported
                ]
                imported |= {(getattr(node, "module", None), a.name, a.asname) for a in aliases}
                if aliases:
                    node.names = aliases
                    kept.append(ast.unparse(node))
            elif _bound(node) & used:
                kept.append(ast.get_source_segment(plain, node))
    return "\n".join(kept)


# --- writing the assignment -----------------------------------------------------------------


def _cell(
    kind: str, source: str, grade_id: str, *, solution: bool = False, grade: bool = False, points: int | None = None
) -> nbformat.NotebookNode:
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    cell.id = grade_id
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def _heading(prompt: str) -> str:
    """``**1. Title** (easy). Text`` as ``## 1. Title (easy)`` over ``Text``, so the prompts form a table of
    contents."""
    match = _BOLD_TITLE.match(prompt)
    if not match:
        return prompt
    level = f" {match.group(2)}" if match.group(2) else ""
    return f"## {match.group(1).strip()}{level}\n\n{prompt[match.end() :].strip()}".rstrip()


def source_notebook(chapter: Path, solutions: Path) -> nbformat.NotebookNode:
    """The nbgrader source notebook of one chapter's exercises (solutions inside the markers)."""
    setup, items = exercises(chapter, solutions)
    if not items:
        raise DataError(chapter, None, "no exercises (a markdown cell `## Exercises` followed by `**1. ...**` prompts)")
    original = nbformat.read(chapter, as_version=4)
    title = _first_line(original.cells[0]).lstrip("# ").strip() if original.cells else chapter.stem
    total = sum(e.points for e in items)
    header = (
        f"# {title} · exercises\n\n"
        f"The exercises of the chapter notebook `{chapter.name}`, as an assignment: section and equation "
        "numbers refer to that chapter. Write each answer in the cell under its prompt, in place of the "
        "stub (`raise NotImplementedError`), and run the cell after it: it calls the same check as the "
        "chapter (`sftlab.run.exercises`), which says what is wrong or that your answer is correct. "
        f"The autograder gives an exercise its points (easy 1, medium 2, hard 3; {total} in all) when its "
        "check passes. Run the cells from the top: the first code cell imports what the answers need."
    )
    cells = [_cell("markdown", header, "header"), _cell("code", setup, "setup")]
    source = f"notebooks/solutions/{solutions.name}"
    for e in items:
        n = e.number
        cells += [
            _cell("markdown", _heading(text) if i == 0 else text, f"ex{n}-prompt" + (f"-{i}" if i else ""))
            for i, text in enumerate(e.prompt)
        ]
        answer = (
            f"{e.stub}\n{BEGIN}\n# The reference answer, from {source}: it replaces the stub above.\n"
            f"{e.solution}\n{END}"
        )
        cells.append(_cell("code", answer, f"ex{n}-answer", solution=True))
        plural = "s" if e.points != 1 else ""
        test = "\n".join(
            [
                f"# Exercise {n} ({e.points} point{plural}): the chapter's check, imported again so that "
                "an answer cell cannot replace it.",
                *_imports_of(e.checks, setup),
                *(f"print({call})" for call in e.checks),
            ]
        )
        cells.append(_cell("code", test, f"ex{n}-check", grade=True, points=e.points))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {k: original.metadata[k] for k in ("kernelspec", "language_info") if k in original.metadata}
    return notebook


def _imports_of(calls: list[str], setup: str) -> list[str]:
    """The ``from MODULE import check`` lines of the setup code for the checks that ``calls`` use."""
    names = {call.split("(", 1)[0] for call in calls}
    found = {}
    for node in ast.parse(setup).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if (alias.asname or alias.name) in names:
                    found.setdefault(node.module, []).append(
                        alias.name if not alias.asname else f"{alias.name} as {alias.asname}"
                    )
    return [f"from {module} import {', '.join(sorted(aliases))}" for module, aliases in found.items()]


def reference_answer(cell_source: str) -> str:
    """The code between the solution markers of a source answer cell: what a learner who solved it submits."""
    lines = cell_source.split("\n")
    if BEGIN not in lines or END not in lines:
        raise ValueError(f"no solution region in {cell_source[:60]!r}")
    return "\n".join(lines[lines.index(BEGIN) + 1 : lines.index(END)])


# --- the course -----------------------------------------------------------------------------


def chapters(notebooks: Path, only: Sequence[str] | None = None) -> list[tuple[Path, Path]]:
    """(chapter, solutions) pairs of the chapters that have exercises and a solutions notebook, in order."""
    pairs = []
    for chapter in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        if only and not any(chapter.stem.startswith(key) for key in only):
            continue
        solutions = notebooks / "solutions" / chapter.name
        if solutions.is_file() and _exercises_heading(nbformat.read(chapter, as_version=4).cells) is not None:
            pairs.append((chapter, solutions))
    if only and not pairs:
        raise ConfigError("--only", ",".join(only), "matches no chapter with exercises and a solutions notebook")
    return pairs


def nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    """``nbgrader ARGS`` in the course folder ``root``, with this interpreter; raises with its log on failure.

    The interpreter's ``bin`` folder goes first on ``PATH``: nbgrader runs ``alembic`` from there
    when it creates a gradebook, and a virtual environment that is not activated lacks it.
    """
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(
            f"nbgrader {' '.join(args)} failed in {root} (exit {done.returncode}):\n{done.stderr[-4000:]}"
        )
    return done


def write_course(root: Path, pairs: list[tuple[Path, Path]]) -> list[str]:
    """Write the source notebooks and ``nbgrader_config.py`` (kept if present) and run ``generate_assignment``.

    Returns the assignment names. The gradebook ``root/gradebook.db`` gets each assignment; a
    teacher's own grades in it are kept (nbgrader refuses changes that would lose them).
    """
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "nbgrader_config.py").exists():
        write_text(root / "nbgrader_config.py", CONFIG)
    names = []
    for chapter, solutions in pairs:
        notebook = source_notebook(chapter, solutions)
        folder = root / "source" / chapter.stem
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        write_text(folder / chapter.name, nbformat.writes(notebook))
        nbgrader(root, "generate_assignment", chapter.stem, "--force")
        names.append(chapter.stem)
    return names


def submit(root: Path, assignment: str, student: str, notebook: nbformat.NotebookNode) -> None:
    """Put ``notebook`` where ``nbgrader autograde`` looks for the student's submission."""
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / f"{assignment}.ipynb", nbformat.writes(notebook))


def answered_release(root: Path, assignment: str, skip: Sequence[str] = ()) -> nbformat.NotebookNode:
    """The released notebook with each answer cell (except the grade ids in ``skip``) set to the reference answer."""
    source = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: reference_answer(c.source)
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    release = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    for cell in release.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and grade_id not in skip:
            cell.source = answers[grade_id]
    return release


def scores(root: Path, assignment: str) -> dict[str, dict[str, tuple[float, float]]]:
    """``{student: {grade_id or "total": (score, max_score)}}`` of one autograded assignment."""
    from nbgrader.api import Gradebook

    result = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=COURSE_ID) as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            notebook = gradebook.find_submission_notebook(assignment, assignment, submission.student_id)
            cells = {grade.name: (grade.score, grade.max_score) for grade in notebook.grades}
            result[submission.student_id] = {**cells, "total": (notebook.score, notebook.max_score)}
    return result


def verify(root: Path, assignments: Sequence[str]) -> dict[str, dict[str, tuple[float, float]]]:
    """Autograde the reference answers and the unanswered release of each assignment, in a throwaway copy.

    Returns ``{assignment: {student: (score, max_score)}}`` for the students ``reference`` and
    ``unanswered``. The course's own gradebook is not touched.
    """
    result = {}
    with tempfile.TemporaryDirectory(prefix="sftlab-classroom-") as tmp:
        copy = Path(tmp)
        shutil.copy(root / "nbgrader_config.py", copy)
        for assignment in assignments:
            shutil.copytree(root / "source" / assignment, copy / "source" / assignment)
            nbgrader(copy, "generate_assignment", assignment, "--force")
            submit(copy, assignment, REFERENCE, answered_release(copy, assignment))
            submit(
                copy,
                assignment,
                UNANSWERED,
                nbformat.read(copy / "release" / assignment / f"{assignment}.ipynb", as_version=4),
            )
            nbgrader(copy, "autograde", assignment, "--force")
            graded = scores(copy, assignment)
            result[assignment] = {student: graded[student]["total"] for student in (REFERENCE, UNANSWERED)}
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: ``python -m sftlab.run.classroom [--only 03,05] [--output DIR] [--verify]``.

    A chapter whose exercises cannot be turned into an assignment does not stop the others: its
    error is printed and the exit status is non-zero.
    """
    parser = argparse.ArgumentParser(prog="python3 tasks.py release", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated chapter prefixes, e.g. 03 or 03,05")
    parser.add_argument("--output", type=Path, help="the course folder (default: build/classroom)")
    parser.add_argument("--notebooks", type=Path, help="the notebooks folder (default: notebooks/ of the checkout)")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="then autograde the reference answers (full marks) and the unanswered release (zero) "
        "in a throwaway copy of the course",
    )
    args = parser.parse_args(argv)
    only = [key.strip() for key in args.only.split(",") if key.strip()] if args.only else None
    notebooks = args.notebooks or repo_root() / "notebooks"
    root = (args.output or repo_root() / "build" / "classroom").resolve()
    pairs = chapters(notebooks, only)
    skipped = [
        c.stem
        for c in sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
        if c not in {p[0] for p in pairs} and (not only or any(c.stem.startswith(k) for k in only))
    ]
    names, failed = [], []
    for pair in pairs:
        try:
            names += write_course(root, [pair])
        except (DataError, RuntimeError) as error:
            failed.append(pair[0].stem)
            print(f"{pair[0].stem}: no assignment: {error}", file=sys.stderr)
    print(f"course folder {root}: {len(names)} assignments ({', '.join(names)})")
    if skipped:
        print(f"no assignment for {', '.join(skipped)}: no exercises section or no solutions notebook")
    print(f"source (with solutions): {root / 'source'}\nrelease (for learners):  {root / 'release'}")
    if args.verify and names:
        print("\nautograde in a throwaway copy of the course: score / max")
        for assignment, graded in verify(root, names).items():
            (ref, top), (blank, _) = graded[REFERENCE], graded[UNANSWERED]
            ok = ref == top and blank == 0
            if not ok:
                failed.append(assignment)
            print(
                f"  {assignment:28s} reference answers {ref:g}/{top:g}   unanswered release {blank:g}/{top:g}"
                f"   {'ok' if ok else 'WRONG: expected full marks and zero'}"
            )
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
