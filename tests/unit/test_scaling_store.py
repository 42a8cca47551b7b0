"""The scaling benchmarks' synthetic store: written straight into Qdrant Edge, it opens as an engine
holding every document, and a further document adds to it like any other."""

from pathlib import Path

from benchmarks.bench_scaling import open_engine
from benchmarks.scaling_store import kept_store
from memrag.memory.ids import passage_id
from memrag.memory.params import RetrievalParams
from memrag.memory.types import DocumentInput


def test_a_populated_store_reopens_with_every_document_and_takes_one_more(tmp_path: Path) -> None:
    path, extras, made = kept_store(300, tmp_path, extras=2)
    assert made is not None  # populated now: the optimisation after the writes reaches the store under the scan mirror
    engine = open_engine(path, extras, reopen_batch=64)
    try:
        assert engine.graph.stats().passages == 300
        text = next(iter(extras))
        assert text == "synthetic passage 300"
        (added,) = engine.add([DocumentInput(text)]).documents_added
        assert engine.graph.stats().passages == 301
        best, _ = engine.rank(text, RetrievalParams(top_k=3)).passages[0]
        assert best == passage_id(added, text)  # the new passage, found by its own vector
    finally:
        engine.close()
    assert kept_store(300, tmp_path, extras=2)[2] is None  # kept: the next run reuses it
