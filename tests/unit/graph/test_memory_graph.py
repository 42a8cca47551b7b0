"""The entity-passage graph: edge weights as the reference builds them, independent of arrival order."""

import pytest

from memrag.memory.graph.memory_graph import MemoryGraph


def _weights(graph):
    return {tuple(sorted((a, b))): round(w, 9) for a, b, w in graph.edges()}


def _build(order):
    graph = MemoryGraph()
    passages = {
        "p1": (["a", "b"], [("f1", "a", "b")]),
        "p2": (["a", "b", "c"], [("f1", "a", "b"), ("f2", "b", "c")]),
        "p3": (["d"], [("f3", "d", "d")]),
    }
    for item in order:
        if item == "syn":
            graph.declare_synonyms("c", [("d", 0.9)])
        else:
            graph.add_passage(item, *passages[item])
    return graph


def test_edge_weights_follow_the_reference_weighting():
    w = _weights(_build(["p1", "p2", "p3", "syn"]))
    assert w[("a", "b")] == 4.0  # relation pair in two passages, counted twice as in the reference
    assert w[("b", "c")] == 2.0
    assert w[("c", "d")] == pytest.approx(1.8)  # synonym: 2 × cosine
    assert w[("a", "p1")] == 1.0 and w[("c", "p2")] == 1.0  # context edges
    assert ("d", "d") not in w  # a fact from an entity to itself adds no relation edge


def test_graph_does_not_depend_on_arrival_order():
    assert _weights(_build(["p1", "p2", "p3", "syn"])) == _weights(_build(["syn", "p3", "p2", "p1"]))


def test_adding_a_passage_twice_changes_nothing():
    graph = _build(["p1", "p2"])
    before, version = _weights(graph), graph.version
    graph.add_passage("p1", ["a", "b"], [("f1", "a", "b")])
    assert _weights(graph) == before and graph.version == version


def test_removal_undoes_addition_and_reports_orphans():
    graph = _build(["p1", "p2", "p3", "syn"])
    dead_entities, dead_facts = graph.remove_passage("p2")
    assert sorted(dead_entities) == ["c"] and dead_facts == ["f2"]
    assert _weights(graph) == _weights(_build(["p1", "p3", "syn"]))
    assert graph.mentions("c") == 0 and graph.mentions("a") == 1


def test_synonym_edges_come_back_when_an_entity_is_mentioned_again():
    graph = _build(["p1", "p2", "p3", "syn"])
    graph.remove_passage("p2")
    graph.add_passage("p2", ["a", "b", "c"], [("f1", "a", "b"), ("f2", "b", "c")])
    assert _weights(graph) == _weights(_build(["p1", "p2", "p3", "syn"]))


def test_degrees_are_weighted_row_sums():
    graph = _build(["p1", "p2", "p3", "syn"])
    for record_id in ("a", "b", "c", "p2"):
        index = graph.node_index(record_id)
        assert graph.degree[index] == pytest.approx(sum(graph.neighbours(index).values()))
