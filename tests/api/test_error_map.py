"""The error map over HTTP, in process: an outage is 503 with Retry-After, a bug is 500; neither body
gives anything away (tests.helpers.leaks), and every 5xx is counted in /metrics."""

import re
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from memrag.api.app import create_app
from memrag.api.prometheus import Metrics
from memrag.api.registry import RedisRegistry, Registry
from memrag.api.services import Services
from memrag.ingest.local_jobs import LocalJobs
from memrag.ingest.redis_queue import quick_retry
from memrag.memory.settings import Settings
from memrag.memory.wiring import Engines
from tests.helpers import free_port, leaks

ADMIN = "error-map-admin-key-0123"


class BuggyRegistry(RedisRegistry):
    """A registry with a bug: looking a key up raises what no adapter translates."""

    def namespace_of(self, key: str) -> str | None:
        raise RuntimeError("bug near /srv/memrag/registry.py with redis://:pw@10.1.2.3:6379")


def _client(tmp_path, registry: Registry) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, admin_key=ADMIN)
    engines = Engines(settings, open_one=lambda ns: pytest.fail("no engine is opened here"))
    svc = Services(settings, engines, LocalJobs(engines), registry, Metrics())
    with TestClient(create_app(services=svc), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def redis_down(tmp_path) -> Iterator[TestClient]:
    client = redis.Redis.from_url(f"redis://:hunter2pw@127.0.0.1:{free_port()}/0", retry=quick_retry())
    yield from _client(tmp_path, RedisRegistry(client))


@pytest.fixture
def buggy(tmp_path) -> Iterator[TestClient]:
    client = redis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    yield from _client(tmp_path, BuggyRegistry(client))


def _count(metrics: str, route: str, status: int) -> float:
    found = re.search(
        rf'memrag_http_requests_total{{method="\w+",route="{re.escape(route)}",status="{status}"}} (\S+)', metrics
    )
    return float(found.group(1)) if found else 0.0


def test_redis_down_is_503_with_retry_after_and_a_clean_body(redis_down):
    key = {"Authorization": "Bearer mr_some-namespace-key"}
    admin = {"Authorization": f"Bearer {ADMIN}"}
    answers = [
        redis_down.post("/v1/namespaces/team/documents", headers=key, json={"documents": [{"text": "x"}]}),
        redis_down.post("/v1/namespaces/team/ask", headers=key, json={"question": "who?"}),
        redis_down.get("/v1/namespaces/team/keys", headers=admin),
        redis_down.get("/readyz"),
    ]
    for answer in answers:
        assert answer.status_code == 503 and answer.headers["retry-after"] == "5", answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert "Redis" in answer.json()["detail"] and not leaks(answer.text), answer.text
    metrics = redis_down.get("/metrics").text
    assert _count(metrics, "/v1/namespaces/{ns}/documents", 503) == 1
    assert _count(metrics, "/readyz", 503) == 1


def test_a_bug_is_a_500_that_says_nothing_and_is_counted(buggy):
    answer = buggy.get("/v1/models", headers={"Authorization": "Bearer mr_any"})
    assert answer.status_code == 500 and not leaks(answer.text)
    assert answer.json()["detail"] == "the server failed on this request; it is logged"
    assert _count(buggy.get("/metrics").text, "/v1/models", 500) == 1
