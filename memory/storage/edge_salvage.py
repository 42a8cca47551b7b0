"""Reopening a Qdrant Edge shard whose write-ahead log cannot be read back.

A payload nested past the decoder's recursion limit (128 levels; memrag's validation now
refuses anything past 8) was accepted by older versions and written to the shard's WAL. Edge
replays the WAL on every load and stops at that entry: the whole shard, so the namespace,
would never open again. Setting the WAL aside is not enough — the segments carry operation
numbers, and writes numbered again from zero would be silently ignored — so the shard is
rebuilt: every point its segments hold is copied (vector and payload) into a fresh shard — a
point whose payload cannot be decoded with the `unreadable` marker in its place, so that it is
quarantined and counted wherever it is read until its record is written again — and the old
directory and its WAL are kept beside it (`<name>.unreadable-<time>`) for an operator. Operations written
to the WAL since the last flush are lost; memrag flushes after every applied batch and on close.
The rebuilt shard keeps the layout the old one was made with (edge_layout.stored_layout); a float16
vector copied back is stored unchanged at memrag's dimensions (probed at 32–384; at 8 dimensions a
few rows' renormalisation moved a bit).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import qdrant_edge as qe

from memrag.memory.storage.points import unreadable

log = logging.getLogger("memrag.storage")
_PAGE = 256
_UNREADABLE_WAL = ("read WAL", "WAL entry", "RecursionLimitExceeded")  # what Edge 0.9 says when its WAL fails


def wal_unreadable(error: Exception) -> bool:
    """Whether loading failed on the WAL's content (not on a lock, a permission or a missing file)."""
    return any(marker in str(error) for marker in _UNREADABLE_WAL)


def rebuild(path: Path, create: Callable[[Path], qe.EdgeShard]) -> int:
    """Rebuild the shard at `path` from its segments (see the module docstring); returns how many
    points could not be decoded. `create` makes an empty shard of the same configuration at a path.
    If the rebuild fails, the shard is left as it was found."""
    kept = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
    fresh = path.with_name(f"{path.name}.rebuilding")
    wal = path.with_name(f"{path.name}.wal-aside")
    shutil.rmtree(fresh, ignore_errors=True)  # a rebuild that crashed part-way
    shutil.move(str(path / "wal"), str(wal))
    try:
        undecodable = _copy(path, fresh, create)
    except BaseException:
        shutil.rmtree(path / "wal", ignore_errors=True)  # the empty log the segments-only load made
        shutil.move(str(wal), str(path / "wal"))
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    path.rename(kept)
    shutil.rmtree(kept / "wal", ignore_errors=True)
    shutil.move(str(wal), str(kept / "wal"))
    fresh.rename(path)
    log.error(
        "a Qdrant Edge shard's write-ahead log could not be read; the shard was rebuilt from its segments, "
        "%d point(s) whose payload cannot be decoded are quarantined, and the old shard is kept beside it",
        undecodable,
    )
    return undecodable


def _copy(source: Path, target: Path, create: Callable[[Path], qe.EdgeShard]) -> int:
    """Every point of the shard at `source` whose payload decodes, into a new shard at `target`."""
    old = qe.EdgeShard.load(str(source))
    new = create(target)
    undecodable = 0
    try:
        offset = None
        while True:
            request = qe.ScrollRequest(limit=_PAGE, offset=offset, with_payload=False, with_vector=True)
            points, offset = old.scroll(request)
            copied = []
            for point in points:
                if point.vector is None:  # not asked for without one; nothing to copy if it happened
                    continue
                payload = _payload(old, point.id)
                if payload is None:  # kept as a marker: quarantined (and counted) wherever it is read
                    payload = unreadable(str(point.id), "its payload could not be decoded when the shard was rebuilt")
                    undecodable += 1
                copied.append(qe.Point(point.id, point.vector, payload))
            if copied:
                new.update(qe.UpdateOperation.upsert_points(copied))
            if offset is None:
                return undecodable
    finally:
        new.flush()
        new.close()
        old.close()


def _payload(shard: qe.EdgeShard, point_id: object) -> dict[str, object] | None:
    try:
        found = shard.retrieve(point_ids=[str(point_id)], with_payload=True, with_vector=False)
    except Exception:  # the binding raises plain Exceptions: this point's payload cannot be decoded
        return None
    return dict(found[0].payload or {}) if found else None
