"""Documents and jobs over HTTP: lifecycle, pagination, limits and error bodies."""

PROBLEM = "application/problem+json"


def test_document_lifecycle_update_delete_and_pagination(live):
    ns, key = live.namespace_with_key()
    docs = [
        {"id": f"note/{i}", "title": f"Note {i}", "text": f"Harbour {i} is run by Captain Number{i}."} for i in range(5)
    ]
    with live.client(key) as c:
        job = c.post(f"/v1/namespaces/{ns}/documents", json={"documents": docs}).json()
        assert live.wait_job(key, job["job_id"])["indexed"] == 5
        first = c.get(f"/v1/namespaces/{ns}/documents", params={"limit": 2}).json()
        second = c.get(f"/v1/namespaces/{ns}/documents", params={"limit": 2, "cursor": first["next_cursor"]}).json()
        last = c.get(f"/v1/namespaces/{ns}/documents", params={"limit": 2, "cursor": second["next_cursor"]}).json()
        assert [d["id"] for d in first["documents"] + second["documents"] + last["documents"]] == [
            f"note/{i}" for i in range(5)
        ]
        assert last["next_cursor"] is None
        before = c.get(f"/v1/namespaces/{ns}/documents/note/1").json()
        update = c.put(f"/v1/namespaces/{ns}/documents/note/1", json={"title": "Note 1", "text": "Harbour 1 closed."})
        assert update.status_code == 202 and live.wait_job(key, update.json()["job_id"])["indexed"] == 1
        after = c.get(f"/v1/namespaces/{ns}/documents/note/1").json()
        assert after["status"] == "indexed" and after["content_hash"] != before["content_hash"]
        gone = c.delete(f"/v1/namespaces/{ns}/documents/note/2")
        assert gone.status_code == 202 and live.wait_job(key, gone.json()["job_id"])["deleted"] == 1
        missing = c.get(f"/v1/namespaces/{ns}/documents/note/2")
        assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
        assert c.delete(f"/v1/namespaces/{ns}/documents/note/2").status_code == 404


def test_bad_requests_get_problem_bodies_that_name_the_fault(live):
    ns, key = live.namespace_with_key()
    with live.client(key) as c:
        empty = c.post(f"/v1/namespaces/{ns}/documents", json={"documents": [{"text": ""}]})
        assert empty.status_code == 422 and "documents.0.text" in empty.json()["detail"]
        too_many = c.post(f"/v1/namespaces/{ns}/documents", json={"documents": [{"text": "x"}] * 501})
        assert too_many.status_code == 422 and "500" in too_many.json()["detail"]
        huge = c.post(f"/v1/namespaces/{ns}/documents", json={"documents": [{"text": "x" * 3_000_000}]})
        assert huge.status_code == 413 and "limit" in huge.json()["detail"]
        broken = c.post(f"/v1/namespaces/{ns}/ask", content=b"{not json", headers={"content-type": "application/json"})
        assert broken.status_code == 422 and broken.headers["content-type"] == PROBLEM
        no_user = c.post("/v1/chat/completions", json={"model": ns, "messages": [{"role": "system", "content": "x"}]})
        assert no_user.status_code == 400 and "user message" in no_user.json()["detail"]
        assert c.get("/v1/jobs/job_nope").status_code == 404


def test_health_readiness_and_metrics(live):
    with live.client() as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        assert c.get("/readyz").json() == {"status": "ready"}
        metrics = c.get("/metrics").text
        assert "memrag_http_requests_total" in metrics and "memrag_http_request_seconds_bucket" in metrics


def test_a_streamed_body_is_limited_too(live):
    ns, key = live.namespace_with_key()

    def body(parts):
        yield b'{"documents": [{"id": "streamed", "text": "'
        yield from (b"word " * 20_000 for _ in range(parts))
        yield b'"}]}'

    with live.client(key) as c:
        big = c.post(f"/v1/namespaces/{ns}/documents", content=body(30), headers={"content-type": "application/json"})
        assert big.status_code == 413 and big.headers["content-type"] == PROBLEM
        small = c.post(f"/v1/namespaces/{ns}/documents", content=body(1), headers={"content-type": "application/json"})
        assert small.status_code == 202


def test_nulls_for_optional_fields_are_taken_as_absent(live):
    ns, key = live.namespace_with_key()
    with live.client(key) as c:
        doc = {"id": None, "title": None, "text": "The mill on the river Aln grinds barley.", "metadata": None}
        job = c.post(f"/v1/namespaces/{ns}/documents", json={"documents": [doc]}).json()
        assert live.wait_job(key, job["job_id"])["indexed"] == 1
        listed = c.get(f"/v1/namespaces/{ns}/documents").json()["documents"]
        assert len(listed) == 1 and listed[0]["title"] == "" and listed[0]["metadata"] == {}
