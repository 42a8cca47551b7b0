"""Query latency as `memrag eval` and the benchmarks report it: one definition of what is timed.

A query's time is `Engine.retrieve` from the question's text: the query embedded, the ranking,
the provenance and the hits' passage texts read (no reader, no LLM). memrag and dense retrieval
are timed alike, one right after the other for each question, so their ratio is measured side
by side under the same load. CPU time (the process's, every thread) is kept beside wall-clock
time: on a shared machine the wall clock mostly measures the neighbours' load, CPU time much less.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from memrag.memory.engine import Engine
from memrag.memory.eval.metrics import percentile_ms
from memrag.memory.params import RetrievalParams
from memrag.memory.types import Retrieval

TIMED = "query embedding + ranking + the hits' passage texts (no reader)"


@dataclass
class QueryTimes:
    """Seconds per question, memrag's and dense retrieval's, in question order: wall clock, and CPU."""

    memrag: list[float] = field(default_factory=list)
    dense: list[float] = field(default_factory=list)
    memrag_cpu: list[float] = field(default_factory=list)
    dense_cpu: list[float] = field(default_factory=list)

    def add(self, dense: bool, seconds: tuple[float, float]) -> None:
        """One query's (wall, CPU) seconds."""
        wall, cpu = (self.dense, self.dense_cpu) if dense else (self.memrag, self.memrag_cpu)
        wall.append(seconds[0])
        cpu.append(seconds[1])

    def figures(self) -> dict[str, float]:
        """p50 and p95 of each, in ms, and the ratios of the p50s (memrag ÷ dense), wall and CPU."""
        figures = {
            "query_p50_ms": percentile_ms(self.memrag, 50),
            "query_p95_ms": percentile_ms(self.memrag, 95),
            "dense_query_p50_ms": percentile_ms(self.dense, 50),
            "dense_query_p95_ms": percentile_ms(self.dense, 95),
            "query_cpu_p50_ms": percentile_ms(self.memrag_cpu, 50),
            "dense_query_cpu_p50_ms": percentile_ms(self.dense_cpu, 50),
        }
        wall, cpu = figures["dense_query_p50_ms"], figures["dense_query_cpu_p50_ms"]
        figures["query_p50_ratio_to_dense"] = figures["query_p50_ms"] / wall if wall > 0 else 0.0
        figures["query_cpu_p50_ratio_to_dense"] = figures["query_cpu_p50_ms"] / cpu if cpu > 0 else 0.0
        return {name: round(value, 2) for name, value in figures.items()}


def timed_retrieve(engine: Engine, question: str, params: RetrievalParams) -> tuple[Retrieval, tuple[float, float]]:
    """The retrieval and its (wall-clock, CPU) seconds, timed as every figure of query latency is (TIMED)."""
    started, cpu = time.perf_counter(), time.process_time()
    retrieval = engine.retrieve(question, params)
    return retrieval, (time.perf_counter() - started, time.process_time() - cpu)


def retrieve_both(
    engine: Engine, questions: Sequence[str], params: RetrievalParams, repeat: int = 1
) -> tuple[list[Retrieval], list[Retrieval], QueryTimes]:
    """memrag's and dense retrieval's results for every question, each timed (TIMED); with `repeat`
    > 1 each question is asked that many times, and its fastest time kept (what a loaded machine's
    neighbours added to the others is left out)."""
    dense_params = replace(params, strategy="dense")
    for warm_up in (params, dense_params)[: len(questions) and 2]:  # first calls load the model's session
        engine.retrieve(questions[0], warm_up)
    times = QueryTimes()
    memrag: list[Retrieval] = []
    dense: list[Retrieval] = []
    for question in questions:
        for is_dense, params_now, results in ((False, params, memrag), (True, dense_params, dense)):
            runs = [timed_retrieve(engine, question, params_now) for _ in range(max(repeat, 1))]
            results.append(runs[0][0])
            times.add(is_dense, (min(wall for _, (wall, _) in runs), min(cpu for _, (_, cpu) in runs)))
    return memrag, dense, times
