"""Tests of ``sftlab.train.memory``: the resident set and its peak follow what a process allocates."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from sftlab.train.memory import peak_resident_bytes, reset_peak, resident_bytes

_PROBE = """
import json, sys, torch
from sftlab.train.memory import hand_back_freed_memory, peak_resident_bytes, reset_peak, resident_bytes
handed = hand_back_freed_memory() if sys.argv[1] == "hand back" else None
before = resident_bytes()
reset_peak(torch.device("cpu"))
blocks = [torch.ones(25 * 1024) for _ in range(2048)]  # 2048 blocks of 100 KiB, written
during = resident_bytes()
del blocks[1::2]  # every other one: holes that a heap keeps for reuse
print(json.dumps({"handed": handed, "grew": during - before, "freed": during - resident_bytes(),
                  "peak": peak_resident_bytes() - before}))
"""


def _probe(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # two Python processes that import torch
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and VmHWM are Linux's")
def test_handing_back_freed_memory_makes_the_resident_set_follow_the_tensors():
    mib = 2**20
    handed, kept = _probe("hand back"), _probe("default")
    assert handed["handed"] is True
    assert handed["grew"] > 180 * mib and handed["peak"] > 180 * mib, handed
    assert handed["freed"] > 80 * mib, handed  # half of the 200 MiB, returned to the system
    assert kept["freed"] < 20 * mib, kept  # glibc's default keeps the holes: why measure_steps hands back


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")
def test_reset_peak_starts_the_high_water_mark_again():
    block = torch.ones(64 * 2**20 // 4)
    del block
    assert reset_peak(torch.device("cpu"))
    assert peak_resident_bytes() - resident_bytes() < 32 * 2**20
