"""Per-document order through a real Redis: an older write never wins over a newer one, whatever the
retries, the number of workers or a writer crash; deletes leave a numbered tombstone meanwhile."""

import shutil

import pytest

from memrag.ingest.jobs import DocumentState
from memrag.ingest.ordering import DocumentOrder
from memrag.ingest.worker import RetryPolicy
from memrag.memory.errors import NotFound
from memrag.memory.types import DocumentInput
from tests.helpers import extractions
from tests.ingest.rig import RedisRig

V0 = "Ada Lovelace met Charles Babbage in London."
V1 = "Ada Lovelace wrote notes on the Analytical Engine."
V2 = "Ada Lovelace translated the paper by Menabrea."
OTHER = "Mary Somerville introduced Ada to Babbage."
RECORDED = extractions(
    {
        V0: [("ada lovelace", "met", "charles babbage"), ("charles babbage", "lived in", "london")],
        V1: [("ada lovelace", "wrote notes on", "analytical engine")],
        V2: [("ada lovelace", "translated", "menabrea paper")],
        OTHER: [("mary somerville", "introduced", "ada lovelace")],
    }
)
FAST = RetryPolicy(visibility_s=0.2, max_attempts=4, backoff_s=0.05)


def ada(text: str) -> list[DocumentInput]:
    return [DocumentInput(text=text, id="ada")]


def text_of(rig: RedisRig, doc_id: str) -> str:
    passages = rig.engine.store.get_passages(list(rig.engine.get(doc_id).passage_ids))
    return passages[0].text


@pytest.fixture
def rig(tmp_path, redis_client):
    made = RedisRig(tmp_path, redis_client, RECORDED, FAST, workers=1)
    yield made
    made.close()


def test_jobs_are_numbered_per_namespace_in_submission_order(rig):
    numbers = [rig.jobs.submit_add("ns", ada(t)).seq for t in (V0, V1)]
    numbers.append(rig.jobs.submit_delete("ns", ["ada"]).seq)
    assert numbers == [1, 2, 3]
    assert rig.jobs.submit_add("other", ada(V0)).seq == 1
    assert rig.jobs.get(rig.jobs.submit_add("ns", ada(V2)).id).seq == 4  # kept on the job


def test_an_update_retried_after_a_newer_one_was_applied_is_superseded(rig):
    rig.extractor.fail_next(V1)  # v1's extraction fails once: it is retried after v2 is applied
    first = rig.jobs.submit_add("ns", ada(V1))
    second = rig.jobs.submit_add("ns", ada(V2))
    old, new = rig.drain([first.id, second.id])
    assert text_of(rig, "ada") == V2
    assert (old.status, old.attempts, old.indexed, old.superseded, old.errors) == ("done", 2, 0, 1, {})
    assert (new.status, new.indexed, new.superseded) == ("done", 1, 0)
    assert rig.jobs.board.document_state("ns", "ada") == DocumentState("indexed", second.id)


def test_a_late_retry_cannot_undo_a_delete_and_the_tombstone_goes_once_nothing_older_can_come(rig):
    rig.drain([rig.jobs.submit_add("ns", ada(V0)).id])
    rig.extractor.fail_next(V1)
    update = rig.jobs.submit_add("ns", ada(V1))
    delete = rig.jobs.submit_delete("ns", ["ada"])
    worker = rig.workers[0]
    worker.step(block_ms=1)  # the update fails and waits for its retry
    worker.step(block_ms=1)  # the delete is logged ...
    rig.applier.step(block_ms=1)  # ... and applied first
    assert rig.applier_order("ns").last == {"ada": (delete.seq, True)}
    late, gone = rig.drain([update.id, delete.id])
    assert (late.status, late.superseded, gone.deleted) == ("done", 1, 1)
    with pytest.raises(NotFound):
        rig.engine.get("ada")
    assert rig.applier_order("ns").tombstones == 1  # kept: the retried update carried a lower low-water mark
    rig.drain([rig.jobs.submit_add("ns", [DocumentInput(text=OTHER, id="mary")]).id])
    assert rig.applier_order("ns").last == {"mary": (4, False)}  # the tombstone is gone: nothing older can come


def test_two_workers_finishing_out_of_order_keep_the_newer_version(tmp_path, redis_client):
    rig = RedisRig(tmp_path, redis_client, RECORDED, FAST, workers=2)
    first = rig.jobs.submit_add("ns", ada(V1))
    second = rig.jobs.submit_add("ns", ada(V2))
    older, newer = (worker.take(block_ms=1) for worker in rig.workers)
    assert older is not None and newer is not None and (older.job.id, newer.job.id) == (first.id, second.id)
    while newer.advance():
        pass
    rig.applier.step(block_ms=1)
    while older.advance():
        pass
    rig.applier.step(block_ms=1)
    assert text_of(rig, "ada") == V2
    assert (rig.jobs.get(first.id).superseded, rig.jobs.get(second.id).indexed) == (1, 1)
    rig.close()


def test_a_writer_crash_between_store_write_and_position_save_decides_the_same_again(rig, tmp_path):
    rig.drain([rig.jobs.submit_add("ns", ada(V0)).id])
    rig.extractor.fail_next(V1)
    update = rig.jobs.submit_add("ns", ada(V1))
    delete = rig.jobs.submit_delete("ns", ["ada"])
    rig.workers[0].step(block_ms=1)  # the update fails, to be retried
    rig.workers[0].step(block_ms=1)  # the delete is logged
    positions, before = tmp_path / "positions", tmp_path / "positions-before"
    shutil.copytree(positions, before)
    rig.applier.step(block_ms=1)  # the store deletes the document ...
    rig.applier.close()  # ... and the writer dies before its position and order are saved:
    shutil.rmtree(positions)
    shutil.copytree(before, positions)
    rig.applier = rig.writer()  # restarted, it re-applies the delete, and remembers it this time
    late, gone = rig.drain([update.id, delete.id])
    with pytest.raises(NotFound):
        rig.engine.get("ada")
    assert (late.superseded, late.indexed, gone.deleted) == (1, 0, 1)


def test_the_order_admits_newer_and_equal_numbers_and_forgets_below_the_low_water_mark():
    order = DocumentOrder()
    order.update(order.written(["a", "b"], 5, deleted=False), None)
    order.update(order.written(["c"], 7, deleted=True), None)
    assert order.split(["a", "b", "c", "d"], 6) == (["a", "b", "d"], ["c"])
    assert order.split(["a"], 5) == (["a"], [])  # the same write again (a replay after a crash)
    assert order.split(["c"], None) == (["c"], [])  # unnumbered: logged before numbering existed
    assert order.tombstones == 1
    order.update({}, 6)
    assert order.last == {"c": (7, True)} and order.low == 6
    order.update({}, 3)  # a low-water mark never goes down
    assert order.low == 6 and order.split(["a"], 1) == (["a"], [])
