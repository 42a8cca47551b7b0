"""Extraction ahead of need: handed over once, by passage text, waited for rather than done twice."""

import threading
from collections.abc import Sequence

from memrag.memory.indexing.ahead import ExtractionAhead
from memrag.memory.types import Extraction, Triple


def _extraction(text: str) -> Extraction:
    return Extraction((text.upper(),), (Triple(text, "is", "noted"),))


class CountingExtractor:
    """Extractions named after their text; each call recorded, and held until `release` when gated."""

    def __init__(self, gated: bool = False, fails: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.release = threading.Event()
        self.entered = threading.Event()
        if not gated:
            self.release.set()
        self.fails = fails

    def __call__(self, texts: Sequence[str]) -> list[Extraction]:
        self.calls.append(list(texts))
        self.entered.set()
        self.release.wait(10)
        if self.fails:
            raise RuntimeError("the parser broke")
        return [_extraction(t) for t in texts]


def test_what_was_extracted_ahead_is_handed_over_once_for_the_texts_asked() -> None:
    extractor = CountingExtractor()
    ahead = ExtractionAhead(extractor)
    ahead.start(["alpha", "beta", "alpha"])
    assert ahead.take(["beta", "gamma"]) == {"beta": _extraction("beta")}  # gamma was not guessed
    assert ahead.take(["alpha", "beta"]) == {}  # handed over once: nothing is kept for later
    assert extractor.calls == [["alpha", "beta"]]  # a repeated text is extracted once
    ahead.close()


def test_take_waits_for_the_helper_instead_of_extracting_again() -> None:
    extractor = CountingExtractor(gated=True)
    ahead = ExtractionAhead(extractor)
    ahead.start(["alpha"])
    assert extractor.entered.wait(10)
    got: dict[str, Extraction] = {}
    taker = threading.Thread(target=lambda: got.update(ahead.take(["alpha"])))
    taker.start()
    taker.join(0.2)
    assert taker.is_alive()  # the helper is still at it: take waits
    extractor.release.set()
    taker.join(10)
    assert got == {"alpha": _extraction("alpha")} and len(extractor.calls) == 1
    ahead.close()


def test_a_batch_not_asked_for_waits_its_turn_and_a_third_start_drops_the_oldest() -> None:
    ahead = ExtractionAhead(CountingExtractor())
    ahead.start(["alpha"])
    ahead.start(["beta"])
    assert ahead.take(["beta"]) == {"beta": _extraction("beta")}  # the next slice's batch, started first
    assert ahead.take(["alpha"]) == {"alpha": _extraction("alpha")}  # kept until its slice came
    for text in ("alpha", "beta", "gamma"):
        ahead.start([text])
    assert ahead.take(["alpha", "beta", "gamma"]) == {t: _extraction(t) for t in ("beta", "gamma")}
    ahead.close()


def test_a_failing_extraction_ahead_hands_over_nothing() -> None:
    ahead = ExtractionAhead(CountingExtractor(fails=True))
    ahead.start(["alpha"])
    assert ahead.take(["alpha"]) == {}  # the slice's own preparation extracts it and reports the error
    ahead.close()
