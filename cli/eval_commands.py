"""`memrag eval`: recall on a HippoRAG-layout QA set, at once, streamed in parts (with forgetting), or after updates."""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from memrag.memory.engine import Engine
from memrag.memory.errors import InvalidInput
from memrag.memory.eval.counterfactual import Update, build_updates, renamed_extractions, run_counterfactual
from memrag.memory.eval.dataset import Dataset, load_dataset
from memrag.memory.eval.forgetting import run_forget
from memrag.memory.eval.harness import EvalOptions, eval_embedding_cache, format_table, run_eval
from memrag.memory.eval.long_documents import format_chunked, run_chunked_eval
from memrag.memory.eval.probe import Memoised
from memrag.memory.eval.streaming import StreamOptions, run_stream
from memrag.memory.eval.tables import format_counterfactual, format_forget, format_stream
from memrag.memory.extraction.offline import SpacyExtractor
from memrag.memory.extraction.recorded import NoExtractor, RecordedExtractor, load_openie_file
from memrag.memory.params import RetrievalParams
from memrag.memory.ports import Extractor
from memrag.memory.settings import Settings
from memrag.memory.wiring import make_embedder, open_engine

Factory = Callable[[Path], Engine]


def add_eval_parser(sub: Any) -> None:
    ev = sub.add_parser("eval", help="Recall@k of memrag and dense retrieval on a HippoRAG-layout QA set")
    ev.add_argument("dataset", type=Path, help="directory with corpus.json and questions.json")
    ev.add_argument("--openie", type=Path, help="HippoRAG OpenIE results file to use instead of an extractor")
    ev.add_argument(
        "--extractor", choices=["offline", "none"], default="offline", help="OpenIE when no --openie is given"
    )
    ev.add_argument("--out", type=Path, help="write the result JSON here (and the mode's PNG figure beside it)")
    ev.add_argument("--data-dir", type=Path, help="index here (default: a fresh temporary directory)")
    ev.add_argument("--ppr", choices=["auto", "local", "exact"], default="auto")
    ev.add_argument(
        "--preset", choices=["memrag", "hipporag2"], default="memrag", help="hipporag2: rank by PPR mass alone"
    )
    ev.add_argument("--dense-seeds", type=int, default=None, help="passages seeded from the dense top-N")
    ev.add_argument("--threads", type=int, default=None, help="torch threads for embedding")
    ev.add_argument("--no-cache", action="store_true", help="embed everything afresh (for timing)")
    ev.add_argument(
        "--chunk", action="store_true", help="cut each corpus entry with the chunker; recall over documents"
    )
    ev.add_argument("--stream", type=int, metavar="K", help="add the corpus in K parts, scoring after each")
    ev.add_argument(
        "--stream-by",
        choices=["passages", "questions"],
        default="passages",
        help="passages: a seeded shuffle cut in K; questions: part n holds the passages of the n-th question group",
    )
    ev.add_argument("--seed", type=int, default=0, help="seed of the stream's order and of invented names")
    ev.add_argument("--forget", type=int, metavar="PART", help="with --stream: delete part PART (1-based) at the end")
    ev.add_argument(
        "--counterfactual", action="store_true", help="rename answers in their gold passages, update, re-ask"
    )
    ev.set_defaults(run=run_eval_command)


def run_eval_command(args: argparse.Namespace) -> int:
    if args.forget is not None and args.stream is None:
        raise InvalidInput("--forget PART needs --stream K")
    if args.counterfactual and args.stream is not None:
        raise InvalidInput("--counterfactual runs on its own; leave out --stream")
    if args.chunk and (args.stream is not None or args.counterfactual):
        raise InvalidInput("--chunk runs on its own; leave out --stream and --counterfactual")
    dataset = load_dataset(args.dataset)
    options = EvalOptions(params=_params(args))
    with tempfile.TemporaryDirectory(prefix="memrag-eval-") as scratch:
        root = Path(scratch)
        data_dir = args.data_dir or root / "main"
        settings = _settings(args, data_dir)
        if args.counterfactual:
            result, table = _counterfactual(args, settings, dataset, options)
        else:
            factory = _factory(settings, Memoised(_extractor(args)), whole_documents=not args.chunk)
            engine = factory(data_dir)
            try:
                result, table = _indexed(args, engine, factory, root, dataset, options)
            finally:
                engine.close()
    print(table)
    if args.out:
        _write(args.out, result)
    return 0


def _settings(args: argparse.Namespace, data_dir: Path) -> Settings:
    """The environment's settings, embedded stores under `data_dir`; embeddings cached in MEMRAG_EMBEDDING_CACHE or
    the user's cache (shared by every eval run), or, with --no-cache, afresh in the data directory."""
    base = Settings()
    cache = None if args.no_cache else eval_embedding_cache(base)
    threads = args.threads or base.embedding_threads
    update = {"data_dir": data_dir, "embedding_threads": threads, "embedding_cache": cache, "qdrant_url": None}
    return base.model_copy(update=update)  # embedded stores only: each engine of a comparison has its own


def _params(args: argparse.Namespace) -> RetrievalParams:
    params = RetrievalParams(ppr_mode=args.ppr)
    if args.preset == "hipporag2":
        params = RetrievalParams.hipporag2(ppr_mode=args.ppr)
    if args.dense_seeds is not None:
        params = replace(params, dense_seed_top_n=args.dense_seeds)
    return params


def _extractor(args: argparse.Namespace, updates: Sequence[Update] = ()) -> Extractor:
    """The recorded triples of --openie (with the updated passages' triples renamed alike), else the chosen
    extractor (which reads updated passages afresh)."""
    if not args.openie:
        return SpacyExtractor() if args.extractor == "offline" else NoExtractor()
    recorded, report = load_openie_file(args.openie)
    print(f"imported {report.passages} passages, {report.triples} triples, {report.dropped_rows} bad rows dropped")
    return RecordedExtractor(recorded | renamed_extractions(recorded, updates))


def _factory(settings: Settings, extractor: Extractor, whole_documents: bool = True) -> Factory:
    """Engines over fresh data directories that share one embedder (and its cache) and one extractor; each
    corpus entry one passage, or (whole_documents=False) cut by the settings' chunker."""
    embedder = make_embedder(settings)

    def make(path: Path) -> Engine:
        where = settings.model_copy(update={"data_dir": path})
        return open_engine(where, "eval", embedder=embedder, extractor=extractor, whole_documents=whole_documents)

    return make


def _indexed(
    args: argparse.Namespace, engine: Engine, factory: Factory, root: Path, dataset: Dataset, options: EvalOptions
) -> tuple[dict[str, Any], str]:
    if args.chunk:
        result = run_chunked_eval(engine, dataset, options)
        return result, format_chunked(result)
    if args.stream is None:
        result = run_eval(engine, dataset, options)
        return result, format_table(result)
    run = run_stream(engine, factory, root, dataset, StreamOptions(args.stream, args.stream_by, args.seed, options))
    result, table = run.result, format_stream(run.result)
    if args.forget is not None:
        result["forget"] = run_forget(engine, factory, root, dataset, run, args.forget, options)
        table += "\n" + format_forget(result["forget"])
    return result, table


def _counterfactual(
    args: argparse.Namespace, settings: Settings, dataset: Dataset, options: EvalOptions
) -> tuple[dict[str, Any], str]:
    updates, skipped = build_updates(dataset, args.seed)
    extractor = _extractor(args, updates)
    engine = _factory(settings, extractor)(settings.data_dir)
    try:
        found = run_counterfactual(engine, dataset, updates, engine.reader, options)
    finally:
        engine.close()
    result = {"dataset": dataset.name, "mode": "counterfactual", "skipped": skipped, "counterfactual": found}
    return result, format_counterfactual(found)


def _write(out: Path, result: dict[str, Any]) -> None:
    from memrag.memory.eval.plots import plot_counterfactual, plot_forget, plot_stream

    out.parent.mkdir(parents=True, exist_ok=True)
    figures = []
    if result.get("mode") == "stream":
        figures.append(plot_stream(result, out.with_suffix(".png")))
        if "forget" in result:
            figures.append(plot_forget(result["forget"], out.with_name(out.stem + "_forget.png")))
    elif result.get("mode") == "counterfactual":
        figures.append(plot_counterfactual(result["counterfactual"], out.with_suffix(".png")))
    out.write_text(json.dumps(result, indent=2))
    for figure in figures:
        print(f"wrote {figure}")
