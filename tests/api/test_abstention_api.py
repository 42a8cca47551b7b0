"""A question the memory cannot answer: over HTTP ask (whole and streamed) and the OpenAI-compatible chat,
the answer says so, is flagged `abstained` and cites nothing; an answerable one is a short cited span."""

import json

import openai
import pytest

DOC = {
    "id": "lighthouse",
    "title": "Tarnholm lighthouse",
    "text": "The Tarnholm lighthouse was designed by Ingrid Vale.",
}
UNANSWERABLE = "What is the capital of France?"


@pytest.fixture(scope="module")
def namespace(live):
    return live.namespace_holding([DOC], timeout_s=300)  # a loaded machine: the first job loads spaCy


def test_ask_flags_an_abstention_and_gives_a_short_answer_its_support(live, namespace):
    name, key = namespace
    with live.client(key) as c:
        refused = c.post(f"/v1/namespaces/{name}/ask", json={"question": UNANSWERABLE}).json()
        answered = c.post(f"/v1/namespaces/{name}/ask", json={"question": "Who designed the lighthouse?"}).json()
        streamed = c.post(f"/v1/namespaces/{name}/ask", json={"question": UNANSWERABLE, "stream": True}).text
    assert refused["abstained"] is True and refused["citations"] == [] and "support" not in refused
    assert answered["abstained"] is False and answered["answer"] == "Ingrid Vale [1]"
    assert answered["support"] == DOC["text"] and answered["citations"][0]["document_id"] == "lighthouse"
    done = json.loads(streamed.split("event: done\ndata: ")[1].split("\n")[0])
    assert done["abstained"] is True and done["citations"] == []


def test_chat_completions_carry_the_abstention_whole_and_streamed(live, namespace):
    name, key = namespace
    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=key)
    reply = client.chat.completions.create(model=name, messages=[{"role": "user", "content": UNANSWERABLE}])
    assert reply.choices[0].message.content == "Nothing in memory answers this."  # no "Sources:" line
    assert (reply.model_extra or {}).get("abstained") is True
    chunks = list(
        client.chat.completions.create(model=name, messages=[{"role": "user", "content": UNANSWERABLE}], stream=True)
    )
    assert chunks[-1].choices[0].finish_reason == "stop" and (chunks[-1].model_extra or {}).get("abstained") is True
