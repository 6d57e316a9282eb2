"""Numerical gradient checks: central finite differences and relative error."""

from __future__ import annotations

from typing import Callable

import torch


def finite_difference_grad(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, eps: float = 1e-6
) -> torch.Tensor:
    """Central differences (f(x + εe_i) − f(x − εe_i)) / 2ε for each coordinate of ``x``.

    Use float64: in float32 the rounding error of f swamps ε and the estimate is useless.
    """
    x = x.detach().clone()
    grad = torch.zeros_like(x)
    flat, flat_grad = x.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        old = flat[i].item()
        flat[i] = old + eps
        plus = f(x).item()
        flat[i] = old - eps
        minus = f(x).item()
        flat[i] = old
        flat_grad[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖, 1e-300): 0 for equal tensors, about 1e-16 at float64 rounding."""
    scale = max(a.norm().item(), b.norm().item(), 1e-300)
    return (a - b).norm().item() / scale


def autograd_grad(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The gradient of scalar ``f`` at ``x`` by autograd."""
    x = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(x), x)
    return grad


def with_hand_gradient(
    f: Callable[[torch.Tensor], torch.Tensor], grad: Callable[[torch.Tensor], torch.Tensor]
) -> Callable[[torch.Tensor], torch.Tensor]:
    """``f`` as an autograd function whose backward is the hand-derived ``grad`` instead of autograd's.

    ``torch.autograd.gradcheck`` on the result compares ``grad`` with finite differences of ``f``:
    it tests the derivation, not PyTorch's own derivative of ``f``.
    """

    class HandGradient(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return f(x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * grad(x)

    return HandGradient.apply
