"""What training costs, measured: time per step and memory (notebooks 07 and 09).

- :func:`training_step_profile`: the time of one training step in fp32 and under bf16 autocast,
  and how much of it the matrix products and the casts take.
- :func:`saved_tensor_bytes`: what autograd saves for the backward pass, counted once per storage
  and without the weights.
- :func:`training_memory`: the peak resident memory of a few training steps of an encoder
  classifier, for full fine-tuning, LoRA and a frozen encoder (notebook 09).
- :func:`measure_steps`: seconds per step and memory of the causal LM, fully or with LoRA
  (notebook 07).

The last two measure each setup in a fresh Python process (:func:`in_fresh_processes`), because a
process that has trained before keeps memory its allocator cached; ``python -m
sftlab.train.profiling memory --setup lora`` and ``python -m sftlab.train.profiling steps --setup
lora`` are those processes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Sequence

import numpy as np
import torch

SETUPS = ("full", "lora", "frozen")
_MATMULS = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm"}
_COPIES = {"aten::copy_", "aten::_to_copy", "aten::to"}


def in_fresh_processes(
    runs: dict[str, Sequence[str]], *, timeout: float, env: dict[str, str] | None = None
) -> list[dict]:
    """``python -m sftlab.train.profiling ARGUMENTS`` for each of ``runs``, side by side, each in a fresh process.

    ``runs`` maps a name for messages (``"'lora'"``) to the arguments of one run; ``env`` is added
    to the environment, whose warnings are silenced. Returns the JSON line each run printed last,
    in the order of ``runs``; a run that fails, or takes more than ``timeout`` seconds, is a
    ``RuntimeError`` naming it (with the end of its error output).
    """
    environment = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-m", "sftlab.train.profiling", *arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for name, arguments in runs.items()
    }
    results = []
    for name, process in processes.items():
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise RuntimeError(f"measuring {name} took more than {timeout:g} s") from None
        if process.returncode != 0:
            raise RuntimeError(f"measuring {name} failed:\n{stderr.strip()[-2000:]}")
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


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


def training_step_profile(
    model, batch: dict, dtypes: Sequence[torch.dtype | None] = (None, torch.bfloat16), repeats: int = 5
) -> list[dict]:
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
        row = {
            "mode": "fp32" if dtype is None else f"{str(dtype).removeprefix('torch.')} autocast",
            "seconds": float(np.median(timings[dtype])),
        }
        if device.type == "cpu":
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profiler:
                step(dtype)
            events = profiler.key_averages()
            row["matmul_ms"] = sum(e.self_cpu_time_total for e in events if e.key in _MATMULS) / 1000
            row["copy_ms"] = sum(e.self_cpu_time_total for e in events if e.key in _COPIES) / 1000
        rows.append(row)
    return rows


def training_memory(
    setups: Sequence[str] = SETUPS,
    model_name: str = "minilm",
    batch_size: int = 16,
    length: int = 64,
    steps: int = 2,
    timeout: float = 600,
) -> list[dict]:
    """Memory of ``steps`` AdamW steps of each setup ('full', 'lora', 'frozen'), each measured in a fresh Python
    process.

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
    runs = {
        repr(setup): [
            "memory",
            "--setup",
            setup,
            "--model",
            model_name,
            "--batch-size",
            str(batch_size),
            "--length",
            str(length),
            "--steps",
            str(steps),
        ]
        for setup in setups
    }
    return in_fresh_processes(runs, timeout=timeout, env={"MALLOC_MMAP_THRESHOLD_": "65536"})


def _measure_training_memory(setup: str, model_name: str, batch_size: int, length: int, steps: int) -> dict:
    """The body of :func:`training_memory`, run in the fresh process."""
    import gc

    from sftlab.train.lora import apply_lora
    from sftlab.train.memory import peak_resident_bytes, reset_peak, resident_bytes
    from sftlab.train.models import load_sequence_classifier
    from sftlab.train.training import freeze_encoder

    generator = torch.Generator().manual_seed(0)
    # memory depends on the shape of the batch, not on which tokens it holds
    batch = {
        "input_ids": torch.randint(1000, 20000, (batch_size, length), generator=generator),
        "attention_mask": torch.ones(batch_size, length, dtype=torch.long),
        "labels": torch.randint(0, 2, (batch_size,), generator=generator),
    }
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
    adamw = sum(
        t.numel() * t.element_size() for state in optimizer.state.values() for t in state.values() if torch.is_tensor(t)
    )
    parameters = list(model.parameters())
    return {
        "setup": setup,
        "batch_size": batch_size,
        "length": length,
        "steps": steps,
        "peak_reset": reset,
        "trainable_parameters": sum(p.numel() for p in trainable),
        "parameters": sum(p.numel() for p in parameters),
        "resident_before": start,
        "training_peak": peak - start,
        "weights": sum(p.numel() * p.element_size() for p in parameters),
        "gradients": sum(p.numel() * p.element_size() for p in trainable),
        "adamw": adamw,
        "activations": saved_tensor_bytes(model, batch)["activations"],
    }


def measure_steps(
    setup: str,
    *,
    steps: int = 3,
    batch_size: int = 8,
    length: int = 96,
    timeout: float = 900,
    cache_dir: str | None = None,
    model_name: str = "smollm2",
) -> dict:
    """Seconds per optimizer step and memory of ``setup`` (``full`` or ``lora``), in a fresh process.

    ``model_name``: the causal LM measured (the embedded SmolLM2 or a local model folder).

    The batch is random tokens of the given shape (time and memory depend on the shape, not on the
    words); one warm-up step comes first, then ``steps`` timed steps. Memory is measured on
    ``steps`` more, after (on a CPU) glibc has been told to hand freed memory back
    (:func:`sftlab.train.memory.hand_back_freed_memory`, which would slow the timed steps):
    ``in_use_bytes`` between steps (weights and optimizer state; the gradients are freed by
    ``zero_grad``), and ``peak_bytes``, how far memory rises above that during a step (gradients and
    activations: the CUDA allocator's peak on a GPU, the resident-set high-water mark on a CPU).
    Also ``trainable`` parameters and ``device``.
    """
    arguments = [
        "steps",
        "--setup",
        setup,
        "--steps",
        str(steps),
        "--batch-size",
        str(batch_size),
        "--length",
        str(length),
        "--model",
        model_name,
    ] + (["--cache", cache_dir] if cache_dir else [])
    return in_fresh_processes({repr(setup): arguments}, timeout=timeout)[0]


def _measure_steps(
    setup: str, steps: int, batch_size: int, length: int, cache: str | None, model_name: str = "smollm2"
) -> dict:
    """The body of :func:`measure_steps`, run in the fresh process."""
    import gc

    from sftlab.train.causal_lm import load_causal_lm
    from sftlab.train.device import pick_device
    from sftlab.train.lora import apply_lora, trainable_parameters
    from sftlab.train.memory import hand_back_freed_memory, peak_bytes, reset_peak, resident_bytes

    device = pick_device()
    model, _ = load_causal_lm(model_name, cache_dir=cache)
    if setup == "lora":
        model = apply_lora(rank=16, alpha=32, dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")(model)
    elif setup != "full":
        raise ValueError(f"unknown setup {setup!r}: use 'full' or 'lora'")
    model.to(device).train()
    ids = torch.randint(
        100, min(40000, model.config.vocab_size), (batch_size, length), generator=torch.Generator().manual_seed(0)
    ).to(device)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-5, fused=device.type in ("cpu", "cuda")
    )

    def step():
        model(input_ids=ids, labels=ids, use_cache=False).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    step()  # warm-up: first-call buffers, and the optimizer's state
    started = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = (time.perf_counter() - started) / steps
    gc.collect()
    if device.type != "cuda":
        hand_back_freed_memory()
    base = torch.cuda.memory_allocated(device) if device.type == "cuda" else resident_bytes()
    reset_peak(device)
    for _ in range(steps):
        step()
    trainable, total = trainable_parameters(model)
    return {
        "setup": setup,
        "device": str(device),
        "seconds_per_step": seconds,
        "tokens_per_second": batch_size * length / seconds,
        "peak_bytes": peak_bytes(device) - base,
        "in_use_bytes": base,
        "trainable": trainable,
        "parameters": total,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sftlab.train.profiling memory|steps --setup SETUP``: one setup's measurement, as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m sftlab.train.profiling", description=main.__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    memory = commands.add_parser("memory", description=training_memory.__doc__.splitlines()[0])
    memory.add_argument("--setup", choices=SETUPS, required=True)
    memory.add_argument("--model", default="minilm")
    memory.add_argument("--batch-size", type=int, default=16)
    memory.add_argument("--length", type=int, default=64)
    memory.add_argument("--steps", type=int, default=2)
    steps = commands.add_parser("steps", description=measure_steps.__doc__.splitlines()[0])
    steps.add_argument("--setup", required=True)
    steps.add_argument("--steps", type=int, default=3)
    steps.add_argument("--batch-size", type=int, default=8)
    steps.add_argument("--length", type=int, default=96)
    steps.add_argument("--cache", default=None)
    steps.add_argument("--model", default="smollm2", help="the embedded smollm2 or a local causal LM folder")
    args = parser.parse_args(argv)
    if args.command == "memory":
        result = _measure_training_memory(args.setup, args.model, args.batch_size, args.length, args.steps)
    else:
        result = _measure_steps(args.setup, args.steps, args.batch_size, args.length, args.cache, args.model)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
