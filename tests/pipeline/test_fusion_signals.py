"""The pipeline hands the fusion its evidence and returns the signals it decided from."""

import pytest

from memrag.memory.params import RetrievalParams
from tests.helpers import engine_holding

TABLE = {
    "Ingrid Vale designed the Tarnholm lighthouse.": [("Ingrid Vale", "designed", "Tarnholm lighthouse")],
    "The Tarnholm lighthouse stands on the northern cape.": [("Tarnholm lighthouse", "stands on", "northern cape")],
    "Seabirds nest there every spring.": [("northern cape", "hosts", "seabirds")],
    "A quiet harbour lies to the south.": [],
}
QUESTION = "Who designed the Tarnholm lighthouse?"


def test_graph_retrieval_reports_the_evidence_its_order_was_decided_from(tmp_path):
    engine = engine_holding(tmp_path, TABLE)
    ranked = engine.rank(QUESTION, RetrievalParams(top_k=4))
    dense = engine.rank(QUESTION, RetrievalParams(top_k=4, strategy="dense"))
    first_mentions = set(engine.graph.passage_entities(ranked.passages[0][0]))
    engine.close()

    assert ranked.mode == "graph" and ranked.signals is not None
    signals = ranked.signals
    assert signals.facts_kept == len(ranked.facts) > 0
    assert signals.dense_top == pytest.approx(dense.passages[0][1], abs=1e-5)
    assert signals.dense_gap == pytest.approx(dense.passages[0][1] - dense.passages[1][1], abs=1e-5)
    assert 0 < signals.walk_top_share <= 1
    best = max(ranked.facts, key=lambda f: f.score).fact
    assert signals.top_states_fact == ({best.subject_id, best.object_id} <= first_mentions)
    assert dense.signals is None
