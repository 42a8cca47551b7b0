"""Must-show 1 over HTTP: every hostile input gets a 4xx naming the problem (or, when it is a
legitimate input that only looks hostile, is stored); none answers 5xx or leaks a path, URL,
host:port, credential or traceback; after a restart every namespace lists, answers and reopens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx
import pytest

from tests.api.live import ADMIN_KEY, Live
from tests.helpers import leaks
from tests.hostile import tally
from tests.hostile.inputs import INPUTS, NO_BODY, Hostile
from tests.hostile.served import Served

pytestmark = pytest.mark.model
PROBLEM = "application/problem+json"
BYSTANDER_DOC = {"id": "keeper", "text": "Ines Holt is the harbour master of Tarnholm."}


@dataclass
class Target:
    """The namespace under attack and a bystander namespace, with their keys and the accepted jobs."""

    live: Live
    namespace: str
    key: str
    jobs: list[str] = field(default_factory=list)
    accepted_ids: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def target(served: Served) -> Target:
    live = served.live
    namespace, key = live.namespace_with_key()
    bystander, bystander_key = live.namespace_with_key()
    with live.client(bystander_key) as c:
        job = c.post(f"/v1/namespaces/{bystander}/documents", json={"documents": [BYSTANDER_DOC]}).json()["job_id"]
    assert live.wait_job(bystander_key, job)["status"] == "done"
    return Target(live, namespace, key)


def send(target: Target, item: Hostile) -> httpx.Response:
    key = ADMIN_KEY if item.admin else target.key
    body = item.body_for(target.namespace)
    headers = {"authorization": f"Bearer {key}", **item.headers}
    content: bytes | Iterator[bytes] | None = item.content
    if item.content is not None and headers.pop("transfer-encoding", None) == "chunked":
        content = (item.content[i : i + 65536] for i in range(0, len(item.content), 65536))
    with httpx.Client(base_url=target.live.url, timeout=120) as client:
        if body is not NO_BODY:
            return client.request(item.method, item.path_for(target.namespace), json=body, headers=headers)
        return client.request(item.method, item.path_for(target.namespace), content=content, headers=headers)


def without_echoes(body: str, item: Hostile) -> str:
    for echo in item.echoes:
        body = body.replace(echo, "").replace(repr(echo), "")
    return body


@pytest.mark.parametrize("item", INPUTS, ids=[f"{i.category}: {i.name}" for i in INPUTS])
def test_a_hostile_input_is_refused_with_a_4xx_or_stored_never_a_5xx(target: Target, item: Hostile) -> None:
    tally.record("http", item.category, item.name)
    response = send(target, item)
    assert response.status_code < 500, response.text[:500]
    assert leaks(without_echoes(response.text, item)) == []
    if item.accepted:
        assert response.status_code == 202, response.text[:500]
        target.jobs.append(response.json()["job_id"])
        target.accepted_ids.append(item.json["documents"][0]["id"])
        return
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == PROBLEM and response.json()["detail"]


def test_after_a_restart_every_namespace_lists_answers_and_reopens(served: Served, target: Target) -> None:
    for job_id in target.jobs:  # whatever was accepted is stored whole
        job = target.live.wait_job(target.key, job_id)
        assert (job["status"], job["errors"]) == ("done", {}), job
    live = served.restart()
    with live.client(ADMIN_KEY) as admin:
        namespaces = admin.get("/v1/namespaces").json()
        keys = {ns: admin.post(f"/v1/namespaces/{ns}/keys").json()["key"] for ns in namespaces}
    assert target.namespace in namespaces and len(namespaces) >= 2
    for namespace, key in keys.items():
        with live.client(key) as c:
            page = c.get(f"/v1/namespaces/{namespace}/documents", params={"limit": 1000})
            assert page.status_code == 200 and page.json()["quarantined"] == 0, page.text[:500]
            ids = [d["id"] for d in page.json()["documents"]]
            assert ids, f"{namespace} lists no documents after the restart"
            for doc_id in ids:
                reopened = c.get(f"/v1/namespaces/{namespace}/documents/{quote(doc_id, safe='')}")
                assert reopened.status_code == 200 and reopened.json()["id"] == doc_id, reopened.text[:300]
            asked = c.post(f"/v1/namespaces/{namespace}/ask", json={"question": "Who is the harbour master?"})
            assert asked.status_code == 200 and asked.json()["answer"], asked.text[:300]
            streamed = c.post(
                f"/v1/namespaces/{namespace}/ask", json={"question": "What does the lamp burn?", "stream": True}
            )
            assert streamed.status_code == 200 and "event: done" in streamed.text
    with live.client(keys[target.namespace]) as c:
        listed = [d["id"] for d in c.get(f"/v1/namespaces/{target.namespace}/documents").json()["documents"]]
        assert sorted(target.accepted_ids) == listed
        deepest = c.get(f"/v1/namespaces/{target.namespace}/documents/deepest-allowed").json()
        assert deepest["metadata"]["a"]["a"]["a"]["a"]["a"]["a"]["a"] == {"leaf": "bottom"}
    assert "Traceback" not in served.log.read_text(errors="replace")
