"""Tests of ``sftlab.run.profiles``."""

from __future__ import annotations

import pytest

from sftlab.io.errors import ConfigError
from sftlab.run import runner
from sftlab.run.profiles import PROFILES, settings


def test_profiles_and_overrides():
    assert set(PROFILES) == {"smoke", "cpu", "full"}
    assert settings("01_theory", "smoke").logreg_steps > 0
    assert settings("01_theory", "smoke", logreg_steps=7).logreg_steps == 7
    assert settings("01_theory", "smoke", logreg_steps=None).logreg_steps == settings("01_theory", "smoke").logreg_steps


@pytest.mark.parametrize(
    "kwargs,phrase",
    [
        ({"profile": "huge"}, "unknown profile"),
        ({"logreg_steps": -3}, "must be a positive number"),
        ({"logreg_steps": 2.5}, "must be a whole number"),
        ({"epochs_typo": 3}, "is not a setting"),
    ],
)
def test_bad_profile_parameters(kwargs, phrase):
    profile = kwargs.pop("profile", "smoke")
    with pytest.raises(ConfigError, match=phrase):
        settings("01_theory", profile, **kwargs)


def test_every_notebook_records_under_its_own_name_and_has_settings():
    """The report finds a notebook's figures by its file name, so record() must use that name."""
    import json
    import re

    from sftlab.run.profiles import SETTINGS
    from sftlab.run.refresh import DEPENDS
    from tests.conftest import ROOT

    for path in runner.find_notebooks(ROOT / "notebooks"):
        name = runner.notebook_name(path)
        code = "\n".join(
            "".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"
        )
        assert re.findall(r'(?<![\w.])record\(\s*"([^"]+)"', code) == [name], f"{path.name} records under another name"
        if not name.startswith("solutions/"):
            # its own settings, and (to describe them) those of the notebooks whose saved models it reads
            readable = {name} | {upstream for upstream, _ in DEPENDS.get(name, [])}
            found = set(re.findall(r'settings\(\s*"([^"]+)"', code))
            assert name in found and found <= readable and name in SETTINGS, path.name


@pytest.mark.parametrize("budgets", [16, "16", [], [16, 0], [16, -8], [16, 2.5], [True]])
def test_a_list_setting_takes_only_positive_whole_numbers(budgets):
    with pytest.raises(ConfigError, match="must be a list of positive whole numbers"):
        settings("10_which_data", "cpu", budgets=budgets)


def test_a_list_setting_is_kept_as_a_tuple_of_ints():
    assert settings("10_which_data", "cpu", budgets=[16, 32.0]).budgets == (16, 32)
    assert settings("10_which_data", "cpu").budgets == (16, 32, 64)
