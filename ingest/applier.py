"""The store's one writer: follows each namespace's Redis log and applies its entries in order.

Workers only prepare; this loop (in `memrag worker --apply` or `memrag serve`) is the one
process that writes an embedded store. After each entry it flushes the store, then saves its
log position, then records the slice on the job board and announces the change: a crash at
any point re-applies at most the last entry, which changes nothing. A second process with a
store of its own (a replica) runs the same loop and ends with the same records and graph.

Writes keep their submission order per document (`ordering.py`): an entry's writes older than
the last applied write of their document are skipped and counted as superseded; the order is
saved with the position (`applied_log.py`). Each applier publishes its position in Redis and
trims the log below what every registered applier applied (`retention.py`); one that finds
entries it had not applied trimmed away is `behind_retained` and applies no more of that
namespace.

An entry that cannot be applied fails its job and the loop goes on to the next one, whatever
it raises (a damaged batch, a payload the store refuses): one entry never halts its
namespace's log, nor the namespaces after it. Only a store that is unavailable
(`StorageError`) stops the loop, which retries the same entry until the store is back.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import redis

from memrag.ingest.applied_log import AppliedLog
from memrag.ingest.job_stats import FinishedJobs
from memrag.ingest.jobs import SliceResult, delete_documents
from memrag.ingest.loops import run_until
from memrag.ingest.redis_board import RedisJobBoard
from memrag.ingest.redis_queue import NAMESPACES, changes_key, log_key
from memrag.ingest.retention import POSITION_TTL_S, LogRetention
from memrag.memory.engine import Engine
from memrag.memory.errors import CorruptRecord, MemragError, StorageError
from memrag.memory.indexing.batch import decode

log = logging.getLogger("memrag.applier")
CHANGES_KEPT = 10_000
REGISTER_EVERY_S = 60.0  # how often an applier refreshes its registrations (well inside POSITION_TTL_S)


class Applier:
    """Applies log entries of every namespace to the engines `engine_for` opens."""

    def __init__(
        self,
        client: redis.Redis,
        engine_for: Callable[[str], Engine],
        positions: Path,
        name: str = "writer",
        retention: int = 2000,
        position_ttl_s: float = POSITION_TTL_S,
    ) -> None:
        """`positions`: the folder of this applier's positions and order (beside its store); `name`:
        its registration in Redis; `retention`: entries of its own it leaves in each log."""
        self.name = name
        self._r: Any = client  # redis-py types replies as unions; ours are raw bytes (no decode_responses)
        self._engine_for = engine_for
        self._board = RedisJobBoard(client)
        self._finished = FinishedJobs(client)  # jobs ended here, counted for monitoring
        self._log = AppliedLog(positions)
        self._retention = LogRetention(client, name, retention, position_ttl_s)
        self._registered_at: dict[str, float] = {}  # namespace → when this applier last registered in it
        self._behind: dict[str, str] = {}  # namespace → why it can no longer be applied here

    def position(self, namespace: str) -> str | None:
        """The last log entry of `namespace` this applier applied ("0-0": none), for monitoring (any
        thread); None until this applier has read the namespace (its loop loads the position)."""
        return self._log.position(namespace) if namespace in self._registered_at else None

    @property
    def behind_retained(self) -> bool:
        """Whether some namespace's log lost entries this applier had not applied (readiness reads it)."""
        return bool(self._behind)

    @property
    def behind_reason(self) -> str:
        return "; ".join(self._behind[n] for n in sorted(self._behind))

    def run(self, stop: threading.Event) -> None:
        run_until(stop, lambda: self.step(block_ms=500), f"writer {self.name}")

    def step(self, block_ms: int) -> int:
        """Apply what the logs hold past our positions; returns how many entries were applied."""
        namespaces = sorted(n.decode() for n in self._r.smembers(NAMESPACES))
        self._keep_registered(namespaces)
        live = [n for n in namespaces if n not in self._behind]
        if not live:
            time.sleep(block_ms / 1000)
            return 0
        found = self._r.xread({log_key(n): self._log.position(n) for n in live}, count=8, block=block_ms)
        done = 0
        for stream, entries in found or []:
            namespace = stream.decode().rsplit(":", 1)[1]
            if self._retention.missed(namespace, self._log.position(namespace)):  # a gap before these
                self._fall_behind(namespace)
                continue
            for entry_id, fields in entries:
                self._apply(namespace, entry_id.decode(), fields)
                self._retention.applied(namespace, entry_id.decode())
                done += 1
            self._retention.register(namespace, self._log.position(namespace))
            self._retention.trim(namespace)
        return done

    def _keep_registered(self, namespaces: list[str]) -> None:
        """Register in each namespace (first, then every REGISTER_EVERY_S; and after applying entries
        of it), then check that nothing this applier had not applied was trimmed meanwhile (checked
        again before applying what the log holds)."""
        now = time.monotonic()
        for namespace in namespaces:
            last = self._registered_at.get(namespace)
            if namespace in self._behind or (last is not None and now - last < REGISTER_EVERY_S):
                continue
            position = self._log.position(namespace)
            self._retention.register(namespace, position)
            self._registered_at[namespace] = now
            if self._retention.missed(namespace, position):
                self._fall_behind(namespace)

    def _fall_behind(self, namespace: str) -> None:
        """Entries this applier had not applied were trimmed: it stops applying the namespace (what is
        left would make a store with a hole in it) and stops holding the log back."""
        self._retention.unregister(namespace)
        self._behind[namespace] = (
            f"applier {self.name!r} is behind what the log of namespace {namespace!r} retains (at "
            f"{self._log.position(namespace)}, later entries were trimmed): rebuild its data directory "
            "from a copy of one that is not behind"
        )
        log.error("%s", self._behind[namespace])

    def _apply(self, namespace: str, entry_id: str, fields: dict[bytes, bytes]) -> None:
        engine = self._engine_for(namespace)
        job_id, slice_no = fields.get(b"job", b"").decode(errors="replace"), -1
        seq, low = _number(fields, b"seq"), _number(fields, b"low")
        order = self._log.order(namespace)
        try:
            slice_no = int(fields[b"slice"])
            if fields[b"kind"] == b"batch":
                batch = decode(fields[b"batch"])
                admitted, superseded = order.split([i.document.id for i in batch.items], seq)
                _, stale_failures = order.split(batch.failed, seq)
                kept = set(admitted)
                report = engine.apply(replace(batch, items=tuple(i for i in batch.items if i.document.id in kept)))
                result = SliceResult.of(report, superseded + stale_failures, usage=batch.usage)
                changes = order.written(admitted, seq, deleted=False)
            else:
                admitted, superseded = order.split(json.loads(fields[b"ids"]), seq)
                result = replace(delete_documents(engine, admitted), superseded=tuple(superseded))
                changes = order.written(admitted, seq, deleted=True)
        except StorageError as exc:
            if not isinstance(exc, CorruptRecord):
                raise  # the store is unavailable, not this entry at fault: the loop retries it
            self._skip(namespace, entry_id, job_id, slice_no, exc, low)
            return
        except Exception as exc:  # this entry cannot be applied: fail its job, never block the log
            self._skip(namespace, entry_id, job_id, slice_no, exc, low)
            return
        engine.store.flush()
        self._log.save(namespace, entry_id, changes, low)
        self._board.record_slice(job_id, slice_no, result)
        if job_id and self._board.get(job_id).status == "done":  # its last slice: the job ended here
            self._finished.count(job_id, "done")
        change = {"job": job_id, "entry": entry_id, "by": self.name, "at": str(time.time())}
        change["documents"] = json.dumps(list(result.added) + list(result.deleted))
        self._r.xadd(changes_key(namespace), change, maxlen=CHANGES_KEPT, approximate=True)

    def _skip(self, namespace: str, entry_id: str, job_id: str, slice_no: int, exc: Exception, low: int | None) -> None:
        """Fail the entry's job (the reason without the entry's content) and move past the entry."""
        log.error("log entry %s of %s cannot be applied: %s: %s", entry_id, namespace, type(exc).__name__, exc)
        reason = str(exc) if isinstance(exc, MemragError) else f"{type(exc).__name__} (see the writer's log)"
        if job_id:
            self._board.fail(job_id, f"slice {slice_no} could not be applied: {reason}")
            self._finished.count(job_id, "failed")
        self._log.save(namespace, entry_id, {}, low)

    def close(self) -> None:
        self._log.close()


def _number(fields: dict[bytes, bytes], key: bytes) -> int | None:
    """An entry's `seq` or `low` (absent from entries logged before numbering, or not a number)."""
    try:
        return int(float(fields[key]))
    except (KeyError, ValueError):
        return None
