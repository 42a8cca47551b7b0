"""Scaling benchmark: synthetic memories of 1k, 10k and 100k passages shaped like musique
(~6 entities and ~9 facts per passage, random unit vectors standing in for embeddings).

For each size it prints retrieval p50 (query embedding excluded: random vectors) and the cost
of adding one more document (median over several single-document adds), then the ratios to
the smallest size. Adding must not get slower as the memory grows.

Run: .venv/bin/python -m benchmarks.bench_scaling [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from memrag.memory.engine import Engine
from memrag.memory.extraction.normalise import normalise_extraction
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.ids import document_id, passage_id
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.indexing.prepare import content_hash
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import Document, DocumentInput, Entity, Extraction, Passage, Triple

DIM = 64
ENTITIES_PER_PASSAGE = 6
FACTS_PER_PASSAGE = 9


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


def populate(path: Path, size: int, rng: np.random.Generator) -> dict[str, Extraction]:
    """Write the records of `size` documents straight into the store (bulk, HNSW built after).

    Random vectors have no synonym pairs (cosine ≥ 0.8), so this equals the add path's result.
    """
    embedder, store = RandomEmbedder(), RecordStore(EdgeStore(path, optimize_every=10**12), DIM)
    recorded: dict[str, Extraction] = {}
    for start in range(0, size, 5000):
        passages, facts, entities = [], {}, {}
        for i in range(start, min(size, start + 5000)):
            text, triples = synthetic_document(i, max(size // 10, 10), rng)
            recorded[text] = Extraction((), triples)
            found = normalise_extraction(recorded[text])
            doc_id = document_id("", text)
            p = Passage(
                passage_id(doc_id, text), doc_id, 0, text, tuple(found.entities), tuple(f.id for f in found.facts)
            )
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
    for index in (store.passages, store.entities, store.facts):
        index.optimize()  # type: ignore[attr-defined]
    store.close()
    return recorded


def prepared_store(
    size: int, adds: int, keep: Path | None, scratch: Path
) -> tuple[Path, dict[str, Extraction], list[str]]:
    """A populated store in `scratch` (copied from `keep/size` when kept there), its triples, and new texts."""
    kept = keep / str(size) if keep else None
    if kept is not None and (kept / "recorded.pkl").exists():
        shutil.copytree(kept, scratch / "store")
        recorded, extra = pickle.loads((kept / "recorded.pkl").read_bytes())
        return scratch / "store", recorded, extra[:adds]
    rng = np.random.default_rng(size)
    recorded = populate(scratch / "store", size, rng)
    new = [synthetic_document(size + k, max(size // 10, 10), rng) for k in range(max(adds, 50))]
    recorded |= {text: Extraction((), triples) for text, triples in new}
    extra = [text for text, _ in new]
    if kept is not None:
        shutil.copytree(scratch / "store", kept)
        (kept / "recorded.pkl").write_bytes(pickle.dumps((recorded, extra)))
    return scratch / "store", recorded, extra[:adds]


def measure(size: int, adds: int, queries: int, keep: Path | None) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="memrag-scale-") as scratch:
        started = time.perf_counter()
        path, recorded, extra = prepared_store(size, adds, keep, Path(scratch))
        populate_s = time.perf_counter() - started
        started = time.perf_counter()
        engine = Engine(
            RecordStore(EdgeStore(path), DIM),
            RandomEmbedder(),
            RecordedExtractor(recorded),
            WholeDocumentChunker(),
            KeepTopFacts(),
        )
        load_s = time.perf_counter() - started
        params = RetrievalParams(top_k=10)
        for q in range(3):  # warm up: first queries compact the graph rows
            engine.rank(f"warm up {q}", params)
        add_times = []
        for text in extra:
            t0 = time.perf_counter()
            engine.add([DocumentInput(text)])
            add_times.append(time.perf_counter() - t0)
        engine.rank("warm up after adds", params)
        latencies: list[float] = []
        modes: dict[str, int] = {}
        for q in range(queries):
            t0 = time.perf_counter()
            ranking = engine.rank(f"question {q}", params)
            latencies.append(time.perf_counter() - t0)
            modes[ranking.mode] = modes.get(ranking.mode, 0) + 1
        stats = engine.graph.stats()
        engine.close()
    return {
        "passages": size,
        "graph_nodes": stats.entities + stats.passages,
        "populate_or_copy_s": round(populate_s, 1),
        "open_and_rebuild_graph_s": round(load_s, 2),
        "add_one_document_ms": round(1000 * statistics.median(add_times), 2),
        "retrieve_p50_ms": round(1000 * statistics.median(latencies), 2),
        "retrieve_p95_ms": round(1000 * float(np.percentile(latencies, 95)), 2),
        "modes": modes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--adds", type=int, default=50)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="keep populated stores here and reuse them (100k takes ~10 min)")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        rows.append(measure(size, args.adds, args.queries, args.keep))
        print(json.dumps(rows[-1]), flush=True)
    base = rows[0]
    for row in rows[1:]:
        add_ratio = float(row["add_one_document_ms"]) / float(base["add_one_document_ms"])  # type: ignore[arg-type]
        p50_ratio = float(row["retrieve_p50_ms"]) / float(base["retrieve_p50_ms"])  # type: ignore[arg-type]
        print(f"{row['passages']}/{base['passages']}: add ratio {add_ratio:.2f}, retrieve p50 ratio {p50_ratio:.2f}")


if __name__ == "__main__":
    main()
