"""Preparing documents for the store: passages → OpenIE → embeddings, with no store access.

This is the costly part of indexing (extraction and embedding); it runs in the engine's
process or in a worker of its own, and hands a `PreparedBatch` to the store's writer.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from memrag.memory.errors import ModelError
from memrag.memory.extraction.normalise import normalise_extraction
from memrag.memory.extraction.offline import SpacyExtractor
from memrag.memory.heap import TrimSchedule, limit_arenas
from memrag.memory.ids import content_id, document_id, passage_id
from memrag.memory.indexing.ahead import ExtractionAhead
from memrag.memory.indexing.batch import PreparedBatch, PreparedDocument, Vectors, records_of
from memrag.memory.llm.usage import Usage, total
from memrag.memory.ports import Chunker, Embedder, Extractor, MeteredExtractor
from memrag.memory.types import Document, DocumentInput, Extraction, Passage
from memrag.memory.validation import check_documents


@dataclass
class AddReport:
    """What one add call did; `embed_seconds` is time spent inside the embedder."""

    documents_added: list[str] = field(default_factory=list)
    documents_unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # document id → why nothing of it was stored
    passages: int = 0
    new_entities: int = 0
    new_facts: int = 0
    dropped_triples: int = 0
    embed_seconds: float = 0.0
    usage: dict[str, Usage] = field(default_factory=dict)  # document id → LLM cost of its extraction


class Preparer:
    """Chunks, extracts and embeds documents; failing documents are reported, never half-prepared."""

    def __init__(self, embedder: Embedder, extractor: Extractor, chunker: Chunker) -> None:
        self.embedder, self.extractor, self.chunker = embedder, extractor, chunker
        limit_arenas()  # a worker that only prepares fragments its heap alike (heap.py)
        self._trim = TrimSchedule()
        self._ahead = ExtractionAhead(extractor.extract)

    def extract_ahead(self, inputs: Sequence[DocumentInput]) -> None:
        """Start extracting the passages of documents a later `prepare` will get, on a helper thread
        (`ahead.py`), so that it overlaps this slice's embedding. Only for the offline parser, whose
        work is CPU time: recorded extractions are a lookup, and an LLM's are paid for by the call
        (charged to its documents) and a wrong guess would cost money."""
        if isinstance(self.extractor, SpacyExtractor):
            self._ahead.start([t for doc in inputs for t in self._passage_texts(doc)])

    def close(self) -> None:
        """Stop the helper thread of `extract_ahead`, if one was started."""
        self._ahead.close()

    def prepare_inputs(self, inputs: Sequence[DocumentInput]) -> PreparedBatch:
        """A whole batch, all vectors included (for a writer in another process)."""
        report = AddReport()
        batch = self.embed(self.prepare(identify(inputs), report), report)
        self._trim.written(len(batch.passages.ids))  # an engine's writer trims when it writes
        return batch

    def prepare(self, docs: Sequence[tuple[str, DocumentInput]], report: AddReport) -> list[PreparedDocument]:
        """Passages and OpenIE for each document; failing documents are recorded and left out."""
        texts_by_doc = [self._passage_texts(doc) for _, doc in docs]
        extractions = self._extract(docs, texts_by_doc, report)
        prepared = []
        for (doc_id, doc), texts in zip(docs, texts_by_doc, strict=True):
            if doc_id in report.failed:
                continue
            passages, facts = [], []
            for position, text in enumerate(dict.fromkeys(texts)):
                found = normalise_extraction(extractions[text])
                report.dropped_triples += found.dropped
                facts.append(found)
                passages.append(
                    Passage(
                        id=passage_id(doc_id, text),
                        doc_id=doc_id,
                        position=position,
                        text=text,
                        entity_ids=tuple(found.entities),
                        fact_ids=tuple(f.id for f in found.facts),
                    )
                )
            document = Document(doc_id, doc.title, content_hash(doc), tuple(p.id for p in passages), doc.metadata)
            prepared.append(PreparedDocument(document, tuple(passages), tuple(facts)))
        return prepared

    def _extract(
        self, docs: Sequence[tuple[str, DocumentInput]], texts_by_doc: list[list[str]], report: AddReport
    ) -> dict[str, Extraction]:
        """OpenIE for every passage; if the batch fails, document by document, failures recorded."""
        flat = list(dict.fromkeys(t for texts in texts_by_doc for t in texts))
        costs: dict[str, Usage] = {}
        try:
            found = self._extract_texts(flat, costs)
        except ModelError:  # isolate the failing documents; the rest go on
            found = self._extract_each(docs, texts_by_doc, costs, report)
        _charge(docs, texts_by_doc, costs, report)
        return found

    def _extract_each(
        self,
        docs: Sequence[tuple[str, DocumentInput]],
        texts_by_doc: list[list[str]],
        costs: dict[str, Usage],
        report: AddReport,
    ) -> dict[str, Extraction]:
        """Document by document, a failing one recorded in the report."""
        found: dict[str, Extraction] = {}
        for (doc_id, _), texts in zip(docs, texts_by_doc, strict=True):
            try:
                found.update(self._extract_texts(texts, costs))
            except ModelError as exc:
                report.failed[doc_id] = f"extraction failed: {exc}"
        return found

    def _extract_texts(self, texts: list[str], costs: dict[str, Usage]) -> dict[str, Extraction]:
        """Extractions by passage text; what each passage cost (an LLM extractor's) is added to `costs`."""
        if not isinstance(self.extractor, MeteredExtractor):
            found = self._ahead.take(texts)
            rest = [t for t in texts if t not in found]
            if rest:
                found.update(zip(rest, self.extractor.extract(rest), strict=True))
            return found
        extractions, usages = self.extractor.extract_metered(texts)
        for text, usage in zip(texts, usages, strict=True):
            costs[text] = costs.get(text, Usage()) + usage
        return dict(zip(texts, extractions, strict=True))

    def _passage_texts(self, doc: DocumentInput) -> list[str]:
        return self.chunker.split(doc.text, doc.title)

    def embed(self, prepared: Sequence[PreparedDocument], report: AddReport) -> PreparedBatch:
        """Vectors for every record of the batch; for entities and facts already stored they come
        from the embedding cache (the writer keeps only the vectors of records it does not have)."""
        names, facts = records_of(prepared)
        entity_ids, fact_ids = sorted(names), sorted(facts)
        passages = [p for item in prepared for p in item.passages]
        started = time.perf_counter()
        entity_vectors = self.embedder.embed([names[e] for e in entity_ids])
        fact_vectors = self.embedder.embed([facts[f].text for f in fact_ids])
        passage_vectors = self.embedder.embed([p.text for p in passages])
        seconds = time.perf_counter() - started
        report.embed_seconds += seconds
        return PreparedBatch(
            tuple(prepared),
            Vectors(tuple(entity_ids), entity_vectors),
            Vectors(tuple(fact_ids), fact_vectors),
            Vectors(tuple(p.id for p in passages), passage_vectors),
            dict(report.failed),
            report.dropped_triples,
            seconds,
            dict(report.usage),
        )


def _charge(
    docs: Sequence[tuple[str, DocumentInput]], texts_by_doc: list[list[str]], costs: dict[str, Usage], report: AddReport
) -> None:
    """Each document's extraction cost in the report: its passages' (a passage two documents share
    is charged to the first). What a failing batch spent before it failed is lost with it."""
    charged: set[str] = set()
    for (doc_id, _), texts in zip(docs, texts_by_doc, strict=True):
        mine = [t for t in dict.fromkeys(texts) if t in costs and t not in charged]
        charged.update(mine)
        if mine:
            report.usage[doc_id] = total([costs[t] for t in mine])


def identify(inputs: Sequence[DocumentInput]) -> list[tuple[str, DocumentInput]]:
    """(id, input) per document, the last one winning for a repeated id. Every way in (Engine.add,
    job submission, a worker's batch) passes here first: a document outside the input bounds
    (`memory/validation.py`, empty text included) refuses the whole call before anything is stored."""
    check_documents(inputs, most=None)
    by_id: dict[str, DocumentInput] = {}
    for doc in inputs:
        by_id[doc.id or document_id(doc.title, doc.text)] = doc
    return list(by_id.items())


def content_hash(doc: DocumentInput) -> str:
    return content_id("content", doc.title, doc.text)
