"""Query embeddings from concurrent threads shared out of one call of the embedder (group commit).

A caller that finds the embedder idle runs its texts at once: alone, it waits for nothing. Callers
that arrive while a call is running queue their texts; when the call ends, one of them runs
everything queued (up to `max_texts`) in one call and hands each its rows. One call for ten
short questions costs far less CPU than ten calls (tokenizer, session set-up and thread-pool
hand-offs are paid once). The queue holds at most one entry per blocked caller, so it is
bounded by the callers' thread pool.

Only for an embedder whose vector for a text does not depend on its batch-mates (fp32 models:
padding is masked; not the int8 variant, whose activations are scaled per batch).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from memrag.memory.embedding.wrapping import WrappingEmbedder
from memrag.memory.ports import Embedder


@dataclass(eq=False)
class _Request:
    """One caller's texts; `vectors` or `error` is set when its call has run."""

    texts: Sequence[str]
    vectors: np.ndarray | None = None
    error: BaseException | None = None
    done: bool = False


class QueryBatcher(WrappingEmbedder):
    """An `Embedder` whose concurrent `embed` calls are merged into calls of `inner` of at most
    `max_texts` texts (a single caller with more runs alone); one call of `inner` at a time."""

    def __init__(self, inner: Embedder, max_texts: int = 64) -> None:
        if max_texts < 1:
            raise ValueError(f"max_texts must be at least 1, got {max_texts}")
        super().__init__(inner)
        self._max_texts = max_texts
        self._pending: list[_Request] = []
        self._running = False
        self._changed = threading.Condition()
        self.calls = 0  # calls of `inner` made so far (benchmarks and tests read it)

    @property
    def waiting(self) -> int:
        """Callers whose texts are queued behind the running call."""
        with self._changed:
            return len(self._pending)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        request = _Request(texts)
        with self._changed:
            self._pending.append(request)
        while True:
            batch = self._next_batch(request)
            if batch is None:
                break
            self._run(batch)
        if request.error is not None:
            raise request.error
        return cast(np.ndarray, request.vectors)  # set whenever error is not

    def _next_batch(self, request: _Request) -> list[_Request] | None:
        """None once `request` is answered; else the queue's head to run (this caller leads it)."""
        with self._changed:
            while self._running and not request.done:
                self._changed.wait()
            if request.done:
                return None
            self._running = True
            batch: list[_Request] = []
            size = 0
            while self._pending and (not batch or size + len(self._pending[0].texts) <= self._max_texts):
                size += len(self._pending[0].texts)
                batch.append(self._pending.pop(0))
            return batch

    def _run(self, batch: list[_Request]) -> None:
        """One call of the inner embedder for `batch`; each request gets its rows, or its own error:
        a failed shared call is retried one request at a time, so one caller's bad text (another
        tenant's, perhaps) fails that caller alone."""
        try:
            vectors = self._inner.embed([text for r in batch for text in r.texts])
            start = 0
            for request in batch:
                request.vectors = vectors[start : start + len(request.texts)]
                start += len(request.texts)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
            else:
                for request in batch:
                    self._run_alone(request)
        except BaseException as exc:  # interrupted: every caller of the batch sees it, none waits forever
            for request in batch:
                request.error = exc
        finally:
            with self._changed:
                self.calls += 1
                for request in batch:
                    request.done = True
                self._running = False
                self._changed.notify_all()

    def _run_alone(self, request: _Request) -> None:
        try:
            request.vectors = self._inner.embed(request.texts)
        except BaseException as exc:
            request.error = exc
        finally:
            self.calls += 1
