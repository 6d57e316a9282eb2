"""Calibration: do predicted probabilities mean what they say?

A model is calibrated when, of all the predictions it makes with confidence 0.8, about 80% are
right. The **expected calibration error** (ECE) bins predictions by confidence and averages
|accuracy − confidence| over bins, weighted by their size. **Temperature scaling** (Guo et al.,
2017) divides the logits by one number T > 0, fitted to minimise the negative log-likelihood on
held-out examples that neither trained the model nor chose its epoch (a calibration split). A
positive T keeps the order of each row's logits, so it changes confidences, never the predicted
class; what it can change is every decision taken on a confidence threshold.
"""

from __future__ import annotations

import numpy as np
import torch

from sftlab.evaluate.comparison import Comparison, compare


def reliability(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10) -> list[dict]:
    """Per equal-width confidence bin: count, mean confidence and accuracy (empty bins omitted)."""
    confidence = probabilities.max(1)
    correct = probabilities.argmax(1) == labels
    edges = np.linspace(0, 1, bins + 1)
    rows = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidence > low) & (confidence <= high) if low > 0 else (confidence >= low) & (confidence <= high)
        if inside.any():
            rows.append(
                {
                    "low": float(low),
                    "high": float(high),
                    "count": int(inside.sum()),
                    "confidence": float(confidence[inside].mean()),
                    "accuracy": float(correct[inside].mean()),
                }
            )
    return rows


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """ECE = Σ_bins (n_b / N) · |accuracy_b − confidence_b|."""
    rows = reliability(probabilities, labels, bins)
    total = sum(r["count"] for r in rows)
    return float(sum(r["count"] / total * abs(r["accuracy"] - r["confidence"]) for r in rows))


def log_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """log p, usable as logits: log-softmax shifts each row of logits by a constant, which no softmax (at any T)
    sees."""
    return np.log(np.clip(probabilities, np.finfo(np.float64).tiny, 1.0))


def fit_temperature(logits: np.ndarray, labels: np.ndarray, steps: int = 200) -> float:
    """The temperature T minimising the NLL of softmax(logits / T) on held-out ``labels``."""
    z = torch.tensor(logits, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.long)
    log_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(z / log_t.exp(), y)
        loss.backward()
        return loss

    optimizer.step(closure)
    return float(log_t.detach().exp())


def apply_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / T)."""
    return torch.softmax(torch.tensor(logits, dtype=torch.float64) / temperature, -1).numpy()


def negative_log_likelihood(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean −log p(true class)."""
    return float(-np.log(np.clip(probabilities[np.arange(len(labels)), labels], 1e-12, 1)).mean())


def selective_accuracy(probabilities: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    """Predictions with confidence ≥ ``threshold`` only: their share (coverage), count and accuracy (NaN if none)."""
    confidence = probabilities.max(1)
    kept = confidence >= threshold
    correct = probabilities.argmax(1) == labels
    return {
        "coverage": float(kept.mean()),
        "count": int(kept.sum()),
        "accuracy": float(correct[kept].mean()) if kept.any() else float("nan"),
    }


def confidence_gap(
    probabilities: np.ndarray,
    labels: np.ndarray,
    threshold: float,
    *,
    comparisons: int = 1,
    samples: int = 2000,
    seed: int = 0,
) -> Comparison:
    """Among the predictions at confidence ≥ ``threshold``: accuracy minus mean confidence, with its interval.

    Negative: the model is right less often than it says there (overconfident); positive: more
    often (underconfident). A paired bootstrap over those predictions, widened for ``comparisons``.
    """
    confidence = probabilities.max(1)
    band = confidence >= threshold
    if band.sum() < 2:
        raise ValueError(f"only {int(band.sum())} prediction(s) at confidence >= {threshold}: too few to measure a gap")
    correct = (probabilities.argmax(1) == labels)[band].astype(float)
    return compare(
        correct,
        confidence[band],
        names=("accuracy", "mean confidence"),
        measure="(share right minus confidence)",
        comparisons=comparisons,
        samples=samples,
        seed=seed,
    )


def describe_gap(gap: Comparison) -> str:
    """:func:`confidence_gap` in words: the measured direction, whether the interval tells it from 0, what it still
    allows."""

    def side(x: float) -> str:
        return f"{-x:.3f} overconfident" if x < 0 else f"{x:.3f} underconfident" if x > 0 else "0.000 (none)"

    verdict = (
        "no gap detected (the interval contains 0)"
        if gap.within_noise
        else f"{'overconfident' if gap.high < 0 else 'underconfident'} beyond the noise (the interval excludes 0)"
    )
    widened = f", widened for {gap.comparisons} comparisons" if gap.comparisons > 1 else ""
    return (
        f"{gap.examples} predictions, measured {side(gap.difference)}; {100 * gap.level:.1f}% interval "
        f"[{gap.low:+.3f}, {gap.high:+.3f}]{widened}: {verdict}; the interval allows anything from "
        f"{side(gap.low)} to {side(gap.high)}"
    )
