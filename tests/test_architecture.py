"""The package's layout: stages import one way, and each module lives in its stage's subpackage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "sftlab"

#: What each stage may import. The order is the data's way through the project: files are read
#: (io), turned into datasets (data), scored (evaluate), models are trained (train) and used to
#: build more data (construct); the main job (run) drives the notebooks. theory stands beside data.
ALLOWED = {
    "io": set(),
    "data": {"io"},
    "theory": {"io"},
    "evaluate": {"io", "data"},
    "train": {"io", "data", "evaluate"},
    "construct": {"io", "data", "evaluate", "train"},
    "run": {"io", "data", "theory", "evaluate", "train", "construct"},
}


def sftlab_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every ``sftlab`` import in a file, at any depth (function-level imports too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import; write the absolute sftlab.<stage>.<module>"
            names = [node.module] if node.module != "sftlab" else [f"sftlab.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [(node.lineno, name) for name in names if name == "sftlab" or name.startswith("sftlab.")]
    return found


def back_edges(package: Path) -> list[str]:
    """Every import of a stage that ``ALLOWED`` does not permit, as 'importer imports imported (line N)'."""
    found = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).parts
        if len(parts) == 1:  # sftlab/__init__.py and __main__.py: the entry point may import run
            continue
        stage = parts[0]
        for line, name in sftlab_imports(path):
            target = name.split(".")[1] if name.count(".") else ""
            if target and target != stage and target not in ALLOWED[stage]:
                found.append(
                    f"sftlab.{stage}.{path.stem} imports {name} (line {line}): "
                    f"{stage} may import only {sorted(ALLOWED[stage]) or 'nothing of sftlab'}"
                )
    return found


def test_only_the_entry_points_sit_at_the_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py"], top
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(ALLOWED)


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test_stage_packages_document_themselves_and_reexport_nothing(stage):
    init = PACKAGE / stage / "__init__.py"
    tree = ast.parse(init.read_text())
    assert ast.get_docstring(tree), f"{init} needs a docstring: what the stage does, which notebook teaches it"
    assert all(isinstance(n, ast.Expr) for n in tree.body), f"{init} must hold only its docstring (no re-exports)"


def test_imports_point_one_way():
    problems = back_edges(PACKAGE)
    assert not problems, "\n".join(problems)


def test_a_back_edge_is_reported_with_both_modules(tmp_path):
    (tmp_path / "io").mkdir()
    (tmp_path / "io" / "conll.py").write_text("def f():\n    from sftlab.run.report import record\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "dedup.py").write_text("from sftlab.io.words import split_words\n")
    assert back_edges(tmp_path) == [
        "sftlab.io.conll imports sftlab.run.report (line 2): io may import only nothing of sftlab"
    ]


def test_tests_mirror_the_layout():
    """``tests/<stage>/test_<module>.py`` tests ``sftlab.<stage>.<module>``; top-level tests cut across stages."""
    tests = Path(__file__).resolve().parent
    modules = {p.stem for p in PACKAGE.rglob("*.py") if p.stem != "__init__"}
    for test in tests.rglob("test_*.py"):
        parts = test.relative_to(tests).parts
        module = test.stem.removeprefix("test_")
        if len(parts) == 1:
            assert module not in modules, f"{test}: tests of sftlab.*.{module} belong in tests/<stage>/"
        else:
            assert parts[0] in ALLOWED and (PACKAGE / parts[0] / f"{module}.py").is_file(), (
                f"{test}: no module sftlab.{parts[0]}.{module}"
            )
