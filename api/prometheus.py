"""Prometheus metrics of one API process (its own registry, so that apps in one process stay apart).

Requests are counted by the status that went out, whatever produced it: a route, an error
handler (handled 4xx and 5xx), the body limit (413), or an unhandled exception (counted 500 here,
answered 500 by Starlette's outermost handler). A failure after a stream began cannot change its
status (200 went out first): it is counted in `memrag_stream_errors` by the status it maps to.
"""

from __future__ import annotations

import threading
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from memrag.memory.llm.usage import Usage

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "memrag_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "memrag_http_request_seconds",
            "HTTP request latency by route (streams: until their last byte)",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.stream_errors = Counter(
            "memrag_stream_errors",
            "streamed answers ended by an error event, by route and the status the error maps to",
            ["route", "status"],
            registry=self.registry,
        )
        self.jobs = Counter("memrag_jobs_submitted", "jobs submitted by kind", ["kind"], registry=self.registry)
        self.ready = Gauge("memrag_ready", "1 when this process's readiness checks pass", registry=self.registry)
        ProcessCollector(registry=self.registry)  # process_resident_memory_bytes, process_cpu_seconds_total, ...
        self.answers_spent = SpentByNamespace()  # exported with the jobs' by ops_metrics.OpsCollector

    def count_answer(self, namespace: str, usage: Usage | None) -> None:
        """What one answer's reading cost (None: not measured, a streamed answer)."""
        if usage is not None:
            self.answers_spent.add(namespace, usage)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class SpentByNamespace:
    """Running usage totals per namespace (thread-safe; only ever grow, as counters must)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spent: dict[str, Usage] = {}

    def add(self, namespace: str, usage: Usage) -> None:
        with self._lock:
            self._spent[namespace] = self._spent.get(namespace, Usage()) + usage

    def read(self) -> dict[str, Usage]:
        with self._lock:
            return dict(self._spent)


class CountRequests:
    """ASGI middleware counting every HTTP request into `metrics`; installed outermost."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception with nothing sent is answered 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")  # the router records the matched route
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
