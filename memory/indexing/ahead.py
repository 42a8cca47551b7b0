"""Extraction ahead of need: the next slice's passages parsed on a helper thread while this one embeds.

The job path knows which slice comes next; it hands that slice's passage texts to `start`, and
one helper thread extracts them while the job thread embeds and writes the slice in hand. The
preparer's `take` then finds them done (waiting for them if the helper is still at it) and
extracts only what is missing. Extractions are keyed by passage text, so a wrong guess costs
only the helper's work: nothing is written from here, and the job thread stays the one writer.
At most two batches are held (the slice about to run and the one after it): a third `start`
drops the oldest batch that nobody took.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from memrag.memory.types import Extraction

log = logging.getLogger("memrag.indexing")

Extract = Callable[[list[str]], list[Extraction]]


class ExtractionAhead:
    """One batch of extractions made ahead on a helper thread, handed over by passage text."""

    def __init__(self, extract: Extract) -> None:
        self._extract = extract
        self._pool: ThreadPoolExecutor | None = None  # made on first use: engines never fed ahead need no thread
        self._pending: deque[tuple[frozenset[str], Future[dict[str, Extraction]]]] = deque(maxlen=2)
        self._lock = threading.Lock()

    def start(self, texts: Sequence[str]) -> None:
        """Extract `texts` on the helper thread, after the batches started before."""
        wanted = list(dict.fromkeys(texts))
        if not wanted:
            return
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="memrag-extract-ahead")
            self._pending.append((frozenset(wanted), self._pool.submit(self._quietly, wanted)))

    def take(self, texts: Sequence[str]) -> dict[str, Extraction]:
        """The extractions made ahead for any of `texts`, once the helper has finished them. Each
        batch sharing a text with `texts` is handed over once, whole; the others stay for later."""
        with self._lock:
            mine = [batch for batch in self._pending if not batch[0].isdisjoint(texts)]
            self._pending = deque((b for b in self._pending if b not in mine), maxlen=2)
        found: dict[str, Extraction] = {}
        for _, future in mine:
            found.update(future.result())
        return {text: found[text] for text in texts if text in found}

    def close(self) -> None:
        """Stop the helper thread once the batch in hand is done."""
        with self._lock:
            pool, self._pool = self._pool, None
            self._pending.clear()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _quietly(self, texts: list[str]) -> dict[str, Extraction]:
        """Extractions by text; a failure yields none (the job thread extracts again and reports it)."""
        try:
            return dict(zip(texts, self._extract(texts), strict=True))
        except Exception:  # a guess's failure is the job thread's to meet and report, not the helper's
            log.debug("extraction ahead failed; the slice's own preparation extracts again", exc_info=True)
            return {}
