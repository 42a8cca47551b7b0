"""The evaluation's extraction memo: each passage text extracted once, given back exactly as extracted."""

from collections.abc import Sequence

from memrag.memory.eval.probe import Memoised
from memrag.memory.types import Extraction, Triple


class CountingExtractor:
    """Extracts one entity and one triple per passage and remembers every text it was asked for."""

    name = "counting"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        self.asked += passages
        return [Extraction((p[:5], "Zürich 東京"), (Triple(p[:5], "lies in", f"{p[-3:]}"),)) for p in passages]


def test_each_text_is_extracted_once_and_comes_back_unchanged():
    inner = CountingExtractor()
    memo = Memoised(inner)
    first = memo.extract(["Alpha beta one", "Gamma delta two", "Alpha beta one"])
    second = memo.extract(["Gamma delta two", "Epsilon three"])
    assert inner.asked == ["Alpha beta one", "Gamma delta two", "Epsilon three"]
    assert first[0] == first[2] == Extraction(("Alpha", "Zürich 東京"), (Triple("Alpha", "lies in", "one"),))
    assert second[0] == first[1] == Extraction(("Gamma", "Zürich 東京"), (Triple("Gamma", "lies in", "two"),))
    assert second[1].triples == (Triple("Epsil", "lies in", "ree"),)
