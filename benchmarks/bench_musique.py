"""Benchmark on musique-100 with the recorded GPT-3.5 triples: index time (and its embedding share),
retrieval latency p50/p95 of memrag and of dense retrieval, timed alike and as `memrag eval` times
them (query embedding + ranking + the hits' texts, no LLM; memory/eval/query_timing.py), peak RSS, recall.

Cold start: a fresh data directory and an empty embedding cache, so every text is embedded once.
Run: .venv/bin/python -m benchmarks.bench_musique [--threads 2] [--backend onnx|torch]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from memrag.memory.eval.dataset import load_dataset
from memrag.memory.eval.harness import KS, EvalOptions, index_corpus, passage_texts, peak_rss_mb
from memrag.memory.eval.metrics import mean_recall, percentile_ms
from memrag.memory.eval.query_timing import TIMED, retrieve_both
from memrag.memory.extraction.recorded import RecordedExtractor, load_openie_file
from memrag.memory.params import RetrievalParams
from memrag.memory.settings import Settings
from memrag.memory.wiring import open_engine

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "musique-100"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATA)
    parser.add_argument("--openie", type=Path, default=DATA / "openie_gpt-3.5-turbo-1106.json")
    parser.add_argument("--threads", type=int, default=2, help="embedding threads (torch or ONNX Runtime)")
    parser.add_argument("--backend", choices=["onnx", "torch"], default="onnx")
    parser.add_argument("--ppr", choices=["auto", "local", "exact"], default="auto")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not args.dataset.is_dir():
        print(f"no dataset at {args.dataset}; nothing to measure")
        return
    result = run(args)
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


def run(args: argparse.Namespace) -> dict[str, object]:
    dataset = load_dataset(args.dataset)
    recorded, _ = load_openie_file(args.openie)
    with tempfile.TemporaryDirectory(prefix="memrag-bench-") as scratch:
        settings = Settings(
            data_dir=Path(scratch),
            embedding_backend=args.backend,
            embedding_threads=args.threads,
            embedding_cache=Path(scratch) / "cache" / "embeddings.sqlite",
        )
        started = time.perf_counter()
        engine = open_engine(settings, "bench", extractor=RecordedExtractor(recorded), whole_documents=True)
        load_s = time.perf_counter() - started
        timings = index_corpus(engine, dataset, EvalOptions(progress=False))
        embedded = getattr(engine.embedder, "computed", None)
        params = replace(RetrievalParams(ppr_mode=args.ppr), top_k=max(KS))
        queries = measure_queries(engine, dataset, params)
        engine.close()
    return {
        "embedding": {"backend": args.backend, "threads": args.threads, "texts_embedded": embedded},
        "model_load_s": round(load_s, 2),
        "index_s": round(timings["index_s"], 1),
        "index_embed_s": round(timings["index_embed_s"], 1),
        "embed_share": round(timings["index_embed_s"] / timings["index_s"], 3),
        **queries,
        "peak_rss_mb": round(peak_rss_mb()),
    }


def measure_queries(engine, dataset, params: RetrievalParams) -> dict[str, object]:
    """memrag and dense retrieval timed alike, as `memrag eval` times them (query_timing.TIMED)."""
    texts = passage_texts(dataset)
    questions = [q.question for q in dataset.questions]
    memrag, _, times = retrieve_both(engine, questions, params)
    embed = []
    for question in questions:
        started = time.perf_counter()
        engine.query_embedder.embed([question])
        embed.append(time.perf_counter() - started)
    rankings = [[texts.get(h.passage_id, h.passage_id) for h in found.hits] for found in memrag]
    golds = [set(q.gold) for q in dataset.questions]
    return {
        "timed": TIMED,
        **times.figures(),
        "query_embed_p50_ms": round(percentile_ms(embed, 50), 2),
        "recall": {f"recall@{k}": round(mean_recall(rankings, golds, k), 4) for k in KS},
    }


if __name__ == "__main__":
    main()
