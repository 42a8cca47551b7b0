"""A memory opened read-only (`memrag ask`, `memrag retrieve`, `open_memory(read_only=True)`) sweeps no
write in progress and refuses writes; the store's writer sweeps leftovers when it opens."""

import asyncio

import pytest

from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.errors import InvalidInput
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.settings import Settings
from memrag.memory.types import DocumentInput, Passage
from memrag.memory.wiring import open_engine, open_memory


def test_a_read_only_memory_sweeps_no_write_in_progress_and_refuses_writes(tmp_path):
    settings, embedder = Settings(data_dir=tmp_path), HashEmbedder(32)
    writer = open_engine(settings, "ns", embedder=embedder, extractor=RecordedExtractor({}), whole_documents=True)
    writer.add([DocumentInput("Ada Lovelace wrote the first program.", id="ada")])
    in_progress = Passage("passage-in-progress", "not-committed-yet", 0, "half written", (), ())
    writer.store.put_passages([in_progress], embedder.embed([in_progress.text]))  # no document names it yet
    writer.close()
    memory = open_memory(settings, "ns", read_only=True, embedder=embedder, extractor=RecordedExtractor({}))
    reader = memory.engine
    assert in_progress.id in {p.id for p in reader.store.all_passages()}  # left alone: it may be a write going on
    with pytest.raises(InvalidInput, match="read-only"):
        asyncio.run(memory.add(["more"]))
    with pytest.raises(InvalidInput, match="read-only"):
        reader.delete("ada")
    reader.close()
    swept = open_engine(settings, "ns", embedder=embedder, extractor=RecordedExtractor({}))  # the writer sweeps
    assert {p.id for p in swept.store.all_passages()} == set(swept.get("ada").passage_ids)
    swept.close()
