"""Resident memory of this process, read from /proc/self/status (Linux), for the benchmarks."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import queue
from collections.abc import Callable
from pathlib import Path
from typing import Any


def rss_mb(kind: str = "VmRSS") -> float:
    """Resident memory now (`VmRSS`; `RssAnon`: the heap, where the graph lives; `RssFile`: mapped
    files, the store's), after a collection and handing freed heap back to the OS."""
    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return status_mb(kind)


def status_mb(kind: str) -> float:
    """One figure of /proc/self/status in MB as it stands (no collection first: cheap enough to poll)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {kind} in /proc/self/status")


def reset_peak_rss() -> None:
    """Start VmHWM over from the current RSS (Linux: `5` to clear_refs)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def row_of_fresh_process(target: Callable[..., None], args: tuple[Any, ...], what: str) -> dict[str, object]:
    """The one row `target(*args, out)` puts on `out`, run in a fresh (spawned) process so that its
    memory is its own; the row is read before the process is joined (a child exits only once its queued
    row is taken). Exits naming `what` when the process fails or gives no row."""
    context = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[dict[str, object]] = context.Queue()
    child = context.Process(target=target, args=(*args, out))
    child.start()
    try:
        row: dict[str, object] | None = out.get(timeout=3600)
    except queue.Empty:
        row = None
    child.join()
    if child.exitcode != 0 or row is None:
        raise SystemExit(f"the {what} failed (exit code {child.exitcode})")
    return row
