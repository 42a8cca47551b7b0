"""Long documents: a QA set's articles packed into long documents, indexed with the chunker, recall per document.

`pack_volumes` builds the corpus (public text of a shared set, nothing new written): articles in title
order, a title's passages kept together, packed into documents of at least `chars` characters, like
the volumes of an encyclopedia; a question's gold becomes the documents that hold its gold passages.
`run_chunked_eval` indexes each corpus entry as one document cut by the engine's chunker and scores
Recall@k over distinct documents (a document ranks where its best passage ranks).
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from memrag.memory.engine import Engine
from memrag.memory.errors import InvalidInput
from memrag.memory.eval.dataset import Dataset, Question, passage_text
from memrag.memory.eval.harness import KS, EvalOptions, index_corpus, peak_rss_mb
from memrag.memory.eval.metrics import mean_recall, percentile_ms
from memrag.memory.ids import document_id

PASSAGE_DEPTH = 100  # passages ranked per question, so that the top 10 holds 10 distinct documents


def pack_volumes(dataset: Dataset, chars: int = 4000) -> Dataset:
    """Documents of at least `chars` characters (the last may be shorter), each "Volume n" with its articles
    as "title\\ntext" paragraphs; gold and context of every question mapped to the volumes holding them."""
    if chars < 1:
        raise InvalidInput(f"a volume needs at least 1 character, not {chars}")
    volumes: list[list[str]] = [[]]
    volume_of: dict[str, int] = {}
    for article in _articles(dataset):
        if volumes[-1] and sum(len(p) for p in volumes[-1]) >= chars:
            volumes.append([])
        for paragraph in article:
            volume_of[paragraph] = len(volumes) - 1
            volumes[-1].append(paragraph)
    corpus = tuple((f"Volume {n}", "\n\n".join(paragraphs)) for n, paragraphs in enumerate(volumes, 1))
    documents = [passage_text(title, text) for title, text in corpus]
    questions = tuple(_mapped(q, volume_of, documents) for q in dataset.questions)
    return Dataset(f"{dataset.name}-volumes", corpus, questions)


def _articles(dataset: Dataset) -> list[list[str]]:
    """Each title's distinct passages ("title\\ntext"), in corpus order, titles sorted."""
    by_title: dict[str, dict[str, None]] = defaultdict(dict)
    for title, text in dataset.corpus:
        by_title[title][passage_text(title, text)] = None
    return [list(by_title[title]) for title in sorted(by_title)]


def _mapped(question: Question, volume_of: dict[str, int], documents: Sequence[str]) -> Question:
    """The question with its gold and context as whole volumes (a gold passage not in the corpus is dropped)."""
    gold = frozenset(documents[volume_of[p]] for p in question.gold if p in volume_of)
    context = tuple(dict.fromkeys(documents[volume_of[p]] for p in question.context if p in volume_of))
    return replace(question, gold=gold, context=context)


def write_dataset(dataset: Dataset, directory: Path) -> None:
    """The set in HippoRAG layout (corpus.json, questions.json), as `load_dataset` reads it back."""
    directory.mkdir(parents=True, exist_ok=True)
    corpus = [{"title": title, "text": text} for title, text in dataset.corpus]
    rows = [_question_row(q) for q in dataset.questions]
    (directory / "corpus.json").write_text(json.dumps(corpus, ensure_ascii=False, indent=1), encoding="utf-8")
    (directory / "questions.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


def _question_row(question: Question) -> dict[str, Any]:
    listed = list(dict.fromkeys([*question.context, *sorted(question.gold)]))
    paragraphs = []
    for document in listed:
        title, _, text = document.partition("\n")
        paragraphs.append({"title": title, "text": text, "is_supporting": document in question.gold})
    answer, *aliases = question.answers or ("",)
    return {
        "id": question.id,
        "question": question.question,
        "answer": answer,
        "answer_aliases": aliases,
        "paragraphs": paragraphs,
    }


def document_ranking(passage_ids: Iterable[str], document_of: dict[str, str], depth: int = max(KS)) -> list[str]:
    """Distinct documents in the order of their best passage, at most `depth`."""
    ranked: dict[str, None] = {}
    for pid in passage_ids:
        doc = document_of.get(pid)
        if doc is not None:
            ranked.setdefault(doc, None)
            if len(ranked) == depth:
                break
    return list(ranked)


def gold_documents(dataset: Dataset) -> list[set[str]]:
    """Each question's gold as document ids (the id a corpus entry gets when added without one)."""
    ids = {passage_text(title, text): document_id(title, text) for title, text in dataset.corpus}
    return [{ids.get(text, text) for text in q.gold} for q in dataset.questions]


def run_chunked_eval(engine: Engine, dataset: Dataset, options: EvalOptions) -> dict[str, Any]:
    """Index the corpus with the chunker; Recall@k over documents for memrag and dense retrieval."""
    timings = index_corpus(engine, dataset, options)  # the engine's chunker cuts each document
    documents = engine.list_documents()
    document_of = {pid: d.id for d in documents for pid in d.passage_ids}
    params = replace(options.params, top_k=PASSAGE_DEPTH)
    rankings: dict[str, list[list[str]]] = {"memrag": [], "dense": []}
    latencies, modes = [], {"graph": 0, "dense_fallback": 0}
    for q in tqdm(dataset.questions, desc="questions", disable=not options.progress, file=sys.stderr):
        started = time.perf_counter()
        ranked = engine.rank(q.question, params)
        latencies.append(time.perf_counter() - started)
        modes[ranked.mode] = modes.get(ranked.mode, 0) + 1
        dense = engine.rank(q.question, replace(params, strategy="dense"))
        rankings["memrag"].append(document_ranking((p for p, _ in ranked.passages), document_of))
        rankings["dense"].append(document_ranking((p for p, _ in dense.passages), document_of))
    golds = gold_documents(dataset)
    timings |= {"query_p50_ms": percentile_ms(latencies, 50), "query_p95_ms": percentile_ms(latencies, 95)}
    systems = {name: {f"recall@{k}": mean_recall(r, golds, k) for k in KS} for name, r in rankings.items()}
    return {
        "dataset": dataset.name,
        "mode": "chunked",
        "questions": len(dataset.questions),
        "documents": len(documents),
        "passages": len(document_of),
        "systems": systems,
        "modes": modes,
        "timings": timings,
        "peak_rss_mb": peak_rss_mb(),
        "graph": engine.graph.stats().__dict__,
        "params": options.params.__dict__,
    }


def format_chunked(result: dict[str, Any]) -> str:
    """The recall table per document, with how many passages the chunker cut the documents into."""
    header = f"{'system':<8}" + "".join(f"{'R@' + str(k):>8}" for k in KS)
    rows = [f"{result['documents']} documents cut into {result['passages']} passages; recall over documents", header]
    for name, scores in result["systems"].items():
        rows.append(f"{name:<8}" + "".join(f"{100 * scores[f'recall@{k}']:>8.1f}" for k in KS))
    t = result["timings"]
    rows.append(
        f"index {t['index_s']:.1f} s (embedding {t['index_embed_s']:.1f} s); query p50 {t['query_p50_ms']:.1f} ms; "
        f"peak RSS {result['peak_rss_mb']:.0f} MB; modes {result['modes']}"
    )
    return "\n".join(rows)
