"""The embedder's token budget per batch: ingestion's speed, resident memory and vectors, per budget, per set.

For each shared set and each `--budgets` value, a fresh process embeds that set's texts the way
ingestion does (fp32 MiniLM, two lanes of one thread each, calls of 100 texts): the first
`--passages` passages (title and text), their titles (short, as entity names are) and, where the
set has recorded triples (musique-100), the facts of those passages written as they are embedded.
Printed per run, one JSON line: wall and CPU seconds, RSS and its high-water mark after embedding,
and a digest of every vector; equal digests across budgets mean the budget changed no vector (to
the bit) on this machine, so it cannot have changed recall here. The default budget is `memory/embedding/onnx.py`'s
TOKEN_BUDGET.

    .venv/bin/python -m benchmarks.bench_token_budget [--passages 600] [--budgets 1024 256] [--export-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import time
from pathlib import Path

from benchmarks.process_memory import row_of_fresh_process, rss_mb
from memrag.memory.embedding.onnx import TOKEN_BUDGET, OnnxEmbedder

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SETS = ("musique-100", "2wiki-101", "hotpotqa-300")
MODEL = "all-MiniLM-L6-v2"
CALL = 100  # texts per embedding call, about one ingestion slice's worth


def set_texts(name: str, passages: int) -> list[str]:
    """Passages, titles and (musique-100) recorded fact texts, in the order a slice brings them."""
    corpus = json.loads((DATA / name / "corpus.json").read_text())[:passages]
    texts = [f"{row['title']}\n{row['text']}" for row in corpus] + [row["title"] for row in corpus]
    recorded = DATA / name / "openie_gpt-3.5-turbo-1106.json"
    if recorded.exists():
        docs = json.loads(recorded.read_text())["docs"][:passages]
        texts += [str(tuple(t)) for doc in docs for t in doc["extracted_triples"] if len(t) == 3]
    return texts


def measure(
    name: str, budget: int, passages: int, export_dir: Path, out: multiprocessing.Queue[dict[str, object]]
) -> None:
    texts = set_texts(name, passages)
    embedder = OnnxEmbedder(MODEL, export_dir, quantize=False, threads=2, lanes=2, token_budget=budget)
    digest = hashlib.sha256()
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), CALL):
        digest.update(embedder.embed(texts[start : start + CALL]).tobytes())
    row: dict[str, object] = {
        "set": name,
        "token_budget": budget,
        "texts": len(texts),
        "wall_s": round(time.perf_counter() - started, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "rss_mb": round(rss_mb("VmRSS")),
        "hwm_mb": round(rss_mb("VmHWM")),
        "vectors_digest": digest.hexdigest()[:16],
        "load_average": round(os.getloadavg()[0], 1),
    }
    embedder.close()
    out.put(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=600)
    parser.add_argument("--budgets", type=int, nargs="+", default=[1024, TOKEN_BUDGET])
    parser.add_argument("--export-dir", type=Path, default=Path.home() / ".cache" / "memrag" / "onnx")
    args = parser.parse_args()
    for name in SETS:
        if not (DATA / name / "corpus.json").exists():
            print(json.dumps({"set": name, "skipped": "not under ../shared/data"}))
            continue
        for budget in args.budgets:
            run = (name, budget, args.passages, args.export_dir)
            print(json.dumps(row_of_fresh_process(measure, run, f"{name} run at budget {budget}")), flush=True)


if __name__ == "__main__":
    main()
