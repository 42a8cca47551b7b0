"""An extractor a test opens slice by slice: each `extract` call (one per slice the engine prepares)
waits for a permit, so a test decides exactly how far a job gets, without timing."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.types import Extraction


class GatedExtractor:
    """Recorded extractions behind a gate: `open(n)` lets n more calls through; `calls` counts the
    calls that reached the gate, `extracted` every passage text let through."""

    def __init__(self, recorded: dict[str, Extraction]) -> None:
        self._recorded = RecordedExtractor(recorded)
        self._permits = threading.Semaphore(0)
        self._lock = threading.Lock()
        self.calls = 0
        self.extracted: list[str] = []

    @property
    def name(self) -> str:
        return "gated"

    def open(self, calls: int = 1) -> None:
        self._permits.release(calls)

    def wait_for_call(self, number: int, limit_s: float = 20.0) -> None:
        """Until the `number`-th call has reached the gate."""
        deadline = time.monotonic() + limit_s
        while self.calls < number:
            if time.monotonic() > deadline:
                raise AssertionError(f"call {number} never came ({self.calls} did)")
            time.sleep(0.005)

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        with self._lock:
            self.calls += 1
        if not self._permits.acquire(timeout=60):
            raise RuntimeError("the gate was never opened")
        with self._lock:
            self.extracted.extend(passages)
        return self._recorded.extract(passages)
