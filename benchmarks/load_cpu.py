"""CPU seconds of a load run: the service's processes', the load generator's and the machine's, and
the CPU bounds on answers/s they give (benchmarks/load_api.py)."""

from __future__ import annotations

import os
import time
from typing import Any

import psutil


class CpuUsage:
    """CPU seconds over the askers' run: the service's (every thread of each of its processes: one
    server, or Redis, the worker, the replicas and HAProxy) and this load generator's, and the machine's (all
    processes: what is left once those two are taken out is other work's)."""

    def __init__(self, service: list[Any]) -> None:
        self._service, self._me = service, psutil.Process()
        self._start = (_cpu(*service), _cpu(self._me), _machine_cpu(), time.perf_counter())
        self.server = self.client = self.others = self.wall = 0.0

    def stop(self) -> None:
        server, client, machine, wall = self._start
        self.server, self.client = _cpu(*self._service) - server, _cpu(self._me) - client
        self.others = max(_machine_cpu() - machine - self.server - self.client, 0.0)
        self.wall = time.perf_counter() - wall

    def report(self, answers: int, rate: float) -> str:
        """Two bounds: all the cores ÷ CPU per answer (the issue's figure), and the cores the server
        could have had: less what the load generator and other processes used meanwhile."""
        cores = os.cpu_count() or 1
        per_answer = self.server / max(answers, 1)
        left = max(cores - (self.client + self.others) / max(self.wall, 1e-9), 0.0)
        bound, bound_left = (cores / per_answer, left / per_answer) if per_answer > 0 else (0.0, 0.0)
        return "\n".join(
            (
                f"server CPU {self.server:.1f} s = {1000 * per_answer:.1f} ms per answer "
                f"({self.server / max(self.wall, 1e-9):.2f} cores busy on average)",
                f"load generator CPU {self.client:.1f} s; other processes' CPU {self.others:.1f} s "
                f"over {self.wall:.1f} s; load average {os.getloadavg()[0]:.1f}",
                f"CPU bound (all {cores} cores / {1000 * per_answer:.1f} ms) = {bound:.1f} answers/s: "
                f"answers/s = {_share(rate, bound)} of it",
                f"CPU bound on the cores left to the server ({left:.2f} = {cores} less the load generator's and "
                f"other processes' use) = {bound_left:.1f} answers/s: answers/s = {_share(rate, bound_left)} of it",
            )
        )


def _share(rate: float, bound: float) -> str:
    return f"{100 * rate / bound:.0f}%" if bound > 0 else "n/a"


def _machine_cpu() -> float:
    """CPU seconds every process on the machine has used: user (nice included), system, interrupts
    (Linux counts guest time inside user and nice; idle, I/O wait and steal are not use)."""
    times = psutil.cpu_times()
    return float(sum(getattr(times, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq")))


def _cpu(*processes: Any) -> float:
    """CPU seconds of the processes, every thread, and of the children each has waited for."""
    total = 0.0
    for process in processes:
        times = process.cpu_times()
        total += (
            times.user + times.system + getattr(times, "children_user", 0.0) + getattr(times, "children_system", 0.0)
        )
    return total


async def measured(run: Any, usage: CpuUsage) -> Any:
    """`run`'s result, with `usage` stopped the moment it ends."""
    try:
        return await run
    finally:
        usage.stop()
