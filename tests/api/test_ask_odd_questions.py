"""Odd questions over ask (whole and streamed) and chat: another language, one word, an empty memory;
each gets an answer or a clear 4xx, never a 5xx."""

import openai
import pytest

DOC = {"id": "mill", "title": "Orsa mill", "text": "The Orsa mill was built by Henrik Dahl in 1852."}
QUESTIONS = ["Wer hat die Mühle gebaut?", "mill", "谁建造了磨坊？"]


@pytest.fixture(scope="module")
def filled(live):
    return live.namespace_holding([DOC], timeout_s=300)


@pytest.mark.parametrize("question", QUESTIONS)
def test_odd_questions_answer_whole_and_streamed(live, filled, question):
    name, key = filled
    with live.client(key) as c:
        whole = c.post(f"/v1/namespaces/{name}/ask", json={"question": question})
        streamed = c.post(f"/v1/namespaces/{name}/ask", json={"question": question, "stream": True})
    assert whole.status_code == 200 and isinstance(whole.json()["abstained"], bool)
    assert streamed.status_code == 200 and "event: done" in streamed.text


def test_an_empty_memory_abstains_over_ask_and_chat(live):
    name, key = live.namespace_with_key()
    with live.client(key) as c:
        whole = c.post(f"/v1/namespaces/{name}/ask", json={"question": "Who built the mill?"})
        streamed = c.post(f"/v1/namespaces/{name}/ask", json={"question": "Who built the mill?", "stream": True})
    assert whole.status_code == 200 and whole.json()["abstained"] is True and whole.json()["citations"] == []
    assert streamed.status_code == 200 and "event: done" in streamed.text
    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=key, max_retries=0)
    reply = client.chat.completions.create(model=name, messages=[{"role": "user", "content": "mill"}])
    assert reply.choices[0].message.content
