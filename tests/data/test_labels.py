"""Label naming: raw labels read as numbers or names, and named from a list, a string or a mapping."""

from __future__ import annotations

import pytest

from sftlab.data.labels import label_mapping, name_labels, raw_label
from sftlab.io.errors import ConfigError, DataError


def test_raw_labels_are_numbers_or_names():
    assert [raw_label(x) for x in (1, "1", 1.0, " pos ", True)] == [
        ("number", "1"),
        ("number", "1"),
        ("number", "1"),
        ("name", "pos"),
        ("name", "true"),
    ]
    assert [raw_label(x) for x in ("", None, [1], 1.5)] == [None] * 4


def test_every_form_of_label_names_gives_one_mapping():
    expected = {"0": "negative", "1": "positive"}
    assert label_mapping(["negative", "positive"]) == label_mapping("negative, positive") == expected
    assert label_mapping({0: "negative", "1": "positive"}) == expected


def test_name_labels_names_numbers_in_place_and_rejects_a_mix():
    records = [{"label": 0, "_line": 1}, {"label": "1", "_line": 2}]
    assert name_labels(records, ["negative", "positive"], "f") == {"0": "negative", "1": "positive"}
    assert [r["label"] for r in records] == ["negative", "positive"]
    with pytest.raises(DataError, match="labels mix"):
        name_labels([{"label": 0, "_line": 1}, {"label": "pos", "_line": 2}], None, "f")


@pytest.mark.parametrize(
    "names,problem", [([], "is empty"), (["negative", ""], "not a word"), ({0: None}, "not a word")]
)
def test_bad_label_names(names, problem):
    with pytest.raises(ConfigError, match=problem):
        label_mapping(names)
