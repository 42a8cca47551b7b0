"""Fairness of the embedded job runner: how long a one-document job of namespace B waits while
namespace A's 5,000-document job runs.

A's job is sent first; once its first slice is applied, one single-document job of B is sent every
`--every` seconds until A's job ends. Each probe's wait is the time from its submission until its
job is done (its own indexing included). Prints p50 / p95 / max of the waits, and A's own duration
(what fairness costs the big job). Offline and cheap: hash embedder, recorded extractions (one
triple per document), whole documents as passages, Qdrant Edge under a temporary folder.

    nice -n 10 .venv/bin/python benchmarks/bench_fairness.py [--docs 5000] [--every 0.25]

The code measured is the `memrag` package Python imports: to measure another commit, check it out
in a worktree and put it first on the path (the script needs nothing newer than that commit):

    git worktree add /tmp/wt-fair <commit>
    PYTHONPATH=/tmp/wt-fair nice -n 10 .venv/bin/python benchmarks/bench_fairness.py
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import memrag
from memrag.ingest.local_jobs import LocalJobs
from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
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
    """The probes' waits (s) and the big job's duration (s)."""
    big_docs, big_recorded = documents("a", big)
    probe_docs, probe_recorded = documents("b", 10_000)
    engines = {"a": open_engine(folder / "a", big_recorded), "b": open_engine(folder / "b", probe_recorded)}
    jobs = LocalJobs(engines.__getitem__)
    started = time.perf_counter()
    big_job = jobs.submit_add("a", big_docs)
    while jobs.get(big_job.id).applied_slices == 0:
        time.sleep(POLL_S)
    sent: dict[str, float] = {}
    waits: list[float] = []
    next_probe, big_ended = time.perf_counter(), 0.0
    while not big_ended or sent:
        now = time.perf_counter()
        if not big_ended and now >= next_probe:
            probe = jobs.submit_add("b", [probe_docs[len(waits) + len(sent)]])
            sent[probe.id] = now
            next_probe = now + every_s
        for job_id, at in list(sent.items()):
            if jobs.get(job_id).status in ("done", "failed"):
                waits.append(time.perf_counter() - at)
                del sent[job_id]
        if not big_ended and jobs.get(big_job.id).status in ("done", "failed"):
            big_ended = time.perf_counter()
        time.sleep(POLL_S)
    jobs.close()
    for engine in engines.values():
        engine.close()
    return waits, big_ended - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="documents in namespace A's job")
    parser.add_argument("--every", type=float, default=0.25, help="seconds between B's one-document jobs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memrag-fairness-") as scratch:
        waits, big_s = measure(Path(scratch), args.docs, args.every)
    p50, p95 = (float(np.percentile(waits, q)) for q in (50, 95))
    print(f"memrag from {Path(memrag.__file__).resolve().parent.parent.name}/ ; A: {args.docs} documents in one job")
    print(f"B's one-document jobs: {len(waits)} sent every {args.every} s while A ran")
    print(f"  wait p50 {p50:.2f} s   p95 {p95:.2f} s   max {max(waits):.2f} s")
    print(f"A's job took {big_s:.1f} s ({args.docs / big_s:.0f} documents/s)")


if __name__ == "__main__":
    main()
