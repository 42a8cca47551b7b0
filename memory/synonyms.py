"""Synonym neighbours of new entities: ANN hits among stored entities plus the new batch itself (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from memory.ports import VectorHit

_BLOCK = 1024


def batch_neighbours(vectors: np.ndarray, threshold: float, limit: int) -> list[list[tuple[int, float]]]:
    """For each row, other rows with cosine ≥ threshold (at most `limit`, best first); blocked matmul."""
    result: list[list[tuple[int, float]]] = [[] for _ in range(len(vectors))]
    for start in range(0, len(vectors), _BLOCK):
        sims = vectors[start : start + _BLOCK] @ vectors.T
        for offset, row in enumerate(sims):
            me = start + offset
            candidates = np.flatnonzero(row >= threshold)
            candidates = candidates[candidates != me]
            order = candidates[np.argsort(-row[candidates], kind="stable")][:limit]
            result[me] = [(int(j), float(row[j])) for j in order]
    return result


def merge_neighbours(
    ids: Sequence[str],
    in_batch: list[list[tuple[int, float]]],
    stored_hits: Sequence[Sequence[VectorHit]],
    threshold: float,
    limit: int,
) -> list[tuple[tuple[str, float], ...]]:
    """Neighbours of each new entity from both sources, best first, ties by id, capped at `limit`."""
    merged = []
    for row, own_id in enumerate(ids):
        found = {ids[j]: score for j, score in in_batch[row]}
        for hit in stored_hits[row]:
            if hit.score >= threshold and hit.id != own_id:
                found.setdefault(hit.id, hit.score)
        ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:limit]
        merged.append(tuple((other, round(score, 6)) for other, score in ranked))
    return merged
