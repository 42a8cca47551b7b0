"""Streaming equals indexing at once, and forgetting equals never having had, even where the store
has built HNSW indexes (coarse ones, which answer approximately): searches below the size bound are exact."""

import pytest

from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.eval.forgetting import run_forget
from memrag.memory.eval.harness import EvalOptions
from memrag.memory.eval.streaming import StreamOptions, run_stream
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage import qdrant_edge
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from tests.coarse_hnsw import coarse_hnsw
from tests.qa_small import qa_small

OPTIONS = EvalOptions(progress=False, batch_size=8, read=False)


def hnsw_engine(path, recorded):
    """An engine whose collections are optimised (a coarse HNSW index built) after every 150 writes."""
    embedder = HashEmbedder(32)
    store = RecordStore(EdgeStore(path, optimize_every=150), embedder.dim)
    return Engine(store, embedder, RecordedExtractor(recorded), WholeDocumentChunker(), KeepTopFacts())


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    return qa_small(tmp_path_factory.mktemp("qa") / "set")


def test_rankings_do_not_depend_on_how_the_hnsw_indexes_were_built(qa, tmp_path, monkeypatch):
    monkeypatch.setattr(qdrant_edge, "_create", coarse_hnsw)
    dataset, recorded = qa
    engine = hnsw_engine(tmp_path / "main", recorded)
    run = run_stream(engine, lambda p: hnsw_engine(p, recorded), tmp_path, dataset, StreamOptions(3, eval=OPTIONS))
    assert run.result["batch_check"]["differing_questions"] == [] and run.result["equals_batch"] is True
    found = run_forget(engine, lambda p: hnsw_engine(p, recorded), tmp_path, dataset, run, 2, OPTIONS)
    engine.close()
    assert found["other_identical"] == found["other_questions"] > 0
    assert found["own_identical"] == found["questions_of_part"] and found["graph_equals_never_had"]
