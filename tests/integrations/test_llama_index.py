"""llama-index's own RetrieverQueryEngine (MockLLM) over an in-process memrag: memrag's passages, ids and provenance."""

import pytest
from llama_index.core import Document as LlamaDocument
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine

from memrag.integrations.llama_index import MemragRetriever, add_documents
from memrag.integrations.llama_nodes import document_inputs
from memrag.memory.async_memory import Memory
from memrag.memory.errors import InvalidInput
from memrag.memory.params import RetrievalParams
from memrag.memory.types import DocumentInput
from tests.helpers import extractions, make_engine

DOCS = {
    "lighthouse": ("Tarnholm", "Ingrid Vale designed the Tarnholm lighthouse."),
    "cape": ("Northern cape", "The Tarnholm lighthouse stands on the northern cape."),
    "birds": ("Seabirds", "Seabirds nest on the northern cape every spring."),
}
TABLE = {
    "Tarnholm\nIngrid Vale designed the Tarnholm lighthouse.": [("Ingrid Vale", "designed", "Tarnholm lighthouse")],
    "Northern cape\nThe Tarnholm lighthouse stands on the northern cape.": [
        ("Tarnholm lighthouse", "stands on", "northern cape")
    ],
    "Seabirds\nSeabirds nest on the northern cape every spring.": [("seabirds", "nest on", "northern cape")],
}
QUESTION = "Who designed the lighthouse on the northern cape?"


@pytest.fixture
def memory(tmp_path):
    engine = make_engine(tmp_path, extractions(TABLE))
    engine.add([DocumentInput(text=t, id=i, title=title, metadata={"src": i}) for i, (title, t) in DOCS.items()])
    memory = Memory(engine)
    yield memory
    engine.close()


def test_query_engine_returns_memrags_passages_with_provenance(memory):
    expected = memory.engine.retrieve(QUESTION, RetrievalParams(top_k=3))
    query_engine = RetrieverQueryEngine.from_args(MemragRetriever(memory, top_k=3), llm=MockLLM())
    response = query_engine.query(QUESTION)

    nodes = response.source_nodes
    assert [n.node.node_id for n in nodes] == [h.passage_id for h in expected.hits]  # memrag's order and ids
    assert [n.score for n in nodes] == pytest.approx([h.score for h in expected.hits])
    first = nodes[0].node
    assert first.ref_doc_id == first.metadata["document_id"] == expected.hits[0].doc_id
    assert first.metadata["passage_id"] == expected.hits[0].passage_id
    assert first.metadata["title"] == DOCS[str(first.ref_doc_id)][0]
    assert first.metadata["document_metadata"] == {"src": first.ref_doc_id}
    assert first.metadata["retrieval_mode"] == expected.mode == "graph"
    with_facts = [n for n in nodes if n.node.metadata["facts"]]
    assert with_facts, "the graph's facts reach the nodes"
    assert {"subject", "predicate", "object", "score"} <= set(with_facts[0].node.metadata["facts"][0])
    assert with_facts[0].node.metadata["seeds"][0]["entity_id"]
    # MockLLM echoes its prompt: the passages reached the LLM, the provenance did not (only the title)
    assert "Ingrid Vale designed the Tarnholm lighthouse." in str(response)
    assert "passage_id" not in str(response) and "title: " in str(response)


async def test_async_query_and_documents_sent_from_llama_index(memory):
    sent = [LlamaDocument(text="Ingrid Vale also built the Osterby pier.", metadata={"title": "Osterby"})]
    report = await add_documents(memory, sent)
    assert len(report.documents_added) == 1
    retriever = MemragRetriever(memory, top_k=4)
    nodes = await RetrieverQueryEngine.from_args(retriever, llm=MockLLM()).aquery("Osterby pier")
    top = nodes.source_nodes[0].node
    assert top.get_content() == "Osterby\nIngrid Vale also built the Osterby pier."
    assert top.metadata["title"] == "Osterby"
    assert (await add_documents(memory, sent)).documents_unchanged == report.documents_added  # content-addressed


def test_document_inputs_keep_ids_only_when_asked_and_refuse_other_objects():
    doc = LlamaDocument(text="x", id_="file-1", metadata={"file_name": "a.txt"})
    assert document_inputs([doc])[0].id is None
    kept = document_inputs([doc], keep_ids=True)[0]
    assert (kept.id, kept.title, kept.metadata) == ("file-1", "a.txt", {"file_name": "a.txt"})
    with pytest.raises(InvalidInput, match="llama-index Documents"):
        document_inputs(["plain text"])  # type: ignore[list-item]
