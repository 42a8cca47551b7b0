"""memrag's retrieved passages as llama-index nodes, and llama-index documents as memrag inputs.

A node's id is the passage id and its ref doc id the document id, so llama-index's own
bookkeeping (deduplication, source listing) follows memrag's ids. The provenance (facts, seeds,
score, mode) rides in the node's metadata but is kept out of what the LLM and the embedder read:
only the title is shown to them beside the passage text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llama_index.core.schema import Document as LlamaDocument
from llama_index.core.schema import NodeRelationship, NodeWithScore, RelatedNodeInfo, TextNode

from memrag.memory.errors import InvalidInput
from memrag.memory.types import DocumentInput, Hit, Retrieval

SHOWN_TO_MODELS = ("title",)  # metadata keys the LLM and the embedder see; the rest is provenance


@dataclass(frozen=True)
class PassageHit:
    """One retrieved passage as either face of memrag gives it (a core `Hit` or an HTTP hit)."""

    passage_id: str
    document_id: str
    text: str
    score: float
    mode: str
    facts: tuple[dict[str, Any], ...] = ()
    seeds: tuple[dict[str, Any], ...] = ()
    title: str = ""
    document_metadata: Mapping[str, Any] = field(default_factory=dict)


def hits_of_retrieval(retrieval: Retrieval) -> list[PassageHit]:
    """The core's hits with their provenance as plain data (titles are added by the caller)."""
    return [_hit_of(h, retrieval.mode) for h in retrieval.hits]


def _hit_of(hit: Hit, mode: str) -> PassageHit:
    facts = tuple(
        {"subject": f.fact.subject, "predicate": f.fact.predicate, "object": f.fact.object, "score": f.score}
        for f in hit.facts
    )
    seeds = tuple({"entity_id": s.node_id, "name": s.name, "weight": s.weight} for s in hit.seeds)
    return PassageHit(hit.passage_id, hit.doc_id, hit.text, hit.score, mode, facts, seeds)


def to_node(hit: PassageHit) -> NodeWithScore:
    """A scored llama-index node for one passage: node id = passage id, ref doc id = document id."""
    metadata = {
        "title": hit.title,
        "document_id": hit.document_id,
        "passage_id": hit.passage_id,
        "retrieval_mode": hit.mode,
        "facts": list(hit.facts),
        "seeds": list(hit.seeds),
        "document_metadata": dict(hit.document_metadata),
    }
    hidden = [key for key in metadata if key not in SHOWN_TO_MODELS]
    node = TextNode(
        id_=hit.passage_id,
        text=hit.text,
        metadata=metadata,
        excluded_llm_metadata_keys=hidden,
        excluded_embed_metadata_keys=hidden,
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=hit.document_id)},
    )
    return NodeWithScore(node=node, score=hit.score)


def document_inputs(documents: Sequence[LlamaDocument], keep_ids: bool = False) -> list[DocumentInput]:
    """llama-index documents as memrag inputs: the text, the title from the metadata's `title` (or
    `file_name`), and the metadata (JSON values only) kept on the record. The id is memrag's hash of
    the content, so sending the same text again is a no-op; `keep_ids` keeps llama-index's `id_`
    instead (random unless the reader was told otherwise, e.g. `filename_as_id=True`)."""
    inputs = []
    for doc in documents:
        if not isinstance(doc, LlamaDocument):
            raise InvalidInput(f"expected llama-index Documents, got {type(doc).__name__}; pass Document objects")
        metadata = dict(doc.metadata)
        title = str(metadata.get("title") or metadata.get("file_name") or "")
        doc_id = (doc.id_ or None) if keep_ids else None
        inputs.append(DocumentInput(text=doc.text, id=doc_id, title=title, metadata=metadata))
    return inputs
