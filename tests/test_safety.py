"""Safety rules of the code base, checked on the code itself."""

from __future__ import annotations

import ast
import json
import re

from tests.conftest import ROOT

SOURCES = sorted((ROOT / "src").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py")) + [ROOT / "tasks.py"]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))


def _notebook_code(path):
    return "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")


def test_remote_code_is_never_trusted():
    for path in SOURCES + NOTEBOOKS:
        text = path.read_text() if path.suffix == ".py" else _notebook_code(path)
        assert not re.search(r"trust_remote_code\s*=\s*True", text), path


def _calls(name: str):
    """Every call of a function or method called ``name`` in the sources: (path, line, keyword names and values)."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if called == name:
                    keywords = {k.arg: ast.unparse(k.value) for k in node.keywords}
                    yield path, node.lineno, ast.unparse(func), keywords


def test_every_torch_load_is_weights_only():
    calls = [c for c in _calls("load") if c[2] == "torch.load"]
    assert calls
    for path, line, _, keywords in calls:
        assert keywords.get("weights_only") == "True", f"{path}:{line}"


def test_pretrained_weights_load_from_safetensors_or_gguf_only():
    """Model weights come from safetensors (or the GGUF file of the embedded generator), never a pickle.

    Tokenizers and configurations are JSON and text, not weights, so their loaders are not checked.
    """
    calls = [c for c in _calls("from_pretrained") if "Tokenizer" not in c[2] and "Config" not in c[2]]
    assert len(calls) >= 5
    for path, line, func, keywords in calls:
        assert keywords.get("use_safetensors") == "True" or "gguf_file" in keywords, f"{path}:{line}: {func}"


def test_notebooks_download_and_run_nothing_from_the_network():
    pattern = re.compile(r"https?://|urllib|requests\.|wget|curl |^!|%pip|snapshot_download|hf_hub_download", re.M)
    for path in NOTEBOOKS:
        code = _notebook_code(path)
        found = pattern.findall(code)
        assert not [f for f in found if f not in ("https://",)] or _only_example_urls(code), f"{path}: {found}"


def _only_example_urls(code: str) -> bool:
    """URLs may appear as data (an example string to clean), never as something fetched."""
    return all("example" in url for url in re.findall(r"https?://\S+", code)) and not re.search(
        r"urllib|requests\.|wget", code
    )
