"""Tests of ``sftlab.run.lanes``: every notebook in one lane, after the notebooks whose output it reads."""

from __future__ import annotations

import sys

import pytest

from sftlab.run.lanes import CPU_LANES, LANES, lanes_for, side_by_side, split_into_lanes
from sftlab.run.runner import find_notebooks, notebook_name
from tests.conftest import ROOT


@pytest.mark.parametrize("profile", ["smoke", "cpu"])
def test_every_notebook_runs_in_one_lane_after_the_notebooks_whose_output_it_reads(profile):
    lanes = lanes_for(profile)
    assert lanes is (CPU_LANES if profile == "cpu" else LANES)
    notebooks = sorted(notebook_name(path) for path in find_notebooks(ROOT / "notebooks"))
    assert sorted(name for lane in lanes for name in lane) == notebooks
    where = {name: (k, lane.index(name)) for k, lane in enumerate(lanes) for name in lane}

    def before(first, then):  # in the same lane, and earlier
        (lane_a, at_a), (lane_b, at_b) = where[first], where[then]
        return lane_a == lane_b and at_a < at_b

    for encoder in ("05_ner_finetuning", "06_sentiment_finetuning"):  # their saved models are read by 07 and 08
        assert before(encoder, "07_instruction_tuning") and before(encoder, "08_evaluation")
    for language_model in ("04_automated_construction", "10_which_data"):  # 02 dequantizes SmolLM2 first
        assert before("02_building_data", language_model)


def test_a_selection_keeps_each_lane_s_order_and_new_notebooks_go_to_the_shorter_lane():
    lanes = [["05", "06", "07"], ["02", "04"]]
    assert split_into_lanes(["07", "02", "05"], lanes) == [["05", "07"], ["02"]]
    assert split_into_lanes(["04", "11", "12"], lanes) == [["11", "12"], ["04"]]
    assert split_into_lanes(["06"], lanes) == [["06"]]


def test_commands_side_by_side_give_the_first_failing_status(capsys):
    code = side_by_side([[sys.executable, "-c", "print('a')"], [sys.executable, "-c", "raise SystemExit(3)"]])
    assert code == 3 and "[lane 1] a" in capsys.readouterr().out


def test_a_lane_of_several_commands_runs_them_in_order_and_on_after_a_failure(capsys):
    def say(text):
        return [sys.executable, "-c", f"print({text!r})"]

    fail = [sys.executable, "-c", "raise SystemExit(4)"]
    code = side_by_side([[say("a1"), fail, say("a3")], say("b")])
    out = capsys.readouterr().out
    assert code == 4 and "[lane 2] b" in out
    assert out.index("[lane 1] a1") < out.index("raise SystemExit(4)") < out.index("[lane 1] a3")


def test_a_command_that_cannot_start_fails_its_lane(capsys):
    code = side_by_side([[["/no/such/program"]], [sys.executable, "-c", "print('b')"]])
    assert code == 127 and "cannot start /no/such/program" in capsys.readouterr().out
