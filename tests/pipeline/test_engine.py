"""The engine end to end on real Qdrant Edge shards with the hash embedder."""

from collections.abc import Sequence

import pytest

from memrag.memory.errors import InvalidInput, ModelError, NotFound
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.params import RetrievalParams
from memrag.memory.types import DocumentInput, Extraction
from tests.helpers import engine_holding, extractions, graph_signature, make_engine, ranking_signature

TABLE = {
    "Paris is the capital of France.": [("Paris", "capital of", "France")],
    "France is a country in Europe.": [("France", "country in", "Europe")],
    "Berlin is the capital of Germany.": [("Berlin", "capital of", "Germany")],
    "Germany borders France.": [("Germany", "borders", "France")],
    "Bananas are yellow.": [],
}


@pytest.fixture
def engine(tmp_path):
    e = engine_holding(tmp_path, TABLE)
    yield e
    e.close()


def test_graph_mode_ranks_the_passages_linked_by_facts(engine):
    result = engine.retrieve("Paris capital of France", RetrievalParams(top_k=3))
    assert result.mode == "graph"
    assert result.hits[0].text == "Paris is the capital of France."
    assert {s.name for s in result.seeds} >= {"paris", "france"}
    assert all(h.facts for h in result.hits)  # provenance travels with every hit


def test_multi_hop_neighbour_outranks_an_unrelated_passage(engine):
    ranked = [h.text for h in engine.retrieve("Paris capital of France", RetrievalParams(top_k=5)).hits]
    assert ranked.index("France is a country in Europe.") < ranked.index("Bananas are yellow.")


def test_without_facts_the_dense_fallback_is_explicit(tmp_path):
    e = make_engine(tmp_path, {})
    e.add([DocumentInput(text="Bananas are yellow."), DocumentInput(text="Apples are red.")])
    result = e.retrieve("yellow bananas", RetrievalParams(top_k=1))
    assert result.mode == "dense_fallback"
    assert result.hits[0].text == "Bananas are yellow."
    e.close()


def test_exact_and_local_ppr_agree_on_the_ranking(engine):
    local = engine.rank("capital of Germany", RetrievalParams(top_k=5))
    exact = engine.rank("capital of Germany", RetrievalParams(top_k=5, ppr_mode="exact"))
    assert [p for p, _ in local.passages] == [p for p, _ in exact.passages]


def test_empty_document_is_refused_with_a_clear_message(engine):
    before = graph_signature(engine)
    with pytest.raises(InvalidInput, match="no text"):
        engine.add([DocumentInput(text="Fine text."), DocumentInput(text="   ")])
    assert graph_signature(engine) == before


def test_delete_removes_passages_and_orphaned_entities(engine):
    engine.delete("d0")
    result = engine.retrieve("Paris capital of France", RetrievalParams(top_k=5))
    assert "Paris is the capital of France." not in [h.text for h in result.hits]
    names = {e.name for e in engine.store.all_entities()}
    assert "paris" not in names and "france" in names
    with pytest.raises(NotFound):
        engine.delete("d0")


def test_changed_content_under_the_same_id_replaces_the_old_version(engine):
    report = engine.add([DocumentInput(text="Rome is the capital of Italy.", id="d0")])
    assert report.documents_added == ["d0"]
    texts = {p.text for p in engine.store.all_passages()}
    assert "Rome is the capital of Italy." in texts and "Paris is the capital of France." not in texts


def test_a_change_of_metadata_alone_rewrites_the_document_record_only(engine):
    text = "Paris is the capital of France."
    before = (engine.get("d0").passage_ids, graph_signature(engine), sorted(p.id for p in engine.store.all_passages()))
    report = engine.add([DocumentInput(text=text, id="d0", metadata={"source": "atlas", "year": 2024})])
    assert (report.documents_added, report.documents_unchanged, report.passages) == (["d0"], [], 0)
    assert engine.get("d0").metadata == {"source": "atlas", "year": 2024}
    after = (engine.get("d0").passage_ids, graph_signature(engine), sorted(p.id for p in engine.store.all_passages()))
    assert after == before
    again = engine.add([DocumentInput(text=text, id="d0", metadata={"year": 2024, "source": "atlas"})])
    assert (again.documents_added, again.documents_unchanged) == ([], ["d0"])


def test_reopening_gives_identical_graph_and_rankings(tmp_path):
    first = make_engine(tmp_path, extractions(TABLE))
    first.add([DocumentInput(text=t) for t in TABLE])
    queries = ["capital of France", "Germany borders", "Europe country"]
    before = [ranking_signature(first.rank(q, RetrievalParams(top_k=5))) for q in queries]
    signature = graph_signature(first)
    first.close()
    reopened = make_engine(tmp_path, extractions(TABLE))
    assert graph_signature(reopened) == signature
    assert [ranking_signature(reopened.rank(q, RetrievalParams(top_k=5))) for q in queries] == before
    reopened.close()


class _FailingOn:
    """The recorded extractions, except that texts containing a marker fail (as an unreachable LLM would)."""

    name = "failing"

    def __init__(self, marker: str, recorded: dict[str, Extraction]) -> None:
        self.marker = marker
        self.recorded = RecordedExtractor(recorded)

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        if any(self.marker in p for p in passages):
            raise ModelError("scripted outage")
        return self.recorded.extract(passages)


def test_a_replacement_that_cannot_be_extracted_keeps_the_old_version(tmp_path):
    engine = make_engine(tmp_path, extractor=_FailingOn("OUTAGE", extractions(TABLE)))
    engine.add([DocumentInput(text=t, id=f"d{i}") for i, t in enumerate(TABLE)])
    report = engine.add([DocumentInput(text="OUTAGE: Rome is the capital of Italy.", id="d0")])
    assert report.failed == {"d0": "extraction failed: scripted outage"}
    assert engine.get("d0").passage_ids  # the old version is still there, whole
    texts = {p.text for p in engine.store.all_passages()}
    assert "Paris is the capital of France." in texts and not any("OUTAGE" in t for t in texts)
    engine.close()
