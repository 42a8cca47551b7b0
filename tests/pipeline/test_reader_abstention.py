"""The LLM reader's abstention over real HTTP (a scripted OpenAI-compatible server on loopback): the
prompt's "I don't know" comes back as an abstention that cites nothing, whole or streamed."""

import pytest

from memrag.memory.llm.openai_chat import OpenAIChat
from memrag.memory.llm.prompts import READER_NO_ANSWER
from memrag.memory.retrieval.reader import Answer, LlmReader, stream_answer
from memrag.memory.types import Hit
from tests.fake_llm import FakeLLM

HITS = (Hit("p1", "d1", "Lighthouse\nThe Tarnholm lighthouse was designed by Ingrid Vale.", 1.0),)


@pytest.fixture
def llm():
    fake = FakeLLM()
    yield fake
    fake.close()


def _reader(fake: FakeLLM) -> LlmReader:
    return LlmReader(OpenAIChat(fake.base_url, "scripted", "key", backoff_s=0.01))


def test_i_dont_know_is_an_abstention_citing_nothing(llm):
    llm.enqueue(READER_NO_ANSWER)
    answer = _reader(llm).answer("What is the capital of France?", HITS)
    assert answer.abstained and answer.citations == () and answer.text == READER_NO_ANSWER


def test_a_streamed_abstention_is_flagged_on_the_whole_answer(llm):
    llm.enqueue("The passages do not say.")
    llm.enqueue("Ingrid Vale [1].")
    *_, refused = stream_answer(_reader(llm), "What is the capital of France?", HITS)
    *_, answered = stream_answer(_reader(llm), "Who designed the lighthouse?", HITS)
    assert isinstance(refused, Answer) and refused.abstained and refused.citations == ()
    assert isinstance(answered, Answer) and not answered.abstained and answered.plain == "Ingrid Vale ."
