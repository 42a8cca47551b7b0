"""A Qdrant Edge shard that builds a deliberately poor HNSW index at once: approximate search on tiny data."""

from pathlib import Path

import qdrant_edge as qe


def coarse_hnsw(path: Path, dim: int) -> qe.EdgeShard:
    """Every segment gets an HNSW graph when optimised (threshold 1 KB), with 4 links per node:
    on a few hundred vectors its searches already miss true neighbours. Patched in for
    `memrag.memory.storage.qdrant_edge._create`."""
    path.mkdir(parents=True, exist_ok=True)
    config = qe.EdgeConfig(
        vectors=qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine),
        hnsw_config=qe.HnswIndexConfig(m=4, ef_construct=4, full_scan_threshold=1),
        optimizers=qe.EdgeOptimizersConfig(indexing_threshold=1),
    )
    return qe.EdgeShard.create(str(path), config)
