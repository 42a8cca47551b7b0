"""What stands between Qdrant Edge and the process: its errors as StorageError, and a full disk refused
before it can crash the process.

Edge writes through memory-mapped, sparse files (a shard holds ~450 MB of them on ~150 KB of
disk). When the disk is full, a store into a page that has no block yet is not an error the
binding can return: the kernel sends SIGBUS and the whole process dies (seen on ext4 and tmpfs).
So every write first checks the free space of the shard's filesystem: under `min_free_bytes`
plus three times what the write brings (its write-ahead-log entry, its copy in the segment,
rounding to pages), it is refused with DiskFull (a StorageError), which callers retry. Loading a
stored shard fills its vector chunk files (32 MiB each) whole, so opening one needs the reserve
plus the holes in those files. The check cannot see another process filling the disk between it
and the write; the reserve is the margin for that.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar

from memrag.memory.errors import StorageError
from memrag.memory.ports import VectorRecord
from memrag.memory.storage.failures import translated

MIN_FREE_BYTES = 32 * 2**20
_PLENTY = 2**30  # this much free beyond the reserve, no write of ours can fill the disk: the estimate is skipped
_MB = 2**20

P = ParamSpec("P")
R = TypeVar("R")


class DiskFull(StorageError):
    """The filesystem under embedded storage has too little free space for a write."""


def edge_errors(operation: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """What the binding raises (plain Exceptions, with paths in their text) as StorageError."""
    return translated("embedded storage (Qdrant Edge)", operation)


def ensure_room(path: Path, records: Sequence[VectorRecord], min_free_bytes: int) -> None:
    """DiskFull unless the filesystem holding `path` has room for `records` and the reserve."""
    free = _free_bytes(path)
    if free >= min_free_bytes + _PLENTY:
        return
    needed = min_free_bytes + 3 * sum(_size(r) for r in records)
    if free < needed:
        raise DiskFull(
            f"the disk under embedded storage is full ({free // _MB} MB free, {needed // _MB + 1} MB needed "
            "to write safely): free space, then retry"
        )


def ensure_room_to_open(path: Path, min_free_bytes: int) -> None:
    """DiskFull unless the filesystem holding `path` can take the reserve and what loading the shard
    allocates (the unallocated part of its vector chunk files)."""
    holes = sum(max(0, f.stat().st_size - f.stat().st_blocks * 512) for f in path.rglob("chunk_*.mmap"))
    ensure_room(path, (), min_free_bytes + holes)


def room_for_optimize(path: Path, min_free_bytes: int) -> bool:
    """Whether rebuilding the shard under `path` (new segments beside the old ones) fits on its disk."""
    free = _free_bytes(path)
    return free >= min_free_bytes + _PLENTY or free >= min_free_bytes + allocated_bytes(path)


def allocated_bytes(path: Path) -> int:
    """Disk blocks in use under `path` (sparse files count what they hold, not their length)."""
    return sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file())


def _free_bytes(path: Path) -> int:
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return shutil.disk_usage(existing).free


def _size(record: VectorRecord) -> int:
    payload = json.dumps(record.payload, default=str, ensure_ascii=False)
    return 4 * int(record.vector.size) + len(payload.encode()) + 256
