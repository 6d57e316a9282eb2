"""After fine-tuning: smaller, faster, portable (notebook 09).

- Dynamic int8 quantization of the ``nn.Linear`` layers (weights stored as int8, activations
  quantized on the fly): a CPU-only speed-up whose size saving :func:`int8_size_breakdown`
  predicts from the parameters (the embedding matrices are not ``nn.Linear`` and stay fp32).
- Export to ONNX with the exporter torch recommends (``torch.onnx.export(..., dynamo=True)``,
  built on ``torch.export``), run with ONNX Runtime, and check the outputs equal PyTorch's.
- Latency and throughput measured, not assumed.

What training costs (step time, autograd's saved tensors, memory per setup) is
:mod:`sftlab.train.profiling`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import torch


def state_dict_bytes(model) -> int:
    """Size of the model as saved (``torch.save`` of its state dict), in bytes."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def quantize_dynamic_int8(model):
    """A copy of ``model`` with every ``nn.Linear`` dynamically quantized to int8 (CPU inference)."""
    import copy

    with warnings.catch_warnings():  # torch deprecates this API in favour of torchao, which the lock does not include
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model).cpu().eval(), {torch.nn.Linear}, dtype=torch.qint8
        )


def int8_size_breakdown(model) -> dict:
    """Where the parameters of ``model`` live, and the size ratio dynamic int8 quantization should reach.

    Only the weight matrices of ``nn.Linear`` layers become int8 (1 byte instead of 4); their
    biases, the embedding matrices and the LayerNorms stay fp32. Returns the fp32 bytes of each
    part and ``predicted_ratio`` = (everything else + Linear weights / 4) / everything.
    """
    linear = sum(m.weight.numel() * m.weight.element_size() for m in model.modules() if isinstance(m, torch.nn.Linear))
    embeddings = sum(
        p.numel() * p.element_size()
        for m in model.modules()
        if isinstance(m, torch.nn.Embedding)
        for p in m.parameters(recurse=False)
    )
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    return {
        "linear_weights": linear,
        "embeddings": embeddings,
        "other": total - linear - embeddings,
        "total": total,
        "predicted_ratio": (total - linear + linear / 4) / total,
    }


def latency_ms(model, tokenizer, texts: Sequence[str], repeats: int = 3) -> float:
    """Median milliseconds to classify one text (batch of 1), over ``texts`` × ``repeats`` after a warm-up."""
    model.eval()
    timings = []
    with torch.no_grad():
        model(**tokenizer(texts[0], return_tensors="pt"))
        for _ in range(repeats):
            for text in texts:
                batch = tokenizer(text, return_tensors="pt")
                started = time.perf_counter()
                model(**batch)
                timings.append(1000 * (time.perf_counter() - started))
    return float(np.median(timings))


def throughput(model, tokenizer, texts: Sequence[str], batch_size: int) -> float:
    """Texts per second when classifying ``texts`` in padded batches of ``batch_size``."""
    model.eval()
    started = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            model(**tokenizer(list(texts[i : i + batch_size]), padding=True, return_tensors="pt"))
    return len(texts) / (time.perf_counter() - started)


def export_onnx(model, tokenizer, path: str | Path, example: str = "An example review.") -> Path:
    """Export a sequence classifier to ONNX with dynamic batch and sequence axes.

    Uses the exporter torch recommends since 2.9, ``dynamo=True``: it captures the graph with
    ``torch.export`` (no Python tracing, so no silently frozen branches) and translates it with
    onnxscript. The legacy TorchScript exporter (``dynamo=False``) is deprecated.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.cpu().eval()
    inputs = tokenizer([example, example + " Two."], padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in inputs]
    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence")
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "torch._export", "onnxscript")]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:  # "torchvision is not installed" and similar notes about operators it does not need
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                model,
                (),
                kwargs={n: inputs[n] for n in names},
                dynamo=True,
                input_names=names,
                output_names=["logits"],
                dynamic_shapes={n: {0: batch, 1: sequence} for n in names},
            )
            program.save(str(path))
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
    return path


def onnx_logits(path: str | Path, tokenizer, texts: Sequence[str]) -> np.ndarray:
    """Logits from ONNX Runtime on the CPU."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    inputs = tokenizer(list(texts), padding=True, return_tensors="np")
    return session.run(["logits"], {k: v.astype(np.int64) for k, v in inputs.items() if k in wanted})[0]
