"""The question routes (ask, retrieve, chat completions) check the key and the namespace themselves, in the
thread-pool trip that answers (`api/deps.py:in_scope`): the same 401, 404 and 422 as the routes taking `ScopeDep`
(real uvicorn on loopback, real engines on Qdrant Edge, the hash embedder)."""

from collections.abc import Iterator

import httpx
import pytest

from tests.api.live import serving_in_thread
from tests.helpers import extractions, make_engine

ADMIN = "question-routes-admin-0123"
ROUTES = [("ask", {"question": "Who designed the lighthouse?"}), ("retrieve", {"query": "lighthouse"})]
CHAT = {"messages": [{"role": "user", "content": "Who designed the lighthouse?"}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The server's URL and a key of namespace `other` (namespaces `lights` and `other` exist)."""
    root = tmp_path_factory.mktemp("question-routes")
    engines = serving_in_thread(root, ADMIN, lambda ns: make_engine(root / ns, extractions({})))
    with engines as url, httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}) as admin:
        for name in ("lights", "other"):
            admin.post("/v1/namespaces", json={"name": name}).raise_for_status()
        yield url, admin.post("/v1/namespaces/other/keys").json()["key"]


@pytest.mark.parametrize(("route", "body"), ROUTES)
def test_no_key_or_an_unknown_key_is_401(server, route, body):
    url, _ = server
    for headers in ({}, {"Authorization": "Bearer mr_not-a-key"}, {"Authorization": "Basic abc"}):
        r = httpx.post(f"{url}/v1/namespaces/lights/{route}", json=body, headers=headers)
        assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json", r.text


@pytest.mark.parametrize("route", ["ask", "retrieve"])
def test_no_key_is_401_before_the_body_or_the_path_is_read(server, route):
    """Catches the key checked only after validation: a caller with no key was told 422 and shown
    which request fields were wrong, where every other route says 401."""
    url, _ = server
    assert httpx.post(f"{url}/v1/namespaces/lights/{route}", json={}).status_code == 401
    assert httpx.post(f"{url}/v1/namespaces/Bad%20Name/{route}", json={}).status_code == 401
    assert httpx.post(f"{url}/v1/chat/completions", json={}).status_code == 401


@pytest.mark.parametrize(("route", "body"), ROUTES)
def test_another_namespaces_key_gets_the_404_of_a_missing_namespace(server, route, body):
    url, other_key = server
    auth = {"Authorization": f"Bearer {other_key}"}
    theirs = httpx.post(f"{url}/v1/namespaces/lights/{route}", json=body, headers=auth)
    missing = httpx.post(f"{url}/v1/namespaces/nowhere/{route}", json=body, headers=auth)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"].replace("lights", "NS") == missing.json()["detail"].replace("nowhere", "NS")
    own = httpx.post(f"{url}/v1/namespaces/other/{route}", json=body, headers=auth)
    assert own.status_code == 200, own.text


@pytest.mark.parametrize(("route", "body"), ROUTES)
def test_a_namespace_name_out_of_pattern_is_refused_before_any_lookup(server, route, body):
    url, other_key = server
    r = httpx.post(
        f"{url}/v1/namespaces/Bad%20Name/{route}", json=body, headers={"Authorization": f"Bearer {other_key}"}
    )
    assert r.status_code == 422 and "ns" in r.text


def test_chat_completions_check_the_key_and_the_namespace_too(server):
    url, other_key = server
    for headers in ({}, {"Authorization": "Bearer mr_not-a-key"}):
        assert (
            httpx.post(f"{url}/v1/chat/completions", json={**CHAT, "model": "other"}, headers=headers).status_code
            == 401
        )
    auth = {"Authorization": f"Bearer {other_key}"}
    theirs = httpx.post(f"{url}/v1/chat/completions", json={**CHAT, "model": "lights"}, headers=auth)
    missing = httpx.post(f"{url}/v1/chat/completions", json={**CHAT, "model": "nowhere"}, headers=auth)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"].replace("lights", "NS") == missing.json()["detail"].replace("nowhere", "NS")
    assert httpx.post(f"{url}/v1/chat/completions", json={**CHAT, "model": "other"}, headers=auth).status_code == 200
