"""Rebuilding the graph from the store when a memory is opened, streamed in bounded batches.

The store is read collection by collection through its scrolls, `batch_size` passages at a time
with only those passages' facts: what is held besides the graph being built is one batch of
records, the documents' passage lists and the set of committed passage ids, so the peak stays
near the finished graph's size instead of every record at once (2.9 GB at 100k passages).
Unmentioned records are found through the graph's own counts, not through sets of every id; the
facts (the largest collection) are scanned for them only when the store holds more than the graph
mentions (every fact a passage names was read while adding it, so equal counts mean none).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TypeVar

from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.indexing.write import apply_to_graph
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import Passage

BATCH_SIZE = 2048  # passages read, and added to the graph, at a time (with their ~9 facts each)
T = TypeVar("T")


@dataclass
class Reopened:
    """What the rebuild found besides the graph: each document's passages (what the graph holds of
    it), and the ids of records no committed passage reaches (leftovers of an interrupted write)."""

    doc_passages: dict[str, tuple[str, ...]]
    stray_passages: list[str] = field(default_factory=list)
    unmentioned_entities: list[str] = field(default_factory=list)


def rebuild_graph(store: RecordStore, graph: MemoryGraph, batch_size: int = BATCH_SIZE) -> Reopened:
    """Add every committed passage (a document record names it) and the declared synonyms of every
    mentioned entity to `graph`, reading `batch_size` records at a time."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    reopened = Reopened({d.id: d.passage_ids for d in store.all_documents()})
    committed = {p for ids in reopened.doc_passages.values() for p in ids}
    for passages in batched(store.all_passages(), batch_size):
        live = [p for p in passages if p.id in committed]
        reopened.stray_passages.extend(p.id for p in passages if p.id not in committed)
        _add_passages(store, graph, live)
    for entities in batched(store.all_entities(), batch_size):
        mentioned = [e for e in entities if graph.mentions(e.id)]
        reopened.unmentioned_entities.extend(e.id for e in entities if not graph.mentions(e.id))
        apply_to_graph(graph, (), {}, mentioned)
    return reopened


def sweep_leftovers(store: RecordStore, graph: MemoryGraph, reopened: Reopened, batch_size: int = BATCH_SIZE) -> None:
    """Delete the records no committed passage reaches: stray passages, unmentioned facts and entities."""
    unmentioned: list[str] = []
    if store.facts.count(exact=True) > graph.mentioned_facts:  # else every stored fact is mentioned: no scan
        facts = batched(store.all_facts(), batch_size)
        unmentioned = [f.id for batch in facts for f in batch if not graph.fact_mentions(f.id)]
    store.passages.delete(reopened.stray_passages)
    store.facts.delete(unmentioned)
    store.entities.delete(reopened.unmentioned_entities)


def _add_passages(store: RecordStore, graph: MemoryGraph, passages: list[Passage]) -> None:
    """Read these passages' facts and add the passages (with their entity pairs) to the graph."""
    facts = {f.id: f for f in store.get_facts(sorted({f for p in passages for f in p.fact_ids}))}
    apply_to_graph(graph, passages, facts, ())


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of `size` items (the last may be shorter), pulled from `items` lazily."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
