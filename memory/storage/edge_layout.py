"""How a new Qdrant Edge collection keeps its vectors, made into a shard, and read back from a stored one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import qdrant_edge as qe

# An optimisation holds the segments it merges and the one it builds (~6 KB a 384-d point at its
# height): segments of at most this many KB (~21k 384-d points) keep that peak bounded instead of
# growing with the collection (benchmarks/profile_eval_memory.py). New collections only.
MAX_SEGMENT_KB = 32_000


@dataclass(frozen=True)
class VectorLayout:
    """Where a new collection keeps its vectors (a stored collection keeps the layout it was made with).

    `quantized`: the full float32 vectors stay on disk, read on demand (`Memory.Cold`: not
    pre-warmed into the page cache), and the HNSW walk scores an int8 scalar-quantized copy (a
    quarter of the size); exact searches ignore the copy. Otherwise the float32 vectors are
    memory-mapped and pre-warmed (Edge's default), as collections were made before.

    `pinned_int8`: the int8 copy is held in anonymous memory (as collections were made until
    December 2026) rather than mapped from its file. Pinned, it was ~0.4 KB of heap per point that
    nothing could give back: with the offline extractor's ~25 entities and facts per passage, most
    of the growth of an indexing process's heap (benchmarks/bench_soak.py). Mapped, its pages are
    the file's, which the indexer hands back with the other store pages (storage/mapped_pages.py)
    and a search faults in again; HNSW recall and search time: benchmarks/bench_vector_memory.py.
    """

    quantized: bool = True
    pinned_int8: bool = False


DEFAULT_LAYOUT = VectorLayout()


def int8_copy(layout: VectorLayout) -> qe.ScalarQuantizationConfig:
    """The int8 scalar quantization of a quantized layout, pinned or mapped as it says."""
    placement = qe.Memory.Pinned if layout.pinned_int8 else qe.Memory.Cached
    return qe.ScalarQuantizationConfig(qe.ScalarType.Int8, quantile=0.99, memory=placement)


def create_shard(path: Path, dim: int, layout: VectorLayout) -> qe.EdgeShard:
    """An empty shard at `path` for `dim`-dimensional cosine vectors, laid out as `layout` says."""
    path.mkdir(parents=True, exist_ok=True)
    if layout.quantized:
        vectors = qe.EdgeVectorParams(
            size=dim, distance=qe.Distance.Cosine, quantization_config=int8_copy(layout), memory=qe.Memory.Cold
        )
    else:
        vectors = qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)
    optimizers = qe.EdgeOptimizersConfig(max_segment_size=MAX_SEGMENT_KB)
    return qe.EdgeShard.create(str(path), qe.EdgeConfig(vectors=vectors, optimizers=optimizers))


def stored_layout(path: Path, otherwise: VectorLayout) -> VectorLayout:
    """The layout the collection at `path` was made with (its edge_config.json); `otherwise` when
    that cannot be read, so that a shard rebuilt from its segments keeps the layout it had."""
    try:
        vectors = json.loads((path / "edge_config.json").read_text())["vectors"][""]
        scalar = (vectors.get("quantization_config") or {}).get("scalar")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return otherwise
    if not isinstance(scalar, dict):
        return VectorLayout(quantized=False)
    return VectorLayout(quantized=True, pinned_int8=scalar.get("memory") == "pinned")
