"""Explanations on musique-100: for questions where memrag's top 5 holds a gold passage that dense
retrieval's top 5 misses, the walk that carried the most PPR mass to that passage.

Indexes the corpus with the recorded GPT-3.5 triples into --data-dir (kept, so a second run only
reopens it), then prints up to --show examples and the cost of explaining (ms per question).
Run: .venv/bin/python -m benchmarks.explain_examples --data-dir /tmp/explain-musique [--show 10]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from pathlib import Path

from memrag.memory.engine import Engine
from memrag.memory.eval.dataset import Dataset, load_dataset
from memrag.memory.eval.harness import EvalOptions, index_corpus, passage_texts
from memrag.memory.extraction.recorded import RecordedExtractor, load_openie_file
from memrag.memory.graph.explain import ExplainLimits
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.explanations import ExplainedPath, Explanation
from memrag.memory.settings import Settings
from memrag.memory.wiring import open_engine

LIMITS = ExplainLimits(max_paths=50)  # enough to find the heaviest walk from an entity seed too
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "musique-100"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATA)
    parser.add_argument("--openie", type=Path, default=DATA / "openie_gpt-3.5-turbo-1106.json")
    parser.add_argument("--data-dir", type=Path, required=True, help="where the memory is built (and kept)")
    parser.add_argument("--cache", type=Path, help="embedding cache (default: in the data directory)")
    parser.add_argument("--show", type=int, default=10)
    args = parser.parse_args()
    if not args.dataset.is_dir():
        print(f"no dataset at {args.dataset}; nothing to show")
        return
    dataset = load_dataset(args.dataset)
    recorded, _ = load_openie_file(args.openie)
    settings = Settings(data_dir=args.data_dir, embedding_cache=args.cache, embedding_threads=1)
    engine = open_engine(settings, "musique", extractor=RecordedExtractor(recorded), whole_documents=True)
    try:
        index_corpus(engine, dataset, EvalOptions(progress=False))
        show(engine, dataset, args.show)
    finally:
        engine.close()


def show(engine: Engine, dataset: Dataset, wanted: int) -> None:
    texts = passage_texts(dataset)
    params = RetrievalParams(top_k=5)
    explain_ms, plain_ms, shown, eligible = [], [], 0, 0
    for q in dataset.questions:
        started = time.perf_counter()
        engine.retrieve(q.question, params)
        plain_ms.append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        _, explained = engine.retrieve_explained(q.question, params, LIMITS)
        explain_ms.append(1000 * (time.perf_counter() - started))
        dense = {p for p, _ in engine.rank(q.question, replace(params, strategy="dense")).passages}
        found = [
            (rank, why)
            for rank, why in enumerate(explained, 1)
            if texts.get(why.passage_id) in q.gold and why.passage_id not in dense
        ]
        if not found:
            continue
        eligible += 1
        if shown < wanted:
            shown += 1
            rank, why = found[0]
            print(
                f"\n{shown}. {q.question}\n   gold passage at memrag rank {rank} (not in dense top 5): "
                f"{texts[why.passage_id].split(chr(10))[0]!r}"
            )
            print(f"   {describe(why)}")
    print(
        f"\nquestions with a gold passage in memrag's top 5 and not in dense's: {eligible} of {len(dataset.questions)}"
    )
    print(
        f"retrieve p50 {statistics.median(plain_ms):.1f} ms; with explanations p50 "
        f"{statistics.median(explain_ms):.1f} ms ({len(explain_ms)} questions, top 5)"
    )


def describe(why: Explanation) -> str:
    if not why.paths:
        return f"no walk reached it (mass {why.mass:.3g})"
    top = why.paths[0]
    return (
        f"top path, {top.share:.3g} of the passage's PPR mass {why.mass:.3g} "
        f"({100 * top.share / why.mass:.0f}%; {len(why.paths)} paths listed, "
        f"{100 * why.unattributed / why.mass:.0f}% unattributed):\n   {path_text(top)}"
    ) + entity_walk(why)


def entity_walk(why: Explanation) -> str:
    """The heaviest listed walk that starts at an entity seed (a fact's subject or object), if not the top one."""
    found = [p for p in why.paths if p.nodes[0].kind == "entity"]
    if not found or found[0] is why.paths[0]:
        return ""
    share = 100 * found[0].share / why.mass
    return f"\n   heaviest walk from an entity seed ({share:.0f}%): {path_text(found[0])}"


def path_text(path: ExplainedPath) -> str:
    if len(path.nodes) == 1:
        return f"[{path.nodes[0].label}] (itself a dense seed)"
    parts = [f"({path.nodes[0].label})"]
    for node, edge in zip(path.nodes[1:], path.edges, strict=True):
        shown = f"[{node.label}]" if node.kind == "passage" else f"({node.label})"
        parts.append(f" -{edge.kind} {edge.weight:.2g}-> {shown}")
    return "".join(parts)


if __name__ == "__main__":
    main()
