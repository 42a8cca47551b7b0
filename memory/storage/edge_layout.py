"""How a new Qdrant Edge collection keeps its vectors, made into a shard, and read back from a stored one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import qdrant_edge as qe

# An optimisation holds the segments it merges and the one it builds (~6 KB a 384-d point at its
# height): segments of at most this many KB (~21k 384-d points) keep that peak bounded instead of
# growing with the collection (benchmarks/profile_eval_memory.py). New collections only.
MAX_SEGMENT_KB = 32_000
# Qdrant's defaults: a segment gets its HNSW index past 10,000 KB of vectors, a search walks it past
# the same size (a full scan below), with 16 links a node built at breadth 100.
QDRANT_THRESHOLD_KB = 10_000
QDRANT_HNSW_M = 16
QDRANT_EF_CONSTRUCT = 100


@dataclass(frozen=True)
class VectorLayout:
    """Where a new collection keeps its vectors (a stored collection keeps the layout it was made with).

    `quantized`: the full vectors (float32, or float16 in a half layout) stay on disk, read on
    demand (`Memory.Cold`: not pre-warmed into the page cache), and the HNSW walk scores an int8
    scalar-quantized copy (a quarter of float32's size); exact searches ignore the copy. Otherwise
    the vectors are memory-mapped and pre-warmed (Edge's default), as collections were made before.

    `pinned_int8`: the int8 copy is held in anonymous memory (as collections were made until
    December 2026) rather than mapped from its file. Pinned, it was ~0.4 KB of heap per point that
    nothing could give back: with the offline extractor's ~25 entities and facts per passage, most
    of the growth of an indexing process's heap (benchmarks/bench_soak.py). Mapped, its pages are
    the file's, which the indexer hands back with the other store pages (storage/mapped_pages.py)
    and a search faults in again; HNSW recall and search time: benchmarks/bench_vector_memory.py.

    `half`: the full vectors are kept in float16 (half the file, and half the pages a scan reads).
    Used for the entities (ENTITY_LAYOUT), whose vectors every batch's synonym search scans; their
    synonym scores are then computed on the rounded vectors wherever a pair is found
    (indexing/synonyms.py), so the weights do not depend on the order entities arrived in.
    """

    quantized: bool = True
    pinned_int8: bool = False
    half: bool = False

    def as_stored(self, vectors: np.ndarray) -> np.ndarray:
        """`vectors` (unit length, as memrag writes them) as a collection in this layout keeps them:
        rounded to float16 in a half layout (Edge stores a unit vector unchanged otherwise)."""
        kept = np.asarray(vectors, dtype=np.float32)
        return kept.astype(np.float16).astype(np.float32) if self.half else kept


DEFAULT_LAYOUT = VectorLayout()
# New embedded stores' entities since December 2026 (benchmarks/bench_exact_search.py --layouts, bench_soak.py).
ENTITY_LAYOUT = VectorLayout(half=True)


def int8_copy(layout: VectorLayout) -> qe.ScalarQuantizationConfig:
    """The int8 scalar quantization of a quantized layout, pinned or mapped as it says."""
    placement = qe.Memory.Pinned if layout.pinned_int8 else qe.Memory.Cached
    return qe.ScalarQuantizationConfig(qe.ScalarType.Int8, quantile=0.99, memory=placement)


def create_shard(path: Path, dim: int, layout: VectorLayout) -> qe.EdgeShard:
    """An empty shard at `path` for `dim`-dimensional cosine vectors, laid out as `layout` says."""
    path.mkdir(parents=True, exist_ok=True)
    datatype = qe.VectorStorageDatatype.Float16 if layout.half else None
    if layout.quantized:
        vectors = qe.EdgeVectorParams(
            size=dim,
            distance=qe.Distance.Cosine,
            datatype=datatype,
            quantization_config=int8_copy(layout),
            memory=qe.Memory.Cold,
        )
    else:
        vectors = qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine, datatype=datatype)
    return qe.EdgeShard.create(str(path), qe.EdgeConfig(vectors=vectors, **_sizes_in_points(layout)))


def _sizes_in_points(layout: VectorLayout) -> dict[str, Any]:
    """Edge's size thresholds count the stored vectors' KB: a half layout gets them halved, so that
    its segments are capped, indexed and searched by HNSW at the same numbers of points as float32."""
    if not layout.half:
        return {"optimizers": qe.EdgeOptimizersConfig(max_segment_size=MAX_SEGMENT_KB)}
    return {
        "optimizers": qe.EdgeOptimizersConfig(
            max_segment_size=MAX_SEGMENT_KB // 2, indexing_threshold=QDRANT_THRESHOLD_KB // 2
        ),
        "hnsw_config": qe.HnswIndexConfig(
            m=QDRANT_HNSW_M, ef_construct=QDRANT_EF_CONSTRUCT, full_scan_threshold=QDRANT_THRESHOLD_KB // 2
        ),
    }


def stored_layout(path: Path, otherwise: VectorLayout) -> VectorLayout:
    """The layout the collection at `path` was made with (its edge_config.json); `otherwise` when
    that cannot be read, so that a shard rebuilt from its segments keeps the layout it had."""
    try:
        vectors = json.loads((path / "edge_config.json").read_text())["vectors"][""]
        scalar = (vectors.get("quantization_config") or {}).get("scalar")
        half = vectors.get("datatype") == "float16"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return otherwise
    if not isinstance(scalar, dict):
        return VectorLayout(quantized=False, half=half)
    return VectorLayout(quantized=True, pinned_int8=scalar.get("memory") == "pinned", half=half)
