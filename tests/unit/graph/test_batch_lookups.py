"""The query path's vectorised graph lookups agree with the one-at-a-time ones, collisions and odd input included."""

import numpy as np
import pytest

from memrag.memory.graph.interning import SHARED_KEY, IdTable, KeyIndex, PointIndex, uuid_halves
from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.graph.ppr import PprSettings, exact_ppr, personalized_pagerank
from memrag.memory.ids import content_id, entity_id, point_uuid

# Two UUIDs sharing their first 64 bits (the lookup key): only the last 64 bits tell them apart.
TWIN_A = "00112233-4455-6677-8899-aabbccddeeff"
TWIN_B = "00112233-4455-6677-0000-000000000001"


@pytest.mark.parametrize("merge_at", [1, 1000])  # keys in the sorted array, and in the recent dict
def test_point_lookups_in_bulk_tell_apart_points_sharing_a_key(merge_at):
    index = PointIndex(merge_at=merge_at)
    index.add(TWIN_A, 7)
    index.add(TWIN_B, 9)
    index.add(TWIN_A, 7)  # again: no second entry
    unknown = "00112233-4455-6677-ffff-ffffffffffff"
    assert index.find_many([TWIN_B, TWIN_A, unknown]).tolist() == [9, 7, -1]
    assert (index.find(TWIN_A), index.find(unknown)) == (7, None)


@pytest.mark.parametrize("merge_at", [1, 1000])
def test_point_lookups_in_bulk_confirm_the_whole_uuid(merge_at):
    index = PointIndex(merge_at=merge_at)
    index.add(TWIN_A, 3)
    assert index.find_many([TWIN_B]).tolist() == [-1]  # same key, other low half


def test_bulk_point_lookup_falls_back_one_by_one_for_strings_that_are_not_uuids():
    index = PointIndex()
    index.add(TWIN_A, 4)
    odd = ["not a uuid", TWIN_A.upper(), TWIN_A.replace("-", " "), TWIN_A[:-1] + "g", TWIN_A[:35] + " "]
    assert index.find_many([TWIN_A, *odd]).tolist() == [4, -1, 4, -1, -1, -1]


def test_uuid_halves_refuse_anything_but_the_canonical_form():
    assert uuid_halves([TWIN_A, TWIN_B]) is not None
    spaced = [TWIN_A[:8] + " " + TWIN_A[9:], TWIN_A[:-2] + " f", TWIN_A[:-2] + "  "]  # fromhex skips some spaces
    for bad in ["x" * 36, TWIN_A.replace("-", ":"), *spaced, "ü" * 36]:
        assert uuid_halves([TWIN_A, bad]) is None, bad


def test_key_lookup_in_bulk_marks_missing_single_and_shared_keys():
    index = KeyIndex(merge_at=3)
    for key, value in [(5, 1), (6, 2), (5, 3), (8, 4), (9, 5)]:  # first three merged into the sorted array
        index.add(key, value)
    index.add(6, 6)  # 6 now in both parts
    assert index.lookup(np.array([5, 6, 8, 9, 7])).tolist() == [SHARED_KEY, SHARED_KEY, 4, 5, -1]


def test_bulk_lookups_answer_alike_whether_or_not_they_merged_the_recent_keys_first():
    """Bug caught: a lookup that merges the recent keys in (as after a reopen, when every key is recent)
    lost values, or answered from the keys it had just moved."""
    index = KeyIndex(merge_at=1_000_000)  # additions never merge: only lookups do
    added: dict[int, list[int]] = {}
    rng = np.random.default_rng(4)
    for value in range(2_000):
        key = int(rng.integers(0, 700))
        index.add(key, value)
        added.setdefault(key, []).append(value)
        if value % 250 == 249:
            probe = np.arange(-3, 703)
            want = [-1 if k not in added else added[k][0] if len(added[k]) == 1 else SHARED_KEY for k in probe.tolist()]
            assert index.lookup(probe).tolist() == want
            assert all(sorted(index.candidates(k)) == v for k, v in added.items())
    assert not index._recent  # the path under test: the last lookup merged what was recent


def test_names_in_bulk_equal_names_one_by_one():
    table = IdTable(merge_at=4)
    hashed = [content_id("passage", str(i)) for i in range(12)] + [entity_id(f"e{i}") for i in range(5)]
    plain = ["p1", "ünïcode ✓", "entity-NOTHEX", "x" * 17]  # the last packs to 17 bytes too
    indices = [table.add(n) for n in hashed + plain]
    assert table.names(np.array(indices[: len(hashed)])) == hashed  # the vectorised path
    assert table.names(np.array(indices[::-1])) == (hashed + plain)[::-1]  # mixed: one by one
    assert table.names(np.array([], dtype=np.int64)) == []


def test_graph_maps_points_to_live_passage_nodes_in_bulk():
    graph = MemoryGraph()
    pids = [content_id("passage", str(i)) for i in range(20)]
    for i, pid in enumerate(pids):
        graph.add_passage(pid, [entity_id(f"e{i}")], [])
    graph.remove_passage(pids[3])
    points = [point_uuid(p) for p in pids] + [point_uuid("never added"), point_uuid(entity_id("e1"))]
    nodes = graph.passage_nodes(points)
    expected = [graph.node_index(p) if graph.has_passage(p) else -1 for p in pids] + [-1, -1]
    assert nodes.tolist() == expected and nodes[3] == -1
    assert graph.node_ids(nodes[nodes >= 0]) == [p for p in pids if graph.has_passage(p)]
    assert graph.passage_entities(pids[5]) == (entity_id("e5"),)
    assert graph.passage_entity_nodes(int(nodes[5])).tolist() == [graph.node_index(entity_id("e5"))]


def test_reads_merge_the_pending_changes_once_they_have_met_as_many_stale_rows_as_the_graph_has():
    graph = MemoryGraph(compact_ratio=10.0, compact_min_rows=10_000)  # never merged by writes
    for i in range(10):
        graph.add_passage(f"p{i}", [f"e{i}", f"e{i + 1}"], [(f"f{i}", f"e{i}", f"e{i + 1}")])
    assert graph.size == 21 and [graph.rows().merges for _ in range(2)] == [0, 1]  # all 21 rows stale
    graph.add_passage("late", ["e0", "e5"], [("g", "e0", "e5")])  # stale: e0, e5, late (new)
    reads = [graph.rows().merges for _ in range(9)]
    assert reads == [1] * 8 + [2]  # 8 earlier reads x 3 stale rows >= 22 rows
    graph.add_passage("later", ["e1"], [])
    graph.rows().merge(graph.size)  # a merge clears what the reads owed
    graph.add_passage("last", ["e2"], [])
    assert [graph.rows().merges for _ in range(2)] == [3, 3]


def test_exact_walk_in_float32_matches_float64():
    graph = MemoryGraph(compact_ratio=10.0, compact_min_rows=10_000)
    for i in range(30):
        graph.add_passage(f"p{i}", [f"e{i % 9}", f"e{(i * 4) % 9}"], [(f"f{i}", f"e{i % 9}", f"e{(i * 4) % 9}")])
    graph.rows().merge(graph.size)
    graph.add_passage("late", ["e2", "new"], [("g", "e2", "new")])  # a changed row and a new one
    size = graph.size
    x = np.random.default_rng(3).random(size)
    walk32 = graph.rows().walk(size, single=True)(x.astype(np.float32))
    assert walk32.dtype == np.float32 and walk32 == pytest.approx(graph.rows().walk(size)(x), rel=1e-5)
    seeds, weights = np.array([0, 5]), np.array([0.7, 0.3])
    nodes, mass = personalized_pagerank(graph.rows(), graph.degree, seeds, weights, PprSettings(0.5, "exact"))
    reset = np.zeros(size)
    reset[seeds] = weights
    reference = exact_ppr(graph.rows().walk(size), graph.degree, reset, 0.5, 1e-5)
    assert mass.dtype == np.float64 and mass == pytest.approx(reference[nodes], abs=1e-6)
