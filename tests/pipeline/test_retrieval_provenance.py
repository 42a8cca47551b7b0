"""Per-passage provenance: each hit carries the seeds it mentions and the facts that name them."""

from memrag.memory.params import RetrievalParams
from tests.helpers import engine_holding

DENSE_ONLY = "zorblat quux glim wobble"  # no facts: only dense similarity can rank it
TABLE = {
    DENSE_ONLY: [],
    "Ingrid Vale designed the Tarnholm lighthouse.": [("Ingrid Vale", "designed", "Tarnholm lighthouse")],
    "The Tarnholm lighthouse stands on the northern cape.": [("Tarnholm lighthouse", "stands on", "northern cape")],
    "Seabirds nest there every spring.": [("northern cape", "hosts", "seabirds")],
}


def test_each_hit_carries_only_the_seeds_and_facts_that_reach_it(tmp_path):
    engine = engine_holding(tmp_path, TABLE)
    result = engine.retrieve("zorblat quux glim wobble", RetrievalParams(top_k=4))
    assert result.mode == "graph"
    by_text = {h.text: h for h in result.hits}

    dense_first = result.hits[0]
    assert dense_first.text == DENSE_ONLY  # anchored first by dense similarity alone
    assert dense_first.facts == () and dense_first.seeds == ()

    seabirds = by_text["Seabirds nest there every spring."]  # shares no word with the question
    assert {s.name for s in seabirds.seeds} == {"northern cape", "seabirds"}
    linking = {(f.fact.subject, f.fact.object) for f in seabirds.facts}
    assert linking == {("tarnholm lighthouse", "northern cape"), ("northern cape", "seabirds")}
    # The query used a fact this passage does not mention; it is not this passage's provenance.
    assert ("ingrid vale", "tarnholm lighthouse") in {(f.fact.subject, f.fact.object) for f in result.facts}
    engine.close()
