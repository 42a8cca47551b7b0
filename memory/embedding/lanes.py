"""Work items of one call shared by a few threads, the caller's included, each taking the next item.

The ONNX embedder runs a call's batches this way on a one-thread session: ONNX Runtime releases
the GIL, and for the small batches of short texts that ingestion embeds, two threads each running
whole batches beat one session splitting every operator across two threads
(`benchmarks/bench_embed_lanes.py`). Items are independent and write disjoint results, so the
outcome does not depend on which thread ran which item.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

Item = TypeVar("Item")


class Lanes:
    """Up to `count` threads per call: the caller and `count - 1` helpers made on first use."""

    def __init__(self, count: int) -> None:
        self.count = max(count, 1)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def run(self, items: Sequence[Item], work: Callable[[Item], None]) -> None:
        """`work(item)` for every item, returning once all are done; the first error is raised
        (the other threads stop taking items once one has failed)."""
        if self.count == 1 or len(items) < 2:
            for item in items:
                work(item)
            return
        queue = _SharedQueue(items)
        helpers = [self._helpers().submit(queue.drain, work) for _ in range(min(self.count, len(items)) - 1)]
        try:
            queue.drain(work)
        finally:
            errors = [h.exception() for h in helpers]  # waits for every helper: no work outlives the call
        for error in errors:
            if error is not None:
                raise error

    def close(self) -> None:
        """Let the helper threads end (a later call makes new ones)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _helpers(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.count - 1, thread_name_prefix="memrag-embed-lane")
            return self._pool


class _SharedQueue(Generic[Item]):
    """The items of one call, handed out one at a time; a failure stops the handing out."""

    def __init__(self, items: Sequence[Item]) -> None:
        self._items = iter(items)
        self._lock = threading.Lock()
        self._failed = False

    def drain(self, work: Callable[[Item], None]) -> None:
        while True:
            with self._lock:
                if self._failed:
                    return
                try:
                    item = next(self._items)
                except StopIteration:
                    return
            try:
                work(item)
            except BaseException:
                with self._lock:
                    self._failed = True
                raise
