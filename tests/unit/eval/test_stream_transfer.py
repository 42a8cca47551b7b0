"""Backward transfer, drops and displaced gold, worked out by hand on two parts and two questions."""

from memrag.memory.eval.parts import Stream
from memrag.memory.eval.probe import Asked
from memrag.memory.eval.streaming import backward_transfer, drops

STREAM = Stream("passages", 0, ((0, 1), (2, 3)), answerable=(1, 2))
GOLDS = [frozenset({"a", "b"}), frozenset({"c"})]
PART_OF = {"a": 1, "b": 1, "c": 2, "d": 2} | {f"x{i}": 2 for i in range(10)}


def asked(*ids: str) -> Asked:
    ranked = tuple((p, 1.0 / (n + 1)) for n, p in enumerate(ids))
    return Asked(ranked, "graph", ranked)


def test_a_gold_passage_pushed_out_by_new_ones_is_a_drop_and_is_counted_as_displaced():
    filler = [f"x{i}" for i in range(9)]
    history = [
        {0: asked("a", "b")},  # after part 1: both gold passages at the top
        {0: asked("a", *filler, "b"), 1: asked("c")},  # after part 2: b pushed to rank 11 by nine new passages
    ]
    [transfer] = backward_transfer(history, STREAM, GOLDS, PART_OF)
    assert transfer["part"] == 1 and transfer["questions"] == 1
    assert transfer["memrag"] == {"recall@1": 0.0, "recall@2": -0.5, "recall@5": -0.5, "recall@10": -0.5}
    assert transfer["displaced"]["top10"] == {
        "questions": 1,
        "gold_lost": 1,
        "entrants_later_parts": 9,
        "entrants_already_there": 0,
    }
    assert transfer["displaced"]["top5"]["gold_lost"] == 1  # b fell out of the top 5 as well
    found = {(d["system"], d["k"]): d["change"] for d in drops(history, STREAM, GOLDS)}
    assert found[("memrag", "recall@2")] == -0.5 and ("memrag", "recall@1") not in found


def test_no_change_is_no_drop():
    history = [{0: asked("a", "b")}, {0: asked("a", "b", "c"), 1: asked("c")}]
    [transfer] = backward_transfer(history, STREAM, GOLDS, PART_OF)
    assert set(transfer["memrag"].values()) == {0.0} and drops(history, STREAM, GOLDS) == []
