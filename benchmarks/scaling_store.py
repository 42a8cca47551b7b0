"""Synthetic musique-shaped stores for the scaling benchmarks, written in bounded chunks and kept for reuse.

A synthetic document is one passage with 6 entities (two drawn from Zipf-popular hubs, four of
its own) and 9 facts among them; random 64-d unit vectors stand in for embeddings. `populate`
writes the records straight into a Qdrant Edge store 5,000 documents at a time (nothing of the
earlier chunks is held: a million passages fit in a few hundred MB of the writing process), then
builds the HNSW indexes. Only the few extra documents a benchmark adds later keep their triples.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np

from memrag.memory.extraction.normalise import normalise_extraction
from memrag.memory.ids import document_id, passage_id
from memrag.memory.indexing.prepare import content_hash
from memrag.memory.storage.qdrant_edge import EdgeIndex, EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.storage.scan_mirror import MirroredIndex
from memrag.memory.types import Document, DocumentInput, Entity, Extraction, Fact, Passage, Triple

DIM = 64
ENTITIES_PER_PASSAGE = 6
FACTS_PER_PASSAGE = 9
CHUNK = 5000  # documents written at a time
EXTRAS = "extras.pkl"  # beside a kept store: the texts and triples of the documents to add


class RandomEmbedder:
    """A random unit vector per distinct text (seeded by its hash): no two texts are alike."""

    name = "random-64"
    dim = DIM

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(DIM)
            out[row] = v / np.linalg.norm(v)
        return out


def synthetic_document(i: int, hubs: int, rng: np.random.Generator) -> tuple[str, tuple[Triple, ...]]:
    """Two entities drawn from Zipf-popular hubs, four of its own; nine facts among them."""
    popular = [f"hub {min(int(rng.zipf(1.5)), hubs)}" for _ in range(2)]
    own = [f"thing {i} {j}" for j in range(ENTITIES_PER_PASSAGE - 2)]
    names = popular + own
    triples = tuple(
        Triple(names[j % 6], f"relation {int(rng.integers(50))}", names[(j * 5 + 1) % 6])
        for j in range(FACTS_PER_PASSAGE)
    )
    return f"synthetic passage {i}", triples


def hubs_for(size: int) -> int:
    return max(size // 10, 10)


@dataclass(frozen=True)
class PopulateTimes:
    write_s: float  # generating, embedding and upserting the records
    index_s: float  # building the HNSW indexes afterwards


def populate(path: Path, size: int, rng: np.random.Generator) -> PopulateTimes:
    """Write the records of `size` documents straight into the store, CHUNK at a time, HNSW built after.

    Random vectors have no synonym pairs (cosine ≥ 0.8), so this equals the add path's result.
    """
    store = RecordStore(EdgeStore(path, optimize_every=10**12), DIM)
    started = time.perf_counter()
    for start in range(0, size, CHUNK):
        end = min(size, start + CHUNK)
        _write_chunk(store, range(start, end), hubs_for(size), rng)
        if end % 100_000 == 0:
            print(f"written {end} of {size} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    written = time.perf_counter()
    for index in (store.passages, store.entities, store.facts):
        inner = index.inner if isinstance(index, MirroredIndex) else index  # the scan mirror has no optimize
        cast(EdgeIndex, inner).optimize()
    store.close()
    return PopulateTimes(written - started, time.perf_counter() - written)


def _write_chunk(store: RecordStore, numbers: range, hubs: int, rng: np.random.Generator) -> None:
    embedder = RandomEmbedder()
    passages: list[Passage] = []
    facts: dict[str, Fact] = {}
    entities: dict[str, str] = {}
    for i in numbers:
        text, triples = synthetic_document(i, hubs, rng)
        found = normalise_extraction(Extraction((), triples))
        doc_id = document_id("", text)
        p = Passage(passage_id(doc_id, text), doc_id, 0, text, tuple(found.entities), tuple(f.id for f in found.facts))
        passages.append(p)
        facts.update({f.id: f for f in found.facts})
        entities.update(found.entities)
        store.put_document(Document(doc_id, "", content_hash(DocumentInput(text)), (p.id,)))
    new = sorted(set(entities) - store.existing_entity_ids(sorted(entities)))
    store.put_entities(
        [Entity(e, entities[e]) for e in new], embedder.embed([entities[e] for e in new]), [True] * len(new)
    )
    store.put_facts(list(facts.values()), embedder.embed([f.text for f in facts.values()]))
    store.put_passages(passages, embedder.embed([p.text for p in passages]))


def kept_store(size: int, keep: Path, extras: int = 50) -> tuple[Path, dict[str, Extraction], PopulateTimes | None]:
    """The store of `size` documents under `keep/size` (populated there first if absent), the
    extractions of `extras` further documents to add, and the populate times when it was made now."""
    path = keep / str(size)
    if (path / EXTRAS).exists():
        return path, _extractions(pickle.loads((path / EXTRAS).read_bytes())), None
    if path.exists():
        shutil.rmtree(path)  # a populate that did not finish
    rng = np.random.default_rng(size)
    times = populate(path, size, rng)
    new = [synthetic_document(size + k, hubs_for(size), rng) for k in range(extras)]
    (path / EXTRAS).write_bytes(pickle.dumps(new))
    return path, _extractions(new), times


def _extractions(documents: list[tuple[str, tuple[Triple, ...]]]) -> dict[str, Extraction]:
    return {text: Extraction((), triples) for text, triples in documents}
