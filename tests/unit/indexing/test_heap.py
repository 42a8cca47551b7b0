"""The indexing heap keeper: freed C heap goes back to the system, on schedule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from memrag.memory import heap

glibc_only = pytest.mark.skipif(heap._LIBC is None, reason="malloc_trim and mallopt are glibc's")


def _anonymous_mb() -> float:
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no Anonymous line in smaps_rollup")


@glibc_only
def test_release_gives_back_freed_heap_that_malloc_keeps() -> None:
    blocks = [bytes(2048) for _ in range(60_000)]  # ~120 MB of malloc'd blocks (over pymalloc's 512 B)
    pin = bytes(2048)  # allocated last: the heap's top stays in use, so free() alone cannot shrink it
    del blocks
    kept = _anonymous_mb()
    assert heap.release_free_heap()
    assert kept - _anonymous_mb() > 60  # most of the 120 MB freed in the middle of the heap is returned
    del pin


@glibc_only
def test_arena_limit_is_taken_once() -> None:
    assert heap.limit_arenas()
    assert heap.limit_arenas()  # a second engine in the process: already limited, still true


_LARGE_BLOCKS = """
from pathlib import Path
from memrag.memory import heap

def anonymous_mb():
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024

heap.limit_arenas()
large = b"x" * (8 << 20)
del large  # glibc alone would now keep blocks under 8 MB in the heap, and their free space resident
before = anonymous_mb()
# 64 MB in 1 MB blocks, each followed by a small block that stays: in a heap every freed 1 MB would
# be a hole between live blocks, which no free() gives back
megabyte, small = 1 << 20, 4096
pairs = [(b"x" * megabyte, b"x" * small) for _ in range(64)]
pins = [pin for _, pin in pairs]
del pairs
print(anonymous_mb() - before)
"""


@glibc_only
def test_large_blocks_go_back_when_freed_even_after_a_larger_one_was() -> None:
    """In a fresh process: what earlier tests left in this one's heap (a model's buffers) moves the figure."""
    grown = subprocess.run([sys.executable, "-c", _LARGE_BLOCKS], capture_output=True, text=True, check=True)
    assert float(grown.stdout) < 16  # each 1 MB block had its own mapping, unmapped when freed


def test_trim_schedule_releases_once_per_stretch_of_passages() -> None:
    schedule = heap.TrimSchedule(every=100)
    schedule.written(60)
    assert schedule.releases == 0
    schedule.written(40)
    assert schedule.releases == 1
    schedule.written(99)
    assert schedule.releases == 1
    schedule.written(250)  # one large batch: one release, and the count starts again
    assert schedule.releases == 2
