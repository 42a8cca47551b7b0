"""The LLM layer against a scripted OpenAI-compatible server over real HTTP on loopback."""

import json

import pytest

from memrag.memory.errors import ModelError
from memrag.memory.extraction.llm import LlmExtractor
from memrag.memory.llm.openai_chat import OpenAIChat
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.reader import LlmReader
from memrag.memory.retrieval.recognition import LlmRecognition
from memrag.memory.storage.json_cache import SqliteJsonCache
from memrag.memory.types import DocumentInput, Fact, ScoredFact, Triple
from tests.fake_llm import FakeLLM, Scripted
from tests.helpers import make_engine

PASSAGE = "Paris\nParis is the capital of France."
NER = '{"named_entities": ["Paris", "France"]}'
TRIPLES = '{"triples": [["Paris", "capital of", "France"]]}'


@pytest.fixture
def llm():
    server = FakeLLM()
    yield server
    server.close()


def _chat(llm, **kw):
    return OpenAIChat(llm.base_url, "scripted", "key", backoff_s=0.01, **kw)


def test_normal_replies_give_entities_and_triples(llm):
    llm.enqueue(NER)
    llm.enqueue(TRIPLES)
    (found,) = LlmExtractor(_chat(llm), SqliteJsonCache(None)).extract([PASSAGE])
    assert found.entities == ("Paris", "France")
    assert found.triples == (Triple("Paris", "capital of", "France"),)
    assert llm.requests[0]["model"] == "scripted"
    assert "Paris" in llm.requests[1]["messages"][1]["content"]  # the triple call is given the entities


def test_malformed_prose_wrapped_and_truncated_replies(llm):
    llm.enqueue("I think the entities are Paris and France.")  # no JSON at all
    llm.enqueue('Sure! ```json\n{"triples": [["Paris", "capital of", "France"], ["bad"], ["x", "y"')  # fenced, cut
    extractor = LlmExtractor(_chat(llm), SqliteJsonCache(None))
    (found,) = extractor.extract([PASSAGE])
    assert found.entities == ()
    assert found.triples == (Triple("Paris", "capital of", "France"),)
    # ["bad"] and the cut-off ["x", "y" … row are dropped and counted
    assert extractor.stats.unreadable_replies == 1 and extractor.stats.dropped_rows == 2


def test_429_then_success_is_retried(llm):
    llm.enqueue(status=429, retry_after="0")
    llm.enqueue(status=503)
    llm.enqueue(NER)
    chat = _chat(llm)
    assert json.loads(chat.complete([{"role": "user", "content": "x"}])) == json.loads(NER)
    assert chat.usage.retries == 2 and chat.usage.calls == 1


def test_timeouts_are_retried_then_reported(llm):
    llm.enqueue("slow", delay_s=0.5)
    llm.enqueue(NER)
    chat = _chat(llm, timeout_s=0.2)
    assert chat.complete([{"role": "user", "content": "x"}]) == NER
    for _ in range(3):
        llm.enqueue("slow", delay_s=0.5)
    with pytest.raises(ModelError, match="timed out"):
        _chat(llm, timeout_s=0.2, max_retries=2).complete([{"role": "user", "content": "x"}])


def test_a_client_error_is_not_retried_and_names_the_status(llm):
    llm.enqueue(status=401)
    with pytest.raises(ModelError, match="HTTP 401"):
        _chat(llm).complete([{"role": "user", "content": "x"}])
    assert len(llm.requests) == 1


def test_recognition_drops_a_fact_that_was_not_a_candidate(llm):
    def scored(s, p, o, score):
        return ScoredFact(Fact(f"{s}{p}{o}", s, p, o, s, o), score)

    candidates = [scored("paris", "capital of", "france", 1.0), scored("berlin", "capital of", "germany", 0.5)]
    llm.enqueue('{"fact": [["Paris", "capital of", "France"], ["Rome", "capital of", "Italy"]]}')
    recognition = LlmRecognition(_chat(llm))
    kept = recognition.select("What is the capital of France?", candidates)
    assert [k.fact.subject for k in kept] == ["paris"]
    assert recognition.invented == 1


def test_second_indexing_makes_no_llm_call_and_cost_is_counted(llm, tmp_path):
    llm.default = lambda messages: NER if "named entities" in messages[0]["content"] else TRIPLES
    cache = SqliteJsonCache(tmp_path / "openie.sqlite")
    chat = _chat(llm)
    passages = [f"Title {i}\nParis is the capital of France, part {i}." for i in range(6)]
    LlmExtractor(chat, cache).extract(passages)
    assert chat.usage.calls == 12  # two calls per passage
    assert chat.usage.prompt_tokens > 0 and chat.usage.completion_tokens > 0
    again = _chat(llm)
    LlmExtractor(again, SqliteJsonCache(tmp_path / "openie.sqlite")).extract(passages)
    assert again.usage.calls == 0


def test_a_document_whose_extraction_fails_is_reported_and_nothing_of_it_is_stored(llm, tmp_path):
    def reply(messages):
        if "capital of France" in messages[-1]["content"]:
            return Scripted(status=500)  # every call about the first document fails
        return NER if "named entities" in messages[0]["content"] else TRIPLES

    llm.default = reply
    extractor = LlmExtractor(_chat(llm, max_retries=1, max_concurrency=1), SqliteJsonCache(None), 1)
    engine = make_engine(tmp_path, extractor=extractor)
    report = engine.add([DocumentInput(PASSAGE, id="bad"), DocumentInput("Berlin\nBerlin is big.", id="good")])
    assert set(report.failed) == {"bad"} and "HTTP 500" in report.failed["bad"], report.failed
    assert report.documents_added == ["good"]
    assert [d.id for d in engine.list_documents()] == ["good"]
    engine.close()


def test_reader_cites_passages_and_streams(llm, tmp_path):
    engine = make_engine(tmp_path, {})
    engine.add([DocumentInput("Paris is the capital of France.", id="doc-paris")])
    hits = engine.retrieve("capital of France", RetrievalParams(top_k=1)).hits
    llm.enqueue("The capital of France is Paris [1].")
    answer = LlmReader(_chat(llm)).answer("What is the capital of France?", hits)
    assert answer.citations[0].document_id == "doc-paris" and answer.citations[0].number == 1
    llm.enqueue("Paris is the capital [1].")
    pieces = list(LlmReader(_chat(llm)).stream("What is the capital of France?", hits))
    assert len(pieces) > 1 and "".join(pieces).strip() == "Paris is the capital [1]."
    engine.close()
