"""DESIGN §3 invariants, property-based: order of arrival, deletion and repetition leave no trace."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.params import RetrievalParams
from memrag.memory.types import DocumentInput
from tests.helpers import extractions, graph_signature, make_engine, ranking_signature

# Entity names overlap ("new york" / "new york city") so that synonym edges appear.
ENTITIES = ["new york", "new york city", "paris", "paris france", "hudson river", "the hudson river", "france", "usa"]
PREDICATES = ["located in", "flows through", "capital of", "twinned with"]


def _pool(size: int = 10) -> dict[str, list[tuple[str, str, str]]]:
    pool = {}
    for i in range(size):
        triples = [
            (ENTITIES[(i * 3 + j) % len(ENTITIES)], PREDICATES[(i + j) % 4], ENTITIES[(i * 5 + 2 * j + 1) % 8])
            for j in range(1 + i % 3)
        ]
        pool[f"Document {i} about {triples[0][0]} and {triples[0][2]}."] = triples
    return pool


POOL = _pool()
TEXTS = list(POOL)
RECORDED = extractions(POOL)
QUERIES = ["new york located in usa", "hudson river flows through new york city", "capital of france"]
doc_sets = st.sets(st.integers(0, len(TEXTS) - 1), max_size=len(TEXTS))


def _docs(indices):
    return [DocumentInput(text=TEXTS[i], id=f"doc{i}") for i in sorted(indices)]


def _state(engine):
    rankings = [ranking_signature(engine.rank(q, RetrievalParams(top_k=10))) for q in QUERIES]
    return graph_signature(engine), rankings


def _run(steps):
    """Apply ("add", indices) / ("delete", indices) steps to a fresh engine; return its state."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(Path(scratch), RECORDED, HashEmbedder(64))
        for action, indices in steps:
            if action == "add":
                engine.add(_docs(indices))
            else:
                for i in sorted(indices):
                    engine.delete(f"doc{i}")
        state = _state(engine)
        engine.close()
    return state


def test_the_pool_exercises_synonym_relation_and_context_edges(tmp_path):
    engine = make_engine(tmp_path, RECORDED, HashEmbedder(64))
    engine.add(_docs(range(len(TEXTS))))
    stats = engine.graph.stats()
    engine.close()
    assert stats.synonym_pairs >= 2 and stats.relation_pairs > 5 and stats.context_edges > 10


PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(doc_sets, doc_sets)
def test_adding_a_then_b_equals_adding_the_union(a, b):
    assert _run([("add", a), ("add", b)]) == _run([("add", a | b)])


@PROPERTY
@given(doc_sets, doc_sets)
def test_adding_the_union_then_deleting_b_equals_adding_a(a, b):
    b = b - a
    assert _run([("add", a | b), ("delete", b)]) == _run([("add", a)])


@PROPERTY
@given(doc_sets)
def test_adding_the_same_documents_twice_changes_nothing(a):
    assert _run([("add", a), ("add", a)]) == _run([("add", a)])
