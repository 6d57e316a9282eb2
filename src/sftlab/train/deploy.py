"""After fine-tuning: smaller, faster, portable (notebook 09).

- Dynamic int8 quantization of the Linear layers (weights stored as int8, activations quantized
  on the fly): a CPU-only speed-up with a small accuracy cost, to be measured.
- Export to ONNX, run with ONNX Runtime, and check the outputs equal PyTorch's.
- Latency and throughput measured, not assumed.
"""

from __future__ import annotations

import io
import time
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
    import warnings

    with warnings.catch_warnings():  # torch deprecates this API in favour of torchao, which the lock does not include
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model).cpu().eval(), {torch.nn.Linear}, dtype=torch.qint8)


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
            model(**tokenizer(list(texts[i:i + batch_size]), padding=True, return_tensors="pt"))
    return len(texts) / (time.perf_counter() - started)


def export_onnx(model, tokenizer, path: str | Path, example: str = "An example review.") -> Path:
    """Export a sequence classifier to ONNX with dynamic batch and sequence axes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.cpu().eval()
    inputs = tokenizer([example, example + " Two."], padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in inputs]
    import warnings

    with warnings.catch_warnings():  # tracer warnings about data-dependent branches the export handles
        warnings.simplefilter("ignore")
        torch.onnx.export(model, tuple(inputs[n] for n in names), str(path), input_names=names, output_names=["logits"],
                          dynamic_axes={**{n: {0: "batch", 1: "sequence"} for n in names}, "logits": {0: "batch"}},
                          dynamo=False)
    return path


def onnx_logits(path: str | Path, tokenizer, texts: Sequence[str]) -> np.ndarray:
    """Logits from ONNX Runtime on the CPU."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    inputs = tokenizer(list(texts), padding=True, return_tensors="np")
    return session.run(["logits"], {k: v.astype(np.int64) for k, v in inputs.items() if k in wanted})[0]


def activation_bytes(model, batch: dict) -> int:
    """Bytes of the tensors autograd saves for the backward pass of one forward pass on ``batch``.

    This is the activation memory that grows with the batch size (weights and optimizer state
    do not); counting it through ``saved_tensors_hooks`` works the same on a CPU and a GPU.
    """
    total = 0

    def pack(tensor):
        nonlocal total
        total += tensor.numel() * tensor.element_size()
        return tensor

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(**batch).loss.backward()
    model.zero_grad(set_to_none=True)
    return total
