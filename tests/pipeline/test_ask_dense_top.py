"""The retrieval's closest cosine reaches the reader: `Retrieval.dense_top` is the fusion's in graph mode
and a dense ranking's first cosine otherwise, and `Engine.ask` hands it to the reader (real Qdrant
Edge shards, the hash embedder)."""

from collections.abc import Sequence

import pytest

from memrag.memory.engine import Engine
from memrag.memory.eval.dataset import Dataset, Question
from memrag.memory.eval.harness import EvalOptions, answer_all
from memrag.memory.eval.probe import ask
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.reader import Answer
from memrag.memory.types import Hit
from tests.helpers import engine_holding

TABLE = {
    "Paris is the capital of France.": [("Paris", "capital of", "France")],
    "France is a country in Europe.": [("France", "country in", "Europe")],
    "Bananas are yellow.": [],
}


class SeenReader:
    """Answers nothing; remembers the closest cosine each question came with."""

    name = "seen"

    def __init__(self) -> None:
        self.seen: list[float | None] = []

    def answer(self, question: str, hits: Sequence[Hit], dense_top: float | None = None) -> Answer:
        self.seen.append(dense_top)
        return Answer("-", (), self.name)

    def stream(self, question: str, hits: Sequence[Hit]):
        yield "-"


@pytest.fixture
def engine(tmp_path):
    e = engine_holding(tmp_path, TABLE)
    yield e
    e.close()


def test_a_retrieval_carries_the_cosine_of_the_passage_closest_to_the_question(engine: Engine):
    question = "What is the capital of France?"
    graph = engine.retrieve(question, RetrievalParams(top_k=3))
    ranking = engine.rank(question, RetrievalParams(top_k=3))
    assert graph.mode == "graph" and ranking.signals is not None
    assert graph.dense_top == ranking.signals.dense_top
    dense = engine.retrieve(question, RetrievalParams(top_k=3, strategy="dense"))
    assert dense.dense_top == dense.hits[0].score == pytest.approx(ranking.signals.dense_top)


def test_ask_hands_the_readers_the_retrievals_closest_cosine(engine: Engine):
    reader = SeenReader()
    engine.reader = reader
    question = "What is the capital of France?"
    _, retrieval = engine.ask(question, RetrievalParams(top_k=3))
    engine.ask_explained(question, RetrievalParams(top_k=3))
    assert retrieval.dense_top is not None and reader.seen == [retrieval.dense_top, retrieval.dense_top]


def test_memrag_eval_and_the_probe_hand_the_reader_the_retrievals_closest_cosine(engine: Engine):
    """Catches `memrag eval` (and the update probe) reading without the abstention signal: their
    EM/F1 would then measure another rule than the one `Engine.ask` answers with."""
    reader = SeenReader()
    engine.reader = reader
    question = Question("q1", "What is the capital of France?", ("Paris",), frozenset())
    answer_all(engine, Dataset("tiny", (), (question,)), EvalOptions(params=RetrievalParams(top_k=3), progress=False))
    vector = engine.query_embedder.embed([question.question])[0]
    ask(engine, question, vector, RetrievalParams(top_k=3), reader)
    expected = engine.retrieve(question.question, RetrievalParams(top_k=10)).dense_top
    assert expected is not None and reader.seen == [expected, expected]
