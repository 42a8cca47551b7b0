"""LLM failures as ModelError without the endpoint's URL or body; streams that end early are errors;
a closed stream frees its slot at once."""

import threading
import time

import pytest

from memrag.memory.errors import ModelError
from memrag.memory.llm.openai_chat import OpenAIChat
from tests.fake_llm import FakeLLM
from tests.helpers import free_port, leaks

ASK = [{"role": "user", "content": "x"}]


@pytest.fixture
def llm():
    server = FakeLLM()
    yield server
    server.close()


def _chat(url, **kw):
    return OpenAIChat(url, "scripted", "sk-secret-key", backoff_s=0.01, **kw)


def test_a_refusal_names_the_status_not_the_upstream_body(llm):
    llm.enqueue(status=401)
    with pytest.raises(ModelError, match=r"answered HTTP 401 \(check MEMRAG_LLM_API_KEY\)") as refused:
        _chat(llm.base_url).complete(ASK)
    assert "scripted failure" not in str(refused.value) and not leaks(str(refused.value))


def test_an_unreachable_endpoint_is_named_without_its_url():
    for call in (lambda c: c.complete(ASK), lambda c: list(c.stream(ASK))):
        with pytest.raises(ModelError, match=r"cannot be reached|stream failed") as failed:
            call(_chat(f"http://127.0.0.1:{free_port()}/v1", max_retries=0))
        assert not leaks(str(failed.value)), failed.value


def test_a_stream_cut_before_done_is_an_error_after_its_pieces(llm):
    llm.enqueue("one two three four five", cut_after=2)
    pieces, stream = [], _chat(llm.base_url).stream(ASK)
    with pytest.raises(ModelError, match="stream ended before the answer was complete"):
        pieces.extend(stream)
    assert pieces == ["one ", "two "]


def test_a_stream_refused_before_its_first_piece_is_an_error(llm):
    llm.enqueue(status=503)
    with pytest.raises(ModelError, match="answered HTTP 503") as refused:
        list(_chat(llm.base_url).stream(ASK))
    assert "scripted failure" not in str(refused.value)


def test_closing_a_stream_frees_its_slot_at_once(llm):
    llm.enqueue(" ".join(["word"] * 400), piece_delay_s=0.05)  # 20 s if read to the end
    chat = _chat(llm.base_url, max_concurrency=1)
    stream = chat.stream(ASK)
    assert next(stream) == "word "
    stream.close()  # what the API does when the client goes away
    answered = threading.Event()

    def ask() -> None:
        chat.complete(ASK)
        answered.set()

    threading.Thread(target=ask, daemon=True).start()
    started = time.monotonic()
    assert answered.wait(5), "the closed stream kept the only slot"
    assert time.monotonic() - started < 2
