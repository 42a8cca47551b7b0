"""`memrag eval --stream K --forget N`: delete part N; nothing of it may remain, the rest is as if it never came."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memrag.memory.engine import Engine
from memrag.memory.errors import InvalidInput
from memrag.memory.eval.dataset import Dataset
from memrag.memory.eval.harness import EvalOptions
from memrag.memory.eval.probe import Asked, EngineFactory, add_corpus, ask_many, corpus_passage_id, same_ranking
from memrag.memory.eval.streaming import SYSTEMS, StreamRun, part_scores
from memrag.memory.ids import document_id
from memrag.memory.types import Passage


@dataclass(frozen=True)
class Exclusive:
    """Entity and fact ids mentioned only by forgotten passages, and those also mentioned by passages that stay."""

    entities: frozenset[str]
    facts: frozenset[str]
    shared_entities: frozenset[str]
    shared_facts: frozenset[str]


def exclusive_records(passages: Iterable[Passage], forgotten: set[str]) -> Exclusive:
    """From the stored passage records (who mentions what lives there): what only the forgotten ones mention."""
    gone: dict[str, set[str]] = {"entities": set(), "facts": set()}
    kept: dict[str, set[str]] = {"entities": set(), "facts": set()}
    for passage in passages:
        side = gone if passage.id in forgotten else kept
        side["entities"].update(passage.entity_ids)
        side["facts"].update(passage.fact_ids)
    return Exclusive(
        frozenset(gone["entities"] - kept["entities"]),
        frozenset(gone["facts"] - kept["facts"]),
        frozenset(gone["entities"] & kept["entities"]),
        frozenset(gone["facts"] & kept["facts"]),
    )


def graph_edges(engine: Engine) -> dict[tuple[str, str], float]:
    """Every edge once with its weight rounded, as the invariant tests compare graphs."""
    return {(min(a, b), max(a, b)): round(w, 5) for a, b, w in engine.graph.edges()}


def run_forget(
    engine: Engine,
    factory: EngineFactory,
    scratch: Path,
    dataset: Dataset,
    run: StreamRun,
    number: int,
    opts: EvalOptions,
) -> dict[str, Any]:
    """Delete part `number`'s documents from the streamed `engine`, then check what is left against a fresh
    engine (under `scratch`) that was given every other part in the same order."""
    if not 1 <= number <= len(run.stream.parts):
        raise InvalidInput(f"--forget must name a part between 1 and {len(run.stream.parts)}, not {number}")
    indices = run.stream.parts[number - 1]
    forgotten = {corpus_passage_id(*dataset.corpus[i]) for i in indices}
    records = exclusive_records(engine.store.all_passages(), forgotten)
    started = time.perf_counter()
    for doc_id in sorted({document_id(*dataset.corpus[i]) for i in indices}):
        engine.delete(doc_id)
    delete_s = time.perf_counter() - started
    after = ask_many(engine, dataset.questions, run.vectors, opts.params)
    never, never_edges = never_had(factory, scratch / "never", dataset, run, number, opts)
    own = run.stream.questions_of(number)
    result: dict[str, Any] = {"part": number, "documents": len(indices), "passages": len(forgotten)}
    result |= {"delete_s": delete_s, "questions_of_part": len(own)}
    result |= gold_left(after, run.golds, own, forgotten)
    result["records"] = records_left(engine, records)
    result["orphans_left"] = result["records"]["entities_left"] + result["records"]["facts_left"]
    result |= identical(dataset, after, never, own)
    result["graph_equals_never_had"] = graph_edges(engine) == never_edges
    before = dict(enumerate(run.final))
    parts = range(1, len(run.stream.parts) + 1)
    result["recall_before"] = [part_scores(before, run.stream, run.golds, j) for j in parts]
    result["recall_after"] = [part_scores(dict(enumerate(after)), run.stream, run.golds, j) for j in parts]
    return result


def never_had(
    factory: EngineFactory, path: Path, dataset: Dataset, run: StreamRun, number: int, opts: EvalOptions
) -> tuple[list[Asked], dict[tuple[str, str], float]]:
    """Rankings and graph of a memory given every part but `number`, each part as the stream added it."""
    engine = factory(path)
    try:
        for n, indices in enumerate(run.stream.parts, 1):
            if n != number:
                add_corpus(
                    engine, dataset, indices, opts.batch_size, f"never had part {number}" if opts.progress else None
                )
        return ask_many(engine, dataset.questions, run.vectors, opts.params), graph_edges(engine)
    finally:
        engine.close()


def gold_left(
    after: Sequence[Asked], golds: Sequence[frozenset[str]], own: Sequence[int], gone: set[str]
) -> dict[str, int]:
    """Forgotten gold passages of the part's own questions still in their top 10, and forgotten passages
    in any question's top 10 (memrag or dense); both must be 0."""
    own_gold = [golds[q] & gone for q in own]
    in_own_top = sum(len(g & set(after[q].ids(s)[:10])) for q, g in zip(own, own_gold, strict=True) for s in SYSTEMS)
    anywhere = {p for a in after for s in SYSTEMS for p in a.ids(s)[:10]} & gone
    return {
        "gold_passages_forgotten": len(set().union(*own_gold)) if own_gold else 0,
        "gold_in_top10": in_own_top,
        "forgotten_in_any_top10": len(anywhere),
    }


def records_left(engine: Engine, records: Exclusive) -> dict[str, int]:
    """How many of the part's own entities and facts the store still holds (must be 0), and how many
    entities and facts it shared with other parts were lost (must be 0)."""
    store = engine.store
    return {
        "entities_only_in_part": len(records.entities),
        "entities_left": len(store.existing_entity_ids(sorted(records.entities))),
        "facts_only_in_part": len(records.facts),
        "facts_left": len(store.existing_fact_ids(sorted(records.facts))),
        "shared_entities_lost": len(
            records.shared_entities - store.existing_entity_ids(sorted(records.shared_entities))
        ),
        "shared_facts_lost": len(records.shared_facts - store.existing_fact_ids(sorted(records.shared_facts))),
    }


def identical(dataset: Dataset, after: Sequence[Asked], never: Sequence[Asked], own: Sequence[int]) -> dict[str, Any]:
    """Whether each question's rankings (ids, scores to 9 places, mode) equal those of the never-had memory."""
    mine = set(own)
    differing = [q for q, (a, b) in enumerate(zip(after, never, strict=True)) if not same_ranking(a, b)]
    others = len(dataset.questions) - len(mine)
    return {
        "other_questions": others,
        "other_identical": others - sum(1 for q in differing if q not in mine),
        "own_identical": len(mine) - sum(1 for q in differing if q in mine),
        "differing_questions": [dataset.questions[q].id for q in differing],
    }
