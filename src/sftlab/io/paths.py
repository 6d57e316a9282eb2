"""Where the project's data, its build outputs and the installed data and model packages live."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def repo_root() -> Path:
    """The checkout holding ``data/`` and ``notebooks/``: the package's own checkout, else a parent of the cwd."""
    candidates = [Path(__file__).resolve().parents[3], *Path.cwd().resolve().parents, Path.cwd().resolve()]
    for candidate in candidates:
        if (candidate / "data").is_dir() and (candidate / "notebooks").is_dir():
            return candidate
    raise FileNotFoundError("cannot find the sftlab checkout (a folder with data/ and notebooks/); run from inside it")


def data_dir() -> Path:
    """The project's shipped data (``SFTLAB_DATA_DIR`` overrides)."""
    return Path(os.environ["SFTLAB_DATA_DIR"]) if os.environ.get("SFTLAB_DATA_DIR") else repo_root() / "data"


def build_dir(default: str | Path = "../build") -> Path:
    """Where notebooks write models, figures and metrics.

    ``SFTLAB_BUILD_DIR`` overrides the notebook's ``build_dir`` parameter (CI uses it to keep the
    nbval run apart from the main job's run).
    """
    path = Path(os.environ.get("SFTLAB_BUILD_DIR") or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_dir(package: str) -> Path | None:
    """The folder of an installed package, found without importing it (or None)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])
