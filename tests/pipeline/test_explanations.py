"""Explanations and exports on a real engine (Qdrant Edge, hash embedder, recorded MuSiQue triples).

The shares are checked against PPR solved directly (a dense linear system over the engine's own
graph), never against the code that produced them.
"""

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from memrag.memory.errors import InvalidInput, NotFound
from memrag.memory.extraction.recorded import load_openie_file
from memrag.memory.graph.export import FORMATS, read_graph, to_networkx, write_graph
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.graph_labels import GraphQuery
from memrag.memory.types import DocumentInput
from tests.helpers import FIXTURES, make_engine


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    recorded, _ = load_openie_file(FIXTURES / "musique_small.json")
    engine = make_engine(tmp_path_factory.mktemp("explain"), recorded)
    engine.add([DocumentInput(text=passage, id=f"doc{i}") for i, passage in enumerate(recorded)])
    yield engine
    engine.close()


def _solved_ppr(engine, seeds, damping):
    """p = (1-d)·s + d·(W·D⁻¹·p + dangling·s), solved as one linear system."""
    g = engine.graph
    n = g.size
    w = np.zeros((n, n))
    for u in range(n):
        for v, weight in g.neighbours(u).items():
            w[v, u] = weight
    s = np.zeros(n)
    for node_id, weight in seeds:
        s[g.node_index(node_id)] += weight
    s /= s.sum()
    degree = w.sum(axis=0)
    step = np.divide(w, degree, out=np.zeros_like(w), where=degree > 0)
    step += np.outer(s, degree <= 0)  # a dangling node sends its mass back to the seeds
    return (1 - damping) * np.linalg.solve(np.eye(n) - damping * step, s)


def test_each_hits_paths_follow_graph_edges_and_sum_to_its_ppr_mass(engine, musique_small):
    params = RetrievalParams.hipporag2(top_k=10)  # scores are PPR mass: comparable to the explanation's
    for question in musique_small["questions"]:
        ranking = engine.rank(question["question"], params)
        result, explained = engine.retrieve_explained(question["question"], params)
        assert result.mode == "graph" and [e.passage_id for e in explained] == [h.passage_id for h in result.hits]
        exact = _solved_ppr(engine, ranking.walk_seeds, params.damping)
        seeds = {node for node, _ in ranking.walk_seeds}
        for hit, why in zip(result.hits, explained, strict=True):
            node = engine.graph.node_index(hit.passage_id)
            assert why.mass == pytest.approx(exact[node], abs=1e-9)
            assert sum(p.share for p in why.paths) + why.unattributed == pytest.approx(exact[node], abs=1e-6)
            # the ranking stops at ppr_tolerance (3e-4 L1 change relative to the mass): 4e-6 off at most here
            assert why.mass == pytest.approx(hit.score, abs=1e-4)
            assert why.paths and why.paths[0].share >= why.paths[-1].share
            for path in why.paths:
                assert path.nodes[0].id in seeds and path.nodes[-1].id == hit.passage_id
                assert len(path.edges) == len(path.nodes) - 1
                for a, b, edge in zip(path.nodes, path.nodes[1:], path.edges, strict=False):
                    weight = engine.graph.neighbours(engine.graph.node_index(a.id)).get(engine.graph.node_index(b.id))
                    assert weight is not None and (edge.source, edge.target, edge.weight) == (a.id, b.id, weight)
                    assert (edge.kind == "context") == (a.kind != b.kind)


def test_explaining_changes_no_ranking_and_dense_retrieval_has_nothing_to_explain(engine, musique_small):
    question = musique_small["questions"][1]["question"]
    plain = engine.retrieve(question, RetrievalParams(top_k=5))
    explained, whys = engine.retrieve_explained(question, RetrievalParams(top_k=5))
    assert explained == plain and len(whys) == 5
    dense, none = engine.retrieve_explained(question, RetrievalParams(top_k=5, strategy="dense"))
    assert dense.mode == "dense" and none == ()


def test_graph_exports_read_back_with_the_engines_node_and_edge_counts(engine, tmp_path: Path):
    stats = engine.graph.stats()
    edges = sum(1 for _ in engine.graph.edges())
    view = engine.graph_view()
    kinds = Counter(e.kind for e in view.edges)
    both = kinds["relation+synonym"]
    assert (kinds["context"], kinds["relation"] + both, kinds["synonym"] + both) == (
        stats.context_edges,
        stats.relation_pairs,
        stats.synonym_pairs,
    )  # each edge's kind agrees with what the graph counts
    for fmt in FORMATS:
        out = tmp_path / f"memory.{fmt}"
        write_graph(to_networkx(view.nodes, view.edges), fmt, out)
        back = read_graph(fmt, out)
        assert (back.number_of_nodes(), back.number_of_edges()) == (stats.entities + stats.passages, edges)
        a, b, weight = next(iter(engine.graph.edges()))
        assert back.edges[a, b]["weight"] == pytest.approx(weight)
        assert {back.nodes[n]["kind"] for n in back.nodes} == {"entity", "passage"}


def test_a_neighbourhood_is_bounded_centred_and_refuses_bad_requests(engine):
    passage = next(p for p in engine.list_documents()[0].passage_ids)
    one = engine.neighbourhood(GraphQuery(passage=passage, hops=1, limit=500))
    assert one.nodes[0].id == passage and one.nodes[0].kind == "passage"
    assert {n.id for n in one.nodes[1:]} == set(engine.graph.passage_entities(passage))
    two = engine.neighbourhood(GraphQuery(passage=passage, hops=2, limit=5))
    assert len(two.nodes) == 5 and two.truncated and len(two.edges) <= 20
    ids = {n.id for n in two.nodes}
    assert all(e.source in ids and e.target in ids for e in two.edges)
    name = one.nodes[1].label
    assert engine.neighbourhood(GraphQuery(entity=name)).nodes[0].id == one.nodes[1].id  # named, not only by id
    asked = engine.neighbourhood(GraphQuery(question="Who published the Journal of Psychotherapy Integration?"))
    assert asked.nodes and len(asked.nodes) <= 100
    for bad in (GraphQuery(), GraphQuery(passage=passage, entity=name), GraphQuery(passage=passage, hops=4)):
        with pytest.raises(InvalidInput):
            engine.neighbourhood(bad)
    with pytest.raises(InvalidInput):
        engine.neighbourhood(GraphQuery(passage=passage, limit=501))
    with pytest.raises(NotFound):
        engine.neighbourhood(GraphQuery(passage="no-such-passage"))
    with pytest.raises(NotFound):
        engine.neighbourhood(GraphQuery(entity="no such entity anywhere"))


def test_an_export_after_a_delete_holds_only_what_the_graph_still_has(tmp_path: Path):
    recorded, _ = load_openie_file(FIXTURES / "musique_small.json")
    engine = make_engine(tmp_path / "store", recorded)
    engine.add([DocumentInput(text=passage, id=f"doc{i}") for i, passage in enumerate(list(recorded)[:6])])
    engine.delete("doc0")
    stats = engine.graph.stats()
    view = engine.graph_view()
    back = to_networkx(view.nodes, view.edges)
    assert engine.graph.size > stats.entities + stats.passages  # the deleted passage's nodes are still numbered
    assert back.number_of_nodes() == stats.entities + stats.passages
    assert back.number_of_edges() == sum(1 for _ in engine.graph.edges())
    engine.close()
