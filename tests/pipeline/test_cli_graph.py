"""`memrag graph export` end to end: the file networkx reads back holds the engine's graph."""

import json

import networkx as nx
import pytest

from memrag.cli.main import main
from memrag.memory.settings import Settings
from memrag.memory.wiring import open_engine
from tests.helpers import FIXTURES

pytestmark = pytest.mark.model


def test_a_graphml_export_reads_back_with_the_graphs_node_and_edge_counts(tmp_path, monkeypatch, capsys, model_cache):
    monkeypatch.setenv("MEMRAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEMRAG_EMBEDDING_CACHE", str(model_cache))
    fixture = json.loads((FIXTURES / "musique_small.json").read_text())
    openie = tmp_path / "openie.json"
    openie.write_text(json.dumps({**fixture, "docs": fixture["docs"][:4]}))  # a few passages: little to embed
    assert main(["import-hipporag", str(openie)]) == 0
    out = tmp_path / "memory.graphml"
    assert main(["graph", "export", "--format", "graphml", "--out", str(out)]) == 0
    engine = open_engine(Settings(), writer=False)
    stats, edges = engine.graph.stats(), sum(1 for _ in engine.graph.edges())
    engine.close()
    back = nx.read_graphml(out)
    assert edges > 0 and (back.number_of_nodes(), back.number_of_edges()) == (stats.entities + stats.passages, edges)
    assert f"wrote {back.number_of_nodes()} nodes and {edges} edges" in capsys.readouterr().out


def test_an_export_into_a_missing_folder_is_refused_with_its_reason(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MEMRAG_DATA_DIR", str(tmp_path / "data"))
    assert main(["graph", "export", "--out", str(tmp_path / "nowhere" / "g.json"), "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
