"""Measured memory: the GPU allocator's peak, or the process's resident-set high-water mark on a CPU.

A process that has trained before keeps memory its allocator cached, so a fair comparison of two
setups measures each in a fresh process (:func:`sftlab.train.profiling.in_fresh_processes`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch


def resident_bytes() -> int:
    """The process's resident set now."""
    import psutil

    return psutil.Process().memory_info().rss


def peak_resident_bytes() -> int:
    """The process's resident-set high-water mark (Linux: ``VmHWM``, which :func:`reset_peak` resets)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        import psutil

        return psutil.Process().memory_info().peak_wset
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


def reset_peak(device: torch.device) -> bool:
    """Start a new peak: the CUDA allocator's, or the resident set's (Linux only); False where impossible."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return True
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def hand_back_freed_memory() -> bool:
    """From now on, have glibc return every freed block of 64 KiB or more to the system, and trim what it holds.

    Then the resident set follows the memory in use (glibc otherwise keeps freed memory for reuse).
    It makes allocation slower, so time a run before calling this, not after. False where the C
    library is not glibc (macOS, Windows, musl): the resident set then includes cached memory.
    """
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt, malloc_trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):
        return False
    m_mmap_threshold = -3  # glibc's malloc.h
    done = mallopt(m_mmap_threshold, 64 * 1024) == 1
    malloc_trim(0)
    return done


def peak_bytes(device: torch.device) -> int:
    """The peak since :func:`reset_peak`: allocated CUDA memory, or the resident-set high-water mark."""
    return torch.cuda.max_memory_allocated(device) if device.type == "cuda" else peak_resident_bytes()
