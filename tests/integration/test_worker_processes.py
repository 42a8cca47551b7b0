"""Real `memrag worker` processes over a real Redis: SIGKILL at random moments, and two workers at once.

Each run must end with every one of 240 real MuSiQue passages indexed exactly once and the
same graph and rankings as one undisturbed in-process run (real MiniLM through ONNX, the
offline spaCy extractor; embeddings shared through one cache so that reruns are cheap).
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memrag.ingest.loaders import load_paths
from memrag.ingest.redis_queue import RedisJobs
from memrag.memory.params import RetrievalParams
from memrag.memory.settings import Settings
from memrag.memory.wiring import open_engine
from tests.helpers import FIXTURES, graph_signature, ranking_signature

ROOT = Path(__file__).resolve().parents[2]
QUERIES = [
    "Who founded the company that made the first album?",
    "Where was the composer born?",
    "Which river flows through the capital?",
]
NAMESPACE = "crash"


@pytest.fixture(scope="module")
def documents():
    loaded = load_paths([FIXTURES / "musique_240.jsonl"])
    assert len(loaded.documents) == 240 and not loaded.errors
    return loaded.documents


@pytest.fixture(scope="module")
def reference(tmp_path_factory, model_cache, documents):
    """What one undisturbed in-process run makes of the batch."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("reference"), embedding_cache=model_cache)
    engine = open_engine(settings, NAMESPACE)
    report = engine.add(documents)
    assert len(report.documents_added) == 240
    made = _observe(engine)
    engine.close()
    return made


def _observe(engine):
    counts = (
        len(engine.list_documents()),
        engine.store.passages.count(),
        engine.store.entities.count(),
        engine.store.facts.count(),
    )
    rankings = [ranking_signature(engine.rank(q, RetrievalParams(top_k=10))) for q in QUERIES]
    return counts, graph_signature(engine), rankings


def _env(redis_url, data_dir, model_cache):
    return {
        **os.environ,
        "MEMRAG_REDIS_URL": redis_url,
        "MEMRAG_DATA_DIR": str(data_dir),
        "MEMRAG_EMBEDDING_CACHE": str(model_cache),
        "MEMRAG_JOB_VISIBILITY_S": "1",
        "MEMRAG_JOB_MAX_ATTEMPTS": "50",
        "MEMRAG_JOB_BACKOFF_S": "0.1",
    }


def _start(env, *flags):
    return subprocess.Popen(
        [sys.executable, "-m", "memrag.cli.main", "worker", *flags], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
    )


def _wait_done(jobs, job_ids, timeout_s=300):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [jobs.get(j) for j in job_ids]
        if all(j.status in ("done", "failed") for j in found):
            return found
        time.sleep(0.2)
    raise AssertionError([jobs.get(j) for j in job_ids])


def _wait_for_progress(jobs, job_ids, timeout_s=120):
    start = sum(jobs.get(j).applied_slices for j in job_ids)
    total = sum(jobs.get(j).slices for j in job_ids)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = sum(jobs.get(j).applied_slices for j in job_ids)
        if now > start or now == total:
            return
        time.sleep(0.05)
    raise AssertionError("the worker made no progress")


def _stop(*procs):
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        assert proc.wait(timeout=60) == 0


def _memory_after(data_dir, model_cache):
    engine = open_engine(Settings(data_dir=data_dir, embedding_cache=model_cache), NAMESPACE)
    made = _observe(engine)
    engine.close()
    return made


def test_a_worker_killed_at_random_moments_loses_and_duplicates_nothing(
    tmp_path, redis_client, redis_url, model_cache, documents, reference
):
    env = _env(redis_url, tmp_path / "data", model_cache)
    jobs = RedisJobs(redis_client)
    job_ids = [jobs.submit_add(NAMESPACE, documents[i : i + 80]).id for i in range(0, 240, 80)]
    chance = random.Random()
    kills_mid_job = 0
    for _ in range(4):
        worker = _start(env, "--apply")
        _wait_for_progress(jobs, job_ids)  # past start-up (imports, models): the kill lands in the work
        time.sleep(chance.uniform(0.0, 1.0))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        applied = sum(jobs.get(j).applied_slices for j in job_ids)
        kills_mid_job += applied < sum(jobs.get(j).slices for j in job_ids)
    worker = _start(env, "--apply")
    finished = _wait_done(jobs, job_ids)
    _stop(worker)
    assert kills_mid_job >= 2, "fewer than two kills landed while the batch was being indexed"
    assert all(j.status == "done" and not j.errors for j in finished)
    assert sum(j.indexed + j.unchanged for j in finished) == 240
    assert _memory_after(tmp_path / "data", model_cache) == reference


def test_two_workers_make_the_same_memory_as_one(tmp_path, redis_client, redis_url, model_cache, documents, reference):
    env = _env(redis_url, tmp_path / "data", model_cache)
    jobs = RedisJobs(redis_client)
    job_ids = [jobs.submit_add(NAMESPACE, documents[i : i + 24]).id for i in range(0, 240, 24)]
    writer = _start(env, "--apply", "--no-prepare")
    workers = [_start(env), _start(env)]
    finished = _wait_done(jobs, job_ids)
    _stop(writer, *workers)
    assert all(j.status == "done" and not j.errors for j in finished)
    assert sum(j.indexed for j in finished) == 240
    held_by = {redis_client.hget(f"memrag:job:{j}", "worker") for j in job_ids}
    assert len(held_by) == 2, "both workers should have prepared jobs"
    assert redis_client.xpending("memrag:jobs", "workers")["pending"] == 0
    assert _memory_after(tmp_path / "data", model_cache) == reference
