"""How much work the job queue takes: documents waiting, in all and per namespace.

An add job's documents count as waiting from the moment it is accepted until it ends (done or
failed); a job that would pass either limit is refused whole with `QueueFull` (the API's 429 with
`Retry-After`), and one larger than a namespace may ever hold is refused as invalid (send it in
parts). Delete jobs are never refused: they are cheap, and a deletion (say, a privacy request)
must not wait behind a tenant's backlog. The embedded runner counts here (`WaitingDocuments`);
the Redis queue counts the same way in Redis (`redis_scripts.py`).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from memrag.memory.errors import InvalidInput, QueueFull
from memrag.memory.settings import Settings

RETRY_AFTER_S = 30  # what a 429 asks a client to wait: about the time a few slices of other work take


@dataclass(frozen=True)
class QueueLimits:
    """Documents that may wait: `total` over all namespaces, `per_namespace` for any one of them."""

    total: int = 100_000
    per_namespace: int = 50_000
    retry_after_s: int = RETRY_AFTER_S

    @staticmethod
    def of(settings: Settings) -> QueueLimits:
        share = max(1, int(settings.queue_max_documents * settings.queue_namespace_share))
        return QueueLimits(settings.queue_max_documents, share)

    @property
    def largest_job(self) -> int:
        """The most documents one add job may hold."""
        return min(self.total, self.per_namespace)

    def check(self, namespace: str, asked: int, in_namespace: int, in_all: int) -> None:
        """Raise unless `asked` more documents fit beside `in_namespace` (of `namespace`) and `in_all` waiting."""
        largest = self.largest_job
        if asked > largest:
            raise InvalidInput(
                f"a job of {asked:,} documents is larger than a namespace's queue ({largest:,} documents): "
                "send it in smaller jobs"
            )
        if in_namespace + asked > self.per_namespace:
            raise QueueFull(
                f"namespace {namespace!r} has {in_namespace:,} documents waiting to be indexed (at most "
                f"{self.per_namespace:,}); send these {asked:,} again once some of its jobs have ended",
                self.retry_after_s,
            )
        if in_all + asked > self.total:
            raise QueueFull(
                f"{in_all:,} documents wait to be indexed (at most {self.total:,} in all); "
                f"send these {asked:,} again in a while",
                self.retry_after_s,
            )


class WaitingDocuments:
    """The embedded runner's count of documents waiting, per namespace; safe across threads."""

    def __init__(self, limits: QueueLimits) -> None:
        self.limits = limits
        self._by_namespace: Counter[str] = Counter()
        self._lock = threading.Lock()

    def admit(self, namespace: str, documents: int) -> None:
        """Count `documents` more in `namespace`, or raise (QueueFull, InvalidInput) and count nothing."""
        with self._lock:
            self.limits.check(namespace, documents, self._by_namespace[namespace], sum(self._by_namespace.values()))
            self._by_namespace[namespace] += documents

    def add(self, namespace: str, documents: int) -> None:
        """Count documents accepted before (resumed from the journal) without checking the limits."""
        with self._lock:
            self._by_namespace[namespace] += documents

    def release(self, namespace: str, documents: int) -> None:
        with self._lock:
            self._by_namespace[namespace] -= documents
            if self._by_namespace[namespace] <= 0:
                del self._by_namespace[namespace]

    def of(self, namespace: str) -> int:
        with self._lock:
            return self._by_namespace[namespace]

    def total(self) -> int:
        with self._lock:
            return sum(self._by_namespace.values())
