"""`memrag graph export`: the namespace's graph as GraphML, GEXF or node-link JSON (for Gephi or notebooks)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from memrag.memory.errors import InvalidInput
from memrag.memory.graph.export import FORMATS, to_networkx, write_graph
from memrag.memory.settings import Settings
from memrag.memory.wiring import open_engine


def add_graph_parser(sub: Any) -> None:
    graph = sub.add_parser("graph", help="the memory graph: export it")
    actions = graph.add_subparsers(required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write entities, passages and their weighted edges to a file")
    export.add_argument("--format", choices=FORMATS, default="graphml")
    export.add_argument("--out", type=Path, required=True, help="the file to write (replaced if it exists)")
    export.add_argument("--namespace", default=None)
    export.set_defaults(run=export_graph)


def export_graph(args: argparse.Namespace) -> int:
    out: Path = args.out
    if not out.parent.is_dir():
        raise InvalidInput(f"--out: the folder {str(out.parent)!r} does not exist; create it or pick another file")
    engine = open_engine(Settings(), args.namespace, writer=False)  # only reads
    try:
        view = engine.graph_view()
    finally:
        engine.close()
    graph = to_networkx(view.nodes, view.edges)
    try:
        write_graph(graph, args.format, out)
    except OSError as exc:
        raise InvalidInput(f"--out: cannot write {str(out)!r} ({exc.strerror or 'write failed'})") from exc
    print(f"wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges as {args.format} to {out}")
    return 0
