"""Tests of ``sftlab.train.checkpoint``."""

from __future__ import annotations

import os
import pickle

import pytest
import torch

from sftlab.train.checkpoint import CheckpointError, load_checkpoint, remove_stale_temporaries, save_checkpoint


class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_checkpoint_round_trip_and_atomicity(tmp_path):
    path = tmp_path / "last.pt"
    save_checkpoint(path, {"model": {"w": torch.ones(2)}, "epoch": 3, "rng": (3, (1, 2), None)})
    assert load_checkpoint(path)["epoch"] == 3
    (tmp_path / ".last.pt.abc.tmp").write_bytes(b"half")
    assert remove_stale_temporaries(tmp_path) == 1 and [p.name for p in tmp_path.iterdir()] == ["last.pt"]


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as handle:
        pickle.dump({"model": Payload()}, handle)
    with pytest.raises(CheckpointError, match="refused to load"):
        load_checkpoint(path)
    torch.save({"obj": Payload()}, tmp_path / "evil2.pt")
    with pytest.raises(CheckpointError, match="not a weights-only checkpoint"):
        load_checkpoint(tmp_path / "evil2.pt")


def test_truncated_checkpoint_is_refused(tmp_path):
    path = tmp_path / "last.pt"
    save_checkpoint(path, {"model": {"w": torch.ones(1000)}})
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(CheckpointError, match="Delete it"):
        load_checkpoint(path)
