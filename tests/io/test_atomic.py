"""Atomic writes: a failure mid-write leaves the old file and no temporary file behind."""

from __future__ import annotations

import json

import pytest

from sftlab.io.atomic import atomic_open, write_json, write_text


def test_failure_mid_write_keeps_old_content_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_open(path) as handle:
            handle.write("half of the new con")
            raise RuntimeError("disk full")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["data.txt"]


def test_keyboard_interrupt_is_handled_the_same_way(tmp_path):
    path = tmp_path / "data.txt"
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(path) as handle:
            handle.write("partial")
            raise KeyboardInterrupt
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_write_text_creates_parent_folders(tmp_path):
    path = tmp_path / "a" / "b" / "c.txt"
    write_text(path, "hello")
    assert path.read_text() == "hello"


def test_write_json_is_sorted_and_stable(tmp_path):
    path = tmp_path / "m.json"
    write_json(path, {"b": 1, "a": [1, 2]})
    first = path.read_bytes()
    write_json(path, {"a": [1, 2], "b": 1})
    assert path.read_bytes() == first
    assert json.loads(first) == {"a": [1, 2], "b": 1}


def test_binary_mode(tmp_path):
    path = tmp_path / "x.bin"
    with atomic_open(path, "wb") as handle:
        handle.write(b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
