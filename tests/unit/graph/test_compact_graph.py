"""The compact graph's parts: interned ids, point lookups, packed passage records, merged weights."""

import random

import pytest

from memrag.memory.graph.interning import IdTable, KeyIndex
from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.graph.passage_lists import PassageLists
from memrag.memory.ids import entity_id, point_uuid


def test_ids_come_back_as_given_before_and_after_the_index_merges():
    table = IdTable(merge_at=4)
    names = [entity_id(f"name {i}") for i in range(30)] + ["plain id", "ünïcode ✓", "entity-NOTHEX"]
    indices = [table.add(n) for n in names]
    assert indices == list(range(len(names)))
    assert [table.name(i) for i in indices] == names
    assert [table.find(n) for n in names] == indices
    assert table.add(names[3]) == 3 and len(table) == len(names)
    assert table.find("entity-" + "0" * 32) is None


def test_ids_sharing_a_lookup_key_are_told_apart():
    # The key is the hash's first 8 bytes: these two differ only after them.
    first, second = "entity-" + "00" * 8 + "aa" * 8, "entity-" + "00" * 8 + "bb" * 8
    for merge_at in (1, 1000):  # collision in the sorted array, and in the recent dict
        table = IdTable(merge_at=merge_at)
        assert (table.add(first), table.add(second)) == (0, 1)
        assert (table.find(first), table.find(second)) == (0, 1)


def test_key_index_keeps_every_value_of_a_key_across_merges():
    index = KeyIndex(merge_at=2)
    for key, value in [(5, 1), (5, 3), (-3, 2), (7, 4), (5, 5)]:  # two values of 5 in one merge
        index.add(key, value)
    assert (
        sorted(index.candidates(5)) == [1, 3, 5] and list(index.candidates(-3)) == [2] and not list(index.candidates(8))
    )


def test_point_ids_find_live_passages_only():
    graph = MemoryGraph()
    graph.add_passage("p1", ["a"], [])
    assert graph.passage_of_point(point_uuid("p1")) == "p1"
    graph.remove_passage("p1")
    assert graph.passage_of_point(point_uuid("p1")) is None
    graph.add_passage("p1", ["a"], [])
    assert graph.passage_of_point(point_uuid("p1")) == "p1"
    assert graph.passage_of_point(point_uuid("p2")) is None and graph.passage_of_point("not a uuid") is None


def test_passage_records_survive_compaction():
    lists = PassageLists(compact_min=8)
    for node in range(20):
        lists.add(node, [node, node + 1], [(node, node + 1)], [100 + node])
    for node in range(20):
        if node % 3 != 1:
            lists.remove(node)  # garbage passes half the array: compacted
    for node in range(20):
        record = lists.get(node)
        if node % 3 != 1:
            assert record is None
        else:
            assert record is not None
            assert record.entities.tolist() == [node, node + 1] and record.pairs.tolist() == [[node, node + 1]]
            assert record.facts.tolist() == [100 + node]
    assert sorted(map(tuple, lists.all_pairs().tolist())) == [(n, n + 1) for n in range(1, 20, 3)]


def _random_history(graph: MemoryGraph, seed: int) -> MemoryGraph:
    rng = random.Random(seed)
    live: list[str] = []
    for step in range(400):
        if live and rng.random() < 0.3:
            graph.remove_passage(live.pop(rng.randrange(len(live))))
            continue
        entities = [f"e{rng.randrange(40)}" for _ in range(3)]
        facts = [(f"f{entities[0]}{entities[1]}", entities[0], entities[1]), (f"g{step}", entities[1], entities[2])]
        graph.add_passage(f"p{step}", entities, facts)
        live.append(f"p{step}")
        if step % 50 == 0:
            graph.declare_synonyms(f"e{rng.randrange(40)}", [(f"e{rng.randrange(40)}", 0.85)])
    return graph


def test_merging_often_or_never_gives_the_same_weights_degrees_and_stats():
    often = _random_history(MemoryGraph(compact_ratio=0.0, compact_min_rows=3), seed=7)
    never = _random_history(MemoryGraph(compact_ratio=10.0, compact_min_rows=10**9), seed=7)
    assert often.rows().merges > 10 and never.rows().merges == 0
    rows = [{v: round(w, 9) for v, w in often.neighbours(u).items()} for u in range(often.size)]
    assert rows == [{v: round(w, 9) for v, w in never.neighbours(u).items()} for u in range(never.size)]
    assert often.degree == pytest.approx(never.degree)
    assert often.stats() == never.stats()
    for u in range(often.size):
        assert often.degree[u] == pytest.approx(sum(often.neighbours(u).values()))


def test_relation_pairs_count_distinct_pairs_of_live_passages():
    graph = MemoryGraph()
    graph.add_passage("p1", ["a", "b"], [("f1", "a", "b")])
    graph.add_passage("p2", ["a", "b", "c"], [("f1", "a", "b"), ("f2", "b", "c")])
    assert graph.stats().relation_pairs == 2
    graph.remove_passage("p2")
    assert graph.stats().relation_pairs == 1
