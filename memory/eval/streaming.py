"""`memrag eval --stream K`: add a corpus in parts, score after each part, check the end equals indexing at once."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from memrag.memory.engine import Engine
from memrag.memory.eval.dataset import Dataset
from memrag.memory.eval.harness import EvalOptions
from memrag.memory.eval.metrics import mean_recall
from memrag.memory.eval.parts import SplitBy, Stream, split
from memrag.memory.eval.probe import (
    KS,
    Asked,
    EngineFactory,
    add_corpus,
    ask_many,
    corpus_passage_id,
    gold_ids,
    question_vectors,
    same_ranking,
    scores,
)

DROP = 0.01  # a fall in an earlier part's recall larger than this is reported as a finding
SYSTEMS = ("memrag", "dense")
DISPLACED_KS = (5, 10)


@dataclass(frozen=True)
class StreamOptions:
    parts: int
    by: SplitBy = "passages"
    seed: int = 0
    eval: EvalOptions = field(default_factory=EvalOptions)


@dataclass
class StreamRun:
    """What a stream left behind for later checks (forgetting): the engine's state and every answer."""

    stream: Stream
    vectors: list[np.ndarray]
    golds: list[frozenset[str]]
    history: list[dict[int, Asked]]  # per part: question index → what it got after that part
    final: list[Asked]  # every question after the last part, rankings only
    result: dict[str, Any]


def run_stream(
    engine: Engine, factory: EngineFactory, scratch: Path, dataset: Dataset, opts: StreamOptions
) -> StreamRun:
    """Add the parts to `engine` one by one, scoring the questions answerable so far after each;
    then index the whole corpus at once into a fresh engine under `scratch` and compare rankings."""
    stream = split(dataset, opts.parts, opts.by, opts.seed)
    vectors = question_vectors(engine, dataset.questions)
    golds = gold_ids(dataset)
    history: list[dict[int, Asked]] = []
    parts = []
    for number in range(1, len(stream.parts) + 1):
        asked, entry = add_and_ask(engine, dataset, stream, number, vectors, golds, opts.eval)
        history.append(asked)
        entry["by_part"] = [part_scores(asked, stream, golds, j) for j in range(1, number + 1)]
        parts.append(entry)
    final = ask_many(engine, dataset.questions, vectors, opts.eval.params)
    result: dict[str, Any] = {
        "dataset": dataset.name,
        "mode": "stream",
        "stream_by": opts.by,
        "seed": opts.seed,
        "questions": len(dataset.questions),
        "never_answerable": sum(1 for a in stream.answerable if a is None),
        "passages": len(dataset.corpus),
        "parts": parts,
        "backward_transfer": backward_transfer(history, stream, golds, passage_parts(dataset, stream)),
        "drops": drops(history, stream, golds),
    }
    batch = batch_check(factory, scratch / "batch", dataset, vectors, final, opts.eval)
    result["equals_batch"] = batch.pop("equal")
    result["batch_check"] = batch
    return StreamRun(stream, vectors, golds, history, final, result)


def add_and_ask(
    engine: Engine,
    dataset: Dataset,
    stream: Stream,
    number: int,
    vectors: Sequence[np.ndarray],
    golds: Sequence[frozenset[str]],
    opts: EvalOptions,
) -> tuple[dict[int, Asked], dict[str, Any]]:
    """Add part `number`, then ask (and read) every question answerable so far; what each got, and the
    part's entry: its size, indexing time, the graph after it, recall and EM/F1 over those questions."""
    started = time.perf_counter()
    desc = f"part {number}/{len(stream.parts)}" if opts.progress else None
    embed_s = add_corpus(engine, dataset, stream.parts[number - 1], opts.batch_size, desc)
    index_s = time.perf_counter() - started
    ids = stream.answerable_by(number)
    questions = [dataset.questions[q] for q in ids]
    reader = engine.reader if opts.read else None
    asked = ask_many(engine, questions, [vectors[q] for q in ids], opts.params, reader)
    entry: dict[str, Any] = {"part": number, "passages_added": len(stream.parts[number - 1])}
    entry |= {"index_s": index_s, "index_embed_s": embed_s, "graph": engine.graph.stats().__dict__}
    entry |= {"questions": len(ids), "new_questions": len(stream.questions_of(number))}
    entry |= scores(asked, [golds[q] for q in ids], questions)
    return dict(zip(ids, asked, strict=True)), entry


def part_scores(asked: dict[int, Asked], stream: Stream, golds: Sequence[frozenset[str]], j: int) -> dict[str, Any]:
    """Recall@k of the questions that became answerable with part j, in this memory state."""
    qs = [q for q in stream.questions_of(j) if q in asked]
    out: dict[str, Any] = {"part": j, "questions": len(qs)}
    for system in SYSTEMS:
        rankings = [asked[q].ids(system) for q in qs]
        out[system] = {f"recall@{k}": mean_recall(rankings, [set(golds[q]) for q in qs], k) for k in KS}
    return out


def backward_transfer(
    history: Sequence[dict[int, Asked]], stream: Stream, golds: Sequence[frozenset[str]], part_of: dict[str, int]
) -> list[dict[str, Any]]:
    """Per earlier part j: recall of its questions after the last part minus right after part j."""
    out = []
    for j in range(1, len(history)):
        first = part_scores(history[j - 1], stream, golds, j)
        last = part_scores(history[-1], stream, golds, j)
        entry: dict[str, Any] = {"part": j, "questions": first["questions"]}
        for system in SYSTEMS:
            entry[system] = {key: last[system][key] - value for key, value in first[system].items()}
        entry["displaced"] = {
            f"top{k}": displaced(history[j - 1], history[-1], stream, golds, part_of, j, k) for k in DISPLACED_KS
        }
        out.append(entry)
    return out


def drops(history: Sequence[dict[int, Asked]], stream: Stream, golds: Sequence[frozenset[str]]) -> list[dict[str, Any]]:
    """Every (part j, later part p, system, k) where part j's recall fell by more than DROP."""
    found = []
    for j in range(1, len(history) + 1):
        first = part_scores(history[j - 1], stream, golds, j)
        for p in range(j + 1, len(history) + 1):
            later = part_scores(history[p - 1], stream, golds, j)
            for system in SYSTEMS:
                for key, value in first[system].items():
                    if later[system][key] < value - DROP:
                        fall = later[system][key] - value
                        found.append({"part": j, "after_part": p, "system": system, "k": key, "change": fall})
    return found


def displaced(
    before: dict[int, Asked],
    after: dict[int, Asked],
    stream: Stream,
    golds: Sequence[frozenset[str]],
    part_of: dict[str, int],
    j: int,
    k: int,
) -> dict[str, int]:
    """For part j's questions that lost a gold passage from their memrag top k by the last part: the
    passages that entered that top k, by whether a later part added them or they were already in memory."""
    counts = {"questions": 0, "gold_lost": 0, "entrants_later_parts": 0, "entrants_already_there": 0}
    for q in stream.questions_of(j):
        top_before, top_after = set(before[q].ids("memrag")[:k]), set(after[q].ids("memrag")[:k])
        lost = (top_before - top_after) & golds[q]
        if not lost:
            continue
        counts["questions"] += 1
        counts["gold_lost"] += len(lost)
        for pid in top_after - top_before:
            key = "entrants_later_parts" if part_of.get(pid, 0) > j else "entrants_already_there"
            counts[key] += 1
    return counts


def passage_parts(dataset: Dataset, stream: Stream) -> dict[str, int]:
    """Passage id → the part (1-based) that adds it."""
    return {corpus_passage_id(*dataset.corpus[i]): n for i, n in stream.part_of().items()}


def batch_check(
    factory: EngineFactory,
    path: Path,
    dataset: Dataset,
    vectors: Sequence[np.ndarray],
    streamed: Sequence[Asked],
    options: EvalOptions,
) -> dict[str, Any]:
    """Index the whole corpus at once (as plain `memrag eval` does) into a fresh engine; compare rankings."""
    started = time.perf_counter()
    engine = factory(path)
    try:
        desc = "all at once" if options.progress else None
        add_corpus(engine, dataset, range(len(dataset.corpus)), options.batch_size, desc)
        index_s = time.perf_counter() - started
        batch = ask_many(engine, dataset.questions, vectors, options.params)
        graph = engine.graph.stats().__dict__
    finally:
        engine.close()
    differing = [q.id for q, a, b in zip(dataset.questions, streamed, batch, strict=True) if not same_ranking(a, b)]
    return {"equal": not differing, "differing_questions": differing, "index_s": index_s, "graph": graph}
