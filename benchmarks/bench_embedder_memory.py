"""The ONNX embedder's resident memory and query cost, as set up before and now, side by side.

Each layout runs in a fresh process: the embedder (fp32 MiniLM, two threads, two lanes) embeds
`--passages` musique-100 passages and their titles in calls of 100 texts, as ingestion's slices
do, then each of the questions alone, as queries come. Printed per layout, one JSON line: RSS and
its high-water mark after loading, after ingesting and after the queries; ingestion wall and CPU
seconds; a query's wall and CPU p50; and a digest of every vector (equal digests: the same vectors
to the bit). RSS after ingesting is what a process that only ingests holds: the query session is
made by the first query. Layouts:

- `two_sessions_patterns`: before December 2026: the two sessions (ingestion's lanes on one thread,
  queries on two) planning memory per input shape (ONNX Runtime's default);
- `one_session`: queries on the lanes' single-threaded session too (tried, not kept: the API kept
  fewer cores busy);
- `two_sessions`: today's embedder (no memory patterns).

Every layout batches at today's token budget (`benchmarks/bench_token_budget.py`) and hands its
arena's idle memory back after each ingestion call, with glibc's mmap threshold fixed
(`memory/embedding/onnx_session.py`): the layouts differ only as named, and none reproduces the
figures of before December 2026 exactly.

    .venv/bin/python -m benchmarks.bench_embedder_memory [--passages 1000] [--export-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.process_memory import row_of_fresh_process, rss_mb
from memrag.memory.embedding import onnx
from memrag.memory.embedding.onnx import OnnxEmbedder

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "musique-100"
MODEL = "all-MiniLM-L6-v2"
LAYOUTS = ("two_sessions_patterns", "one_session", "two_sessions")


def memory() -> dict[str, float]:
    return {"rss_mb": round(rss_mb("VmRSS")), "hwm_mb": round(rss_mb("VmHWM"))}


def texts(passages: int) -> tuple[list[str], list[str]]:
    corpus = json.loads((DATA / "corpus.json").read_text())[:passages]
    questions = [q["question"] for q in json.loads((DATA / "questions.json").read_text())]
    return [r["title"] for r in corpus] + [f"{r['title']}\n{r['text']}" for r in corpus], questions


def make(layout: str, export_dir: Path) -> OnnxEmbedder:
    """The embedder, its sessions planning memory per shape or not as `layout` says."""
    patterns = layout == "two_sessions_patterns"
    opener = onnx.open_session

    def with_patterns_as_laid_out(path: Path, threads: int, memory_patterns: bool = patterns) -> Any:
        return opener(path, threads, memory_patterns)

    onnx.open_session = with_patterns_as_laid_out
    embedder = OnnxEmbedder(MODEL, export_dir, quantize=False, threads=2, lanes=2)
    return embedder


def query_session(embedder: OnnxEmbedder, layout: str) -> Any:
    """The session the layout's queries run on (made now if it is the query session)."""
    return embedder._one_thread_session() if layout == "one_session" else embedder._threads_session()


def measure(layout: str, passages: int, export_dir: Path, out: multiprocessing.Queue[dict[str, object]]) -> None:
    ingest, questions = texts(passages)
    row: dict[str, object] = {"layout": layout, "before": memory()}
    embedder = make(layout, export_dir)
    row["loaded"] = memory()
    digest = hashlib.sha256()
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(ingest), 100):
        digest.update(embedder.embed(ingest[start : start + 100]).tobytes())
    row["ingest_wall_s"] = round(time.perf_counter() - started, 1)
    row["ingest_cpu_s"] = round(time.process_time() - cpu, 1)
    row["ingested"] = memory()
    walls, cpus = [], []
    session = query_session(embedder, layout)
    for question in questions:
        ids = embedder._tokenizer.encode(question).ids
        started, cpu = time.perf_counter(), time.process_time()
        vector = embedder._embed_batch(session, [ids])
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        digest.update(np.asarray(vector, dtype=np.float32).tobytes())
    row["query_wall_p50_ms"] = round(1000 * statistics.median(walls), 2)
    row["query_cpu_p50_ms"] = round(1000 * statistics.median(cpus), 2)
    row["queried"] = memory()
    row["vectors_digest"] = digest.hexdigest()[:16]
    row["load_average"] = [round(x, 1) for x in os.getloadavg()]
    embedder.close()
    out.put(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1000)
    parser.add_argument("--layouts", nargs="+", choices=LAYOUTS, default=list(LAYOUTS))
    parser.add_argument("--export-dir", type=Path, help="where the ONNX export is kept (default: a temporary one)")
    args = parser.parse_args()
    if not (DATA / "corpus.json").exists():
        raise SystemExit(f"no musique-100 under {DATA}; nothing to measure")
    with tempfile.TemporaryDirectory(prefix="memrag-embmem-") as scratch:
        export_dir = args.export_dir or Path(scratch) / "onnx"
        for layout in args.layouts:
            row = row_of_fresh_process(measure, (layout, args.passages, export_dir), f"{layout} run")
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
