"""A key for namespace A can neither read, list, nor learn the existence of namespace B's documents."""

import pytest

from tests.api.live import ADMIN_KEY

DOC = {"id": "secret-plan", "title": "Plan", "text": "Project Heron launches in March under Sam Okafor."}


@pytest.fixture(scope="module")
def two(live):
    a, key_a = live.namespace_with_key()
    b, key_b = live.namespace_with_key()
    with live.client(key_b) as c:
        job = c.post(f"/v1/namespaces/{b}/documents", json={"documents": [DOC]}).json()
    assert live.wait_job(key_b, job["job_id"])["status"] == "done"
    return a, key_a, b, key_b, job["job_id"]


def _requests(ns):
    return [
        ("GET", f"/v1/namespaces/{ns}/documents", None),
        ("GET", f"/v1/namespaces/{ns}/documents/secret-plan", None),
        ("DELETE", f"/v1/namespaces/{ns}/documents/secret-plan", None),
        ("PUT", f"/v1/namespaces/{ns}/documents/secret-plan", {"text": "overwritten"}),
        ("POST", f"/v1/namespaces/{ns}/documents", {"documents": [{"text": "planted"}]}),
        ("POST", f"/v1/namespaces/{ns}/retrieve", {"query": "Project Heron"}),
        ("POST", f"/v1/namespaces/{ns}/ask", {"question": "When does Project Heron launch?"}),
        ("POST", "/v1/chat/completions", {"model": ns, "messages": [{"role": "user", "content": "Heron?"}]}),
    ]


def _strip(body, ns):
    return {**body, "detail": body["detail"].replace(ns, "NS")}


def test_a_foreign_namespace_looks_exactly_like_a_missing_one(live, two):
    _, key_a, b, key_b, _ = two
    with live.client(key_a) as c:
        pairs = zip(_requests(b), _requests("no-such-ns"), strict=True)
        for (method, path, body), (_, missing_path, missing_body) in pairs:
            theirs = c.request(method, path, json=body)
            missing = c.request(
                method,
                missing_path,
                json=missing_body and {**missing_body, **({"model": "no-such-ns"} if "model" in missing_body else {})},
            )
            assert theirs.status_code == missing.status_code == 404, (method, path, theirs.text)
            assert theirs.headers["content-type"] == "application/problem+json"
            assert _strip(theirs.json(), b) == _strip(missing.json(), "no-such-ns")
            assert "Heron" not in theirs.text and "secret" not in theirs.text
    with live.client(key_b) as c:  # and nothing of B changed
        docs = c.get(f"/v1/namespaces/{b}/documents").json()["documents"]
        assert [d["id"] for d in docs] == ["secret-plan"]


def test_a_foreign_job_is_not_found_and_own_namespace_works(live, two):
    a, key_a, _, key_b, job_b = two
    with live.client(key_a) as c:
        assert c.get(f"/v1/jobs/{job_b}").status_code == 404
        assert c.get(f"/v1/namespaces/{a}/documents").json() == {"documents": [], "next_cursor": None, "quarantined": 0}
    with live.client(key_b) as c:
        assert c.get(f"/v1/jobs/{job_b}").json()["status"] == "done"


def test_no_key_a_wrong_key_and_a_user_key_on_admin_routes(live, two):
    a, key_a, b, _, _ = two
    with live.client() as anonymous:
        r = anonymous.get(f"/v1/namespaces/{b}/documents")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    with live.client("mr_not-a-key") as wrong:
        assert wrong.get(f"/v1/namespaces/{b}/documents").status_code == 401
    with live.client(key_a) as user:
        assert user.post("/v1/namespaces", json={"name": "mine"}).status_code == 403
        assert user.post(f"/v1/namespaces/{a}/keys").status_code == 403
        assert user.get("/v1/namespaces").status_code == 403


def test_a_revoked_key_stops_working(live):
    ns, key = live.namespace_with_key()
    with live.client(ADMIN_KEY) as admin, live.client(key) as user:
        assert user.get(f"/v1/namespaces/{ns}/documents").status_code == 200
        (listed,) = admin.get(f"/v1/namespaces/{ns}/keys").json()
        assert key not in str(listed)
        assert admin.delete(f"/v1/namespaces/{ns}/keys/{listed['id']}").status_code == 204
        assert user.get(f"/v1/namespaces/{ns}/documents").status_code == 401
        assert admin.delete(f"/v1/namespaces/{ns}/keys/{listed['id']}").status_code == 404
