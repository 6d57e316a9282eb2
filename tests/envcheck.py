"""Environment drift: the installed packages against ``requirements.lock`` (checked by ``tests/test_envcheck.py``).

Notebook outputs are checked against a run made with the locked versions. A different major
version of a package the notebooks use (transformers 4 instead of 5, say) changes APIs and
numbers, so it is reported with the fix: re-create the environment.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

#: Packages whose version changes what the notebooks compute or how they run.
CRITICAL = (
    "torch",
    "transformers",
    "tokenizers",
    "accelerate",
    "datasets",
    "seqeval",
    "scikit-learn",
    "numpy",
    "papermill",
    "nbval",
    "safetensors",
    "peft",
    "gguf",
    "matplotlib",
)

FIX = "re-create the environment: delete .venv and run `python3 tasks.py setup` (conda: see environment.yml)"


def read_lock(path: str | Path) -> dict[str, str]:
    """``{name: version}`` from ``name==version`` lines (comments and blank lines skipped)."""
    pins = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        if "==" not in line:
            raise ValueError(f"{path}: {line!r} is not pinned with ==")
        name, version = line.split("==", 1)
        pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def _major(version: str) -> str:
    return version.split("+")[0].split(".")[0]


def drift(lock: dict[str, str], packages: tuple[str, ...] = CRITICAL) -> list[str]:
    """Problems: a locked critical package that is missing or has another major version."""
    problems = []
    for name in packages:
        if name not in lock:
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed (the lock has {lock[name]})")
            continue
        if _major(installed) != _major(lock[name]):
            problems.append(f"{name} {installed} is installed, the lock has {lock[name]} (another major version)")
    return problems


def minor_differences(lock: dict[str, str]) -> list[str]:
    """Locked packages installed at another exact version (worth knowing, rarely breaking)."""
    found = []
    for name, version in lock.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        if installed.split("+")[0] != version.split("+")[0]:
            found.append(f"{name} {installed} (lock {version})")
    return found
