"""Cross-entropy losses and their gradients, derived by hand (notebook 01).

Each function works on float64 tensors and returns what the derivation gives; notebook 01 and
the tests compare them with autograd and with finite differences.
"""

from __future__ import annotations

import torch

IGNORE_INDEX = -100


def sigmoid(z: torch.Tensor) -> torch.Tensor:
    """σ(z) = 1 / (1 + e^{-z}), computed without overflow for large |z|."""
    return torch.where(z >= 0, 1 / (1 + torch.exp(-z)), torch.exp(z) / (1 + torch.exp(z)))


def bce_with_logits(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy from logits: −[y log σ(z) + (1−y) log(1−σ(z))].

    Since log σ(z) = z − log(1 + e^z) and log(1 − σ(z)) = −log(1 + e^z), this is
    log(1 + e^z) − y·z, with log(1 + e^z) computed stably by ``softplus``. (The other common
    stable form, max(z, 0) − z·y + log(1 + e^{−|z|}), has the right value but kinks at z = 0
    where autograd picks a wrong one-sided derivative.)
    """
    return (torch.nn.functional.softplus(z) - z * y).mean()


def bce_grad_logits(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """∂/∂z of the mean BCE: (σ(z) − y) / N."""
    return (sigmoid(z) - y) / z.numel()


def naive_softmax(z: torch.Tensor) -> torch.Tensor:
    """softmax as the textbook writes it, e^{z_i} / Σ_j e^{z_j}: overflows for large logits."""
    e = torch.exp(z)
    return e / e.sum(dim=-1, keepdim=True)


def logsumexp(z: torch.Tensor) -> torch.Tensor:
    """log Σ_j e^{z_j} = m + log Σ_j e^{z_j − m} with m = max_j z_j (never overflows)."""
    m = z.max(dim=-1, keepdim=True).values
    return (m + torch.log(torch.exp(z - m).sum(dim=-1, keepdim=True))).squeeze(-1)


def softmax(z: torch.Tensor) -> torch.Tensor:
    """Stable softmax: e^{z_i − m} / Σ_j e^{z_j − m} with m = max_j z_j.

    Not exp(z − logsumexp(z)): that subtracts two numbers near max(z), and logsumexp(z) carries
    the rounding error of a number that large (about 3e-5 at 1000 in float32), which exp turns
    into the same relative error in every probability. z − m is exact, so this form is as
    accurate as the dtype allows.
    """
    e = torch.exp(z - z.max(dim=-1, keepdim=True).values)
    return e / e.sum(dim=-1, keepdim=True)


def log_softmax(z: torch.Tensor) -> torch.Tensor:
    """log p = (z − m) − log Σ_j e^{z_j − m}: finite for any finite logits, exact where z − m is."""
    shifted = z - z.max(dim=-1, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def cross_entropy(z: torch.Tensor, y: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """Mean softmax cross-entropy of logits ``z`` (N, K) against class ids ``y`` (N,).

    With label smoothing α the target is q = (1 − α)·onehot(y) + α/K, and the loss is
    −Σ_k q_k log p_k, computed from :func:`log_softmax` as ``F.cross_entropy`` does (the equal
    form logsumexp(z) − Σ_k q_k z_k cancels two large numbers and loses digits in float32).
    """
    q = smoothed_targets(y, z.shape[-1], label_smoothing, z.dtype)
    return -(q * log_softmax(z)).sum(dim=-1).mean()


def smoothed_targets(y: torch.Tensor, k: int, alpha: float = 0.0, dtype=torch.float64) -> torch.Tensor:
    """q = (1 − α)·onehot(y) + α/K."""
    onehot = torch.nn.functional.one_hot(y, k).to(dtype)
    return (1 - alpha) * onehot + alpha / k


def cross_entropy_grad_logits(z: torch.Tensor, y: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """∂/∂z of the mean cross-entropy: (softmax(z) − q) / N."""
    q = smoothed_targets(y, z.shape[-1], label_smoothing, z.dtype)
    return (softmax(z) - q) / z.shape[0]


def masked_token_cross_entropy(
    z: torch.Tensor, y: torch.Tensor, ignore_index: int = IGNORE_INDEX, reduction: str = "mean"
) -> torch.Tensor:
    """Token-level loss for tagging: the mean (or ``reduction="sum"``) over positions whose label is not
    ``ignore_index``.

    ``z`` is (batch, length, K), ``y`` is (batch, length). Padding and continuation sub-words
    carry ``ignore_index`` and contribute nothing, neither to the sum nor to the count. The sum
    is what gradient accumulation adds up across micro-batches before dividing by the number of
    targets of the whole accumulated batch.
    """
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction={reduction!r}: use 'mean' or 'sum'")
    mask = y != ignore_index
    flat_z, flat_y = z[mask], y[mask]
    summed = -log_softmax(flat_z).gather(-1, flat_y.unsqueeze(-1)).sum()
    return summed / mask.sum() if reduction == "mean" else summed


def masked_token_cross_entropy_grad(z: torch.Tensor, y: torch.Tensor, ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """∂/∂z of :func:`masked_token_cross_entropy`: m_t (softmax(z_t) − onehot(y_t)) / Σ m."""
    mask = y != ignore_index
    safe_y = torch.where(mask, y, torch.zeros_like(y))
    onehot = torch.nn.functional.one_hot(safe_y, z.shape[-1]).to(z.dtype)
    return (softmax(z) - onehot) * mask.unsqueeze(-1) / mask.sum()


def unmasked_token_cross_entropy(z: torch.Tensor, y: torch.Tensor, pad_label: int = 0) -> torch.Tensor:
    """The bug to avoid: every position scored, padding given a real label (``pad_label``)."""
    y = torch.where(y == IGNORE_INDEX, torch.full_like(y, pad_label), y)
    return -log_softmax(z).gather(-1, y.unsqueeze(-1)).mean()


def kl_divergence(q: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """KL(q ‖ p) = Σ q log(q / p), with 0 · log 0 = 0."""
    ratio = torch.where(q > 0, q * (torch.log(q) - torch.log(p)), torch.zeros_like(q))
    return ratio.sum(dim=-1)


def entropy(q: torch.Tensor) -> torch.Tensor:
    """H(q) = −Σ q log q, with 0 · log 0 = 0."""
    return -torch.where(q > 0, q * torch.log(q), torch.zeros_like(q)).sum(dim=-1)
