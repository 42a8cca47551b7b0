"""A reader of a shared Qdrant store follows the change feed: its graph and rankings track the writer's.

The shared store is qdrant-client's `:memory:` engine (the same client code as a Qdrant server)
seen by two engines: the writer applies the Redis log, the reader only follows change events.
"""

import pytest
from qdrant_client import QdrantClient

from memrag.ingest.applier import Applier
from memrag.ingest.follower import ChangeFollower
from memrag.ingest.redis_queue import RedisJobs
from memrag.ingest.worker import RetryPolicy, Worker
from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.ids import passage_id
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.qdrant_server import QdrantStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import DocumentInput
from tests.helpers import extractions, graph_signature, ranking_signature

TABLE = {
    "Ada met Charles in London.": [("ada", "met", "charles"), ("charles", "lives in", "london")],
    "Mary wrote in Geneva.": [("mary", "wrote in", "geneva")],
    "Percy sailed with Mary.": [("percy", "sailed with", "mary")],
    "Charles built the engine.": [("charles", "built", "difference engine")],
    "Byron visited Geneva with Percy.": [
        ("lord byron", "visited", "geneva"),
        ("lord byron", "travelled with", "percy"),
    ],
}
RECORDED = extractions(TABLE)
TEXTS = list(TABLE)
QUERIES = ["where does charles live", "who sailed with mary"]


def _engine(client, writer):
    embedder = HashEmbedder(32)
    store = RecordStore(QdrantStore(client, "memrag_shared_"), embedder.dim)
    return Engine(store, embedder, RecordedExtractor(RECORDED), WholeDocumentChunker(), KeepTopFacts(), writer=writer)


@pytest.fixture
def rig(tmp_path, redis_client):
    client = QdrantClient(location=":memory:")
    writer = _engine(client, writer=True)
    jobs = RedisJobs(redis_client)
    worker = Worker(redis_client, writer.preparer, "w", RetryPolicy(visibility_s=5))
    applier = Applier(redis_client, lambda ns: writer, tmp_path / "positions")
    return client, writer, jobs, worker, applier


def _run(jobs, worker, applier, job):
    for _ in range(50):
        worker.step(block_ms=10)
        applier.step(block_ms=10)
        if jobs.get(job.id).status == "done":
            return
    raise AssertionError(jobs.get(job.id))


def _same(reader, writer):
    assert graph_signature(reader) == graph_signature(writer)
    for q in QUERIES:
        assert ranking_signature(reader.rank(q, RetrievalParams())) == ranking_signature(
            writer.rank(q, RetrievalParams())
        )


def test_a_reader_follows_adds_updates_and_deletes(rig, redis_client):
    client, writer, jobs, worker, applier = rig
    _run(
        jobs, worker, applier, jobs.submit_add("shared", [DocumentInput(TEXTS[0], "d0"), DocumentInput(TEXTS[1], "d1")])
    )
    reader = _engine(client, writer=False)  # opened mid-stream: loads what is there, follows the rest
    follower = ChangeFollower(redis_client, lambda ns: reader)
    follower.step(block_ms=10)
    _same(reader, writer)
    _run(jobs, worker, applier, jobs.submit_add("shared", [DocumentInput(t, f"d{i}") for i, t in enumerate(TEXTS)][2:]))
    _run(jobs, worker, applier, jobs.submit_add("shared", [DocumentInput(TEXTS[3], "d0")]))  # d0 now says what d3 says
    _run(jobs, worker, applier, jobs.submit_delete("shared", ["d4"]))
    assert graph_signature(reader) != graph_signature(writer)  # not yet followed
    assert follower.step(block_ms=10) == 3
    _same(reader, writer)
    assert not reader.graph.has_passage(passage_id("d4", TEXTS[4]))
    assert not reader.graph.has_passage(passage_id("d0", TEXTS[0])) and reader.graph.has_passage(
        passage_id("d0", TEXTS[3])
    )


def test_a_reader_never_sweeps_a_write_in_progress(rig):
    client, writer, _, _, _ = rig
    batch = writer.preparer.prepare_inputs([DocumentInput(TEXTS[0], "d0")])
    passages = [p for item in batch.items for p in item.passages]
    writer.store.put_passages(passages, batch.passages.rows([p.id for p in passages]))  # no document record yet
    _engine(client, writer=False)
    assert writer.store.passages.count() == 1
