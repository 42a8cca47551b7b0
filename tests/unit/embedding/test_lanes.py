"""Lanes: a call's items shared by a few threads, the caller's included; all done before it returns."""

from __future__ import annotations

import threading
import time

import pytest

from memrag.memory.embedding.lanes import Lanes


def test_every_item_is_done_once_and_by_more_than_one_thread() -> None:
    lanes = Lanes(2)
    done: list[int] = []
    threads: set[int] = set()
    lock = threading.Lock()

    def work(item: int) -> None:
        time.sleep(0.01)  # long enough that the helper takes items while the caller is busy
        with lock:
            done.append(item)
            threads.add(threading.get_ident())

    lanes.run(list(range(12)), work)
    lanes.close()
    assert sorted(done) == list(range(12))
    assert len(threads) == 2 and threading.get_ident() in threads


def test_one_lane_or_one_item_runs_on_the_callers_thread_only() -> None:
    seen: set[int] = set()
    Lanes(1).run([1, 2, 3], lambda item: seen.add(threading.get_ident()))
    Lanes(4).run([1], lambda item: seen.add(threading.get_ident()))
    assert seen == {threading.get_ident()}


def test_a_failing_item_raises_in_the_caller_after_the_helpers_stopped() -> None:
    lanes = Lanes(2)
    finished: list[int] = []

    def work(item: int) -> None:
        if item == 3:
            raise ValueError("bad item 3")
        time.sleep(0.005)
        finished.append(item)

    with pytest.raises(ValueError, match="bad item 3"):
        lanes.run(list(range(40)), work)
    count = len(finished)
    time.sleep(0.05)
    assert len(finished) == count < 39  # nothing still running after the call; the rest not taken
    lanes.close()
