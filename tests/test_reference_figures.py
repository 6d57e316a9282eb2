"""Comparing a run's figures with the reference run's: a changed figure is caught, a machine-dependent one ranged."""

from __future__ import annotations

from tests.reference_figures import differences, machine_dependent_problems


def test_differences_catch_a_changed_figure():
    assert differences({"a": {"f1": 0.6341}}, {"a": {"f1": 0.6340}}) == {}
    assert differences({"a": {"f1": 0.64}}, {"a": {"f1": 0.63}}) == {"a": {"f1": (0.64, 0.63)}}
    assert differences({"a": {"n": 3, "x": [1.0]}}, {"a": {"n": 4, "x": [1.0]}}) == {"a": {"n": (3, 4)}}


def test_machine_dependent_figures_are_held_to_a_range():
    run = {"09_practice": {"onnx_max_logit_difference": 2.6e-6, "best_lr": 3e-4}}
    assert machine_dependent_problems(run) == {} and run == {"09_practice": {"best_lr": 3e-4}}
    wrong = {"09_practice": {"onnx_max_logit_difference": 0.1, "int8_accuracy_change": -0.2}}
    assert machine_dependent_problems(wrong) == {
        "09_practice.onnx_max_logit_difference": (0.1, (0.0, 1e-4)),
        "09_practice.int8_accuracy_change": (-0.2, (-0.05, 0.05)),
    }
