"""After fine-tuning: smaller, faster, portable; and what training costs, measured (notebook 09).

- Dynamic int8 quantization of the ``nn.Linear`` layers (weights stored as int8, activations
  quantized on the fly): a CPU-only speed-up whose size saving :func:`int8_size_breakdown`
  predicts from the parameters (the embedding matrices are not ``nn.Linear`` and stay fp32).
- Export to ONNX with the exporter torch recommends (``torch.onnx.export(..., dynamo=True)``,
  built on ``torch.export``), run with ONNX Runtime, and check the outputs equal PyTorch's.
- Latency and throughput measured, not assumed; the time of one training step in fp32 and under
  bf16 autocast, and how much of it the matrix products and the casts take.
- Memory: what autograd saves for the backward pass, counted once per storage and without the
  weights (:func:`saved_tensor_bytes`), and the peak resident memory of a few training steps,
  measured in a fresh process for full fine-tuning, LoRA and a frozen encoder
  (:func:`training_memory`; ``python -m sftlab.train.deploy --setup lora`` is that process).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

SETUPS = ("full", "lora", "frozen")
_MATMULS = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm"}
_COPIES = {"aten::copy_", "aten::_to_copy", "aten::to"}


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
        return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model).cpu().eval(), {torch.nn.Linear}, dtype=torch.qint8)


def int8_size_breakdown(model) -> dict:
    """Where the parameters of ``model`` live, and the size ratio dynamic int8 quantization should reach.

    Only the weight matrices of ``nn.Linear`` layers become int8 (1 byte instead of 4); their
    biases, the embedding matrices and the LayerNorms stay fp32. Returns the fp32 bytes of each
    part and ``predicted_ratio`` = (everything else + Linear weights / 4) / everything.
    """
    linear = sum(m.weight.numel() * m.weight.element_size() for m in model.modules() if isinstance(m, torch.nn.Linear))
    embeddings = sum(p.numel() * p.element_size() for m in model.modules() if isinstance(m, torch.nn.Embedding)
                     for p in m.parameters(recurse=False))
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    return {"linear_weights": linear, "embeddings": embeddings, "other": total - linear - embeddings, "total": total,
            "predicted_ratio": (total - linear + linear / 4) / total}


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
            program = torch.onnx.export(model, (), kwargs={n: inputs[n] for n in names}, dynamo=True,
                                        input_names=names, output_names=["logits"],
                                        dynamic_shapes={n: {0: batch, 1: sequence} for n in names})
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


def saved_tensor_bytes(model, batch: dict) -> dict:
    """What autograd keeps for the backward pass of one forward pass on ``batch``, counted three ways.

    - ``naive``: the bytes of every saved tensor added up, as a widely copied version of this count
      does. The input of query, key and value is one tensor saved three times, and the weights a
      layer saves to compute its input's gradient are counted as if they were activations.
    - ``activations``: each saved storage once, leaving out the model's parameters and buffers:
      the memory that exists only because a backward pass will follow, and grows with the batch.
    - ``weights``: the parameter storages autograd refers to (in memory anyway, not extra).

    The model is in train mode (dropout masks are saved too); the gradients are discarded.
    """
    own = {t.untyped_storage().data_ptr() for t in [*model.parameters(), *model.buffers()]}
    naive, activations, weights = 0, {}, {}

    def pack(tensor):
        nonlocal naive
        naive += tensor.numel() * tensor.element_size()
        storage = tensor.untyped_storage()
        (weights if storage.data_ptr() in own else activations)[storage.data_ptr()] = storage.nbytes()
        return tensor

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(**batch).loss.backward()
    model.zero_grad(set_to_none=True)
    return {"naive": naive, "activations": sum(activations.values()), "weights": sum(weights.values())}


def training_step_profile(model, batch: dict, dtypes: Sequence[torch.dtype | None] = (None, torch.bfloat16),
                          repeats: int = 5) -> list[dict]:
    """Time one forward + backward pass on ``batch`` in each autocast ``dtype`` (None: fp32), on the model's device.

    The modes alternate, ``repeats`` times each after a warm-up, so that a slow spell of the machine
    hits them alike; ``seconds`` is each mode's median. One more step per mode runs under
    ``torch.profiler`` on the CPU: ``matmul_ms`` is the self time of the matrix products and
    ``copy_ms`` that of the copies, which under autocast include the casts to and from 16 bits.
    """
    device = next(model.parameters()).device
    model.train()

    def step(dtype):
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = model(**batch).loss
        loss.backward()
        model.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    timings: dict = {dtype: [] for dtype in dtypes}
    for dtype in dtypes:
        step(dtype)
    for _ in range(repeats):
        for dtype in dtypes:
            started = time.perf_counter()
            step(dtype)
            timings[dtype].append(time.perf_counter() - started)
    rows = []
    for dtype in dtypes:
        row = {"mode": "fp32" if dtype is None else f"{str(dtype).removeprefix('torch.')} autocast",
               "seconds": float(np.median(timings[dtype]))}
        if device.type == "cpu":
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profiler:
                step(dtype)
            events = profiler.key_averages()
            row["matmul_ms"] = sum(e.self_cpu_time_total for e in events if e.key in _MATMULS) / 1000
            row["copy_ms"] = sum(e.self_cpu_time_total for e in events if e.key in _COPIES) / 1000
        rows.append(row)
    return rows


def training_memory(setups: Sequence[str] = SETUPS, model_name: str = "minilm", batch_size: int = 16, length: int = 64,
                    steps: int = 2, timeout: float = 600) -> list[dict]:
    """Memory of ``steps`` AdamW steps of each setup ('full', 'lora', 'frozen'), each measured in a fresh Python process.

    A fresh process per setup, because a process that has trained before keeps memory its
    allocator cached; in it, glibc is told to hand every block of 64 KiB or more back to the
    system when it is freed (``MALLOC_MMAP_THRESHOLD_``), so that the resident set follows the
    memory in use. One forward and backward pass warms up the libraries first. The processes run
    side by side (each one's resident set is its own). Returns one dict per setup with, in bytes,
    the measured ``resident_before`` (the whole process, weights included, before the first step)
    and ``training_peak`` (how far the resident set's high-water mark rose above it during the
    steps), beside the computed ``weights``, ``gradients``, ``adamw`` (the optimizer's actual
    state tensors) and ``activations`` (:func:`saved_tensor_bytes`). ``peak_reset`` is False where
    the operating system cannot reset the high-water mark (only Linux can): the peak then also
    covers the loading.
    """
    unknown = [s for s in setups if s not in SETUPS]
    if unknown:
        raise ValueError(f"unknown setup {unknown[0]!r}: use one of {', '.join(SETUPS)}")
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "MALLOC_MMAP_THRESHOLD_": "65536"}
    processes = [subprocess.Popen([sys.executable, "-m", "sftlab.train.deploy", "--setup", setup, "--model", model_name,
                                   "--batch-size", str(batch_size), "--length", str(length), "--steps", str(steps)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for setup in setups]
    results = []
    for setup, process in zip(setups, processes):
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise RuntimeError(f"the memory measurement of {setup!r} took more than {timeout:g} s") from None
        if process.returncode != 0:
            raise RuntimeError(f"the memory measurement of {setup!r} failed:\n{stderr.strip()[-2000:]}")
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


def _measure_training_memory(setup: str, model_name: str, batch_size: int, length: int, steps: int) -> dict:
    """The body of :func:`training_memory`, run in the fresh process."""
    import gc

    from sftlab.train.lora import apply_lora
    from sftlab.train.memory import peak_resident_bytes, reset_peak, resident_bytes
    from sftlab.train.models import load_sequence_classifier
    from sftlab.train.training import freeze_encoder

    generator = torch.Generator().manual_seed(0)
    # memory depends on the shape of the batch, not on which tokens it holds
    batch = {"input_ids": torch.randint(1000, 20000, (batch_size, length), generator=generator),
             "attention_mask": torch.ones(batch_size, length, dtype=torch.long),
             "labels": torch.randint(0, 2, (batch_size,), generator=generator)}
    model = load_sequence_classifier(model_name, ["negative", "positive"])
    if setup == "lora":
        model = apply_lora(rank=8)(model)
    elif setup == "frozen":
        freeze_encoder(model)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4, fused=True)
    model.train()
    model(**batch).loss.backward()  # warm-up: the libraries' first-call buffers are not training's memory
    optimizer.zero_grad(set_to_none=True)
    gc.collect()
    reset = reset_peak(torch.device("cpu"))
    start = resident_bytes()
    for _ in range(steps):
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    peak = peak_resident_bytes()
    adamw = sum(t.numel() * t.element_size() for state in optimizer.state.values() for t in state.values()
                if torch.is_tensor(t))
    parameters = list(model.parameters())
    return {"setup": setup, "batch_size": batch_size, "length": length, "steps": steps, "peak_reset": reset,
            "trainable_parameters": sum(p.numel() for p in trainable), "parameters": sum(p.numel() for p in parameters),
            "resident_before": start, "training_peak": peak - start,
            "weights": sum(p.numel() * p.element_size() for p in parameters),
            "gradients": sum(p.numel() * p.element_size() for p in trainable), "adamw": adamw,
            "activations": saved_tensor_bytes(model, batch)["activations"]}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sftlab.train.deploy --setup full|lora|frozen``: print one setup's :func:`training_memory` result as JSON."""
    parser = argparse.ArgumentParser(prog="python -m sftlab.train.deploy", description=training_memory.__doc__.splitlines()[0])
    parser.add_argument("--setup", choices=SETUPS, required=True)
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--length", type=int, default=64)
    parser.add_argument("--steps", type=int, default=2)
    args = parser.parse_args(argv)
    print(json.dumps(_measure_training_memory(args.setup, args.model, args.batch_size, args.length, args.steps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
