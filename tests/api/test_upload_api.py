"""Uploading a file over HTTP (`POST …/documents:upload`): every format the loaders read becomes
documents through the same loaders; every hostile file or name is a 4xx naming the problem, with no
path, host, traceback or temporary file name in the body; and a namespace's jobs list, newest first."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from memrag.api.errors import TooLarge
from memrag.api.routes_upload import MAX_UPLOAD_BYTES, _file_bytes
from tests.api.live import Live
from tests.helpers import leaks, pdf_bomb, text_pdf

pytestmark = pytest.mark.model
PROBLEM = "application/problem+json"


def many_lines(count: int) -> bytes:
    """JSON Lines of `count` one-sentence documents."""
    return b"\n".join(b'{"id": "d%d", "text": "Document %d."}' % (i, i) for i in range(count))


def upload(live: Live, key: str, ns: str, name: str, data: bytes) -> httpx.Response:
    with live.client(key) as c:
        return c.post(
            f"/v1/namespaces/{ns}/documents:upload",
            params={"name": name},
            content=data,
            headers={"content-type": "application/octet-stream"},
        )


def document(live: Live, key: str, ns: str, doc_id: str) -> dict[str, Any]:
    with live.client(key) as c:
        found = c.get(f"/v1/namespaces/{ns}/documents/{doc_id}")
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


def test_each_format_is_read_by_the_loaders_under_its_uploaded_name(live: Live) -> None:
    ns, key = live.namespace_with_key()
    files = {
        "notes/harbour.md": b"# Harbour notes\n\nIngrid Vale built the harbour of Oslo.",
        "lamp.html": b"<html><title>The lamp</title><script>x()</script><p>The lamp burns whale oil.</p></html>",
        "keeper.pdf": text_pdf("Ines Holt keeps the Tarnholm light."),
    }
    for name, data in files.items():
        sent = upload(live, key, ns, name, data)
        assert sent.status_code == 202, sent.text
        assert (sent.json()["documents"], sent.json()["errors"]) == (1, [])
        assert live.wait_job(key, sent.json()["job_id"])["status"] == "done"
    harbour = document(live, key, ns, "harbour.md")  # the folder part of a name is dropped
    assert (harbour["title"], harbour["metadata"]) == ("Harbour notes", {"source": "harbour.md"})
    lamp = document(live, key, ns, "lamp.html")
    assert lamp["title"] == "The lamp"
    keeper = document(live, key, ns, "keeper.pdf")
    assert keeper["title"] == "keeper"  # a PDF without a title is named by its file, not the temporary one
    with live.client(key) as c:
        hit = c.post(f"/v1/namespaces/{ns}/retrieve", json={"query": "Who keeps the Tarnholm light?", "top_k": 1})
    assert hit.json()["hits"][0]["document_id"] == "keeper.pdf"  # the PDF's text layer was indexed


def test_json_lines_queue_the_good_lines_and_list_the_bad_ones(live: Live) -> None:
    ns, key = live.namespace_with_key()
    lines = b'{"id": "a", "text": "Alpha text."}\nnot json\n{"id": "b"}\n{"id": "c", "text": "Gamma text."}\n'
    sent = upload(live, key, ns, "rows.jsonl", lines)
    assert sent.status_code == 202, sent.text
    body = sent.json()
    assert body["documents"] == 2
    assert [e.split(":")[0] for e in body["errors"]] == ["line 2", "line 3"]
    assert "not JSON" in body["errors"][0] and "'text'" in body["errors"][1]
    assert live.wait_job(key, body["job_id"])["indexed"] == 2


def test_a_json_lines_document_outside_the_input_bounds_is_its_lines_problem(live: Live) -> None:
    ns, key = live.namespace_with_key()
    lines = b'{"id": "a", "text": "Alpha text."}\n{"id": "b", "title": "evil\\u202e", "text": "Beta."}\n'
    lines += b'{"id": "%s", "text": "Gamma."}\n{"text": "bell \\u0007"}\n' % (b"i" * 600)
    sent = upload(live, key, ns, "rows.jsonl", lines)
    assert sent.status_code == 202, sent.text  # the good line is queued, not the whole file refused
    errors = sent.json()["errors"]
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 4"], errors
    assert "bidirectional" in errors[0] and "600 characters" in errors[1] and "control" in errors[2]
    assert live.wait_job(key, sent.json()["job_id"])["indexed"] == 1


HOSTILE: list[tuple[str, str, bytes, int, str]] = [  # what, file name, bytes, status, words of the detail
    ("binary named .txt", "tool.txt", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)), 400, "binary"),
    ("not UTF-8", "latin.txt", "café crème".encode("latin-1"), 400, "UTF-8"),
    ("empty body", "empty.txt", b"", 400, "empty"),
    ("only spaces", "blank.md", b"   \n\n  ", 400, "no text"),
    ("unknown extension", "setup.exe", b"MZ\x90\x00", 400, "upload one of"),
    ("no extension", "README", b"plain words", 400, "without an extension"),
    ("a path that climbs out", "../../../../etc/passwd", b"root:x:0:0", 400, "without an extension"),
    ("a name that is only a folder", "notes/", b"words", 400, "no file name"),
    ("a NUL in the name", "a\x00b.txt", b"words", 400, "control"),
    ("a right-to-left override in the name", "evil\u202etxt.md", b"words", 400, "invisible"),
    ("a PDF that is not one", "broken.pdf", b"%PDF-1.4\n1 0 obj garbage", 400, "PDF"),
    ("a PDF bomb", "bomb.pdf", pdf_bomb(100_000_000), 400, "limits"),
    ("JSON Lines with no good line", "rows.jsonl", b'[1, 2]\n{"text": 5}\n', 400, "line 1"),
    ("a body over the server's bound", "big.txt", b"a" * (3 * 1024 * 1024), 413, "limit"),
    ("more documents than one job may hold", "many.jsonl", many_lines(501), 400, "at most 500"),
]


@pytest.mark.parametrize("what,name,data,status,words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_upload_is_a_clear_4xx_that_gives_nothing_away(
    live: Live, what: str, name: str, data: bytes, status: int, words: str
) -> None:
    ns, key = live.namespace_with_key()
    refused = upload(live, key, ns, name, data)
    assert refused.status_code == status, refused.text[:300]
    assert refused.headers["content-type"] == PROBLEM
    detail = refused.json()["detail"]
    assert words in detail, detail
    assert leaks(refused.text) == [] and "memrag-upload" not in refused.text
    with live.client(key) as c:
        assert c.get(f"/v1/namespaces/{ns}/documents").json()["documents"] == []  # nothing stored


def test_a_form_body_is_refused_rather_than_indexed_with_its_envelope(live: Live) -> None:
    ns, key = live.namespace_with_key()
    with live.client(key) as c:
        url = f"/v1/namespaces/{ns}/documents:upload"
        form = c.post(url, params={"name": "a.txt"}, files={"file": ("a.txt", b"Form words.")})
        fields = c.post(url, params={"name": "b.txt"}, data={"text": "Field words."})
        assert [form.status_code, fields.status_code] == [415, 415], form.text
        assert "application/octet-stream" in form.json()["detail"]
        assert c.get(f"/v1/namespaces/{ns}/documents").json()["documents"] == []
        unlabelled = c.post(url, params={"name": "c.txt"}, content=b"Bare words.")  # no content type: the bytes
        assert unlabelled.status_code == 202, unlabelled.text


def test_a_file_of_many_bad_lines_lists_a_bounded_number_of_them(live: Live) -> None:
    ns, key = live.namespace_with_key()
    sent = upload(live, key, ns, "rows.jsonl", b"not json\n" * 5_000 + b'{"text": "The one good line."}')
    assert sent.status_code == 202, sent.text[:300]
    errors = sent.json()["errors"]
    assert len(errors) == 51 and errors[0].startswith("line 1:") and errors[49].startswith("line 50:")
    assert errors[-1] == "and 4,950 more lines not read"
    assert sent.json()["documents"] == 1


def streamed_body(chunks: list[bytes]) -> tuple[Request, list[dict[str, Any]]]:
    """A Starlette request whose body arrives in `chunks`, and the messages it has not read yet."""
    pending = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

    async def receive() -> dict[str, Any]:
        return pending.pop(0)

    return Request({"type": "http", "method": "POST", "headers": []}, receive), pending


def test_the_upload_route_stops_reading_past_its_own_bound_under_a_laxer_server_limit() -> None:
    chunk = b"a" * (MAX_UPLOAD_BYTES // 4)
    request, unread = streamed_body([chunk] * 6)  # 1.5 times the bound, in pieces (no Content-Length to trust)
    with pytest.raises(TooLarge, match="20 MB"):
        asyncio.run(_file_bytes(request))
    assert len(unread) == 1  # refused at the fifth piece, before the rest was read
    assert asyncio.run(_file_bytes(streamed_body([chunk] * 4)[0])) == chunk * 4  # exactly the bound is fine


def test_an_upload_needs_a_key_that_sees_the_namespace(live: Live) -> None:
    ns, _ = live.namespace_with_key()
    other_ns, other_key = live.namespace_with_key()
    assert upload(live, other_key, ns, "a.txt", b"words").status_code == 404
    assert upload(live, "not-a-key", other_ns, "a.txt", b"words").status_code == 401


def test_the_jobs_of_a_namespace_are_listed_newest_first_page_by_page(live: Live) -> None:
    ns, key = live.namespace_with_key()
    other_ns, other_key = live.namespace_with_key()
    sent = [upload(live, key, ns, f"doc-{i}.txt", f"Document number {i}.".encode()).json()["job_id"] for i in range(3)]
    upload(live, other_key, other_ns, "theirs.txt", b"Not yours.")
    for job_id in sent:
        live.wait_job(key, job_id)
    with live.client(key) as c:
        first = c.get(f"/v1/namespaces/{ns}/jobs", params={"limit": 2}).json()
        second = c.get(f"/v1/namespaces/{ns}/jobs", params={"limit": 2, "cursor": first["next_cursor"]}).json()
        refused = c.get(f"/v1/namespaces/{other_ns}/jobs")
    listed = [j["job_id"] for j in first["jobs"] + second["jobs"]]
    assert listed == list(reversed(sent)) and second["next_cursor"] is None
    assert all(j["status"] == "done" and j["applied_slices"] == j["slices"] for j in first["jobs"])
    assert refused.status_code == 404
    with live.client(key) as c:
        counted = c.get(f"/v1/namespaces/{ns}/stats").json()["jobs"]  # the console's Overview shows these
    assert counted == {"queued": 0, "running": 0, "done": 3, "failed": 0}
