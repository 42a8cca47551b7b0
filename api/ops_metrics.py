"""Operational gauges and counters, computed when Prometheus scrapes (deploy/README.md, "Metrics").

`OpsCollector` reads the process's services at scrape time: the job queue's depth and the jobs
that ended (from Redis when there is one: cluster-wide, every replica reports the same; else this
process's own), each namespace's log lag (this process's, and the writer's from the position it
publishes), and the size of each graph this process holds. It does blocking I/O (Redis), so the
`/metrics` route runs the exposition off the event loop. A part that fails (Redis down) is left
out of that scrape and logged; the others are still reported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from memrag.api.services import Services
from memrag.ingest.applier import Applier
from memrag.ingest.follower import ChangeFollower
from memrag.ingest.job_stats import FinishedJobs, entries_after
from memrag.ingest.jobs import MemoryJobBoard
from memrag.ingest.local_jobs import LocalJobs
from memrag.ingest.redis_board import RedisJobBoard
from memrag.ingest.redis_queue import DELAYED, GROUP, JOBS, NAMESPACES, changes_key, log_key
from memrag.ingest.retention import positions_key
from memrag.memory.llm.usage import Usage

log = logging.getLogger("memrag.metrics")
WRITER = "writer"  # the applier name whose lag is reported as role="writer" (`--consumer writer`)


class OpsCollector(Collector):
    def __init__(self, services: Services) -> None:
        self._svc = services
        self._finished = FinishedJobs(services.redis_client) if services.redis_client is not None else None

    def describe(self) -> list[Metric]:
        return []  # computed at scrape time only (registering must not touch Redis)

    def collect(self) -> Iterator[Metric]:
        for part in (self._queue_depth, self._finished_jobs, self._log_lag, self._graph_nodes, self._spent):
            try:
                yield from part()
            except Exception:  # one failing source (Redis down) must not take the other metrics with it
                log.warning("metrics: %s failed this scrape", part.__name__, exc_info=True)

    def _queue_depth(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("memrag_jobs_queue_depth", "jobs: waiting, running, delayed", labels=["state"])
        r: Any = self._svc.redis_client
        if r is not None:
            groups = {_text(g["name"]): g for g in r.xinfo_groups(JOBS)} if r.exists(JOBS) else {}
            group = groups.get(GROUP, {})
            depth.add_metric(["waiting"], int(group.get("lag") or 0))  # not yet delivered to a worker
            depth.add_metric(["running"], int(group.get("pending") or 0))  # delivered, not acknowledged
            depth.add_metric(["delayed"], int(r.zcard(DELAYED)))  # waiting for a retry
        elif isinstance(self._svc.jobs, LocalJobs):
            depth.add_metric(["waiting"], self._svc.jobs.waiting())
            depth.add_metric(["running"], self._svc.jobs.running)
            depth.add_metric(["delayed"], 0)  # in-process jobs are not retried
        yield depth

    def _finished_jobs(self) -> Iterator[Metric]:
        finished = CounterMetricFamily(
            "memrag_jobs_finished", "jobs that ended, by kind and status", labels=["kind", "status"]
        )
        counts: dict[tuple[str, str], int] = {(k, s): 0 for k in ("add", "delete") for s in ("done", "failed")}
        if self._finished is not None:
            counts = self._finished.read()
        elif isinstance(self._svc.jobs, LocalJobs):
            counts.update(self._svc.jobs.finished)
        for (kind, status), n in sorted(counts.items()):
            finished.add_metric([kind, status], n)
        yield finished

    def _log_lag(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily(
            "memrag_log_lag_entries",
            "log entries not applied yet: by this process (replica) or by the applier named writer",
            labels=["namespace", "role"],
        )
        r: Any = self._svc.redis_client
        if r is not None:
            sync = self._svc.sync
            for namespace in sorted(n.decode() for n in r.smembers(NAMESPACES)):
                raw = r.hget(positions_key(namespace), WRITER)
                position = raw.decode() if raw is not None else None  # never published: the whole log
                lag.add_metric([namespace, "writer"], entries_after(r, log_key(namespace), position))
                if isinstance(sync, Applier) and (mine := sync.position(namespace)) is not None:
                    lag.add_metric([namespace, "replica"], entries_after(r, log_key(namespace), mine))
                elif isinstance(sync, ChangeFollower) and (mine := sync.position(namespace)) is not None:
                    lag.add_metric([namespace, "replica"], entries_after(r, changes_key(namespace), mine))
        yield lag

    def _graph_nodes(self) -> Iterator[Metric]:
        nodes = GaugeMetricFamily(
            "memrag_graph_nodes", "nodes (entities and passages) of each graph this process holds", labels=["namespace"]
        )
        for namespace, engine in sorted(self._svc.engines.opened().items()):
            nodes.add_metric([namespace], engine.graph.size)
        yield nodes

    def _spent(self) -> Iterator[Metric]:
        """LLM calls, tokens and embedding seconds per namespace: of the jobs (this process's in-process
        jobs; with Redis, every worker's, cluster-wide) and of the answers this process gave (not streamed ones)."""
        board = self._svc.jobs.board
        by_work = {"answer": self._svc.metrics.answers_spent.read()}
        if isinstance(board, MemoryJobBoard | RedisJobBoard):
            by_work["ingest"] = board.spent()
        yield from usage_counters(by_work)


def usage_counters(by_work: dict[str, dict[str, Usage]]) -> Iterator[Metric]:
    """Counter families of usage by work ("ingest", "answer") and namespace."""
    calls = CounterMetricFamily("memrag_llm_calls", "LLM requests answered", labels=["namespace", "work"])
    tokens = CounterMetricFamily(
        "memrag_llm_tokens",
        "LLM tokens by kind (prompt, completion): the endpoint's, or counted by memrag where it gave none",
        labels=["namespace", "work", "kind"],
    )
    embedding = CounterMetricFamily(
        "memrag_embedding_seconds", "time inside the embedder", labels=["namespace", "work"]
    )
    for work, spent in sorted(by_work.items()):
        for namespace, usage in sorted(spent.items()):
            calls.add_metric([namespace, work], usage.llm_calls)
            tokens.add_metric([namespace, work, "prompt"], usage.prompt_tokens)
            tokens.add_metric([namespace, work, "completion"], usage.completion_tokens)
            embedding.add_metric([namespace, work], usage.embed_seconds)
    yield from (calls, tokens, embedding)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
