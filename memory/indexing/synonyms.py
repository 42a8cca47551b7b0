"""Synonym neighbours of new entities: the store's hits among stored entities plus the new batch itself (pure).

Every synonym score is a float64 dot product of the vectors as stored (`VectorIndex.as_stored`:
float16 in a new embedded store), whichever way the pair was found: the vector store's own
arithmetic differs in the 6th decimal, and a pair found in-batch in one run and through the store
in another (after a crash, or in another order) must get the same weight. The store is asked with
a small margin below the threshold and its hits are re-scored here. The store's search is exact
up to a size bound (storage/search_mode.py), so the pairs found do not depend on the order
entities arrived in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from memrag.memory.ports import VectorHit

_BLOCK = 1024
SEARCH_MARGIN = 1e-3  # the store's cosine may sit this far below the exact one


def batch_neighbours(vectors: np.ndarray, threshold: float, limit: int) -> list[list[tuple[int, float]]]:
    """For each row, other rows with cosine ≥ threshold (at most `limit`, best first); blocked matmul."""
    result: list[list[tuple[int, float]]] = [[] for _ in range(len(vectors))]
    exact = vectors.astype(np.float64)
    for start in range(0, len(vectors), _BLOCK):
        sims = exact[start : start + _BLOCK] @ exact.T
        for offset, row in enumerate(sims):
            me = start + offset
            candidates = np.flatnonzero(row >= threshold)
            candidates = candidates[candidates != me]
            order = candidates[np.argsort(-row[candidates], kind="stable")][:limit]
            result[me] = [(int(j), float(row[j])) for j in order]
    return result


def rescore(
    vectors: np.ndarray, stored_hits: Sequence[Sequence[VectorHit]], stored_vectors: dict[str, np.ndarray]
) -> list[list[tuple[str, float]]]:
    """The store's hits for each row with exact scores (a hit whose vector is gone is dropped)."""
    rescored = []
    for vector, hits in zip(vectors.astype(np.float64), stored_hits, strict=True):
        kept = [h.id for h in hits if h.id in stored_vectors]
        scores = np.array([stored_vectors[i] for i in kept], dtype=np.float64).reshape(len(kept), len(vector)) @ vector
        rescored.append([(i, float(score)) for i, score in zip(kept, scores, strict=True)])
    return rescored


def merge_neighbours(
    ids: Sequence[str],
    in_batch: list[list[tuple[int, float]]],
    stored: Sequence[Sequence[tuple[str, float]]],
    threshold: float,
    limit: int,
) -> list[tuple[tuple[str, float], ...]]:
    """Neighbours of each new entity from both sources, best first, ties by id, capped at `limit`."""
    merged = []
    for row, own_id in enumerate(ids):
        found = {ids[j]: score for j, score in in_batch[row]}
        for other, score in stored[row]:
            if score >= threshold and other != own_id:
                found.setdefault(other, score)
        ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:limit]
        merged.append(tuple((other, round(score, 6)) for other, score in ranked))
    return merged
