"""The store's writer never stops at a log entry it cannot apply: the entry's job fails with a
reason, and the entries after it — of its namespace and of the others — are applied."""

from __future__ import annotations

import math
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import redis

from memrag.ingest.applier import Applier
from memrag.ingest.jobs import Job, new_job
from memrag.ingest.redis_board import RedisJobBoard
from memrag.ingest.redis_queue import NAMESPACES, log_key
from memrag.memory.engine import Engine
from memrag.memory.indexing.batch import PreparedBatch, encode
from memrag.memory.types import DocumentInput
from tests.helpers import make_engine

GOOD = DocumentInput(text="Ada Lovelace wrote the first program.", id="ada")
LATER = DocumentInput(text="Grace Hopper built the first compiler.", id="grace")


class Writer:
    """An applier over one engine per namespace, and a way to append log entries as a worker would."""

    def __init__(self, tmp_path: Path, client: redis.Redis) -> None:
        self.client, self.tmp_path = client, tmp_path
        self.engines: dict[str, Engine] = {}
        self.board = RedisJobBoard(client)
        self.applier = Applier(client, self.engine, tmp_path / "positions")

    def engine(self, namespace: str) -> Engine:
        if namespace not in self.engines:
            self.engines[namespace] = make_engine(self.tmp_path / namespace)
        return self.engines[namespace]

    def append(self, namespace: str, batch: bytes | PreparedBatch) -> Job:
        job = new_job(namespace, "add", 1)
        self.board.create(job, [])
        self.client.sadd(NAMESPACES, namespace)
        raw = batch if isinstance(batch, bytes) else encode(batch)
        self.client.xadd(log_key(namespace), {"job": job.id, "slice": "0", "kind": "batch", "batch": raw})
        return job

    def prepared(self, doc: DocumentInput) -> PreparedBatch:
        return self.engine("scratch").preparer.prepare_inputs([doc])

    def drain(self) -> None:
        while self.applier.step(block_ms=10):
            pass


def with_metadata(batch: PreparedBatch, metadata: dict[str, object]) -> PreparedBatch:
    """The batch with its document's metadata replaced behind validation's back (as a damaged or
    foreign writer could log it)."""
    item = batch.items[0]
    return replace(batch, items=(replace(item, document=replace(item.document, metadata=metadata)),))


def test_an_entry_the_store_would_refuse_fails_its_job_and_the_log_goes_on(tmp_path, redis_client):
    writer = Writer(tmp_path, redis_client)
    poisoned = writer.append("ns", with_metadata(writer.prepared(GOOD), {"k": math.nan}))  # the store refuses NaN
    after = writer.append("ns", writer.prepared(LATER))
    elsewhere = writer.append("other", writer.prepared(GOOD))
    writer.drain()
    failed = writer.board.get(poisoned.id)
    assert (
        failed.status == "failed" and "could not be applied: document 'ada': its metadata['k'] is nan" in failed.error
    )
    assert writer.board.get(after.id).status == "done"
    assert writer.board.get(elsewhere.id).status == "done"
    assert [d.id for d in writer.engine("ns").list_documents()] == ["grace"]
    assert [d.id for d in writer.engine("other").list_documents()] == ["ada"]


def test_an_entry_that_raises_while_it_is_written_fails_its_job_and_the_log_goes_on(tmp_path, redis_client):
    writer = Writer(tmp_path, redis_client)
    batch = writer.prepared(GOOD)
    inconsistent = replace(batch, passages=replace(batch.passages, ids=("not-the-passage",)))  # KeyError mid-write
    poisoned = writer.append("ns", inconsistent)
    after = writer.append("ns", writer.prepared(LATER))
    writer.drain()
    assert writer.board.get(poisoned.id).error == "slice 0 could not be applied: KeyError (see the writer's log)"
    assert writer.board.get(after.id).status == "done"
    assert [d.id for d in writer.engine("ns").list_documents()] == ["grace"]


def test_an_entry_with_vectors_of_another_model_fails_its_job(tmp_path, redis_client):
    writer = Writer(tmp_path, redis_client)
    batch = writer.prepared(GOOD)
    wider = replace(batch, passages=replace(batch.passages, matrix=np.ones((1, 64), dtype=np.float32)))
    poisoned = writer.append("ns", wider)
    after = writer.append("ns", writer.prepared(LATER))
    writer.drain()
    assert "64-d vectors for a 32-d store" in writer.board.get(poisoned.id).error
    assert writer.board.get(after.id).status == "done"


def test_an_entry_nested_past_any_recursion_limit_fails_its_job_and_the_log_goes_on(tmp_path, redis_client):
    writer = Writer(tmp_path, redis_client)
    raw = encode(with_metadata(writer.prepared(GOOD), {"deep": "MARK"}))
    (length,) = struct.unpack_from("<I", raw)
    header = raw[4 : 4 + length].replace(b'"MARK"', b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
    poisoned = writer.append("ns", struct.pack("<I", len(header)) + header + raw[4 + length :])
    after = writer.append("ns", writer.prepared(LATER))
    writer.drain()
    assert writer.board.get(poisoned.id).status == "failed"
    assert "not a prepared batch" in writer.board.get(poisoned.id).error
    assert writer.board.get(after.id).status == "done"
