"""What forgetting must leave: records only the part mentioned, and forgotten passages in any top 10."""

from memrag.memory.eval.forgetting import exclusive_records, gold_left
from memrag.memory.eval.probe import Asked
from memrag.memory.types import Passage


def passage(pid: str, entities: tuple[str, ...], facts: tuple[str, ...]) -> Passage:
    return Passage(pid, f"doc-{pid}", 0, pid, entities, facts)


def test_records_mentioned_only_by_forgotten_passages_are_exclusive_the_rest_shared():
    stored = [
        passage("p1", ("e-paris", "e-france"), ("f-capital",)),
        passage("p2", ("e-france", "e-europe"), ("f-in",)),
        passage("p3", ("e-europe",), ("f-in",)),
    ]
    found = exclusive_records(stored, {"p1", "p2"})
    assert found.entities == {"e-paris", "e-france"} and found.facts == {"f-capital"}
    assert found.shared_entities == {"e-europe"} and found.shared_facts == {"f-in"}


def asked(*ids: str) -> Asked:
    ranked = tuple((p, 1.0) for p in ids)
    return Asked(ranked, "graph", ranked[:1])


def test_forgotten_gold_is_counted_in_the_own_questions_top_10_and_anywhere():
    golds = [frozenset({"g1", "g2"}), frozenset({"h"})]
    after = [asked("g1", "x", "h"), asked("y", "g2")]
    found = gold_left(after, golds, own=[0], gone={"g1", "g2", "h"})
    assert found == {"gold_passages_forgotten": 2, "gold_in_top10": 2, "forgotten_in_any_top10": 3}
    # memrag and dense both have g1 at the top of question 0: counted once per system
    assert gold_left([asked("x"), asked("y")], golds, [0], {"g1", "g2"})["gold_in_top10"] == 0
