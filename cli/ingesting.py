"""`memrag ingest` (through jobs, in-process or Redis) and `memrag worker` (the Redis side)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable

from tqdm import tqdm

from memrag.ingest.bounds import QueueLimits
from memrag.ingest.jobs import Job, JobQueue
from memrag.ingest.loaders import LoadError, load_paths
from memrag.ingest.redis_queue import connect
from memrag.ingest.wiring import make_jobs, retry_policy, store_sync
from memrag.ingest.worker import Worker
from memrag.memory.engine import Engine
from memrag.memory.errors import InvalidInput, QueueFull
from memrag.memory.indexing.estimate import estimate_add
from memrag.memory.settings import Settings
from memrag.memory.types import DocumentInput
from memrag.memory.validation import check_document, check_namespace
from memrag.memory.wiring import Engines, open_preparer

JOB_DOCUMENTS = 256  # documents per submitted job
NO_WORKER_HINT_S = 10.0
ROOM_POLL_S = 1.0  # how often a full queue is asked again: jobs end every few seconds


def ingest(args: argparse.Namespace) -> int:
    settings = Settings()
    namespace = check_namespace(settings.namespace if args.namespace is None else args.namespace, "--namespace")
    loaded = load_paths(args.paths)
    docs, refused = _within_bounds(loaded.documents)
    for error in [*loaded.errors, *refused]:
        print(f"memrag: skipped {error.source}: {error.reason}", file=sys.stderr)
    engines = Engines(settings)
    if args.estimate:
        try:
            return _estimate(engines(namespace), docs)
        finally:
            engines.close()
    jobs = make_jobs(settings, engines)
    per_job = min(JOB_DOCUMENTS, QueueLimits.of(settings).largest_job)
    submitted = [_submit_when_room(jobs, namespace, docs[i : i + per_job]) for i in range(0, len(docs), per_job)]
    if args.no_wait:
        for job in submitted:
            print(job.id)
        return 0
    try:
        finished = _wait(jobs.get, submitted, len(docs), hint=bool(settings.redis_url))
    finally:
        jobs.close()
        engines.close()
    return _summary(finished, len(loaded.errors) + len(refused))


def _submit_when_room(jobs: JobQueue, namespace: str, docs: list[DocumentInput]) -> Job:
    """Submit one job, waiting while the queue is full (a corpus larger than the queue's bound
    goes in as earlier jobs end, instead of stopping half-way)."""
    told = False
    while True:
        try:
            return jobs.submit_add(namespace, docs)
        except QueueFull as full:
            if not told:
                print(f"\nmemrag: the job queue is full, waiting for room ({full})", file=sys.stderr)
                told = True
            time.sleep(min(ROOM_POLL_S, full.retry_after_s))


def _estimate(engine: Engine, docs: list[DocumentInput]) -> int:
    """What adding `docs` would cost, printed; nothing is extracted, embedded or stored."""
    guess = estimate_add(engine.preparer, engine.store, docs)
    print(f"documents {guess.documents} ({guess.unchanged_documents} unchanged), passages {guess.passages}")
    print(f"extractor {guess.extractor}: expected LLM calls {guess.usage.llm_calls}")
    print(f"expected tokens: prompt {guess.usage.prompt_tokens}, completion {guess.usage.completion_tokens}")
    print("(tokens approximate: characters ÷ 4; replies as long as GPT-3.5's per passage token)")
    return 0


def _within_bounds(documents: list[DocumentInput]) -> tuple[list[DocumentInput], list[LoadError]]:
    """The documents the engine will take (`memory/validation.py`), and a skip notice for each other
    one, so that one bad file or JSONL line is reported and the rest of the run goes on."""
    kept, refused = [], []
    for doc in documents:
        try:
            kept.append(check_document(doc))
        except InvalidInput as exc:
            refused.append(LoadError(str(doc.metadata.get("source") or doc.id or doc.title or "a document"), str(exc)))
    return kept, refused


def _wait(get: Callable[[str], Job], submitted: list[Job], total: int, hint: bool) -> list[Job]:
    """Poll the jobs until each is done or failed, with a progress bar over documents."""
    bar = tqdm(total=total, desc="ingesting", unit="doc", file=sys.stderr)
    started, warned = time.monotonic(), False
    try:
        while True:
            jobs = [get(j.id) for j in submitted]
            bar.update(sum(j.indexed + j.unchanged + len(j.errors) for j in jobs) - bar.n)
            if all(j.status in ("done", "failed") for j in jobs):
                return jobs
            if hint and not warned and bar.n == 0 and time.monotonic() - started > NO_WORKER_HINT_S:
                print("\nmemrag: no progress yet; is `memrag worker --apply` running?", file=sys.stderr)
                warned = True
            time.sleep(0.2)
    finally:
        bar.close()


def _summary(jobs: list[Job], skipped: int) -> int:
    indexed = sum(j.indexed for j in jobs)
    unchanged = sum(j.unchanged for j in jobs)
    print(f"added {indexed}, unchanged {unchanged}, skipped {skipped}")
    failed = False
    for job in jobs:
        for doc_id, reason in job.errors.items():
            print(f"failed {doc_id}: {reason}", file=sys.stderr)
            failed = True
        if job.status == "failed":
            print(f"job {job.id} failed: {job.error}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


def worker(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.redis_url:
        raise InvalidInput("memrag worker takes jobs from Redis: set MEMRAG_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    if args.no_prepare and not args.apply:
        raise InvalidInput("--no-prepare without --apply leaves the worker nothing to do")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    name = args.consumer or f"{socket.gethostname()}-{os.getpid()}"
    with contextlib.ExitStack() as owned:  # closed last made first, once the threads are done
        client = connect(settings.redis_url)
        owned.callback(client.close)
        engines = Engines(settings)
        owned.callback(engines.close)
        threads = []
        if args.apply:
            applier = store_sync(settings, client, engines, name, writer=True)
            threads.append(threading.Thread(target=applier.run, args=(stop,), name="applier"))
        if not args.no_prepare:
            preparer = owned.enter_context(open_preparer(settings))
            loop = Worker(client, preparer, name, retry_policy(settings))
            threads.append(threading.Thread(target=loop.run, args=(stop,), name="worker"))
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            for thread in threads:
                thread.join(timeout=0.5)
    return 0
