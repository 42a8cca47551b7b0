"""Cost over real HTTP (uvicorn on loopback, a real engine on Qdrant Edge, the scripted LLM server):
`dry_run` estimates without spending, the job and the answer report their usage, `/metrics` totals it."""

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from memrag.api.dry_run import _ESTIMATING
from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.llm import LlmExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.llm.openai_chat import OpenAIChat
from memrag.memory.llm.prompts import READER_SYSTEM, TRIPLE_SYSTEM
from memrag.memory.retrieval.reader import LlmReader
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.json_cache import SqliteJsonCache
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from tests.api.live import serving_in_thread
from tests.fake_llm import FakeLLM
from tests.scripted_reader import echo_answer

ADMIN = "usage-api-admin-key-0123"
DOCS = [
    {"id": "lighthouse", "text": "Ingrid Vale designed the Tarnholm lighthouse."},
    {"id": "cape", "text": "The Tarnholm lighthouse stands on the northern cape."},
    {"id": "birds", "text": "Seabirds nest on the northern cape every spring."},
]


def scripted(messages: list[dict]) -> str:
    system, user = messages[0]["content"], messages[-1]["content"]
    if system == READER_SYSTEM:
        return echo_answer(user)
    if system == TRIPLE_SYSTEM:
        return '{"triples": [["Tarnholm lighthouse", "stands on", "northern cape"]]}'
    return '{"named_entities": ["Tarnholm lighthouse", "northern cape"]}'


def words(messages: list[dict]) -> int:
    return sum(len(m["content"].split()) for m in messages)  # what the scripted server reports as tokens


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, FakeLLM]]:
    root = tmp_path_factory.mktemp("usage-api")
    llm = FakeLLM(scripted)
    chat = OpenAIChat(llm.base_url, "scripted")

    def open_one(ns: str) -> Engine:
        store = RecordStore(EdgeStore(root / ns), 32)
        extractor = LlmExtractor(chat, SqliteJsonCache(root / f"{ns}-openie.sqlite"))
        return Engine(
            store, HashEmbedder(32), extractor, WholeDocumentChunker(), KeepTopFacts(), reader=LlmReader(chat)
        )

    with serving_in_thread(root, ADMIN, open_one) as url:
        yield url, llm
    llm.close()


def _client(url: str, name: str) -> httpx.Client:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30) as admin:
        admin.post("/v1/namespaces", json={"name": name}).raise_for_status()
        key = admin.post(f"/v1/namespaces/{name}/keys").json()["key"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    found = re.search(rf"^{name}_total\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_dry_run_then_the_job_the_answer_and_the_metrics(served):
    url, llm = served
    c = _client(url, "costs")
    guess = c.post("/v1/namespaces/costs/documents", params={"dry_run": "true"}, json={"documents": DOCS})
    assert guess.status_code == 200, guess.text
    estimate = guess.json()
    assert (estimate["passages"], estimate["llm_calls"], estimate["unchanged_documents"]) == (3, 6, 0)
    assert estimate["prompt_tokens"] > 0 and estimate["completion_tokens"] > 0
    assert llm.requests == [] and c.get("/v1/namespaces/costs/documents").json()["documents"] == []  # nothing spent

    job_id = c.post("/v1/namespaces/costs/documents", json={"documents": DOCS}).json()["job_id"]
    deadline = time.monotonic() + 60
    while (job := c.get(f"/v1/jobs/{job_id}").json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    usage = job["usage"]
    assert usage["llm_calls"] == 6 == len(llm.requests)
    assert usage["prompt_tokens"] == sum(words(r["messages"]) for r in llm.requests)  # the server's own figures
    assert usage["counted_tokens"] == 0 and usage["embed_seconds"] > 0
    assert {d: u["llm_calls"] for d, u in job["document_usage"].items()} == {"lighthouse": 2, "cape": 2, "birds": 2}

    answer = c.post("/v1/namespaces/costs/ask", json={"question": "Who designed the Tarnholm lighthouse?"}).json()
    assert answer["usage"]["llm_calls"] == 1
    assert answer["usage"]["prompt_tokens"] == words(llm.requests[-1]["messages"])

    metrics = httpx.get(f"{url}/metrics").text
    assert _metric(metrics, "memrag_llm_calls", namespace="costs", work="ingest") == 6
    assert _metric(metrics, "memrag_llm_calls", namespace="costs", work="answer") == 1
    prompt = _metric(metrics, "memrag_llm_tokens", namespace="costs", work="ingest", kind="prompt")
    assert prompt == usage["prompt_tokens"]
    assert _metric(metrics, "memrag_embedding_seconds", namespace="costs", work="ingest") > 0

    again = c.post("/v1/namespaces/costs/documents", params={"dry_run": "true"}, json={"documents": DOCS}).json()
    assert (again["unchanged_documents"], again["passages"], again["llm_calls"]) == (3, 0, 0)
    c.close()


def test_dry_run_refuses_bad_documents_like_an_add(served):
    url, _ = served
    c = _client(url, "refusals")
    bad = c.post("/v1/namespaces/refusals/documents?dry_run=true", json={"documents": [{"text": ""}]})
    assert bad.status_code == 422 and "text" in bad.text
    c.close()


def test_streamed_answers_and_chat_completions_are_counted_in_the_metrics(served):
    """Every answer is counted in `/metrics`, not only non-streamed `/ask` (streamed `/ask` and the
    OpenAI-compatible chat, streamed or not, used to be left out)."""
    url, _ = served
    c = _client(url, "answers")
    job_id = c.post("/v1/namespaces/answers/documents", json={"documents": DOCS}).json()["job_id"]
    deadline = time.monotonic() + 60
    while c.get(f"/v1/jobs/{job_id}").json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    question = "Who designed the Tarnholm lighthouse?"
    streamed = c.post("/v1/namespaces/answers/ask", json={"question": question, "stream": True})
    assert streamed.status_code == 200 and "event: done" in streamed.text
    chat = {"model": "answers", "messages": [{"role": "user", "content": question}]}
    assert c.post("/v1/chat/completions", json=chat).status_code == 200
    assert "[DONE]" in c.post("/v1/chat/completions", json={**chat, "stream": True}).text
    metrics = httpx.get(f"{url}/metrics").text
    assert _metric(metrics, "memrag_llm_calls", namespace="answers", work="answer") == 3
    c.close()


def test_a_second_estimate_while_one_runs_is_429_not_another_busy_thread(served):
    """Estimates are bounded to one at a time per process (each cuts every passage; nothing queues
    them): a second one is told to come back, and the next after it is answered."""
    url, _ = served
    c = _client(url, "estimates")
    assert _ESTIMATING.acquire(blocking=False)  # an estimate in progress
    try:
        busy = c.post("/v1/namespaces/estimates/documents", params={"dry_run": "true"}, json={"documents": DOCS})
    finally:
        _ESTIMATING.release()
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "10"
    assert "another cost estimate is running" in busy.json()["detail"]
    free = c.post("/v1/namespaces/estimates/documents", params={"dry_run": "true"}, json={"documents": DOCS})
    assert free.status_code == 200 and free.json()["passages"] == 3
    c.close()
