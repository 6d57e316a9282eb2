"""How close training runs to the machine: model FLOPs of a run against the measured matmul peak.

The convention (PaLM's model FLOPs utilisation, Chowdhery et al. 2022, appendix B), per trained
token, where a trained token is a real (non-padding) token of a training batch:

- *matmul parameters* ``N``: the weights of every ``nn.Linear`` the forward pass runs, the LM
  head included even when it shares the embedding's weight; the embedding lookup, norms and
  biases are not matmuls and are not counted;
- full fine-tuning: ``6 N`` (forward 2, input gradient 2, weight gradient 2 per weight);
- LoRA: the frozen weights ``4 N_frozen`` (forward and input gradient: the adapters below need
  the gradient to flow through them, but no weight gradient is formed), the adapters'
  own weights ``6 N_adapters``; the first layer's input gradient, which autograd skips, is
  counted all the same (an over-count of under one layer in ``layers``);
- attention: ``12 x layers x (heads x head_dim) x s``, with ``s`` the length of the token's own
  example (QK^T and AV: 2 x 2 s d forward, twice that backward, whether or not the weights
  train: attention has none), not halved for the causal mask.

Padding is work the machine does that these counts leave out, so it shows as a lower
utilisation. The peaks are measured, not looked up: :func:`matmul_peak` times ``torch.mm`` in
fp32 on the threads torch uses (all cores by default; on a GPU, in the dtype training autocasts
to), for a large square and for the model's own GEMM shapes (:func:`linear_shapes` at the
batch's tokens, :func:`gemm_peak`; forward shapes only, the backward's transposes are not timed).
On a machine shared with other work the peaks drop with the load: measure on a quiet one.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Mapping, Sequence

import torch


def matmul_parameters(model) -> dict[str, int]:
    """Weights of the model's ``nn.Linear`` layers, ``{"frozen": ..., "trained": ...}``: LM head in, embeddings out."""
    counts = {"frozen": 0, "trained": 0}
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            counts["trained" if module.weight.requires_grad else "frozen"] += module.weight.numel()
    return counts


def attention_width(config) -> tuple[int, int]:
    """``(layers, heads x head_dim)`` of a transformer config (``head_dim`` defaults to ``hidden_size / heads``)."""
    heads = config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    return config.num_hidden_layers, heads * head_dim


def training_flops(model, lengths: Sequence[int]) -> float:
    """Model FLOPs of one training pass over examples of these real token lengths (the convention of the module)."""
    counts = matmul_parameters(model)
    per_token = 6 * counts["trained"] + 4 * counts["frozen"]
    layers, width = attention_width(model.config)
    tokens = sum(lengths)
    return float(per_token * tokens + 12 * layers * width * sum(s * s for s in lengths))


def linear_shapes(model) -> Counter:
    """How many ``nn.Linear`` layers of each ``(in_features, out_features)`` the model has: its forward GEMM shapes."""
    return Counter((m.in_features, m.out_features) for m in model.modules() if isinstance(m, torch.nn.Linear))


def matmul_peak(
    m: int,
    k: int,
    n: int,
    *,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
    min_seconds: float = 0.3,
    rounds: int = 3,
) -> float:
    """GFLOP/s of ``torch.mm`` of an ``(m, k)`` by a ``(k, n)`` matrix (fp32 on the CPU's torch threads unless told):
    the best of ``rounds`` timings, each repeating the product for at least ``min_seconds``, after one warm-up."""
    device = torch.device(device)
    a, b = torch.randn(m, k, device=device, dtype=dtype), torch.randn(k, n, device=device, dtype=dtype)
    out = torch.empty(m, n, device=device, dtype=dtype)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    torch.mm(a, b, out=out)
    sync()
    best = 0.0
    for _ in range(rounds):
        count, started = 0, time.perf_counter()
        while True:
            torch.mm(a, b, out=out)
            sync()
            count += 1
            elapsed = time.perf_counter() - started
            if elapsed >= min_seconds:
                break
        best = max(best, 2.0 * m * k * n * count / elapsed / 1e9)
    return best


def gemm_peak(shapes: Mapping[tuple[int, int], int], tokens: int, **timing) -> float:
    """GFLOP/s of the model's own forward GEMMs at ``tokens`` rows: each ``(in, out)`` shape timed by
    :func:`matmul_peak`, weighted by how many layers have it (total FLOPs / total time)."""
    flops = seconds = 0.0
    for (k, n), count in shapes.items():
        work = 2.0 * tokens * k * n * count
        flops += work
        seconds += work / (matmul_peak(tokens, k, n, **timing) * 1e9)
    return flops / seconds / 1e9


def peaks(shapes: Mapping[tuple[int, int], int], tokens: int, square: int = 2048, **timing) -> dict:
    """Both peaks in GFLOP/s: ``square`` (``torch.mm`` of two ``square x square`` matrices) and ``own`` (the GEMM
    ``shapes`` of :func:`linear_shapes` at ``tokens`` rows), with the threads torch used and the dtype."""
    return {
        "square": matmul_peak(square, square, square, **timing),
        "square_size": square,
        "own": gemm_peak(shapes, tokens, **timing),
        "own_tokens": tokens,
        "threads": torch.get_num_threads(),
        "dtype": str(timing.get("dtype", torch.float32)).replace("torch.", ""),
    }


def utilisation_line(flops: float, seconds: float, peak: Mapping) -> str:
    """``model FLOP/s X G = a of the square peak (..), b of the own-shape peak (..)``: what the benchmarks print."""
    rate = flops / seconds / 1e9
    return (
        f"model FLOP/s {rate:.1f} G = {rate / peak['square']:.2f} of the square peak ({peak['square']:.1f} G, "
        f"torch.mm {peak['square_size']}^3 {peak['dtype']}, {peak['threads']} threads), "
        f"{rate / peak['own']:.2f} of the own-shape peak ({peak['own']:.1f} G, "
        f"the model's GEMMs at {peak['own_tokens']} tokens)"
    )
