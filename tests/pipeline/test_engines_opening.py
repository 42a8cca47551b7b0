"""Engines open each namespace once, under that namespace's lock only: a namespace slow to open (a big
store, a graph to rebuild) holds up nobody else."""

import threading
import time
from typing import cast

from memrag.memory.engine import Engine
from memrag.memory.settings import Settings
from memrag.memory.wiring import Engines


class FakeEngine:
    def __init__(self, namespace: str) -> None:
        self.namespace, self.closed = namespace, False

    def close(self) -> None:
        self.closed = True


def test_a_namespace_slow_to_open_does_not_hold_up_the_others(tmp_path):
    big_may_finish, big_is_opening = threading.Event(), threading.Event()

    def open_one(namespace: str) -> Engine:
        if namespace == "big":
            big_is_opening.set()
            big_may_finish.wait(10)
        return cast(Engine, FakeEngine(namespace))

    engines = Engines(Settings(data_dir=tmp_path), open_one=open_one)
    opening = threading.Thread(target=engines, args=("big",))
    opening.start()
    assert big_is_opening.wait(5)
    started = time.monotonic()
    assert cast(FakeEngine, engines("small")).namespace == "small"
    assert time.monotonic() - started < 1, "opening one namespace blocked another"
    big_may_finish.set()
    opening.join()
    assert cast(FakeEngine, engines("big")).namespace == "big"


def test_callers_racing_for_one_namespace_share_the_one_engine_opened(tmp_path):
    opened: list[str] = []

    def open_one(namespace: str) -> Engine:
        time.sleep(0.2)
        opened.append(namespace)
        return cast(Engine, FakeEngine(namespace))

    engines = Engines(Settings(data_dir=tmp_path), open_one=open_one)
    found: list[Engine] = []
    racers = [threading.Thread(target=lambda: found.append(engines("team"))) for _ in range(8)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert opened == ["team"] and all(e is found[0] for e in found)
    engines.close()
    assert cast(FakeEngine, found[0]).closed
