"""A Qdrant Edge shard that builds a deliberately poor HNSW index at once: approximate search on tiny data."""

from pathlib import Path

import qdrant_edge as qe

from memrag.memory.storage.edge_layout import DEFAULT_LAYOUT, VectorLayout


def coarse_hnsw(path: Path, dim: int, layout: VectorLayout = DEFAULT_LAYOUT) -> qe.EdgeShard:
    """Every segment gets an HNSW graph when optimised (threshold 1 KB), with 4 links per node:
    on a few hundred vectors its searches already miss true neighbours. Patched in for
    `memrag.memory.storage.qdrant_edge._create`; float16 vectors where `layout` asks for them."""
    path.mkdir(parents=True, exist_ok=True)
    datatype = qe.VectorStorageDatatype.Float16 if layout.half else None
    config = qe.EdgeConfig(
        vectors=qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine, datatype=datatype),
        hnsw_config=qe.HnswIndexConfig(m=4, ef_construct=4, full_scan_threshold=1),
        optimizers=qe.EdgeOptimizersConfig(indexing_threshold=1),
    )
    return qe.EdgeShard.create(str(path), config)
