"""The `memrag` command line: serve, worker, ingest, ask, retrieve, eval, import-hipporag."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from memrag.cli.eval_commands import add_eval_parser
from memrag.cli.graph_commands import add_graph_parser
from memrag.cli.ingesting import ingest, worker
from memrag.cli.mcp_command import add_mcp_parser
from memrag.cli.snapshot_commands import add_snapshot_parsers
from memrag.memory.errors import MemragError
from memrag.memory.extraction.recorded import RecordedExtractor, load_openie_file
from memrag.memory.llm.usage import UsageMeter
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.reader import Answer, stream_answer
from memrag.memory.settings import Settings
from memrag.memory.types import DocumentInput
from memrag.memory.wiring import open_engine

INGEST_BATCH = 64


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except MemragError as exc:
        print(f"memrag: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"memrag: invalid settings — {settings_problems(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug of ours: one line, no traceback naming our files (MEMRAG_DEBUG=1 shows it)
        if os.environ.get("MEMRAG_DEBUG") == "1":
            raise
        print(f"memrag: internal error ({type(exc).__name__}); rerun with MEMRAG_DEBUG=1 for details", file=sys.stderr)
        return 1


def settings_problems(exc: ValidationError) -> str:
    """`MEMRAG_X: what is wrong` for each setting the environment got wrong."""
    return "; ".join(f"MEMRAG_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="memrag", description="long-term memory with HippoRAG 2 retrieval")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    add_eval_parser(sub)
    add_graph_parser(sub)
    add_snapshot_parsers(sub)
    add_mcp_parser(sub)

    imp = sub.add_parser("import-hipporag", help="index a corpus with the triples of a HippoRAG OpenIE file")
    imp.add_argument("openie", type=Path)
    imp.add_argument("--namespace", default=None)
    imp.set_defaults(run=_import)

    ing = sub.add_parser("ingest", help="add text, Markdown, HTML, PDF or JSONL files or folders (id = file path)")
    ing.add_argument("paths", type=Path, nargs="+")
    ing.add_argument("--namespace", default=None)
    ing.add_argument("--no-wait", action="store_true", help="print the job ids and return")
    ing.add_argument(
        "--estimate", action="store_true", help="print passages, expected LLM calls and tokens; add nothing"
    )
    ing.set_defaults(run=ingest)

    wk = sub.add_parser("worker", help="take ingestion jobs from Redis (MEMRAG_REDIS_URL)")
    wk.add_argument("--apply", action="store_true", help="also write: this process owns the embedded store")
    wk.add_argument("--no-prepare", action="store_true", help="only apply prepared batches (with --apply)")
    wk.add_argument("--consumer", default=None, help="name in the job group and in change events (default: host-pid)")
    wk.set_defaults(run=worker)

    srv = sub.add_parser("serve", help="run the HTTP API (uvicorn)")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8080)
    srv.add_argument(
        "--access-log", action="store_true", help="log every request (off by default: /metrics counts them)"
    )
    srv.set_defaults(run=_serve)

    ask = sub.add_parser("ask", help="answer a question from the memory, with citations")
    ask.add_argument("question")
    ask.add_argument("--top-k", type=int, default=5)
    ask.add_argument("--namespace", default=None)
    ask.add_argument("--stream", action="store_true", help="print the answer as it is generated")
    ask.set_defaults(run=_ask)

    ret = sub.add_parser("retrieve", help="print the passages memrag retrieves for a question")
    ret.add_argument("question")
    ret.add_argument("--top-k", type=int, default=5)
    ret.add_argument("--namespace", default=None)
    ret.set_defaults(run=_retrieve)
    return parser


def _import(args: argparse.Namespace) -> int:
    recorded, report = load_openie_file(args.openie)
    engine = open_engine(Settings(), args.namespace, extractor=RecordedExtractor(recorded), whole_documents=True)
    docs = [DocumentInput(text=text) for text in recorded]
    added = engine.add(docs)
    engine.close()
    print(f"indexed {len(added.documents_added)} documents ({report.triples} triples, {report.dropped_rows} dropped)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from memrag.api.app import create_app

    app = create_app(Settings())
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=args.access_log)
    return 0


def _ask(args: argparse.Namespace) -> int:
    engine = open_engine(Settings(), args.namespace, writer=False)  # only reads: sweeps no write in progress
    try:
        if args.stream:
            meter = UsageMeter()
            retrieval = engine.retrieve(args.question, RetrievalParams(top_k=args.top_k), meter=meter)
            parts = stream_answer(engine.reader, args.question, retrieval.hits, meter.total, retrieval.dense_top)
            for part in parts:
                if isinstance(part, Answer):
                    answer = part
                else:
                    print(part, end="", flush=True)
            print()
        else:
            answer, retrieval = engine.ask(args.question, RetrievalParams(top_k=args.top_k))
            print(answer.text)
    finally:
        engine.close()
    print(f"\n({answer.reader}; retrieval: {retrieval.mode})")
    if answer.support:  # the offline reader's short answer: the sentence it was taken from
        print(f"support: {answer.support}")
    for citation in answer.citations:
        print(f"[{citation.number}] document {citation.document_id} passage {citation.passage_id}")
    return 0


def _retrieve(args: argparse.Namespace) -> int:
    from memrag.memory.wiring import open_memory

    async def go() -> None:
        async with open_memory(namespace=args.namespace, read_only=True) as memory:
            result = await memory.retrieve(args.question, RetrievalParams(top_k=args.top_k))
            print(f"mode: {result.mode}")
            for rank, hit in enumerate(result.hits, 1):
                print(f"{rank}. [{hit.score:.4f}] {hit.doc_id} {hit.text[:200]!r}")

    asyncio.run(go())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
