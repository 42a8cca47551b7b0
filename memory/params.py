"""Algorithm parameters, HippoRAG 2 paper defaults; overridable per call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from memrag.memory.graph.ppr import PprMode, PprSettings

Strategy = Literal["graph", "dense"]


@dataclass(frozen=True)
class RetrievalParams:
    """Knobs of the retrieval pipeline (DESIGN §5)."""

    top_k: int = 5
    strategy: Strategy = "graph"  # dense: plain dense retrieval (the baseline), no facts, no walk
    linking_top_k: int = 5  # facts retrieved per query
    seed_entity_top_k: int = 5  # entity seeds kept after weighting
    passage_node_weight: float = 0.05  # dense passage seeds are scaled by this
    damping: float = 0.5
    dense_seed_top_n: int = 200  # passages seeded from the dense ANN top-N
    ppr_mode: PprMode = "auto"  # auto: exact up to `exact_ppr_max_nodes` graph nodes, local above
    exact_ppr_max_nodes: int = 50_000
    ppr_epsilon: float = 1e-5  # push threshold relative to node degree (local mode)
    # L1 change per iteration (relative to the mass) that stops the exact walk. 3e-4 chosen on musique-100 (the
    # largest with every top-10 ranking as at 1e-5; 1e-3 changed one); hotpotqa-300 300/300 the same, 2wiki-101
    # walks locally (65k nodes): recall at k = 1, 2, 5, 10 unchanged on all three (README, query cost).
    ppr_tolerance: float = 3e-4
    ppr_max_iterations: int = 100
    # Final ordering (memrag's addition, see retrieval/ordering.py and fusion.py; `hipporag2()` turns it off).
    # dense_anchor, lead_* and rrf_k chosen on musique-100 (both triple sets): benchmarks/tune_fusion.py.
    dense_anchor: int = 2  # the dense top passages placed first...
    promote_fact_source: bool = True  # ...but the walk's choice takes the last of them if it alone states the best fact
    lead_tie_margin: float = 0.01  # ...and of the first two, the one stating it first when their cosines differ less
    lead_release_gap: float = 0.12  # when dense's first leads its second by this cosine, the first leads alone
    rrf_k: float = 5.0
    rrf_dense_weight: float = 0.2

    @property
    def ppr(self) -> PprSettings:
        return PprSettings(
            self.damping,
            self.ppr_mode,
            self.exact_ppr_max_nodes,
            self.ppr_epsilon,
            self.ppr_tolerance,
            self.ppr_max_iterations,
        )

    @classmethod
    def hipporag2(cls, **overrides: object) -> RetrievalParams:
        """The reference algorithm: passages ranked by PPR mass alone."""
        return cls(**{"dense_anchor": 0, "rrf_dense_weight": 0.0, "promote_fact_source": False, **overrides})  # type: ignore[arg-type]


@dataclass(frozen=True)
class IndexParams:
    """Knobs of indexing: synonym edges between entity nodes."""

    synonym_threshold: float = 0.8
    synonym_max_neighbours: int = 100
    synonym_min_alnum: int = 3  # names with fewer letters/digits get no synonyms
    embed_batch_size: int = 64
