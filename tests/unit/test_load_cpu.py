"""load_api's CPU accounting: the service's CPU is every one of its processes', and the bounds follow from it."""

import os
from dataclasses import dataclass

import pytest

from benchmarks import load_cpu
from benchmarks.load_cpu import CpuUsage


@dataclass
class Times:
    user: float
    system: float


class FakeProcess:
    """A process whose CPU seconds (user and system) the test advances."""

    def __init__(self, user: float) -> None:
        self.user, self.system = user, 0.5

    def cpu_times(self) -> Times:
        return Times(self.user, self.system)


def test_the_service_cpu_is_the_sum_over_its_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_cpu, "_machine_cpu", lambda: 0.0)
    replicas = [FakeProcess(10.0), FakeProcess(20.0), FakeProcess(1.0)]  # two replicas and Redis
    usage = CpuUsage(replicas)
    replicas[0].user += 3.0
    replicas[1].user += 5.0
    replicas[2].system += 0.25  # Redis and HAProxy spend theirs mostly in the kernel
    usage.stop()
    assert usage.server == pytest.approx(8.25)  # counting one process alone would overstate the bound's share
    cores = os.cpu_count() or 1
    report = usage.report(answers=1000, rate=100.0)
    assert f"= {cores / 0.00825:.1f} answers/s" in report
