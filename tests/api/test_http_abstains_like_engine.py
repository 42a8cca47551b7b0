"""HTTP answers abstain by the rule `Engine.ask` answers with (real uvicorn on loopback, a real engine on
Qdrant Edge, the hash embedder): the ask and chat routes hand the reader the retrieval's closest cosine.

The question below separates the two offline rules: most of its key terms are in the memory (term
support 0.67, over the 0.6 the reader falls back on without the cosine) but the name it asks about
("Norway") is not, and its closest passage is far (cosine ~0.23 < 0.55): with the cosine it abstains."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from memrag.memory.engine import Engine
from memrag.memory.params import RetrievalParams
from tests.api.live import serving_in_thread
from tests.helpers import extractions, make_engine

ADMIN = "abstain-like-engine-admin-0123"
TABLE = {
    "Ingrid Vale designed the Tarnholm lighthouse on the northern cape; its keepers logged storms, shipwrecks, "
    "seabird colonies and supply boats for ninety winters.": [("Ingrid Vale", "designed", "Tarnholm lighthouse")],
    "Bananas are yellow.": [],
}
FAR_QUESTION = "Which lighthouse keepers logged storms in Norway?"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Engine]]:
    """A client of namespace `lights` (the table indexed) and the very engine the server answers it with."""
    root: Path = tmp_path_factory.mktemp("abstain-like-engine")
    opened: dict[str, Engine] = {}

    def open_one(ns: str) -> Engine:
        opened[ns] = make_engine(root / ns, extractions(TABLE))
        return opened[ns]

    with serving_in_thread(root, ADMIN, open_one) as url, _admin(url) as client:
        client.post("/v1/namespaces", json={"name": "lights"}).raise_for_status()
        docs = [{"id": f"d{i}", "text": text} for i, text in enumerate(TABLE)]
        job = client.post("/v1/namespaces/lights/documents", json={"documents": docs}).json()["job_id"]
        deadline = time.monotonic() + 60
        while client.get(f"/v1/jobs/{job}").json()["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline, "the documents were not indexed in time"
            time.sleep(0.05)
        assert client.get(f"/v1/jobs/{job}").json()["status"] == "done"
        yield client, opened["lights"]


def _admin(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60)


def test_the_engine_abstains_on_the_far_question_by_the_cosine_alone(served):
    """The premise: `Engine.ask` abstains, and the reader without the cosine would not."""
    _, engine = served
    answer, retrieval = engine.ask(FAR_QUESTION, RetrievalParams())
    assert answer.abstained and retrieval.dense_top is not None and retrieval.dense_top < 0.55
    assert not engine.reader.answer(FAR_QUESTION, retrieval.hits).abstained


def test_ask_whole_and_streamed_abstain_as_the_engine_does(served):
    client, engine = served
    expected, _ = engine.ask(FAR_QUESTION, RetrievalParams())
    whole = client.post("/v1/namespaces/lights/ask", json={"question": FAR_QUESTION}).json()
    streamed = client.post("/v1/namespaces/lights/ask", json={"question": FAR_QUESTION, "stream": True}).text
    done = json.loads(streamed.split("event: done\ndata: ")[1].split("\n")[0])
    for body in (whole, done):
        assert (body["answer"], body["abstained"], body["citations"]) == (expected.text, True, [])


def test_chat_completions_whole_and_streamed_abstain_as_the_engine_does(served):
    client, engine = served
    expected, _ = engine.ask(FAR_QUESTION, RetrievalParams())
    messages = [{"role": "user", "content": FAR_QUESTION}]
    reply = client.post("/v1/chat/completions", json={"model": "lights", "messages": messages}).json()
    assert reply["abstained"] is True and reply["choices"][0]["message"]["content"] == expected.text
    streamed = client.post("/v1/chat/completions", json={"model": "lights", "messages": messages, "stream": True})
    chunks = [json.loads(line[6:]) for line in streamed.text.splitlines() if line.startswith("data: {")]
    assert chunks[-1]["abstained"] is True and chunks[-1]["citations"] == []
