"""QueryBatcher: concurrent callers share one call of the embedder, each gets its own rows."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future

import numpy as np
import pytest

from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.embedding.query_batcher import QueryBatcher
from memrag.memory.errors import ModelError

QUESTIONS = [f"who founded label number {i}" for i in range(8)]


class GatedEmbedder(HashEmbedder):
    """A hash embedder whose first call waits for `release` (so callers pile up behind it);
    records the texts of every call; raises for a text equal to `poison`."""

    def __init__(self, poison: str | None = None) -> None:
        super().__init__()
        self.calls: list[list[str]] = []
        self.entered, self.release = threading.Event(), threading.Event()
        self._poison = poison

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if len(self.calls) == 1:
            self.entered.set()
            assert self.release.wait(10), "the test never released the first call"
        if self._poison in texts:
            raise ModelError("the model failed")
        return super().embed(texts)


def _asking(batcher: QueryBatcher, text: str) -> Future[np.ndarray]:
    """`batcher.embed([text])` on a daemon thread (a stuck batcher fails the test, never hangs it)."""
    future: Future[np.ndarray] = Future()

    def ask() -> None:
        try:
            future.set_result(batcher.embed([text]))
        except Exception as exc:
            future.set_exception(exc)

    threading.Thread(target=ask, daemon=True).start()
    return future


def _pile_up(batcher: QueryBatcher, inner: GatedEmbedder, texts: list[str]) -> list[Future[np.ndarray]]:
    """The first text's call running (blocked), the others queued behind it; then released."""
    first = _asking(batcher, texts[0])
    assert inner.entered.wait(10)
    rest = [_asking(batcher, t) for t in texts[1:]]
    _wait_until(lambda: batcher.waiting == len(texts) - 1)
    inner.release.set()
    return [first, *rest]


def _wait_until(condition: object) -> None:
    for _ in range(1000):
        if condition():  # type: ignore[operator]
            return
        threading.Event().wait(0.01)
    raise AssertionError("condition never held")


def test_a_caller_alone_is_answered_by_its_own_call() -> None:
    inner = GatedEmbedder()
    inner.release.set()
    batcher = QueryBatcher(inner)
    vectors = batcher.embed(QUESTIONS[:2])
    assert inner.calls == [QUESTIONS[:2]]
    np.testing.assert_array_equal(vectors, HashEmbedder().embed(QUESTIONS[:2]))


def test_callers_queued_behind_a_running_call_share_the_next_call_and_each_gets_its_own_rows() -> None:
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner)
    results = [f.result(timeout=10) for f in _pile_up(batcher, inner, QUESTIONS)]
    assert inner.calls == [QUESTIONS[:1], QUESTIONS[1:]]  # seven waiting questions: one call
    assert batcher.calls == 2
    expected = HashEmbedder().embed(QUESTIONS)
    for row, vectors in enumerate(results):
        assert vectors.shape == (1, 64)
        np.testing.assert_array_equal(vectors[0], expected[row])


def test_a_call_holds_at_most_max_texts_and_the_queue_is_served_in_order() -> None:
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner, max_texts=3)
    for future in _pile_up(batcher, inner, QUESTIONS):
        future.result(timeout=10)
    assert inner.calls == [QUESTIONS[:1], QUESTIONS[1:4], QUESTIONS[4:7], QUESTIONS[7:]]


def test_a_failed_shared_call_fails_only_the_caller_whose_text_fails_and_the_next_callers_are_served() -> None:
    """Catches one caller's bad text (another tenant's: the batcher is shared) failing every question
    that happened to share its call."""
    inner = GatedEmbedder(poison=QUESTIONS[3])
    batcher = QueryBatcher(inner)
    futures = _pile_up(batcher, inner, QUESTIONS[:5])
    expected = HashEmbedder().embed(QUESTIONS[:5])
    for row, future in enumerate(futures):
        if row == 3:
            with pytest.raises(ModelError, match="the model failed"):
                future.result(timeout=10)
        else:
            np.testing.assert_array_equal(future.result(timeout=10)[0], expected[row])
    assert inner.calls == [QUESTIONS[:1], QUESTIONS[1:5], *([q] for q in QUESTIONS[1:5])]  # shared, then alone
    after = _asking(batcher, QUESTIONS[6]).result(timeout=10)
    np.testing.assert_array_equal(after, HashEmbedder().embed([QUESTIONS[6]]))


def test_no_texts_costs_no_call() -> None:
    inner = GatedEmbedder()
    assert QueryBatcher(inner).embed([]).shape == (0, 64)
    assert inner.calls == []
