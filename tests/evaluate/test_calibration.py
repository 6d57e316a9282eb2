"""Tests of ``sftlab.evaluate.calibration``."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.evaluate import calibration


def test_ece_hand_computed():
    probabilities = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    labels = np.array([0, 1, 0, 0])
    # bin (0.8, 0.9]: confidence 0.9, accuracy 0.5; bin (0.5, 0.6]: confidence 0.6, accuracy 1.0
    assert calibration.expected_calibration_error(probabilities, labels) == pytest.approx(0.5 * 0.4 + 0.5 * 0.4)


def test_temperature_scaling_fixes_overconfidence_without_changing_predictions():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 2000)
    x = np.where(labels == 1, 1.0, -1.0) + rng.normal(0, 1, 2000)
    # x is ±1 plus unit noise, so the calibrated log-odds are 2x; logits of 4x are twice too confident
    overconfident = np.stack([np.zeros(2000), 4 * x], 1)
    temperature = calibration.fit_temperature(overconfident, labels)
    assert 1.7 < temperature < 2.3
    before = calibration.apply_temperature(overconfident, 1.0)
    after = calibration.apply_temperature(overconfident, temperature)
    assert (before.argmax(1) == after.argmax(1)).all()
    assert calibration.expected_calibration_error(after, labels) < calibration.expected_calibration_error(
        before, labels
    )
    assert calibration.negative_log_likelihood(after, labels) < calibration.negative_log_likelihood(before, labels)


def test_log_probabilities_work_as_logits_for_temperature_scaling():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, (50, 3))
    probabilities = calibration.apply_temperature(logits, 1.0)
    for temperature in (0.5, 1.0, 2.5):
        assert np.allclose(
            calibration.apply_temperature(calibration.log_probabilities(probabilities), temperature),
            calibration.apply_temperature(logits, temperature),
        )
    assert np.isfinite(calibration.log_probabilities(np.array([[1.0, 0.0]]))).all()


def test_selective_accuracy_keeps_only_confident_predictions():
    probabilities = np.array([[0.95, 0.05], [0.92, 0.08], [0.6, 0.4], [0.3, 0.7]])
    labels = np.array([0, 1, 0, 1])
    result = calibration.selective_accuracy(probabilities, labels, 0.9)
    assert result == {"coverage": 0.5, "count": 2, "accuracy": 0.5}
    assert np.isnan(calibration.selective_accuracy(probabilities, labels, 0.99)["accuracy"])


def test_confidence_gap_measures_accuracy_minus_confidence_in_the_band():
    # 100 predictions at confidence 0.95, of which 80 are right: 15 points overconfident; the rest lie below the band
    probabilities = np.array([[0.95, 0.05]] * 100 + [[0.6, 0.4]] * 50)
    labels = np.array([0] * 80 + [1] * 20 + [0] * 50)
    gap = calibration.confidence_gap(probabilities, labels, 0.9, samples=500)
    assert gap.examples == 100 and gap.difference == pytest.approx(0.80 - 0.95)
    assert gap.b_better and gap.high < 0  # beyond the noise: the band's accuracy is below its confidence
    text = calibration.describe_gap(gap)
    assert "measured 0.150 overconfident" in text and "overconfident beyond the noise" in text
    widened = calibration.confidence_gap(probabilities, labels, 0.9, comparisons=2, samples=500)
    assert widened.low < gap.low and "widened for 2 comparisons" in calibration.describe_gap(widened)


def test_confidence_gap_says_when_no_gap_is_detected_and_refuses_an_empty_band():
    probabilities = np.array([[0.9, 0.1]] * 10 + [[0.1, 0.9]] * 10)
    labels = np.array([0] * 9 + [1] + [1] * 9 + [0])  # 9 of 10 right at 0.9 on each side: no gap
    gap = calibration.confidence_gap(probabilities, labels, 0.9, samples=500)
    assert gap.difference == pytest.approx(0.0) and gap.within_noise
    text = calibration.describe_gap(gap)
    assert "no gap detected" in text and "overconfident to" in text and text.endswith("underconfident")
    with pytest.raises(ValueError, match="too few"):
        calibration.confidence_gap(probabilities, labels, 0.99)
