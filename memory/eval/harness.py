"""`memrag eval`: index a HippoRAG-layout corpus, answer every question with memrag and dense retrieval."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from memrag.memory.engine import Engine
from memrag.memory.eval.dataset import Dataset, passage_text
from memrag.memory.eval.metrics import exact_match, mean_recall, token_f1
from memrag.memory.eval.query_timing import TIMED, QueryTimes, timed_retrieve
from memrag.memory.ids import document_id, passage_id
from memrag.memory.params import RetrievalParams
from memrag.memory.settings import Settings
from memrag.memory.types import DocumentInput

KS = (1, 2, 5, 10)


@dataclass(frozen=True)
class EvalOptions:
    params: RetrievalParams = field(default_factory=RetrievalParams)
    batch_size: int = 256
    progress: bool = True
    read: bool = True  # answer with the engine's reader and score EM/F1


def index_corpus(engine: Engine, dataset: Dataset, options: EvalOptions) -> dict[str, float]:
    """Add every corpus entry as one document (= one passage); returns timing figures."""
    started = time.perf_counter()
    embed_seconds = 0.0
    docs = [DocumentInput(text=text, title=title) for title, text in dataset.corpus]
    bar = tqdm(total=len(docs), desc="indexing", unit="doc", disable=not options.progress, file=sys.stderr)
    for start in range(0, len(docs), options.batch_size):
        batch = docs[start : start + options.batch_size]
        embed_seconds += engine.add(batch).embed_seconds
        bar.update(len(batch))
    bar.close()
    return {"index_s": time.perf_counter() - started, "index_embed_s": embed_seconds}


def passage_texts(dataset: Dataset) -> dict[str, str]:
    """Passage id → "title\\ntext" for every corpus entry."""
    out = {}
    for title, text in dataset.corpus:
        out[passage_id(document_id(title, text), passage_text(title, text))] = passage_text(title, text)
    return out


def answer_all(engine: Engine, dataset: Dataset, options: EvalOptions) -> dict[str, Any]:
    """Rankings by memrag and by dense retrieval, each query timed alike (`query_timing.TIMED`)."""
    texts = passage_texts(dataset)
    depth = max(KS)
    params = replace(options.params, top_k=max(options.params.top_k, depth))
    memrag, dense, latencies, modes = [], [], QueryTimes(), {"graph": 0, "dense_fallback": 0}
    em, f1 = [], []
    for q in tqdm(dataset.questions, desc="questions", disable=not options.progress, file=sys.stderr):
        retrieval, seconds = timed_retrieve(engine, q.question, params)
        latencies.add(False, seconds)
        modes[retrieval.mode] = modes.get(retrieval.mode, 0) + 1
        memrag.append([texts.get(h.passage_id, h.passage_id) for h in retrieval.hits])
        baseline, seconds = timed_retrieve(engine, q.question, replace(params, strategy="dense"))
        latencies.add(True, seconds)  # timed right after memrag's, as bench_query_cost times them
        dense.append([texts.get(h.passage_id, h.passage_id) for h in baseline.hits])
        if options.read:  # the reader sees the top k of the same retrieval, after both are timed
            answer = engine.reader.answer(q.question, retrieval.hits[: options.params.top_k], retrieval.dense_top)
            em.append(exact_match(answer.plain, q.answers))  # scored without its [n] citation markers
            f1.append(token_f1(answer.plain, q.answers))
    golds = [set(q.gold) for q in dataset.questions]
    reading = {"em": float(np.mean(em)), "f1": float(np.mean(f1)), "reader": engine.reader.name} if em else {}
    return {
        "systems": {
            "memrag": {f"recall@{k}": mean_recall(memrag, golds, k) for k in KS} | reading,
            "dense": {f"recall@{k}": mean_recall(dense, golds, k) for k in KS},
        },
        "latencies": latencies,
        "modes": modes,
    }


def run_eval(engine: Engine, dataset: Dataset, options: EvalOptions) -> dict[str, Any]:
    timings = index_corpus(engine, dataset, options)
    answered = answer_all(engine, dataset, options)
    latencies = answered.pop("latencies")
    timings |= latencies.figures()
    stats = engine.graph.stats()
    return {
        "dataset": dataset.name,
        "questions": len(dataset.questions),
        "passages": len(dataset.corpus),
        **answered,
        "timings": timings,
        "peak_rss_mb": peak_rss_mb(),
        "graph": stats.__dict__,
        "params": options.params.__dict__,
    }


def eval_embedding_cache(settings: Settings) -> Path:
    """The embedding cache eval runs share: MEMRAG_EMBEDDING_CACHE, else one in the user's cache (a kept
    index and every later run over the same texts reuse its vectors)."""
    return settings.embedding_cache or Path.home() / ".cache" / "memrag" / "embeddings.sqlite"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def format_table(result: dict[str, Any]) -> str:
    header = f"{'system':<8}" + "".join(f"{'R@' + str(k):>8}" for k in KS)
    rows = [header + f"{'EM':>8}{'F1':>8}"]
    for name, scores in result["systems"].items():
        reading = f"{100 * scores['em']:>8.1f}{100 * scores['f1']:>8.1f}" if "em" in scores else ""
        rows.append(f"{name:<8}" + "".join(f"{100 * scores[f'recall@{k}']:>8.1f}" for k in KS) + reading)
    t = result["timings"]
    rows.append(
        f"index {t['index_s']:.1f} s (embedding {t['index_embed_s']:.1f} s); "
        f"query p50 {t['query_p50_ms']:.1f} ms, p95 {t['query_p95_ms']:.1f} ms, dense p50 "
        f"{t.get('dense_query_p50_ms', 0.0):.1f} ms, CPU p50 {t.get('query_cpu_p50_ms', 0.0):.1f} against "
        f"{t.get('dense_query_cpu_p50_ms', 0.0):.1f} ms ({TIMED}); "
        f"peak RSS {result['peak_rss_mb']:.0f} MB; modes {result['modes']}"
    )
    return "\n".join(rows)


def summarise(results: Sequence[dict[str, Any]]) -> str:
    return "\n\n".join(format_table(r) for r in results)
