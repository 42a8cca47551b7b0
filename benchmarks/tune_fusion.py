"""Fusion tuning without re-indexing: dump each query's rankings and signals from a kept index, then score
fusion parameters on the dumps in seconds.

1. Index once, keeping the store:  memrag eval DATASET --extractor offline --data-dir DIR
2. Dump (retrieval only, no indexing):
   .venv/bin/python -m benchmarks.tune_fusion dump DATASET --data-dir DIR --out run.jsonl
3. Score (pure: the production fusion applied to the dumped PPR and dense orders):
   .venv/bin/python -m benchmarks.tune_fusion score run.jsonl [more.jsonl] [--set name=value ...]
   prints Recall@1/2/5/10 for dense, the PPR order alone, the ordering before per-query fusion (BEFORE)
   and the defaults with the given overrides ("after").

The fusion's constants (dense_anchor, lead_tie_margin, lead_release_gap, rrf_k) were chosen on the
musique-100 dumps (recorded and offline triples) and then scored on hotpotqa-300 and 2wiki-101.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from memrag.memory.engine import Engine
from memrag.memory.eval.dataset import load_dataset
from memrag.memory.eval.harness import KS, passage_texts
from memrag.memory.eval.metrics import mean_recall
from memrag.memory.extraction.recorded import NoExtractor
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.fusion import Evidence
from memrag.memory.retrieval.ordering import fuse_orders
from memrag.memory.retrieval.pipeline import RankedPassages
from memrag.memory.settings import Settings
from memrag.memory.types import Fact, ScoredFact
from memrag.memory.wiring import open_engine

SUPPORT_DEPTH = 30
# The ordering before per-query fusion: the dense top-1 first, then RRF(k = 2) with dense weight 0.2.
BEFORE = RetrievalParams(dense_anchor=1, rrf_k=2.0, rrf_dense_weight=0.2, promote_fact_source=False)
DEPTH = 200  # as deep as the pipeline's PPR head and dense seeds go


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump", help="rankings and signals of every question, from a kept data dir")
    dump.add_argument("dataset", type=Path)
    dump.add_argument("--data-dir", type=Path, required=True, help="the --data-dir of an earlier memrag eval")
    dump.add_argument("--out", type=Path, required=True)
    score = sub.add_parser("score", help="recall of fusion parameters on dumps")
    score.add_argument("dumps", type=Path, nargs="+")
    score.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a RetrievalParams field")
    args = parser.parse_args(argv)
    if args.command == "dump":
        write_dump(args.dataset, args.data_dir, args.out)
    else:
        params = with_overrides(RetrievalParams(top_k=max(KS)), args.set)
        for path in args.dumps:
            print(format_scores(path.stem, score_dump(read_dump(path), params)))


def write_dump(dataset_dir: Path, data_dir: Path, out: Path) -> None:
    """One JSON line per question: gold ids, dense (id, cosine) and PPR (id, mass) orders, facts, mode."""
    dataset = load_dataset(dataset_dir)
    ids_of = {text: pid for pid, text in passage_texts(dataset).items()}
    settings = Settings().model_copy(update={"data_dir": data_dir, "qdrant_url": None, "embedding_threads": 1})
    engine = open_engine(settings, "eval", extractor=NoExtractor(), whole_documents=True)
    dense_params = RetrievalParams(top_k=DEPTH, strategy="dense")
    graph_params = RetrievalParams.hipporag2(top_k=DEPTH)
    try:
        with out.open("w", encoding="utf-8") as sink:
            for q in dataset.questions:
                vector = engine.query_embedder.embed([q.question])[0]
                dense = engine.rank(q.question, dense_params, vector)
                graph = engine.rank(q.question, graph_params, vector)
                [facts] = engine.store.nearest(engine.store.facts, vector[None, :], graph_params.linking_top_k)
                row = {
                    "question": q.question,
                    "gold": sorted(ids_of[t] for t in q.gold if t in ids_of),
                    "dense": [[p, round(s, 6)] for p, s in dense.passages],
                    "graph": [[p, s] for p, s in graph.passages] if graph.mode == "graph" else [],
                    "mode": graph.mode,
                    "fact_cosines": [round(h.score, 6) for h in facts],
                    "kept": [round(f.score, 6) for f in graph.facts],
                    "seeds": [s.weight for s in graph.seeds],
                    "support": fact_support(engine, graph, dense),
                }
                sink.write(json.dumps(row) + "\n")
    finally:
        engine.close()
    print(f"wrote {len(dataset.questions)} questions to {out}", file=sys.stderr)


def fact_support(engine: Engine, graph: RankedPassages, dense: RankedPassages) -> dict[str, list[float]]:
    """For the heads of both orders: per passage, the best kept fact whose two ends it mentions, and how many
    kept facts it names at least one end of."""
    heads = {p for p, _ in graph.passages[:SUPPORT_DEPTH]} | {p for p, _ in dense.passages[:SUPPORT_DEPTH]}
    out = {}
    for pid in heads:
        mentioned = set(engine.graph.passage_entities(pid))
        both = [f.score for f in graph.facts if {f.fact.subject_id, f.fact.object_id} <= mentioned]
        one = [f for f in graph.facts if f.fact.subject_id in mentioned or f.fact.object_id in mentioned]
        out[pid] = [max(both, default=0.0), float(len(one))]
    return out


def read_dump(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def rows_ranked(rows: list[dict[str, Any]], params: RetrievalParams) -> Iterator[list[str]]:
    """Each question's final order under `params`, by the production fusion (dense alone in fallback)."""
    for row in rows:
        dense = [p for p, _ in row["dense"]]
        if row["mode"] != "graph":
            yield dense
            continue
        walk = [(p, float(m)) for p, m in row["graph"] if float(m) > 0]  # the walk's head: passages it reached
        yield [p for p, _ in fuse_orders(walk, evidence_of(row), params).passages]


def evidence_of(row: dict[str, Any]) -> Evidence:
    """The dumped evidence: a passage of the dumped heads states the best fact when it states a fact scored 1."""
    stating = {pid for pid, (best, _) in row["support"].items() if best >= 1.0 - 1e-9}
    best = ScoredFact(Fact("best", "s", "p", "o", "s", "o"), 1.0)
    scores = np.array([s for _, s in row["dense"]], dtype=np.float64)
    return Evidence([p for p, _ in row["dense"]], scores, [best], lambda pid: ("s", "o") if pid in stating else ())


def score_dump(rows: list[dict[str, Any]], params: RetrievalParams) -> dict[str, list[float]]:
    golds = [set(row["gold"]) for row in rows]
    systems = {
        "dense": [[p for p, _ in row["dense"]] for row in rows],
        "ppr": [[p for p, _ in row["graph"]] or [p for p, _ in row["dense"]] for row in rows],
        "before": list(rows_ranked(rows, replace(BEFORE, top_k=params.top_k))),
        "after": list(rows_ranked(rows, params)),
    }
    return {name: [mean_recall(r, golds, k) for k in KS] for name, r in systems.items()}


def format_scores(name: str, scores: dict[str, list[float]]) -> str:
    lines = [f"{name:<14}" + "".join(f"{'R@' + str(k):>7}" for k in KS)]
    for system, values in scores.items():
        lines.append(f"{system:<14}" + "".join(f"{100 * v:>7.1f}" for v in values))
    gaps = np.array(scores["after"]) - np.array(scores["dense"])
    lines.append(f"{'after-dense':<14}" + "".join(f"{100 * g:>+7.1f}" for g in gaps))
    return "\n".join(lines)


def with_overrides(params: RetrievalParams, assignments: Sequence[str]) -> RetrievalParams:
    kinds = {f.name: type(getattr(params, f.name)) for f in fields(params)}
    changes: dict[str, Any] = {}
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        if name not in kinds:
            raise SystemExit(f"unknown parameter {name!r}; one of: {', '.join(sorted(kinds))}")
        changes[name] = kinds[name](value)
    return replace(params, **changes)


if __name__ == "__main__":
    main()
