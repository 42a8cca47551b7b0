"""Handing a store's resident memory-mapped file pages back to the kernel (Linux `MADV_PAGEOUT`; no-op elsewhere).

Qdrant Edge reads its segment files (full vectors, payloads) and its write-ahead log through
memory maps. Every page it touches stays in the process's resident size until the kernel needs
the memory: an exact synonym search over 50k entity vectors leaves ~75 MB of the vector file
resident, the log ~50 MB more, and the figure grows with the corpus. After a flush those pages
are clean copies of the files: `MADV_PAGEOUT` asks the kernel to reclaim them now, and the next
read faults them in from disk again. The advice never changes what a mapping holds (anonymous
memory it meets is only swapped, where there is swap), so a mapping that was replaced between
reading /proc/self/maps and the call loses nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass
from pathlib import Path

MADV_PAGEOUT = 21  # Linux ≥ 5.4, asm-generic/mman-common.h
# The files worth handing back: full vectors (kept "cold" by design), the int8 copy the HNSW walk
# scores (mapped from vector_storage/quantized.data in collections made since December 2026; an
# older collection pins it in anonymous memory, which the advice leaves alone), payloads and the
# log. The HNSW links stay resident: every search walks them.
RELEASED_PARTS = ("/vector_storage/", "/payload_storage/", "/wal/")


@dataclass(frozen=True)
class Mapping:
    """One mapped range of a file, from /proc/self/maps."""

    start: int
    end: int
    path: str


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    if not hasattr(libc, "madvise"):
        return None
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    libc.madvise.restype = ctypes.c_int
    return libc


_LIBC = _libc()


def parse_maps(text: str) -> list[Mapping]:
    """The file-backed ranges of a /proc/PID/maps text (anonymous and special mappings left out)."""
    out = []
    for line in text.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) < 6 or not fields[5].startswith("/"):
            continue
        start, _, end = fields[0].partition("-")
        out.append(Mapping(int(start, 16), int(end, 16), fields[5].removesuffix(" (deleted)")))
    return out


def releasable(mappings: list[Mapping], root: Path) -> list[Mapping]:
    """The mappings of store files under `root` that hold vectors, payloads or the log."""
    prefix = os.path.join(os.path.realpath(root), "")
    return [m for m in mappings if m.path.startswith(prefix) and any(p in m.path for p in RELEASED_PARTS)]


def page_out(root: Path) -> int:
    """Ask the kernel to reclaim the resident pages of the store files mapped under `root`; returns the
    bytes advised (0 where the platform has no such advice). Dirty pages are left to writeback."""
    if _LIBC is None:
        return 0
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return 0
    advised = 0
    for m in releasable(parse_maps(maps), root):
        if _LIBC.madvise(m.start, m.end - m.start, MADV_PAGEOUT) == 0:
            advised += m.end - m.start
    return advised
