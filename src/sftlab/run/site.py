"""A static HTML site of the executed notebooks, built offline with Sphinx and MyST-NB.

``python -m sftlab site`` (or ``python3 tasks.py site``) reads the main job's output in
``build/`` (``notebooks/*.ipynb``, ``metrics.json``, ``report.md``) and writes ``build/site/``:
when ``build/notebooks/`` is absent (the test command executes the notebooks under nbval, which
checks them against their stored outputs), the pages are the committed notebooks themselves;
one page per notebook in the notebooks' order, solutions after them, and a results page. The
notebooks are not re-executed. Equations are rendered by a MathJax copy that ships in the
PyPI package ``jupyter-server-mathjax``, copied next to the pages: no CDN is needed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

from sftlab.io.atomic import write_text
from sftlab.io.paths import package_dir, repo_root

CONF = '''\
project = "sftlab"
author = "the sftlab authors"
extensions = ["myst_nb"]
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath"]
html_theme = "sphinx_book_theme"
html_title = "sftlab: supervised fine-tuning, and the data for it"
html_static_path = ["_static"]
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"  # the config jupyter-server-mathjax ships
# The offline MathJax is version 2: configure it the version-2 way, and stop MyST from adding a
# version-3 `window.MathJax = {...}` object, which MathJax 2 would take as its (empty) configuration.
myst_update_mathjax = False
# The package ships the STIX-Web web fonts only (not MathJax's default TeX fonts): use them.
mathjax2_config = {"tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                               "processEscapes": True},
                   "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None},
                   "SVG": {"font": "STIX-Web"}}
html_theme_options = {"show_toc_level": 2}
exclude_patterns = ["_build"]
suppress_warnings = ["mystnb.unknown_mime_type", "misc.highlighting_failure"]
'''


def results_page(build: Path) -> str:
    """Markdown of the results page, from ``metrics.json`` and ``timings.json``."""
    metrics = json.loads((build / "metrics.json").read_text())
    timings = json.loads((build / "timings.json").read_text()) if (build / "timings.json").is_file() else {}
    lines = [
        "# Results",
        "",
        f"Figures recorded by the last run of the main job (profile `{metrics['profile']}`).",
        "Every number is computed by the notebook named in its row.",
        "",
        "| notebook | status | wall time (s) | figure | value |",
        "|---|---|---|---|---|",
    ]
    for name, entry in metrics["notebooks"].items():
        figures = {k: v for k, v in entry["figures"].items() if not isinstance(v, (dict, list))} or {"-": "-"}
        for i, (key, value) in enumerate(figures.items()):
            head = [name, entry["status"], str(timings.get(name, "-"))] if i == 0 else ["", "", ""]
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            lines.append("| " + " | ".join(head + [key, shown]) + " |")
    return "\n".join(lines) + "\n"


def build_site(build: Path, output: Path | None = None, committed: Path | None = None) -> Path:
    """Assemble the Sphinx sources in ``build/site-src`` and build HTML into ``build/site``.

    The executed notebooks of ``build/notebooks/`` are used when present, else ``committed``.
    """
    notebooks_dir = build / "notebooks" if (build / "notebooks").is_dir() else committed or repo_root() / "notebooks"
    chapters = sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    solutions = sorted((notebooks_dir / "solutions").glob("[0-9][0-9]_*.ipynb"))
    if not chapters:
        raise FileNotFoundError(f"no notebooks in {notebooks_dir}: run the main job first (python3 tasks.py run)")
    source = build / "site-src"
    output = output or build / "site"
    shutil.rmtree(source, ignore_errors=True)
    (source / "_static").mkdir(parents=True)
    mathjax = package_dir("jupyter_server_mathjax")
    if mathjax is None:
        raise FileNotFoundError("jupyter-server-mathjax is not installed; it provides the offline MathJax copy")
    shutil.copytree(mathjax / "static", source / "_static" / "mathjax")
    for notebook in chapters:
        shutil.copy(notebook, source / notebook.name)
    if solutions:
        (source / "solutions").mkdir()
        for notebook in solutions:
            shutil.copy(notebook, source / "solutions" / notebook.name)
    write_text(source / "conf.py", CONF)
    write_text(source / "results.md", results_page(build))
    index = [
        "# sftlab",
        "",
        "Supervised fine-tuning of pretrained transformers, and above all how to build the data for it.",
        "These pages are the notebooks with the outputs of their last checked run.",
        "",
        "```{toctree}",
        ":maxdepth: 1",
        ":caption: Notebooks",
        "",
        *(n.stem for n in chapters),
        "```",
        "",
    ]
    if solutions:
        index += [
            "```{toctree}",
            ":maxdepth: 1",
            ":caption: Solutions",
            "",
            *(f"solutions/{n.stem}" for n in solutions),
            "```",
            "",
        ]
    index += ["```{toctree}", ":maxdepth: 1", ":caption: Results", "", "results", "```", ""]
    write_text(source / "index.md", "\n".join(index))
    shutil.rmtree(output, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "auto", str(source), str(output)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"sphinx-build failed:\n{done.stderr[-4000:]}")
    return output / "index.html"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sftlab site [--build build]``."""
    parser = argparse.ArgumentParser(prog="sftlab site", description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build", help="the main job's output folder (default: build)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        index = build_site(Path(args.build))
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"sftlab site: {exc}", file=sys.stderr)
        return 1
    print(f"site: {index} (built in {time.perf_counter() - started:.1f} s)")
    return 0
