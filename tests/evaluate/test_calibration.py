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
    assert calibration.expected_calibration_error(after, labels) < calibration.expected_calibration_error(before, labels)
    assert calibration.negative_log_likelihood(after, labels) < calibration.negative_log_likelihood(before, labels)
