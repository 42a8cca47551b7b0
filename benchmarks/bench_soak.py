"""Soak: resident memory while 50,000 real-text passages stream in through the in-process job path.

The shared corpora (musique-100, 2wiki-101, hotpotqa-300: 10,967 passages) are sent round after
round as new documents (ids carry the round; `--distinct-texts` also puts the round in each title,
so that every passage is new text to embed and extract). They go through `LocalJobs`, as the
embedded API sends them: jobs of `--every` documents, each in slices of 16, chunked, extracted by
spaCy (offline extractor), embedded by MiniLM on ONNX Runtime (empty embedding cache in a fresh data
directory: a repeated text is served by the cache, as in use), written to Qdrant Edge and the graph.
Every `--every` passages it prints the rounds that stretch covered (round 0: texts extracted, and
embedded unless the cache has them, for the first time; later rounds hit the extraction and embedding
caches), the resident size now and at peak (sampled every 0.2 s), how much of it is anonymous memory
and how much mapped files (the store's memory-mapped segments), and the throughput of that stretch
and overall.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python -m benchmarks.bench_soak [--passages 50000] [--every 5000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

from memrag.ingest.local_jobs import LocalJobs
from memrag.memory.eval.harness import peak_rss_mb
from memrag.memory.settings import Settings
from memrag.memory.types import DocumentInput
from memrag.memory.wiring import make_embedder, make_llm_parts, open_engine

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = ("musique-100", "2wiki-101", "hotpotqa-300")


def corpus_rows() -> list[tuple[str, str, str]]:
    """(corpus/index, title, text) for every passage of the shared corpora found under DATA."""
    rows = []
    for name in CORPORA:
        path = DATA / name / "corpus.json"
        if path.exists():
            rows += [(f"{name}/{i}", r["title"], r["text"]) for i, r in enumerate(json.loads(path.read_text()))]
    return rows


def documents(rows: list[tuple[str, str, str]], start: int, count: int, distinct: bool) -> list[DocumentInput]:
    """Documents `start` .. `start + count` of the endless sequence: the rows, round after round."""
    out = []
    for n in range(start, start + count):
        key, title, text = rows[n % len(rows)]
        round_no = n // len(rows)
        shown = f"{title} ({round_no})" if distinct and round_no else title
        out.append(DocumentInput(text, f"{key}/r{round_no}", shown))
    return out


def resident_mb() -> dict[str, float]:
    """Resident size now, split into anonymous memory and mapped files, in MB."""
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        key, _, value = line.partition(":")
        fields[key] = int(value.split()[0]) / 1024
    return {"rss": fields["Rss"], "anon": fields["Anonymous"], "file": fields["Rss"] - fields["Anonymous"]}


class PeakSampler:
    """Samples the resident size every `period` seconds on a daemon thread; `peak` is the largest seen."""

    def __init__(self, period: float = 0.2) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(period,), daemon=True)
        self._thread.start()

    def _run(self, period: float) -> None:
        while not self._stop.wait(period):
            self.peak = max(self.peak, resident_mb()["rss"])

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def run_job(jobs: LocalJobs, docs: list[DocumentInput]) -> int:
    """Submit one add job and wait for it; returns the documents it indexed."""
    job = jobs.submit_add("soak", docs)
    while (done := jobs.get(job.id)).status not in ("done", "failed"):
        time.sleep(0.2)
    if done.status == "failed" or done.errors:
        raise SystemExit(f"job {done.status}: {done.error or next(iter(done.errors.values()))}")
    return done.indexed


def soak(settings: Settings, rows: list[tuple[str, str, str]], args: argparse.Namespace) -> None:
    llm, embedder = make_llm_parts(settings), make_embedder(settings)  # ours to close
    engine = open_engine(settings, "soak", embedder=embedder, extractor=llm.extractor)
    jobs = LocalJobs(lambda namespace: engine)
    sampler = PeakSampler()
    cache = f"embedding cache {settings.embedding_cache}" if settings.embedding_cache else "empty embedding cache"
    print(f"{len(rows):,} distinct passages, sent round after round; {cache}")
    print(
        f"{'passages':>9} {'rounds':>7} {'RSS MB':>7} {'peak':>7} {'anon':>7} {'files':>7} {'docs/s':>7} {'overall':>8}"
    )
    print(f"{0:>9,} {'':>7} {resident_mb()['rss']:>7.0f}")
    started = time.perf_counter()
    done = 0
    try:
        while done < args.passages:
            count = min(args.every, args.passages - done)
            stretch = time.perf_counter()
            done += run_job(jobs, documents(rows, done, count, args.distinct_texts))
            now, mem = time.perf_counter(), resident_mb()
            rate, overall = count / (now - stretch), done / (now - started)
            rounds = f"{(done - count) // len(rows)}-{(done - 1) // len(rows)}"  # round 0: texts seen first
            print(
                f"{done:>9,} {rounds:>7} {mem['rss']:>7.0f} {sampler.peak:>7.0f} {mem['anon']:>7.0f} "
                f"{mem['file']:>7.0f} {rate:>7.1f} {overall:>8.1f}",
                flush=True,
            )
    finally:
        sampler.close()
        jobs.close()
        engine.close()
        llm.close()
        embedder.close()
    print(f"peak RSS {peak_rss_mb():.0f} MB (getrusage) over {done:,} passages, {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=50_000)
    parser.add_argument("--every", type=int, default=5_000, help="passages per job and per printed row")
    parser.add_argument("--threads", type=int, default=1, help="embedding threads")
    parser.add_argument("--distinct-texts", action="store_true", help="the round in each title: no text repeats")
    parser.add_argument("--data-dir", type=Path, help="index here (default: a fresh temporary directory)")
    parser.add_argument("--embedding-cache", type=Path, help="SQLite embedding cache (default: empty, in the data dir)")
    args = parser.parse_args()
    rows = corpus_rows()
    if not rows:
        raise SystemExit(f"no corpora under {DATA}; nothing to measure")
    with tempfile.TemporaryDirectory(prefix="memrag-soak-") as scratch:
        data_dir = args.data_dir or Path(scratch)
        settings = Settings(data_dir=data_dir, embedding_threads=args.threads, embedding_cache=args.embedding_cache)
        soak(settings, rows, args)


if __name__ == "__main__":
    main()
