"""The extractor and the offline reader share one spaCy pipeline: they must never parse at the same time."""

import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from memrag.memory.extraction.offline import SpacyExtractor
from memrag.memory.retrieval.sentence_spans import SentenceSpans
from memrag.memory.types import Hit


class OverlapProbe:
    """A stand-in pipeline that records whether two parses were ever in progress together."""

    def __init__(self) -> None:
        self.inside = 0
        self.overlapped = False
        self._count = threading.Lock()

    def pipe(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[Any]:
        with self._count:
            self.inside += 1
            self.overlapped |= self.inside > 1
        try:
            for _ in texts:
                time.sleep(0.002)  # a parse takes time: the other thread gets its chance to enter
                yield None
        finally:
            with self._count:
                self.inside -= 1


def test_the_reader_waits_while_the_extractor_parses_with_the_shared_pipeline(monkeypatch):
    probe = OverlapProbe()
    extractor = SpacyExtractor()
    extractor._nlp = probe
    monkeypatch.setattr("memrag.memory.extraction.offline.extract_from_doc", lambda doc, title: None)
    monkeypatch.setattr("memrag.memory.extraction.pieces.Pieces.merge", lambda self, found: found)
    spans = SentenceSpans(load=lambda: probe)
    monkeypatch.setattr("memrag.memory.retrieval.sentence_spans._parsed", lambda text, doc: None)

    def extract() -> None:
        for _ in range(20):
            extractor.extract([f"Title\nSentence {i}." for i in range(10)])

    def read() -> None:
        for n in range(20):
            spans.parse([Hit(f"p{n}-{i}", "d", f"Title\nOne {i}. Two {i}.", 1.0) for i in range(5)])

    threads = [threading.Thread(target=extract), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not probe.overlapped
