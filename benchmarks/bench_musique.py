"""Benchmark on musique-100 with the recorded GPT-3.5 triples: index time (and its embedding share),
retrieval latency p50/p95 of memrag and of dense retrieval, timed alike and as `memrag eval` times
them (query embedding + ranking + the hits' texts, no LLM; memory/eval/query_timing.py), peak RSS, recall.

Cold start: a fresh data directory and an empty embedding cache, so every text is embedded once.
Each ONNX precision given is indexed in turn (fp32, the default; fused: fp32 with ONNX Runtime's
transformer fusions; int8: per-channel weights, `memory/embedding/onnx.py`), and its index time is
printed beside the HippoRAG 2 reference's, with both thread counts.
Run: .venv/bin/python -m benchmarks.bench_musique [--threads 2] [--backend onnx|torch]
     [--precision fp32 fused int8] [--extractor recorded|offline] [--export-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from memrag.memory.embedding.cache import CachedEmbedder
from memrag.memory.embedding.onnx import OnnxEmbedder
from memrag.memory.eval.dataset import load_dataset
from memrag.memory.eval.harness import KS, EvalOptions, index_corpus, passage_texts, peak_rss_mb
from memrag.memory.eval.metrics import mean_recall, percentile_ms
from memrag.memory.eval.query_timing import TIMED, retrieve_both
from memrag.memory.extraction.offline import SpacyExtractor
from memrag.memory.extraction.recorded import RecordedExtractor, load_openie_file
from memrag.memory.params import RetrievalParams
from memrag.memory.ports import Extractor
from memrag.memory.settings import Settings
from memrag.memory.wiring import make_embedder, open_engine

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "musique-100"
# The anchor: HippoRAG 2's reference code indexing musique-100 (OpenIE cached, one torch thread,
# idle 2-core machine), as quoted in ../shared/data/README.md.
REFERENCE_INDEX_S, REFERENCE_THREADS = 257.0, 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATA)
    parser.add_argument("--openie", type=Path, default=DATA / "openie_gpt-3.5-turbo-1106.json")
    parser.add_argument("--threads", type=int, default=2, help="embedding threads (torch or ONNX Runtime)")
    parser.add_argument("--backend", choices=["onnx", "torch"], default="onnx")
    parser.add_argument("--ppr", choices=["auto", "local", "exact"], default="auto")
    parser.add_argument(
        "--precision", nargs="+", choices=["fp32", "fused", "int8"], default=["fp32"], help="ONNX graph and weights"
    )
    parser.add_argument("--extractor", choices=["recorded", "offline"], default="recorded")
    parser.add_argument("--export-dir", type=Path, help="keep the ONNX export here (default: made afresh)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not args.dataset.is_dir():
        print(f"no dataset at {args.dataset}; nothing to measure")
        return
    precisions = args.precision if args.backend == "onnx" else ["fp32"]
    result = {precision: run(args, precision) for precision in precisions}
    print(json.dumps(result, indent=2))
    print_summary(result)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


def print_summary(result: dict[str, dict[str, object]]) -> None:
    """Index time beside the reference's, and recall at each k, one line per precision."""
    print(f"reference HippoRAG 2: index {REFERENCE_INDEX_S:.0f} s at {REFERENCE_THREADS} torch thread, idle machine")
    load = "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    print(f"load average now (1, 5, 15 min): {load}; a loaded machine inflates memrag's times")
    for precision, figures in result.items():
        seconds, recall = figures["index_s"], figures["recall"]
        threads = figures["embedding"]["threads"]  # type: ignore[index]
        ratio = float(seconds) / REFERENCE_INDEX_S  # type: ignore[arg-type]
        recalls = " ".join(f"R@{k} {recall[f'recall@{k}']:.4f}" for k in KS)  # type: ignore[index]
        print(f"memrag {precision}: index {seconds} s at {threads} threads = {ratio:.2f}x the reference; {recalls}")


def make_parts(args: argparse.Namespace, precision: str, settings: Settings) -> tuple[CachedEmbedder, Extractor]:
    """The embedder of this precision (behind a cold cache) and the extractor asked for."""
    extractor: Extractor = SpacyExtractor()
    if args.extractor == "recorded":
        extractor = RecordedExtractor(load_openie_file(args.openie)[0])
    if args.backend != "onnx":
        return make_embedder(settings), extractor
    export_dir = args.export_dir or settings.data_dir / "onnx"
    inner = OnnxEmbedder(
        settings.embedding_model,
        export_dir,
        quantize=precision == "int8",
        threads=args.threads,
        fused=precision == "fused",
        lanes=args.threads,  # as memory/wiring.py makes it: a call's batches on `threads` threads at once
    )
    return CachedEmbedder(inner, settings.embedding_cache), extractor


def run(args: argparse.Namespace, precision: str) -> dict[str, object]:
    dataset = load_dataset(args.dataset)
    with tempfile.TemporaryDirectory(prefix="memrag-bench-") as scratch:
        settings = Settings(
            data_dir=Path(scratch),
            embedding_backend=args.backend,
            embedding_threads=args.threads,
            embedding_cache=Path(scratch) / "cache" / "embeddings.sqlite",
        )
        started = time.perf_counter()
        embedder, extractor = make_parts(args, precision, settings)
        engine = open_engine(settings, "bench", embedder=embedder, extractor=extractor, whole_documents=True)
        load_s = time.perf_counter() - started
        timings = index_corpus(engine, dataset, EvalOptions(progress=False))
        embedded = getattr(engine.embedder, "computed", None)
        params = replace(RetrievalParams(ppr_mode=args.ppr), top_k=max(KS))
        queries = measure_queries(engine, dataset, params)
        engine.close()
        embedder.close()
    return {
        "embedding": {"backend": args.backend, "precision": precision, "threads": args.threads},
        "extractor": args.extractor,
        "texts_embedded": embedded,
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
