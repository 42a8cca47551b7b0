"""The store's one writer: follows each namespace's Redis log and applies its entries in order.

Workers only prepare; this loop (in `memrag worker --apply` or `memrag serve`) is the one
process that writes an embedded store. After each entry it flushes the store, then saves its
log position, then records the slice on the job board and announces the change: a crash at
any point re-applies at most the last entry, which changes nothing. A second process with a
store of its own (a replica) runs the same loop and ends with the same records and graph.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from memrag.ingest.jobs import SliceResult, delete_documents
from memrag.ingest.loops import run_until
from memrag.ingest.redis_board import RedisJobBoard
from memrag.ingest.redis_queue import NAMESPACES, changes_key, log_key
from memrag.memory.engine import Engine
from memrag.memory.errors import InvalidInput
from memrag.memory.indexing.batch import decode

log = logging.getLogger("memrag.applier")
CHANGES_KEPT = 10_000


class Applier:
    """Applies log entries of every namespace to the engines `engine_for` opens."""

    def __init__(
        self, client: redis.Redis, engine_for: Callable[[str], Engine], positions: Path, name: str = "writer"
    ) -> None:
        self.name = name
        self._r: Any = client  # redis-py types replies as unions; ours are raw bytes (no decode_responses)
        self._engine_for, self._positions = engine_for, positions
        self._board = RedisJobBoard(client)
        positions.mkdir(parents=True, exist_ok=True)

    def run(self, stop: threading.Event) -> None:
        run_until(stop, lambda: self.step(block_ms=500), f"writer {self.name}")

    def step(self, block_ms: int) -> int:
        """Apply what the logs hold past our positions; returns how many entries were applied."""
        namespaces = sorted(n.decode() for n in self._r.smembers(NAMESPACES))
        if not namespaces:
            time.sleep(block_ms / 1000)
            return 0
        found = self._r.xread({log_key(n): self._position(n) for n in namespaces}, count=8, block=block_ms)
        done = 0
        for stream, entries in found or []:
            namespace = stream.decode().rsplit(":", 1)[1]
            for entry_id, fields in entries:
                self._apply(namespace, entry_id.decode(), fields)
                done += 1
        return done

    def _apply(self, namespace: str, entry_id: str, fields: dict[bytes, bytes]) -> None:
        engine = self._engine_for(namespace)
        job_id, slice_no = fields[b"job"].decode(), int(fields[b"slice"])
        try:
            if fields[b"kind"] == b"batch":
                result = SliceResult.of(engine.apply(decode(fields[b"batch"])))
            else:
                result = delete_documents(engine, json.loads(fields[b"ids"]))
        except (InvalidInput, ValueError) as exc:  # a damaged entry: fail its job, never block the log
            log.error("log entry %s of %s cannot be applied: %s", entry_id, namespace, exc)
            self._board.fail(job_id, f"slice {slice_no} could not be applied: {exc}")
            self._save_position(namespace, entry_id)
            return
        engine.store.flush()
        self._save_position(namespace, entry_id)
        self._board.record_slice(job_id, slice_no, result)
        change = {"job": job_id, "entry": entry_id, "by": self.name, "at": str(time.time())}
        change["documents"] = json.dumps(list(result.added) + list(result.deleted))
        self._r.xadd(changes_key(namespace), change, maxlen=CHANGES_KEPT, approximate=True)

    def _position(self, namespace: str) -> str:
        path = self._positions / namespace
        return path.read_text().strip() if path.exists() else "0-0"

    def _save_position(self, namespace: str, entry_id: str) -> None:
        path = self._positions / namespace
        tmp = path.with_suffix(".tmp")
        tmp.write_text(entry_id)
        os.replace(tmp, path)
