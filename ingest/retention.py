"""How long a namespace log keeps its entries: until every registered applier has applied them.

Each applier (the store's writer, each replica) publishes its position in Redis:
`memrag:positions:{ns}` maps its name to the last entry it applied (plain entry ids, for
monitoring too) and `memrag:positions:{ns}:seen` to when it last said so. The log is trimmed
(XTRIM MINID, recording the newest entry trimmed in `memrag:trimmed:{ns}`) below the lowest
registered position, and never below the last
`MEMRAG_LOG_RETENTION` entries the trimming applier applied (kept for a replica that joins late).
With no applier registered nothing is trimmed, so work sent before any writer ever ran waits for it.

A registration lives while its applier refreshes it (every minute, while it runs); one not
refreshed for `POSITION_TTL_S` (a day) is dropped: an applier gone for good blocks trimming for a
day at most, and an applier stopped for longer may find entries it had not applied trimmed — it
then says so (`behind`) and applies nothing more of that namespace: it must be rebuilt from a copy
of a data directory that is not behind.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

import redis

from memrag.ingest.redis_board import PREFIX
from memrag.ingest.redis_queue import log_key
from memrag.ingest.redis_scripts import Scripts, trimmed_key

log = logging.getLogger("memrag.retention")
POSITION_TTL_S = 24 * 3600.0


def positions_key(namespace: str) -> str:
    return f"{PREFIX}positions:{namespace}"


def seen_key(namespace: str) -> str:
    return f"{PREFIX}positions:{namespace}:seen"


def entry_order(entry_id: str) -> tuple[int, int]:
    """A stream entry id ("ms-n") as a comparable pair."""
    ms, _, n = entry_id.partition("-")
    return int(ms), int(n or 0)


class LogRetention:
    """One applier's registration in every namespace it applies, and the trimming it does after applying."""

    def __init__(self, client: redis.Redis, name: str, keep: int, ttl_s: float = POSITION_TTL_S) -> None:
        self._r: Any = client  # redis-py types replies as unions; ours are raw bytes
        self.name, self._keep, self._ttl_s = name, keep, ttl_s
        self._applied: dict[str, deque[str]] = {}  # namespace → ids of the last `keep` entries applied
        self._scripts = Scripts(client)

    def register(self, namespace: str, position: str) -> None:
        """Publish (or refresh) this applier's position: the log keeps what comes after it."""
        with self._r.pipeline() as tx:
            tx.hset(positions_key(namespace), self.name, position)
            tx.hset(seen_key(namespace), self.name, repr(time.time()))
            tx.execute()

    def unregister(self, namespace: str) -> None:
        with self._r.pipeline() as tx:
            tx.hdel(positions_key(namespace), self.name)
            tx.hdel(seen_key(namespace), self.name)
            tx.execute()

    def missed(self, namespace: str, position: str) -> bool:
        """Whether entries after `position` were trimmed before this applier applied them."""
        trimmed = self._r.get(trimmed_key(namespace))
        return trimmed is not None and entry_order(trimmed.decode()) > entry_order(position)

    def applied(self, namespace: str, entry_id: str) -> None:
        self._applied.setdefault(namespace, deque(maxlen=self._keep)).append(entry_id)

    def trim(self, namespace: str) -> int:
        """Drop the entries every registered applier has applied, beyond the last `keep` this one
        applied; registrations past their time-to-live are dropped first. Returns entries removed."""
        positions = {k.decode(): v.decode() for k, v in self._r.hgetall(positions_key(namespace)).items()}
        seen = {k.decode(): float(v) for k, v in self._r.hgetall(seen_key(namespace)).items()}
        now = time.time()
        for name in [n for n in positions if now - seen.get(n, 0.0) > self._ttl_s]:
            log.warning("applier %r has not applied %s's log for a day: no longer waited for", name, namespace)
            with self._r.pipeline() as tx:
                tx.hdel(positions_key(namespace), name)
                tx.hdel(seen_key(namespace), name)
                tx.execute()
            del positions[name]
        recent = self._applied.get(namespace)
        if not positions or recent is None or len(recent) < self._keep:
            return 0
        below = min([recent[0], *positions.values()], key=entry_order)
        return int(self._scripts.trim(keys=[log_key(namespace), trimmed_key(namespace)], args=[below]))
