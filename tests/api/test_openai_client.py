"""The official `openai` client, pointed at memrag, gets grounded chat answers, streamed and not."""

import openai
import pytest

DOC = {
    "id": "handbook/oncall",
    "title": "On-call rota",
    "text": "The on-call rota is kept by Priya Natarajan. Pages go to the platform team first.",
}
QUESTION = "Who keeps the on-call rota?"


@pytest.fixture(scope="module")
def namespace(live):
    return live.namespace_holding([DOC])


def test_a_chat_completion_is_grounded_in_the_namespace(live, namespace):
    name, key = namespace
    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=key)
    reply = client.chat.completions.create(model=name, messages=[{"role": "user", "content": QUESTION}])
    content = reply.choices[0].message.content
    assert content is not None
    assert "Priya Natarajan" in content and "Sources: [1] handbook/oncall" in content
    assert reply.choices[0].finish_reason == "stop" and reply.model == name


def test_a_streamed_chat_completion_arrives_in_pieces(live, namespace):
    name, key = namespace
    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=key)
    stream = client.chat.completions.create(
        model=name,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}],
        stream=True,
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) > 3 and "Priya Natarajan" in text and "handbook/oncall" in text
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_the_client_sees_a_wrong_key_and_a_foreign_namespace_as_errors(live, namespace):
    name, _ = namespace
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{live.url}/v1", api_key="mr_wrong", max_retries=0).chat.completions.create(
            model=name, messages=[{"role": "user", "content": QUESTION}]
        )
    _, other_key = live.namespace_with_key()
    with pytest.raises(openai.NotFoundError):
        openai.OpenAI(base_url=f"{live.url}/v1", api_key=other_key, max_retries=0).chat.completions.create(
            model=name, messages=[{"role": "user", "content": QUESTION}]
        )


def test_the_models_a_key_can_use_are_its_namespace_only(live, namespace):
    name, key = namespace
    models = openai.OpenAI(base_url=f"{live.url}/v1", api_key=key).models.list()
    assert [m.id for m in models] == [name]
