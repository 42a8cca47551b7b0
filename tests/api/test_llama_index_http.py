"""llama-index's RetrieverQueryEngine (MockLLM) over a live `memrag serve` through HTTP with a Bearer key."""

import pytest
from llama_index.core import Document as LlamaDocument
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine

from memrag.integrations.llama_index_http import MemragHttpRetriever
from memrag.memory.errors import InvalidInput, NotFound

DOCS = [
    LlamaDocument(text="Ingrid Vale designed the Tarnholm lighthouse in 1902.", metadata={"title": "Tarnholm"}),
    LlamaDocument(text="The Tarnholm lighthouse stands on the northern cape of Osterby.", metadata={"title": "Cape"}),
    LlamaDocument(text="Puffins nest on Osterby island every spring.", metadata={"title": "Puffins"}),
]
QUESTION = "Who designed the Tarnholm lighthouse?"


def test_query_engine_over_http_gives_the_servers_passages_with_provenance(live):
    ns, key = live.namespace_with_key()
    retriever = MemragHttpRetriever(live.url, ns, key, top_k=3)
    job_id = retriever.add_documents(DOCS)
    assert live.wait_job(key, job_id)["status"] == "done"
    assert retriever.job(job_id)["indexed"] == 3

    response = RetrieverQueryEngine.from_args(retriever, llm=MockLLM()).query(QUESTION)
    with live.client(key) as c:
        direct = c.post(f"/v1/namespaces/{ns}/retrieve", json={"query": QUESTION, "top_k": 3}).json()
    nodes = response.source_nodes
    assert [n.node.node_id for n in nodes] == [h["passage_id"] for h in direct["hits"]]
    assert [n.score for n in nodes] == pytest.approx([h["score"] for h in direct["hits"]])
    top = nodes[0].node
    assert top.get_content() == "Tarnholm\nIngrid Vale designed the Tarnholm lighthouse in 1902."
    assert top.ref_doc_id == top.metadata["document_id"] == direct["hits"][0]["document_id"]
    assert top.metadata["title"] == "Tarnholm" and top.metadata["document_metadata"] == {"title": "Tarnholm"}
    assert top.metadata["retrieval_mode"] == direct["mode"]
    assert top.metadata["facts"] == direct["hits"][0]["facts"] and top.metadata["seeds"] == direct["hits"][0]["seeds"]
    assert "Ingrid Vale designed" in str(response)  # MockLLM echoes its prompt: the passages reached it
    retriever.close()


def test_a_key_of_another_namespace_sees_nothing_and_errors_are_memrags(live):
    ns, key = live.namespace_with_key()
    _, other_key = live.namespace_with_key()
    foreign = MemragHttpRetriever(live.url, ns, other_key)
    with pytest.raises(NotFound):
        foreign.retrieve(QUESTION)
    with pytest.raises(InvalidInput, match="refused the key"):
        MemragHttpRetriever(live.url, ns, "mr_not-a-key").retrieve(QUESTION)
    with pytest.raises(InvalidInput, match="query"):
        MemragHttpRetriever(live.url, ns, key).retrieve("")  # the server's 422 detail, not a traceback
    foreign.close()
