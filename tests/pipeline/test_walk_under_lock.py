"""Every PPR walk of an engine runs under the engine's lock: the local walk's work arrays are kept in the
Retriever between walks (`PushScratch`), so two walks at once on one engine would share residuals."""

import numpy as np
import pytest

from memrag.memory.graph import ppr
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval import pipeline
from memrag.memory.retrieval.graph_labels import GraphQuery
from tests.helpers import engine_holding

TABLE = {
    "Ada Lovelace wrote notes on the Analytical Engine.": [("Ada Lovelace", "wrote notes on", "Analytical Engine")],
    "Charles Babbage designed the Analytical Engine.": [("Charles Babbage", "designed", "Analytical Engine")],
    "Babbage was born in London.": [("Babbage", "born in", "London")],
}
QUESTION = "Who designed the engine Ada Lovelace wrote about?"
LOCAL = RetrievalParams(ppr_mode="local", top_k=3)


@pytest.fixture()
def engine(tmp_path):
    engine = engine_holding(tmp_path, TABLE)
    yield engine
    engine.close()


def test_every_walk_with_the_retrievers_work_arrays_holds_the_engines_lock(engine, monkeypatch):
    """Catches a retrieval path that ranks outside `with self._lock` (two such walks would corrupt each
    other's residuals: rankings silently wrong, no error)."""
    held: list[bool] = []

    def watched(*args: object, **kwargs: object) -> tuple[np.ndarray, np.ndarray]:
        held.append(engine._lock._is_owned())  # the RLock owned by this thread
        return ppr.personalized_pagerank(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "personalized_pagerank", watched)
    ranked = engine.rank(QUESTION, LOCAL)
    engine.retrieve(QUESTION, LOCAL)
    engine.retrieve_explained(QUESTION, LOCAL)
    engine.neighbourhood(GraphQuery(question=QUESTION))
    assert ranked.mode == "graph" and ranked.passages  # the walk ran and reached passages
    assert held == [True, True, True, True]
