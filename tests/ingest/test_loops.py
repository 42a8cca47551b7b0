"""Service loops survive failing steps: logged, paused with backoff, retried."""

import itertools
import threading
import time

from memrag.ingest.loops import run_until


def test_a_failing_step_is_retried_with_growing_pauses_until_stopped(caplog):
    stop = threading.Event()
    calls = []

    def step():
        calls.append(time.monotonic())
        if len(calls) <= 3:
            raise ConnectionError("redis went away")
        stop.set()

    run_until(stop, step, "test loop", first_pause_s=0.02)
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert len(calls) == 4
    assert gaps[0] >= 0.02 and gaps[1] >= 0.04 and gaps[2] >= 0.08  # doubling backoff
    assert caplog.text.count("test loop failed") == 3 and "redis went away" in caplog.text
