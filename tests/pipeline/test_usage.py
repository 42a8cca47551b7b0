"""Cost figures: each call's usage reaches the meter its caller passed; per document, per answer; the estimate."""

import pytest

from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.llm import LlmExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.indexing.estimate import estimate_add
from memrag.memory.llm.openai_chat import OpenAIChat
from memrag.memory.llm.prompts import ner_messages
from memrag.memory.llm.usage import Usage, UsageMeter, approximate_tokens, prompt_tokens
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.reader import Answer, LlmReader, stream_answer
from memrag.memory.retrieval.recognition import LlmRecognition
from memrag.memory.storage.json_cache import SqliteJsonCache
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import DocumentInput
from tests.fake_llm import FakeLLM
from tests.helpers import make_engine

NER = '{"named_entities": ["Paris", "France"]}'
TRIPLES = '{"triples": [["Paris", "capital of", "France"]]}'


def openie(messages):
    return TRIPLES if "RDF graph" in messages[0]["content"] else NER


@pytest.fixture
def llm():
    server = FakeLLM(openie)
    yield server
    server.close()


def words(messages):
    """What the scripted server reports as prompt tokens: the words of the messages' contents."""
    return sum(len(m["content"].split()) for m in messages)


def test_a_calls_usage_goes_to_the_meter_passed_and_a_stream_is_counted(llm):
    chat = OpenAIChat(llm.base_url, "scripted")
    meter, other = UsageMeter(), UsageMeter()
    messages = [{"role": "user", "content": "name the entities of Paris"}]
    chat.complete(messages, meter=meter)
    chat.complete(messages, meter=other)
    assert meter.total == Usage(1, words(messages), len(NER.split()))  # the endpoint's own figures
    llm.enqueue("Paris is in France.")
    pieces = list(chat.stream(messages, meter=meter))  # the server reports no usage for a stream
    assert meter.total.llm_calls == 2
    counted = approximate_tokens(messages[0]["content"]) + approximate_tokens("".join(pieces))
    assert meter.total.counted_tokens == counted > 0
    assert chat.usage.calls == 3  # the client's lifetime totals still count everything


def _llm_engine(tmp_path, llm) -> tuple[Engine, LlmExtractor]:
    extractor = LlmExtractor(OpenAIChat(llm.base_url, "scripted"), SqliteJsonCache(tmp_path / "openie.sqlite"))
    engine = make_engine(tmp_path / "store", extractor=extractor)
    return engine, extractor


def test_each_document_is_charged_its_own_extraction_and_a_repeat_is_free(tmp_path, llm):
    engine, _ = _llm_engine(tmp_path, llm)
    docs = [DocumentInput(text=f"Paris is the capital of France, part {i}.", id=f"d{i}") for i in range(3)]
    report = engine.add(docs)
    assert set(report.usage) == {"d0", "d1", "d2"}
    assert all(u.llm_calls == 2 for u in report.usage.values())
    sent = sum(words(r["messages"]) for r in llm.requests)
    assert sum(u.prompt_tokens for u in report.usage.values()) == sent  # what the server reported, all of it
    assert sum(u.completion_tokens for u in report.usage.values()) == 3 * (len(NER.split()) + len(TRIPLES.split()))
    again = engine.add([DocumentInput(text="Paris is the capital of France, part 0.", id="copy")])
    assert again.usage == {"copy": Usage()}  # the OpenIE cache answered: nothing spent
    engine.close()


def test_an_answer_carries_what_reading_cost(tmp_path, llm):
    engine = make_engine(tmp_path)
    engine.add([DocumentInput(text="Paris is the capital of France.", id="d0")])
    llm.enqueue("Paris [1]")
    reader = LlmReader(OpenAIChat(llm.base_url, "scripted"))
    hits = engine.retrieve("capital of France", RetrievalParams(top_k=1)).hits
    answer = reader.answer("capital of France", hits)
    assert answer.usage == Usage(1, words(llm.requests[-1]["messages"]), 2)
    engine.close()


def test_a_streamed_answer_carries_its_counted_usage(tmp_path, llm):
    engine = make_engine(tmp_path)
    engine.add([DocumentInput(text="Paris is the capital of France.", id="d0")])
    hits = engine.retrieve("capital of France", RetrievalParams(top_k=1)).hits
    llm.enqueue("Paris is the capital [1]")
    *pieces, answer = stream_answer(LlmReader(OpenAIChat(llm.base_url, "scripted")), "capital of France", hits)
    assert isinstance(answer, Answer) and answer.usage is not None
    assert answer.text == "".join(str(p) for p in pieces) and answer.usage.llm_calls == 1
    assert answer.usage.completion_tokens == approximate_tokens("Paris is the capital [1] ")  # the server sent no usage
    assert answer.usage.counted_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens
    engine.close()


def test_the_estimate_counts_passages_calls_and_the_exact_first_prompt_and_skips_what_is_known(tmp_path, llm):
    engine, extractor = _llm_engine(tmp_path, llm)
    text = "Paris is the capital of France."
    guess = estimate_add(engine.preparer, engine.store, [DocumentInput(text=text, id="d0")] * 2)
    assert (guess.documents, guess.passages, guess.usage.llm_calls) == (1, 1, 2)
    assert guess.usage.prompt_tokens > prompt_tokens(ner_messages(text), approximate_tokens)  # and the second
    assert llm.requests == []  # nothing was spent to estimate
    engine.add([DocumentInput(text=text, id="d0")])
    known = estimate_add(engine.preparer, engine.store, [DocumentInput(text=text, id="d0")])
    assert (known.unchanged_documents, known.passages, known.usage) == (1, 0, Usage())
    cached = estimate_add(engine.preparer, engine.store, [DocumentInput(text=text, id="other-id")])
    assert (cached.passages, cached.usage.llm_calls) == (1, 0)  # its OpenIE is cached
    assert extractor.estimate([text, text]) == Usage()
    engine.close()


def test_an_extractor_without_an_llm_is_estimated_free(tmp_path):
    engine = make_engine(tmp_path)
    guess = estimate_add(engine.preparer, engine.store, [DocumentInput(text="Anything at all.")])
    assert (guess.passages, guess.usage) == (1, Usage())
    engine.close()


def test_an_answer_carries_what_recognition_cost_too_streamed_or_not(tmp_path, llm):
    """An answer's usage is every LLM call made for it: the recognition filter's as well as the
    reader's (it used to count the reader's alone)."""
    chat = OpenAIChat(llm.base_url, "scripted")
    store = RecordStore(EdgeStore(tmp_path / "store"), 32)
    extractor = LlmExtractor(chat, SqliteJsonCache(tmp_path / "openie.sqlite"))
    engine = Engine(
        store, HashEmbedder(32), extractor, WholeDocumentChunker(), LlmRecognition(chat), reader=LlmReader(chat)
    )
    engine.add([DocumentInput(text="Paris is the capital of France.", id="d0")])
    recognised = '{"fact": [["paris", "capital of", "france"]]}'
    llm.enqueue(recognised)
    llm.enqueue("Paris [1]")
    answer, _ = engine.ask("capital of France", RetrievalParams(top_k=1))
    recognition_call, reading_call = llm.requests[-2:]
    assert answer.usage == Usage(2, words(recognition_call["messages"]) + words(reading_call["messages"]), 5 + 2)

    llm.enqueue(recognised)
    llm.enqueue("Paris is the capital [1]")
    meter = UsageMeter()
    hits = engine.retrieve("capital of France", RetrievalParams(top_k=1), meter=meter).hits
    assert meter.total.llm_calls == 1  # the recognition call
    *_, streamed = stream_answer(engine.reader, "capital of France", hits, meter.total)
    assert isinstance(streamed, Answer) and streamed.usage is not None and streamed.usage.llm_calls == 2
    engine.close()
