"""Past PRUNE_MIN_ROWS rows the mirror bounds each row's cosine and scores only the rows that may win:
its answers must stay those of scoring every row, through every kind of write."""

from collections.abc import Iterator

import numpy as np
import pytest

from memrag.memory.ports import VectorRecord
from memrag.memory.storage.qdrant_edge import EdgeIndex, EdgeStore
from memrag.memory.storage.scan_mirror import MirroredIndex
from memrag.memory.storage.vector_copy import PRUNE_MIN_ROWS, VectorCopy

DIM = 24
ROWS = PRUNE_MIN_ROWS + 1_000


def _vectors(count: int, seed: int) -> np.ndarray:
    """Vectors whose spread falls off along axes that are not the coordinate axes (as text embeddings'
    does): the bounds can prune only once the rows are rotated onto their principal axes."""
    rng = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(np.random.default_rng(99).standard_normal((DIM, DIM)))
    spread = 0.75 ** np.arange(DIM)
    return ((rng.standard_normal((count, DIM)) * spread) @ rotation.T).astype(np.float32)


def _records(start: int, vectors: np.ndarray) -> list[VectorRecord]:
    return [VectorRecord(f"r{i:05d}", v, {"n": i}) for i, v in enumerate(vectors, start=start)]


@pytest.fixture
def edge(tmp_path) -> Iterator[EdgeIndex]:
    store = EdgeStore(tmp_path)
    yield store.open_index("things", DIM)
    store.close()


def _best(vectors: dict[str, np.ndarray], query: np.ndarray, limit: int) -> list[str]:
    """The reference: every stored vector's cosine in float64, best first, equal cosines by id."""
    ids = sorted(vectors)
    rows = np.stack([vectors[i] for i in ids]).astype(np.float64)
    cosines = rows @ query.astype(np.float64) / (np.linalg.norm(rows, axis=1) * np.linalg.norm(query))
    order = sorted(range(len(ids)), key=lambda k: (-round(float(cosines[k]), 12), ids[k]))
    return [ids[k] for k in order[:limit]]


def _assert_answers(mirror: MirroredIndex, stored: dict[str, np.ndarray], seed: int) -> list[int]:
    """Top 1, 5 and 20 of each query equal the reference; returns the rows each top-5 search read whole."""
    read = []
    for query in _vectors(8, seed):
        for limit in (5, 1, 20):
            [hits] = mirror.search_batch(query[None], limit, exact=True)
            assert [h.id for h in hits] == _best(stored, query, limit)
            if limit == 5:
                read.append(mirror.rows_scored)
    return read


def test_pruned_searches_equal_scoring_every_row_and_read_few_rows(edge):
    """Bug caught: a bound that leaves out the rest of a row's dimensions drops rows that win."""
    vectors = _vectors(ROWS, seed=1)
    mirror = MirroredIndex(edge, DIM)
    mirror.upsert(_records(0, vectors))
    stored = {f"r{i:05d}": v for i, v in enumerate(vectors)}
    read = _assert_answers(mirror, stored, seed=2)
    assert mirror.mirrored and max(read) < ROWS // 16  # the rotated bounds spared most rows every time
    [edge_hits] = edge.search_batch(_vectors(1, seed=3), 5, exact=True)
    [mine] = mirror.search_batch(_vectors(1, seed=3), 5, exact=True)
    assert [h.id for h in mine] == [h.id for h in edge_hits]


def test_the_bounds_follow_overwrites_deletes_and_growth(edge):
    """Bugs caught: a row overwritten, appended, or moved into a deleted row's place kept its old bound
    (or none), so a search skipped it. The rows then more than double (the bounds are refitted)."""
    mirror = MirroredIndex(edge, DIM)
    vectors = _vectors(ROWS, seed=1)
    mirror.upsert(_records(0, vectors))
    stored = {f"r{i:05d}": v for i, v in enumerate(vectors)}
    mirror.search_batch(_vectors(1, seed=5), 5, exact=True)  # loads the copy and fits its bounds
    queries = _vectors(8, seed=2)
    winners = {h.id for q in queries for h in mirror.search_batch(q[None], 20, exact=True)[0]}
    moved = {f"r{i:05d}": q * 3 for i, q in zip(range(10, 18), queries, strict=True)}  # now each query's best
    added = {f"new{i}": q * 2 + 0.01 for i, q in enumerate(queries)}  # appended rows, also each query's best
    mirror.upsert([VectorRecord(k, v, {}) for k, v in (moved | added).items()])
    stored.update(moved | added)
    gone = sorted(set(sorted(winners - set(moved))[:40]) | {f"r{i:05d}" for i in range(200, 900)})  # rows move up
    mirror.delete(gone)
    for record_id in gone:
        stored.pop(record_id)
    _assert_answers(mirror, stored, seed=2)
    grown = _vectors(2 * ROWS, seed=7)  # more than doubles the rows: the bounds are refitted
    mirror.upsert(_records(ROWS, grown))
    stored.update({f"r{i:05d}": v for i, v in enumerate(grown, start=ROWS)})
    assert max(_assert_answers(mirror, stored, seed=2)) < len(stored) // 16


def test_equal_vectors_past_the_bound_come_in_the_order_of_their_ids(edge):
    """Bug caught: the pruned path broke ties by row position instead of record id."""
    vectors = _vectors(ROWS, seed=1)
    twin = vectors[0] * 5  # r00000's direction (r00000 is deleted below): cosine 1 with the query
    mirror = MirroredIndex(edge, DIM)
    mirror.upsert(_records(0, vectors))
    mirror.search_batch(twin[None], 1, exact=True)
    mirror.upsert([VectorRecord(name, twin, {}) for name in ("twin-d", "twin-b", "twin-c", "twin-a")])
    mirror.delete(["r00000"])
    [hits] = mirror.search_batch(twin[None], 3, exact=True)
    assert [h.id for h in hits] == ["twin-a", "twin-b", "twin-c"]
    assert mirror.rows_scored < ROWS // 3


@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")  # inf / inf, on purpose
def test_a_row_that_is_not_finite_neither_breaks_a_search_nor_changes_its_answer():
    """Bug caught: fitting the bounds to a matrix holding an infinite vector raised from the eigensolver,
    so every search of the collection failed (and a full scan counted its NaN cosine among the best)."""
    vectors = _vectors(ROWS, seed=1)
    vectors[7, 3] = np.inf
    ids = [f"r{i:05d}" for i in range(ROWS)]
    pruned, full = VectorCopy(DIM), VectorCopy(DIM, prune_min_rows=2**62)
    for copy in (pruned, full):
        copy.put(ids, vectors)
    queries = _vectors(6, seed=2)
    for (rows, scores), (rows_all, scores_all) in zip(
        pruned.nearest(queries, [5] * 6), full.nearest(queries, [5] * 6), strict=True
    ):
        assert rows.tolist() == rows_all.tolist() and np.array_equal(scores, scores_all)
        assert len(rows) == 5 and 7 not in rows.tolist()
    assert pruned.rows_scored < ROWS


def test_vectors_spread_evenly_are_scanned_whole_without_bounds():
    """Bug caught: bounds that cannot prune (every row survives) were computed for every search and then
    every row was scanned anyway, slower than a plain scan."""
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((ROWS, DIM)).astype(np.float32)
    copy = VectorCopy(DIM)
    copy.put([f"r{i}" for i in range(ROWS)], vectors)
    list(copy.nearest(vectors[:2], [5, 5]))
    assert copy.rows_scored == 2 * ROWS and copy.allocated_bytes == copy.matrix.nbytes


def test_the_opposite_of_a_query_scanned_whole_is_not_scanned_again():
    """Bug caught: the least similar row (the query's opposite, top 1) was searched through the bounds
    instead of negating the scores the query's own full scan had just given (2.5x the cost on 6k rows)."""
    copy = VectorCopy(DIM)
    copy.put([f"r{i}" for i in range(ROWS)], _vectors(ROWS, seed=1))
    q = _vectors(1, seed=2)[0]
    [(best, _), (worst, _)] = list(copy.nearest(np.stack([q, -q]), [ROWS // 10, 1]))  # the first: too many to prune
    assert copy.rows_scored == ROWS and len(best) == ROWS // 10
    assert copy.allocated_bytes > copy.matrix.nbytes  # bounds are held: the path under test
    stored = {f"r{i}": v for i, v in enumerate(_vectors(ROWS, seed=1))}
    assert [f"r{r}" for r in worst.tolist()] == _best(stored, -q, 1)  # the least similar row, negated right
