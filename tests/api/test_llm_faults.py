"""A live `memrag serve` over a scripted LLM that is slow, failing or cut mid-stream: health routes still
answer, LLM slots are per process and freed when a client leaves, and model failures are 502 or an
error event at the end of a stream, with nothing given away."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest

from tests.api.live import ADMIN_KEY, Live
from tests.fake_llm import FakeLLM, Scripted
from tests.helpers import free_port, leaks, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
SLOTS = 4  # MEMRAG_LLM_MAX_CONCURRENCY of the server


class Gate:
    """The scripted LLM's default reply, held back while the gate is closed (a slow LLM, released at will)."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.open.set()

    def __call__(self, messages: list[dict]) -> str | Scripted:
        self.open.wait(60)
        return "The answer is in memory."


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[tuple[Live, FakeLLM, Gate]]:
    gate = Gate()
    llm = FakeLLM(default=gate)
    port = free_port()
    env = {
        **os.environ,
        "MEMRAG_DATA_DIR": str(tmp_path_factory.mktemp("llm-faults")),
        "MEMRAG_ADMIN_KEY": ADMIN_KEY,
        "MEMRAG_EMBEDDING_CACHE": str(model_cache),
        "MEMRAG_LLM_BASE_URL": llm.base_url,
        "MEMRAG_LLM_API_KEY": "sk-never-shown",
        "MEMRAG_LLM_MAX_CONCURRENCY": str(SLOTS),
        "MEMRAG_LLM_MAX_RETRIES": "1",
    }
    env.pop("MEMRAG_REDIS_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "memrag.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz", proc)
        yield Live(url, {"Authorization": f"Bearer {ADMIN_KEY}"}), llm, gate
    finally:
        gate.open.set()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # never left running after the tests
            proc.kill()
        llm.close()


def _ask(live: Live, ns: str, key: str, **body: object) -> httpx.Response:
    with live.client(key) as c:
        return c.post(f"/v1/namespaces/{ns}/ask", json={"question": "What is in memory?", **body})


def test_healthz_answers_while_40_asks_wait_on_a_slow_llm_and_slots_are_per_process(served):
    live, llm, gate = served
    spaces = [live.namespace_with_key() for _ in range(2)]
    for ns, key in spaces:  # open both namespaces (and load the model) before the LLM turns slow
        assert _ask(live, ns, key).status_code == 200
    gate.open.clear()
    llm.max_in_flight = 0
    with ThreadPoolExecutor(40) as pool:
        asks = [pool.submit(_ask, live, *spaces[i % 2]) for i in range(40)]
        deadline = time.monotonic() + 30
        while llm.in_flight < SLOTS and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # the other 36 asks are in the server now, each holding a worker thread
        assert llm.in_flight == SLOTS
        with httpx.Client(base_url=live.url, timeout=5) as probe:
            started = time.monotonic()
            assert probe.get("/healthz").status_code == 200
            health_s = time.monotonic() - started
            assert probe.get("/readyz").status_code == 200
            assert probe.get("/metrics").status_code == 200
        gate.open.set()
        statuses = [a.result().status_code for a in asks]
    assert health_s < 1.0, f"/healthz took {health_s:.2f} s behind 40 waiting asks"
    assert statuses == [200] * 40
    assert llm.max_in_flight == SLOTS  # one LLM client per process: two namespaces share its 4 slots


def test_a_client_that_leaves_a_stream_frees_its_llm_slot(served):
    live, llm, _ = served
    ns, key = live.namespace_with_key()
    for _ in range(SLOTS):  # every slot taken by a long, slow stream (40 s if read to the end)
        llm.enqueue(" ".join(["word"] * 400), piece_delay_s=0.1)
    for _ in range(SLOTS):
        with (
            live.client(key) as c,
            c.stream("POST", f"/v1/namespaces/{ns}/ask", json={"question": "q", "stream": True}) as r,
        ):
            assert next(r.iter_lines()).startswith("event: answer")
        # leaving the block closes the connection mid-stream
    started = time.monotonic()
    assert _ask(live, ns, key, stream=False).status_code == 200
    assert time.monotonic() - started < 5, "the streams of clients that left still hold the LLM's slots"


def test_a_model_failure_is_502_without_the_upstream_body(served):
    live, llm, _ = served
    ns, key = live.namespace_with_key()
    for stream, attempts in ((False, 2), (True, 1)):  # a request is retried once; a stream is not
        for _ in range(attempts):
            llm.enqueue(status=500)
        answer = _ask(live, ns, key, stream=stream)
        assert answer.status_code == 502 and answer.headers["content-type"] == "application/problem+json"
        assert "HTTP 500" in answer.json()["detail"]
        assert "scripted failure" not in answer.text and not leaks(answer.text), answer.text


def test_an_llm_cut_mid_stream_ends_the_stream_with_an_error_event(served):
    live, llm, _ = served
    ns, key = live.namespace_with_key()
    llm.enqueue("one two three four five six", cut_after=3)
    with live.client(key) as c:
        events = c.post(f"/v1/namespaces/{ns}/ask", json={"question": "q", "stream": True}).text.strip().split("\n\n")
    names = [e.split("\n")[0] for e in events]
    assert names == ["event: answer"] * 3 + ["event: error"]
    error = json.loads(events[-1].split("\n", 1)[1].removeprefix("data: "))
    assert error["status"] == 502 and "stream ended before the answer was complete" in error["detail"]
    assert not leaks(events[-1])


def test_a_chat_stream_cut_mid_stream_ends_with_an_openai_error_chunk(served):
    live, llm, _ = served
    ns, key = live.namespace_with_key()
    llm.enqueue("one two three four five six", cut_after=3)
    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=key, max_retries=0)
    stream = client.chat.completions.create(model=ns, messages=[{"role": "user", "content": "q"}], stream=True)
    pieces = []
    with pytest.raises(openai.APIError) as failed:
        for chunk in stream:
            pieces.append(chunk.choices[0].delta.content or "")
    assert "".join(pieces) == "one two three "
    assert "stream ended before the answer was complete" in str(failed.value) and not leaks(str(failed.value))
