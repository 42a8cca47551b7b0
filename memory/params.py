"""Algorithm parameters, HippoRAG 2 paper defaults; overridable per call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PprMode = Literal["local", "exact"]


@dataclass(frozen=True)
class RetrievalParams:
    """Knobs of the retrieval pipeline (DESIGN §5)."""

    top_k: int = 5
    linking_top_k: int = 5  # facts retrieved per query
    seed_entity_top_k: int = 5  # entity seeds kept after weighting
    passage_node_weight: float = 0.05  # dense passage seeds are scaled by this
    damping: float = 0.5
    dense_seed_top_n: int = 200  # passages seeded from the dense ANN top-N
    ppr_mode: PprMode = "local"
    ppr_epsilon: float = 1e-7  # push threshold relative to node degree (local mode)
    ppr_tolerance: float = 1e-8  # L1 convergence (exact mode)
    ppr_max_iterations: int = 100
    dense_blend: float = 0.0  # weight of the min-max dense score mixed into the final rank


@dataclass(frozen=True)
class IndexParams:
    """Knobs of indexing: synonym edges between entity nodes."""

    synonym_threshold: float = 0.8
    synonym_max_neighbours: int = 100
    synonym_min_alnum: int = 3  # names with fewer letters/digits get no synonyms
    embed_batch_size: int = 64
