"""The synonym search asked in chunks: every vector searched once, hits in the vectors' order."""

import numpy as np

from memrag.memory.indexing.write import in_chunks
from memrag.memory.ports import VectorHit


def test_every_vector_is_searched_once_in_chunks_of_at_most_the_size_and_hits_keep_their_order():
    asked: list[int] = []

    def search(vectors: np.ndarray) -> list[list[VectorHit]]:
        asked.append(len(vectors))
        return [[VectorHit(f"near {int(v[0])}", 1.0)] for v in vectors]

    vectors = np.arange(10, dtype=np.float32).reshape(10, 1)
    hits = in_chunks(search, vectors, size=4)
    assert asked == [4, 4, 2]
    assert [h[0].id for h in hits] == [f"near {i}" for i in range(10)]


def test_no_vectors_no_search():
    assert in_chunks(lambda vectors: [[]] * len(vectors), np.zeros((0, 3), dtype=np.float32)) == []
