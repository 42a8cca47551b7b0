"""Redis down: the job queue, the job board and the key registry raise StorageError (503 at the API)
naming Redis and what to do, never its host, port or password; start-up names the URL masked."""

import shutil

import pytest
import redis

from memrag.api.registry import RedisRegistry
from memrag.ingest.redis_board import RedisJobBoard
from memrag.ingest.redis_queue import RedisJobs, connect
from memrag.memory.errors import StorageError
from memrag.memory.types import DocumentInput
from tests.helpers import RedisProcess, free_port, leaks


@pytest.fixture
def gone():
    """A client of a Redis that is not there (nothing listens on its port)."""
    client = redis.Redis.from_url(f"redis://:hunter2pw@127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    yield client
    client.close()


def test_every_redis_adapter_raises_a_clean_storage_error(gone):
    registry, board = RedisRegistry(gone), RedisJobBoard(gone)
    calls = {
        "registry.namespace_of": lambda: registry.namespace_of("mr_key"),
        "registry.keys": lambda: registry.keys("ns"),
        "registry.create_namespace": lambda: registry.create_namespace("ns"),
        "board.get": lambda: board.get("job"),
        "board.document_state": lambda: board.document_state("ns", "doc"),
    }
    for name, call in calls.items():
        with pytest.raises(StorageError, match=r"Redis \(MEMRAG_REDIS_URL\) is unavailable") as failed:
            call()
        assert isinstance(failed.value.__cause__, redis.ConnectionError), name
        assert not leaks(str(failed.value)) and "hunter2pw" not in str(failed.value), name


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server")
def test_submitting_and_reading_jobs_while_redis_is_stopped_are_storage_errors(tmp_path):
    server = RedisProcess(tmp_path).start()
    jobs = RedisJobs(connect(server.url))
    job = jobs.submit_add("ns", [DocumentInput("text", id="d")])
    server.stop()
    try:
        with pytest.raises(StorageError, match="Redis"):
            jobs.submit_add("ns", [DocumentInput("more text", id="e")])
        with pytest.raises(StorageError, match="Redis"):
            jobs.get(job.id)
        server.start()  # the same data back: what was accepted before the stop is still there
        assert jobs.get(job.id).status == "queued"
    finally:
        jobs.close()
        server.stop()


def test_start_up_names_the_url_with_its_password_masked():
    port = free_port()
    with pytest.raises(StorageError) as failed:
        connect(f"redis://:hunter2pw@127.0.0.1:{port}/0")
    message = str(failed.value)
    assert "hunter2pw" not in message and f"redis://***@127.0.0.1:{port}/0" in message
