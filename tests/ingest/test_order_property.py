"""Stateful property test against a real Redis: random adds, updates (of text or metadata alone) and
deletes over a handful of document ids, sent to two preparing workers that interleave slice by
slice, fail extractions and get killed mid-job, with one writer applying the log — end with the same
documents, graph and rankings as applying the same sequence in submission order in-process.

Stores are qdrant-client's `:memory:` engine (the same adapter code as a Qdrant server; Qdrant
Edge flushes to disk after every entry, too slow for hundreds of examples).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import ClassVar

import redis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from qdrant_client import QdrantClient

from memrag.ingest.applier import Applier
from memrag.ingest.jobs import delete_documents
from memrag.ingest.redis_queue import RedisJobs
from memrag.ingest.worker import JobRun, RetryPolicy, Worker
from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.indexing.prepare import Preparer
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.qdrant_server import QdrantStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import DocumentInput
from tests.helpers import extractions, graph_signature, ranking_signature, record_count
from tests.ingest.rig import ScriptedExtractor

DOC_IDS = ["ada", "byron", "mary"]
PEOPLE = ["ada lovelace", "lord byron", "mary shelley", "percy shelley", "charles babbage"]
PLACES = ["london", "geneva", "pisa"]
VERSIONS = {  # three versions per document, sharing entities so that the graph connects them
    doc: [
        f"{doc.title()} version {v}: {PEOPLE[(i + v) % 5]} met {PEOPLE[(i + v + 1) % 5]} in {PLACES[v]}."
        for v in range(3)
    ]
    for i, doc in enumerate(DOC_IDS)
}
RECORDED = extractions(
    {
        text: [
            (PEOPLE[(i + v) % 5], "met", PEOPLE[(i + v + 1) % 5]),
            (PEOPLE[(i + v + 1) % 5], "lived in", PLACES[v]),
        ]
        for i, doc in enumerate(DOC_IDS)
        for v, text in enumerate(VERSIONS[doc])
    }
)
QUERIES = ["who met lord byron", "who lived in geneva"]
POLICY = RetryPolicy(visibility_s=0.1, max_attempts=50, backoff_s=0.01)
NS = "prop"


def memory_engine() -> Engine:
    embedder = HashEmbedder(32)
    store = RecordStore(QdrantStore(QdrantClient(location=":memory:"), "memrag_prop_"), embedder.dim)
    return Engine(store, embedder, RecordedExtractor(RECORDED), WholeDocumentChunker(), KeepTopFacts())


def signature(engine: Engine) -> object:
    documents = {d.id: (d.title, d.content_hash, d.passage_ids, d.metadata) for d in engine.list_documents()}
    counts = tuple(record_count(c) for c in (engine.store.passages, engine.store.entities, engine.store.facts))
    rankings = [ranking_signature(engine.rank(q, RetrievalParams(top_k=5))) for q in QUERIES]
    return documents, counts, graph_signature(engine), rankings


class OrderMachine(RuleBasedStateMachine):
    """Two workers and a writer over Redis, against one in-process engine fed in submission order."""

    redis_url = ""
    happened: ClassVar[Counter[str]] = Counter()  # examples in which a job was superseded, retried, taken over

    @initialize()
    def start(self) -> None:
        self.client = redis.Redis.from_url(self.redis_url)
        self.client.flushdb()
        self.folder = Path(tempfile.mkdtemp(prefix="memrag-order-"))
        self.extractor = ScriptedExtractor(RECORDED)
        self.engine = memory_engine()
        self.jobs = RedisJobs(self.client)
        self.preparer = Preparer(self.engine.embedder, self.extractor, self.engine.preparer.chunker)
        self.workers = [self._worker(0), self._worker(1)]
        self.runs: list[JobRun | None] = [None, None]
        self.restarts = 0
        self.applier = Applier(self.client, lambda ns: self.engine, self.folder / "positions", "writer", 50)
        self.sent: list[tuple[str, list[DocumentInput] | list[str]]] = []
        self.job_ids: list[str] = []

    def _worker(self, slot: int) -> Worker:
        return Worker(self.client, self.preparer, f"w{slot}-{getattr(self, 'restarts', 0)}", POLICY)

    @rule(
        docs=st.lists(st.sampled_from(DOC_IDS), min_size=1, max_size=2, unique=True),
        version=st.integers(0, 2),
        tag=st.integers(0, 1),
        flaky=st.booleans(),
    )
    def add(self, docs: list[str], version: int, tag: int, flaky: bool) -> None:
        """Add or update documents; `tag` varies the metadata alone; a flaky one fails its next extraction."""
        inputs = [DocumentInput(VERSIONS[d][version], id=d, metadata={"tag": tag}) for d in docs]
        if flaky:
            self.extractor.fail_next(inputs[0].text)
        self.job_ids.append(self.jobs.submit_add(NS, inputs).id)
        self.sent.append(("add", inputs))

    @rule(docs=st.lists(st.sampled_from(DOC_IDS), min_size=1, max_size=2, unique=True))
    def delete(self, docs: list[str]) -> None:
        self.job_ids.append(self.jobs.submit_delete(NS, docs).id)
        self.sent.append(("delete", docs))

    @rule(slot=st.integers(0, 1))
    def advance(self, slot: int) -> None:
        """The worker takes a job if it holds none, else prepares and logs its next slice."""
        run = self.runs[slot]
        if run is None:
            self.runs[slot] = self.workers[slot].take(block_ms=1)
        elif not run.advance():
            self.runs[slot] = None

    @rule(slot=st.integers(0, 1))
    def kill(self, slot: int) -> None:
        """The worker process dies, holding whatever it had taken; a new one starts in its place."""
        self.restarts += 1
        self.runs[slot] = None
        self.workers[slot] = self._worker(slot)

    @rule()
    def apply(self) -> None:
        self.applier.step(block_ms=1)

    @rule()
    def wait(self) -> None:
        """Time passes: leases of the jobs nobody is preparing lapse, retries come due."""
        time.sleep(POLICY.visibility_s + 0.02)

    def teardown(self) -> None:
        if not hasattr(self, "client"):
            return
        try:
            self._drain()
            reference = memory_engine()
            for kind, payload in self.sent:  # the same writes, in submission order
                if kind == "add":
                    reference.add([d for d in payload if isinstance(d, DocumentInput)])
                else:
                    delete_documents(reference, [str(d) for d in payload])
            assert signature(self.engine) == signature(reference)
        finally:
            self.client.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _drain(self, limit_s: float = 30.0) -> None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            for slot in (0, 1):
                run = self.runs[slot] or self.workers[slot].take(block_ms=1)
                while run is not None and run.advance():
                    pass
                self.runs[slot] = None
            while self.applier.step(block_ms=1):
                pass
            jobs = [self.jobs.get(j) for j in self.job_ids]
            if all(j.status in ("done", "failed") for j in jobs):
                assert [j.status for j in jobs] == ["done"] * len(jobs), [j.error for j in jobs]
                seen = {
                    "superseded": any(j.superseded for j in jobs),
                    "retried": any(j.attempts > 1 for j in jobs),
                    "taken over": any(j.takeovers for j in jobs),
                }
                self.happened.update(w for w, happened in seen.items() if happened)
                return
            time.sleep(0.02)
        raise AssertionError([self.jobs.get(j) for j in self.job_ids])


def test_random_writes_through_two_workers_and_a_writer_equal_submission_order(redis_url):
    class Machine(OrderMachine):
        pass

    Machine.redis_url, Machine.happened = redis_url, Counter()
    started = time.monotonic()
    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    print(f"examples with a job superseded / retried / taken over: {dict(Machine.happened)}", end=" ")
    print(f"in {time.monotonic() - started:.1f} s")
    assert {"superseded", "retried", "taken over"} <= set(Machine.happened)  # the examples did reach them
