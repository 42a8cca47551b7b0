"""Fixtures shared by the contract tests: each job board, in-process and on a real Redis."""

from collections.abc import Iterator

import pytest

from memrag.ingest.jobs import JobBoard, MemoryJobBoard
from memrag.ingest.redis_board import RedisJobBoard


@pytest.fixture(params=["memory", "redis"])
def board(request: pytest.FixtureRequest) -> Iterator[JobBoard]:
    if request.param == "memory":
        yield MemoryJobBoard()
    else:
        yield RedisJobBoard(request.getfixturevalue("redis_client"))
