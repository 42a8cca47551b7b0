"""Listing a namespace's jobs, on every JobBoard (in-process and Redis): newest first, paged, per namespace."""

from dataclasses import replace

from memrag.ingest.jobs import JobBoard, SliceResult, new_job
from memrag.ingest.redis_board import RedisJobBoard, job_key


def _created(board: JobBoard, namespace: str, count: int) -> list[str]:
    """`count` add jobs of one document each, created in order with increasing times; their ids."""
    ids = []
    for i in range(count):
        job = new_job(namespace, "add", 1)
        job = replace(job, created_at=1_700_000_000.0 + i)  # distinct, ordered creation times
        board.create(job, [f"doc-{i}"])
        ids.append(job.id)
    return ids


def test_jobs_are_listed_newest_first_a_page_at_a_time_without_overlap(board):
    ids = _created(board, "ns-a", 5)
    first = board.jobs_of("ns-a", limit=2)
    second = board.jobs_of("ns-a", limit=2, after=first[-1].id)
    third = board.jobs_of("ns-a", limit=2, after=second[-1].id)
    listed = [j.id for j in first + second + third]
    assert listed == list(reversed(ids))
    assert board.jobs_of("ns-a", limit=2, after=third[-1].id) == []


def test_a_namespace_lists_only_its_own_jobs(board):
    mine = _created(board, "ns-a", 2)
    _created(board, "ns-b", 3)
    assert [j.id for j in board.jobs_of("ns-a", limit=100)] == list(reversed(mine))
    assert board.jobs_of("ns-c", limit=100) == []


def test_a_listed_job_shows_its_progress_and_errors(board):
    (job_id,) = _created(board, "ns-a", 1)
    board.record_slice(job_id, 0, SliceResult(failed={"doc-0": "no text in it"}))
    (listed,) = board.jobs_of("ns-a", limit=10)
    assert (listed.applied_slices, listed.errors) == (1, {"doc-0": "no text in it"})
    assert listed.status == "done"


def test_a_cursor_naming_no_kept_job_gives_an_empty_page(board):
    _created(board, "ns-a", 2)
    assert board.jobs_of("ns-a", limit=10, after="job_gone") == []


def test_a_cursor_from_another_namespace_gives_an_empty_page(board):
    _created(board, "ns-a", 2)
    theirs = _created(board, "ns-b", 2)
    assert board.jobs_of("ns-a", limit=10, after=theirs[-1]) == []


def test_a_job_expired_between_listing_and_reading_is_left_out(redis_client):
    board = RedisJobBoard(redis_client)
    ids = _created(board, "ns-a", 3)
    redis_client.delete(job_key(ids[1]))  # its hash expired; the namespace's index still names it
    assert [j.id for j in board.jobs_of("ns-a", limit=10)] == [ids[2], ids[0]]
