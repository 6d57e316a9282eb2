"""Tests of ``sftlab.evaluate.claims``: assert on the project's defaults, report on anything else."""

from __future__ import annotations

import numpy as np
import pytest

from sftlab.evaluate import claims
from sftlab.evaluate.comparison import compare


@pytest.fixture(autouse=True)
def back_to_defaults():
    yield
    claims.check_claims_for(dataset="bundled")


def test_on_the_defaults_a_failed_claim_stops_the_run(capsys):
    assert claims.check_claims_for(dataset="bundled", model_name="minilm")
    assert claims.expect(True, "the sky is up", "1 > 0")
    assert "checked: the sky is up (1 > 0)" in capsys.readouterr().out
    with pytest.raises(claims.ClaimError, match="no longer holds on the project's data: A beats B"):
        claims.expect(False, "A beats B", "0.1 < 0.2")


def test_on_a_learners_data_a_failed_claim_is_reported_and_the_run_goes_on(capsys):
    assert not claims.check_claims_for(dataset="/data/conll2003", model_name="minilm")
    assert "dataset='/data/conll2003'" in capsys.readouterr().out
    assert claims.expect(False, "A beats B", "+0.01 [-0.02, +0.04]") is False
    assert "on your data this did not hold: A beats B (+0.01 [-0.02, +0.04])" in capsys.readouterr().out
    assert claims.unmet_claims() == ["A beats B"]


def test_a_comparison_is_a_claim_that_a_is_better_and_brings_its_figures(capsys):
    rng = np.random.default_rng(0)
    a, b = rng.random(200) < 0.5, rng.random(200) < 0.5
    claims.check_claims_for(model_name="tiny-random")
    assert not claims.expect(compare(a, b, names=("A", "B")), "A beats B")
    assert "A - B = " in capsys.readouterr().out


def test_unknown_parameters_are_refused():
    with pytest.raises(ValueError, match="does not know"):
        claims.check_claims_for(datset="bundled")


@pytest.mark.parametrize(
    "a,b,printed",
    [
        ([1, 0, 1, 1], [1, 0, 1, 1], "agree on every test review"),
        ([1, 0, 1, 1, 0, 1], [1, 1, 0, 1, 0, 1], "not shown equal: the interval still allows"),
    ],
)
def test_no_difference_detected_says_what_it_leaves_open(capsys, a, b, printed):
    effect = compare(np.array(a, float), np.array(b, float), names=("x", "y"), measure="accuracy", samples=200)
    assert claims.expect_no_difference(effect, "x against y")
    out = capsys.readouterr().out
    assert "checked: x against y: no difference in accuracy detected" in out and printed in out


def test_a_detected_difference_fails_the_no_difference_claim():
    effect = compare(np.ones(50), np.zeros(50), names=("x", "y"), samples=200)
    with pytest.raises(claims.ClaimError, match="x against y: no difference in score detected"):
        claims.expect_no_difference(effect, "x against y")
