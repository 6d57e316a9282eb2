"""Adam with L2 weight decay vs AdamW's decoupled decay, one hand-written step each (notebook 01).

Both are checked against ``torch.optim.Adam(weight_decay=λ)`` and ``torch.optim.AdamW`` in the
tests, so the notebook can show where they differ on numbers that match PyTorch's.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class AdamState:
    """First and second moment estimates and the step count."""

    m: torch.Tensor
    v: torch.Tensor
    t: int = 0


def adam_state(theta: torch.Tensor) -> AdamState:
    """Zero moments for parameters shaped like ``theta``."""
    return AdamState(torch.zeros_like(theta), torch.zeros_like(theta))


def adam_step(
    theta: torch.Tensor,
    grad: torch.Tensor,
    state: AdamState,
    *,
    lr: float,
    weight_decay: float,
    decoupled: bool,
    decay_mask: torch.Tensor | None = None,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> torch.Tensor:
    """One Adam step; returns the new parameters and updates ``state`` in place.

    ``decoupled=False`` is L2 regularisation, θ ← θ − η·Adam(∇L + λθ): the decay goes through
    the adaptive scaling, so parameters with large gradient variance barely decay.
    ``decoupled=True`` is AdamW, θ ← θ − η·Adam(∇L) − ηλθ: every parameter decays at rate ηλ.
    ``decay_mask`` (1 where a parameter is decayed, 0 where not) leaves biases and normalisation
    weights undecayed, the standard practice, which is what two parameter groups, one with
    ``weight_decay=0``, do in ``torch.optim``. Without it every entry of ``theta`` is decayed.
    """
    beta1, beta2 = betas
    decay = weight_decay if decay_mask is None else weight_decay * decay_mask
    if decoupled:
        theta = theta * (1 - lr * decay)
    else:
        grad = grad + decay * theta
    state.t += 1
    state.m = beta1 * state.m + (1 - beta1) * grad
    state.v = beta2 * state.v + (1 - beta2) * grad * grad
    m_hat = state.m / (1 - beta1**state.t)
    v_hat = state.v / (1 - beta2**state.t)
    return theta - lr * m_hat / (v_hat.sqrt() + eps)
