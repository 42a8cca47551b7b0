"""Fairness of the job runners: how long a one-document job of namespace B waits while namespace A's
5,000-document job runs — in embedded mode, or with `--redis URL` through Redis with ONE preparing
worker and one writer (threads of this process; the Redis database is emptied first: give a scratch one).

A's job is sent first; once its first slice is applied, one single-document job of B is sent every
`--every` seconds until A's job ends. Each probe's wait is the time from its submission until its
job is done (its own indexing included). Prints p50 / p95 / max of the waits, and A's own duration
(what fairness costs the big job). In Redis mode each passage's extraction takes `--llm-s` (an
LLM's time; B's probes must stay well below what the worker can do): without it preparing is nearly
free, the writer is the bottleneck and the worker's order (what Redis mode's turns change) does not
show; nor do probes sent faster than the writer applies them (`--every 1` here). Offline and
cheap: hash embedder, recorded extractions (one triple per document), whole documents as passages,
Qdrant Edge under a temporary folder.

    nice -n 10 .venv/bin/python benchmarks/bench_fairness.py [--docs 5000] [--every 0.25]
    nice -n 10 .venv/bin/python benchmarks/bench_fairness.py --redis URL [--docs 320] [--every 1] [--llm-s 0.05]

The code measured is the `memrag` package Python imports: to measure another commit, check it out
in a worktree and put it first on the path (the script needs nothing newer than that commit):

    git worktree add /tmp/wt-fair <commit>
    PYTHONPATH=/tmp/wt-fair nice -n 10 .venv/bin/python benchmarks/bench_fairness.py
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import redis

import memrag
from memrag.ingest.applier import Applier
from memrag.ingest.jobs import Job
from memrag.ingest.local_jobs import LocalJobs
from memrag.ingest.redis_queue import RedisJobs
from memrag.ingest.worker import RetryPolicy, Worker
from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.indexing.prepare import Preparer
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import DocumentInput, Extraction, Triple

POLL_S = 0.005


def documents(prefix: str, count: int) -> tuple[list[DocumentInput], dict[str, Extraction]]:
    """`count` one-sentence documents and their recorded extraction (a triple linking two units)."""
    docs, recorded = [], {}
    for i in range(count):
        subject, target = f"{prefix}unit{i}", f"{prefix}unit{(i * 7 + 3) % count}"
        text = f"{prefix} record {i}: {subject} reports to {target}."
        docs.append(DocumentInput(text=text, id=f"{prefix}-{i}"))
        recorded[text] = Extraction((), (Triple(subject, "reports to", target),))
    return docs, recorded


def open_engine(path: Path, recorded: dict[str, Extraction]) -> Engine:
    embedder = HashEmbedder(64)
    store = RecordStore(EdgeStore(path), embedder.dim)
    return Engine(store, embedder, RecordedExtractor(recorded), WholeDocumentChunker(), KeepTopFacts())


def measure(folder: Path, big: int, every_s: float) -> tuple[list[float], float]:
    """The probes' waits (s) and the big job's duration (s), in embedded mode."""
    big_docs, big_recorded = documents("a", big)
    probe_docs, probe_recorded = documents("b", 10_000)
    engines = {"a": open_engine(folder / "a", big_recorded), "b": open_engine(folder / "b", probe_recorded)}
    jobs = LocalJobs(engines.__getitem__)
    try:
        return probe(jobs.submit_add, jobs.get, big_docs, probe_docs, every_s)
    finally:
        jobs.close()
        for engine in engines.values():
            engine.close()


class PacedExtractor:
    """Recorded extractions that take `pause_s` per passage: an LLM's time."""

    def __init__(self, recorded: dict[str, Extraction], pause_s: float) -> None:
        self._recorded, self.pause_s = RecordedExtractor(recorded), pause_s

    @property
    def name(self) -> str:
        return "paced"

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        time.sleep(self.pause_s * len(passages))
        return self._recorded.extract(passages)


def measure_redis(url: str, folder: Path, big: int, every_s: float, llm_s: float) -> tuple[list[float], float]:
    """The probes' waits (s) and the big job's duration (s), through Redis: one worker, whose
    extraction takes `llm_s` per passage, and one writer."""
    big_docs, big_recorded = documents("a", big)
    probe_docs, probe_recorded = documents("b", 10_000)
    engines = {"a": open_engine(folder / "a", big_recorded), "b": open_engine(folder / "b", probe_recorded)}
    client = redis.Redis.from_url(url)
    client.flushdb()
    base = engines["a"].preparer
    extractor = PacedExtractor({**big_recorded, **probe_recorded}, llm_s)
    worker = Worker(client, Preparer(base.embedder, extractor, base.chunker), "bench", RetryPolicy())
    applier = Applier(client, engines.__getitem__, folder / "positions")
    jobs = RedisJobs(client)
    stop = threading.Event()
    loops = [threading.Thread(target=loop.run, args=(stop,)) for loop in (worker, applier)]
    for thread in loops:
        thread.start()
    try:
        return probe(jobs.submit_add, jobs.get, big_docs, probe_docs, every_s)
    finally:
        stop.set()
        for thread in loops:
            thread.join()
        applier.close()
        client.close()
        for engine in engines.values():
            engine.close()


def probe(
    submit: Callable[[str, list[DocumentInput]], Job],
    get: Callable[[str], Job],
    big_docs: list[DocumentInput],
    probe_docs: list[DocumentInput],
    every_s: float,
) -> tuple[list[float], float]:
    """Send A's job, then one of B's documents every `every_s` once A's first slice is applied, until
    A's job ends; the probes' waits (s) and A's duration (s)."""
    started = time.perf_counter()
    big_job = submit("a", big_docs)
    while get(big_job.id).applied_slices == 0:
        time.sleep(POLL_S)
    sent: dict[str, float] = {}
    waits: list[float] = []
    next_probe, big_ended = time.perf_counter(), 0.0
    while not big_ended or sent:
        now = time.perf_counter()
        if not big_ended and now >= next_probe:
            one = submit("b", [probe_docs[len(waits) + len(sent)]])
            sent[one.id] = now
            next_probe = now + every_s
        for job_id, at in list(sent.items()):
            if get(job_id).status in ("done", "failed"):
                waits.append(time.perf_counter() - at)
                del sent[job_id]
        if not big_ended and get(big_job.id).status in ("done", "failed"):
            big_ended = time.perf_counter()
        time.sleep(POLL_S)
    return waits, big_ended - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="documents in namespace A's job")
    parser.add_argument("--every", type=float, default=0.25, help="seconds between B's one-document jobs")
    parser.add_argument("--redis", metavar="URL", help="through Redis (a scratch database: it is emptied first)")
    parser.add_argument(
        "--llm-s", type=float, default=0.05, help="Redis mode: seconds each passage's extraction takes (an LLM's)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memrag-fairness-") as scratch:
        if args.redis:
            waits, big_s = measure_redis(args.redis, Path(scratch), args.docs, args.every, args.llm_s)
        else:
            waits, big_s = measure(Path(scratch), args.docs, args.every)
    p50, p95 = (float(np.percentile(waits, q)) for q in (50, 95))
    mode = f"Redis, one worker, {args.llm_s} s of extraction per passage" if args.redis else "embedded"
    where = Path(memrag.__file__).resolve().parent.parent.name
    print(f"memrag from {where}/ ({mode}); A: {args.docs} documents in one job")
    print(f"B's one-document jobs: {len(waits)} sent every {args.every} s while A ran")
    print(f"  wait p50 {p50:.2f} s   p95 {p95:.2f} s   max {max(waits):.2f} s")
    print(f"A's job took {big_s:.1f} s ({args.docs / big_s:.0f} documents/s)")


if __name__ == "__main__":
    main()
