"""Cost of Redis-mode jobs: a worker's preparation usage travels in its batch, the writer records it with
the slice (once, however often the entry is applied), and /metrics totals it per namespace; a batch
written before batches carried usage (format 2) still decodes and applies, with none."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from memrag.api.app import create_app
from memrag.api.prometheus import Metrics
from memrag.api.registry import RedisRegistry
from memrag.api.services import Services
from memrag.ingest.applier import Applier
from memrag.ingest.jobs import new_job
from memrag.ingest.redis_board import RedisJobBoard
from memrag.ingest.redis_queue import NAMESPACES, log_key
from memrag.ingest.worker import RetryPolicy, Worker
from memrag.memory.errors import InvalidInput
from memrag.memory.extraction.llm import LlmExtractor
from memrag.memory.indexing.batch import decode, encode
from memrag.memory.indexing.prepare import Preparer
from memrag.memory.llm.openai_chat import OpenAIChat
from memrag.memory.llm.prompts import TRIPLE_SYSTEM
from memrag.memory.llm.usage import Usage
from memrag.memory.settings import Settings
from memrag.memory.storage.json_cache import SqliteJsonCache
from memrag.memory.types import DocumentInput
from memrag.memory.wiring import Engines
from tests.fake_llm import FakeLLM
from tests.helpers import FIXTURES
from tests.ingest.rig import RedisRig

FAST = RetryPolicy(visibility_s=5.0, max_attempts=2, backoff_s=0.05)
DOCS = [DocumentInput(text=f"Keeper {i} tends the Tarnholm lighthouse on cape {i % 3}.", id=f"d{i}") for i in range(20)]
OLD_BATCH = FIXTURES / "batch_format_2.bin"  # encoded by memrag-batch-2's `encode` (commit f2324c3), one document


def scripted(messages: list[dict]) -> str:
    if messages[0]["content"] == TRIPLE_SYSTEM:
        return '{"triples": [["keeper", "tends", "Tarnholm lighthouse"]]}'
    return '{"named_entities": ["keeper", "Tarnholm lighthouse"]}'


def words(messages: list[dict]) -> int:
    return sum(len(m["content"].split()) for m in messages)  # how the scripted server counts tokens


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    server = FakeLLM(scripted)
    yield server
    server.close()


@pytest.fixture
def rig(tmp_path: Path, redis_client: redis.Redis, llm: FakeLLM) -> Iterator[RedisRig]:
    """The writer over Qdrant Edge and one worker extracting through the scripted LLM server."""
    made = RedisRig(tmp_path, redis_client, {}, FAST)
    extractor = LlmExtractor(OpenAIChat(llm.base_url, "scripted"), SqliteJsonCache(tmp_path / "openie.sqlite"))
    base = made.engine.preparer
    made.workers = [Worker(redis_client, Preparer(base.embedder, extractor, base.chunker), "w-llm", FAST)]
    yield made
    made.close()


def metrics_of(rig: RedisRig, redis_url: str, tmp_path: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics of an API process in Redis mode (it ran none of the jobs: the figures come from Redis)."""
    settings = Settings(data_dir=tmp_path / "api", redis_url=redis_url)
    engines = Engines(settings, open_one=lambda ns: rig.engine)
    client = redis.Redis.from_url(redis_url)
    services = Services(settings, engines, rig.jobs, RedisRegistry(client), Metrics(), client)
    with TestClient(create_app(services=services)) as api:
        text = api.get("/metrics").text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_a_worker_job_reports_what_the_scripted_server_counted(
    rig: RedisRig, llm: FakeLLM, redis_url: str, tmp_path: Path
) -> None:
    job = rig.drain([rig.jobs.submit_add("costs", DOCS).id])[0]
    assert (job.status, job.slices, job.indexed) == ("done", 2, 20)
    served = Usage(
        llm_calls=len(llm.requests),
        prompt_tokens=sum(words(r["messages"]) for r in llm.requests),
        completion_tokens=sum(len(scripted(r["messages"]).split()) for r in llm.requests),
    )
    assert served.llm_calls == 40  # two OpenIE calls a passage
    assert (job.usage.llm_calls, job.usage.prompt_tokens, job.usage.completion_tokens) == (
        served.llm_calls,
        served.prompt_tokens,
        served.completion_tokens,
    )
    assert job.usage.counted_tokens == 0 and job.usage.embed_seconds > 0
    assert set(job.document_usage) == {d.id for d in DOCS}
    assert all(u.llm_calls == 2 for u in job.document_usage.values())

    board = RedisJobBoard(rig.client)
    assert board.spent()["costs"].llm_calls == 40
    samples = metrics_of(rig, redis_url, tmp_path)
    ingest = (("namespace", "costs"), ("work", "ingest"))
    assert samples[("memrag_llm_calls_total", ingest)] == 40
    prompt = ("memrag_llm_tokens_total", (("kind", "prompt"), *ingest))
    assert samples[prompt] == served.prompt_tokens


def test_an_entry_applied_again_is_charged_once(rig: RedisRig, llm: FakeLLM) -> None:
    """A replica's applier (or a writer replaying after a crash) applies the same entries: the slice
    and its cost were recorded by the first."""
    job_id = rig.drain([rig.jobs.submit_add("costs", DOCS[:3]).id])[0].id
    board = RedisJobBoard(rig.client)
    first, spent = rig.jobs.get(job_id), board.spent()["costs"]
    replica = Applier(rig.client, rig.engine_for, rig.tmp_path / "replica-positions", "replica")  # from the start
    assert replica.step(block_ms=1) == 1
    replica.close()
    assert rig.jobs.get(job_id).usage == first.usage and first.usage.llm_calls == 6 == len(llm.requests)
    assert board.spent()["costs"] == spent


def test_a_slice_prepared_again_after_a_takeover_is_charged_for_the_batch_that_was_logged(
    rig: RedisRig, llm: FakeLLM, tmp_path: Path
) -> None:
    """A worker taken for dead prepares its slice anyway and cannot log it; the worker that took the
    job over prepares it again (a cache of its own) and logs it: the job reports one preparation."""
    slow = rig.workers[0]
    chat = OpenAIChat(llm.base_url, "scripted")
    other = Worker(
        rig.client,
        Preparer(
            slow.preparer.embedder, LlmExtractor(chat, SqliteJsonCache(tmp_path / "b.sqlite")), slow.preparer.chunker
        ),
        "w-other",
        RetryPolicy(visibility_s=0.2),
    )
    job_id = rig.jobs.submit_add("costs", DOCS[:3]).id
    held = slow.take(block_ms=10)
    assert held is not None
    time.sleep(0.3)  # past the visibility timeout: the job looks abandoned
    taken = other.take(block_ms=10)
    assert taken is not None and taken.job.takeovers == 1
    assert held.advance() is False  # prepared (six calls), then refused the log: the job is not its own
    assert len(llm.requests) == 6
    while taken.advance():
        pass
    done = rig.drain([job_id])[0]
    assert len(llm.requests) == 12 and done.status == "done"
    assert done.usage.llm_calls == 6 == RedisJobBoard(rig.client).spent()["costs"].llm_calls


def test_a_batch_of_format_2_decodes_with_no_usage() -> None:
    batch = decode(OLD_BATCH.read_bytes())
    assert [i.document.id for i in batch.items] == ["old-doc"]
    assert batch.usage == {} and batch.embed_seconds > 0


def test_usage_survives_encoding_and_a_negative_figure_is_refused() -> None:
    old = decode(OLD_BATCH.read_bytes())
    costly = replace(old, usage={"old-doc": Usage(2, 30, 7, 0, 0.5)})
    assert decode(encode(costly)).usage == {"old-doc": Usage(2, 30, 7, 0, 0.5)}
    broken = replace(old, usage={"old-doc": Usage(llm_calls=-1)})
    with pytest.raises(InvalidInput, match="not a prepared batch"):
        decode(encode(broken))


def test_an_old_workers_entry_is_applied_with_no_usage(rig: RedisRig) -> None:
    """An entry a worker of the previous version logged, met by this writer: applied, the job done."""
    board = RedisJobBoard(rig.client)
    job = new_job("costs", "add", 1)
    board.create(job, ["old-doc"])
    rig.client.sadd(NAMESPACES, "costs")
    rig.client.xadd(log_key("costs"), {"job": job.id, "slice": "0", "kind": "batch", "batch": OLD_BATCH.read_bytes()})
    assert rig.applier.step(block_ms=1) == 1
    done = board.get(job.id)
    assert (done.status, done.indexed, done.document_usage) == ("done", 1, {})
    assert done.usage.llm_calls == 0 and done.usage.embed_seconds > 0  # format 2 carried the embedding time
    assert rig.engine.get("old-doc").passage_ids  # written whole
