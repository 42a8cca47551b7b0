"""ONNX Runtime's idle thread-pool spinning, on and off, side by side: CPU per query embedded and passages/s.

Two sessions of the same fp32 graph (the embedded default) differ only in
`session.intra_op.allow_spinning` / `session.inter_op.allow_spinning`. In turn, for `--rounds`
rounds, each embeds `--queries` single questions with a short idle gap between them (as a server
does between requests) and then the 240 fixture passages in one call (as ingestion does).
Prints per-query CPU and wall time (the gaps left out) and the passages' CPU, wall time and rate.

    .venv/bin/python -m benchmarks.bench_onnx_spinning [--export-dir DIR] [--threads 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from memrag.memory.embedding.onnx import PLAIN_FILE, OnnxEmbedder

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "musique_240.jsonl"
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
QUESTIONS = ["Who founded the record label?", "Where was the composer born?", "Which river flows through the city?"]
GAP_S = 0.002


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--export-dir", type=Path, help="the ONNX export (made here if missing; default: made afresh)")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads of both sessions")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memrag-spin-") as scratch:
        export = args.export_dir or Path(scratch) / "onnx"
        embedder = OnnxEmbedder(MODEL, export, quantize=False, threads=args.threads)
        sessions = {
            "spinning": _session(export, args.threads, True),
            "no spinning": _session(export, args.threads, False),
        }
        passages = [json.loads(line)["text"] for line in FIXTURE.read_text().splitlines()]
        totals = {name: [0.0, 0.0, 0.0, 0.0] for name in sessions}
        for _ in range(args.rounds):
            for name, session in sessions.items():
                embedder._session = session  # the same tokenizer and pooling, only the session differs
                for i, spent in enumerate(_queries(embedder, args.queries) + _passages(embedder, passages)):
                    totals[name][i] += spent
    print(f"load average {os.getloadavg()[0]:.1f}; {args.threads} threads; {args.rounds} rounds")
    for name, (q_cpu, q_wall, p_cpu, p_wall) in totals.items():
        n = args.rounds * args.queries
        print(
            f"{name:>12}: per query CPU {1000 * q_cpu / n:.2f} ms, wall {1000 * q_wall / n:.2f} ms; "
            f"{len(passages)} passages CPU {p_cpu / args.rounds:.2f} s, wall {p_wall / args.rounds:.2f} s "
            f"({args.rounds * len(passages) / p_wall:.0f} passages/s)"
        )


def _session(export: Path, threads: int, spinning: bool) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    for key in ("session.intra_op.allow_spinning", "session.inter_op.allow_spinning"):
        options.add_session_config_entry(key, "1" if spinning else "0")
    return ort.InferenceSession(str(export / PLAIN_FILE), options, providers=["CPUExecutionProvider"])


def _queries(embedder: OnnxEmbedder, count: int) -> list[float]:
    """CPU and wall seconds of `count` single-question calls, the idle gaps left out."""
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(count):
        embedder.embed([QUESTIONS[i % len(QUESTIONS)]])
        time.sleep(GAP_S)
    return [time.process_time() - cpu, time.perf_counter() - wall - count * GAP_S]


def _passages(embedder: OnnxEmbedder, passages: list[str]) -> list[float]:
    cpu, wall = time.process_time(), time.perf_counter()
    embedder.embed(passages)
    return [time.process_time() - cpu, time.perf_counter() - wall]


if __name__ == "__main__":
    main()
