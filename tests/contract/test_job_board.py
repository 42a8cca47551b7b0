"""One contract for every JobBoard: in-process (`MemoryJobBoard`) and Redis (`RedisJobBoard`).

A board keeps jobs, the slices applied for each (a slice counts once: the first record of it
wins) and the state of each document; a job's status and counts are derived from its applied
slices, except that a failed job stays failed.
"""

from dataclasses import replace

import pytest

from memrag.ingest.jobs import DocumentState, Job, JobBoard, SliceResult, new_job
from memrag.memory.errors import NotFound


def _job(board: JobBoard, document_ids: list[str], slices: int = 2, namespace: str = "ns") -> Job:
    """An add job over these documents in `slices` slices, created on the board."""
    job = replace(new_job(namespace, "add", len(document_ids)), slices=slices)
    board.create(job, document_ids)
    return job


def test_a_created_job_reads_back_as_created(board):
    job = _job(board, ["a", "b", "c"])
    assert board.get(job.id) == job
    assert (job.status, job.applied_slices, job.indexed, job.errors) == ("queued", 0, 0, {})


def test_an_unknown_job_is_not_found(board):
    with pytest.raises(NotFound, match="job_missing"):
        board.get("job_missing")


def test_the_documents_of_a_new_job_are_queued_in_its_namespace_only(board):
    job = _job(board, ["a", "b"])
    assert board.document_state("ns", "a") == DocumentState("queued", job.id)
    assert board.document_state("ns", "b") == DocumentState("queued", job.id)
    assert board.document_state("other", "a") is None
    assert board.document_state("ns", "never-sent") is None


def test_a_slice_recorded_again_counts_once_and_the_first_record_wins(board):
    job = _job(board, ["a", "b"])
    board.record_slice(job.id, 0, SliceResult(added=("a",)))
    board.record_slice(job.id, 0, SliceResult(added=("a",)))  # re-delivered work
    board.record_slice(job.id, 0, SliceResult(failed={"a": "a late, different outcome"}))
    got = board.get(job.id)
    assert (got.status, got.applied_slices, got.indexed, got.errors) == ("running", 1, 1, {})
    assert board.document_state("ns", "a") == DocumentState("indexed", job.id)


def test_status_and_counts_follow_the_applied_slices(board):
    job = _job(board, ["a", "b", "c"])
    started = board.start_attempt(job.id)
    assert (started.status, started.attempts, started.applied_slices) == ("running", 1, 0)
    board.record_slice(job.id, 1, SliceResult(failed={"c": "extraction failed: model down"}))
    halfway = board.get(job.id)
    assert (halfway.status, halfway.applied_slices, halfway.errors) == (
        "running",
        1,
        {"c": "extraction failed: model down"},
    )
    board.record_slice(job.id, 0, SliceResult(added=("a",), unchanged=("b",)))
    done = board.get(job.id)
    assert (done.status, done.applied_slices, done.indexed, done.unchanged, done.deleted) == ("done", 2, 1, 1, 0)
    assert done.errors == {"c": "extraction failed: model down"} and done.attempts == 1


def test_every_attempt_is_counted(board):
    job = _job(board, ["a"], slices=1)
    assert board.start_attempt(job.id).attempts == 1
    assert board.start_attempt(job.id).attempts == 2
    assert board.get(job.id).attempts == 2


def test_a_failed_job_stays_failed_with_its_reason_when_its_slices_arrive(board):
    job = _job(board, ["a", "b"])
    board.start_attempt(job.id)
    board.fail(job.id, "model server unreachable, tried 3 times")
    board.record_slice(job.id, 0, SliceResult(added=("a",)))
    board.record_slice(job.id, 1, SliceResult(added=("b",)))
    got = board.get(job.id)
    assert (got.status, got.error, got.applied_slices, got.indexed) == (
        "failed",
        "model server unreachable, tried 3 times",
        2,
        2,
    )


def test_document_states_follow_indexing_then_the_slice_that_holds_them(board):
    job = _job(board, ["a", "b", "c"], slices=1)
    board.mark_indexing(job, ["a", "b", "c"])
    assert board.document_state("ns", "b") == DocumentState("indexing", job.id)
    board.record_slice(job.id, 0, SliceResult(added=("a",), unchanged=("b",), failed={"c": "no text"}))
    assert board.document_state("ns", "a") == DocumentState("indexed", job.id)
    assert board.document_state("ns", "b") == DocumentState("indexed", job.id)
    assert board.document_state("ns", "c") == DocumentState("failed", job.id, "no text")


def test_a_delete_job_counts_and_marks_what_it_deleted(board):
    job = new_job("ns", "delete", 2)
    board.create(job, [])
    board.record_slice(job.id, 0, SliceResult(deleted=("a", "b")))
    got = board.get(job.id)
    assert (got.kind, got.status, got.slices, got.deleted, got.indexed) == ("delete", "done", 1, 2, 0)
    assert board.document_state("ns", "b") == DocumentState("deleted", job.id)


def test_a_later_job_takes_over_a_documents_state_in_its_namespace(board):
    first = _job(board, ["a"], slices=1)
    board.record_slice(first.id, 0, SliceResult(added=("a",)))
    elsewhere = _job(board, ["a"], slices=1, namespace="other")
    second = _job(board, ["a"], slices=1)
    assert board.document_state("ns", "a") == DocumentState("queued", second.id)
    assert board.document_state("other", "a") == DocumentState("queued", elsewhere.id)
    assert board.get(first.id).status == "done"  # the first job's own record is untouched
    board.mark_indexing(first, ["a"])  # an older job retried late does not take the state back
    assert board.document_state("ns", "a") == DocumentState("queued", second.id)


def test_every_write_to_a_job_moves_its_updated_at(board):
    def created_long_ago() -> Job:
        job = replace(new_job("ns", "add", 1), created_at=1.0, updated_at=1.0)
        board.create(job, ["a"])
        return job

    attempted, recorded, failed = created_long_ago(), created_long_ago(), created_long_ago()
    board.start_attempt(attempted.id)
    board.record_slice(recorded.id, 0, SliceResult(added=("a",)))
    board.fail(failed.id, "gave up")
    for job in (attempted, recorded, failed):
        got = board.get(job.id)
        assert got.created_at == 1.0 and got.updated_at > 1.0


WRITES = {
    "start_attempt": lambda board: board.start_attempt("job_gone"),
    "record_slice": lambda board: board.record_slice("job_gone", 0, SliceResult(added=("a",))),
    "fail": lambda board: board.fail("job_gone", "gave up"),
}
# Where the boards do not yet keep this contract: the in-process board raises KeyError; the Redis
# board leaves a job hash without expiry behind (after which `get` raises TypeError, not NotFound).
KNOWN_GAPS = {
    ("MemoryJobBoard", "record_slice"),
    ("MemoryJobBoard", "fail"),
    ("RedisJobBoard", "start_attempt"),
    ("RedisJobBoard", "fail"),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_write_to_an_unknown_or_expired_job_is_refused_and_leaves_nothing(board, write, request):
    if (type(board).__name__, write) in KNOWN_GAPS:
        request.applymarker(pytest.mark.xfail(strict=True, reason="known gap in ingest/: see KNOWN_GAPS"))
    with pytest.raises(NotFound):
        WRITES[write](board)
    with pytest.raises(NotFound):
        board.get("job_gone")
