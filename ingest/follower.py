"""A reader of a shared store (Qdrant server) keeps its derived graphs current from the change feed.

The store's one writer announces each applied log entry on `memrag:changes:{ns}` with the
documents it added, replaced or deleted; a follower re-reads those documents from the store
and patches its graph (`Engine.refresh`). A namespace is followed from the moment it is first
seen; its engine is opened after that position is taken, so nothing falls in between.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from memrag.ingest.loops import run_until
from memrag.ingest.redis_queue import NAMESPACES, changes_key
from memrag.memory.engine import Engine


class ChangeFollower:
    """Applies change events of every namespace to the engines `engine_for` opens."""

    def __init__(self, client: redis.Redis, engine_for: Callable[[str], Engine]) -> None:
        self._r: Any = client  # redis-py types replies as unions; ours are raw bytes
        self._engine_for = engine_for
        self._positions: dict[str, str] = {}

    def run(self, stop: threading.Event) -> None:
        run_until(stop, lambda: self.step(block_ms=500), "change follower")

    def position(self, namespace: str) -> str | None:
        """The last change event of `namespace` refreshed here; None while it is not followed (monitoring)."""
        return self._positions.get(namespace)

    def step(self, block_ms: int) -> int:
        """Refresh the documents of new change events; returns how many events were applied."""
        for name in sorted(n.decode() for n in self._r.smembers(NAMESPACES)):
            if name not in self._positions:
                self._positions[name] = self._latest(name)
                self._engine_for(name)  # opened after the position: it loads everything before it
        if not self._positions:
            time.sleep(block_ms / 1000)
            return 0
        found = self._r.xread({changes_key(n): p for n, p in self._positions.items()}, count=64, block=block_ms)
        applied = 0
        for stream, entries in found or []:
            namespace = stream.decode().rsplit(":", 1)[1]
            for entry_id, fields in entries:
                self._engine_for(namespace).refresh(json.loads(fields[b"documents"]))
                self._positions[namespace] = entry_id.decode()
                applied += 1
        return applied

    def _latest(self, namespace: str) -> str:
        last = self._r.xrevrange(changes_key(namespace), count=1)
        return last[0][0].decode() if last else "0-0"
