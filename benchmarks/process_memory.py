"""Resident memory of this process, read from /proc/self/status (Linux), for the benchmarks."""

from __future__ import annotations

import contextlib
import ctypes
import gc
from pathlib import Path


def rss_mb(kind: str = "VmRSS") -> float:
    """Resident memory now (`VmRSS`; `RssAnon`: the heap, where the graph lives; `RssFile`: mapped
    files, the store's), after a collection and handing freed heap back to the OS."""
    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {kind} in /proc/self/status")


def reset_peak_rss() -> None:
    """Start VmHWM over from the current RSS (Linux: `5` to clear_refs)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
