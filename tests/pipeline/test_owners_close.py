"""Whoever makes a resource closes it: the embedding cache, the OpenIE cache and the chat client close with it."""

import sqlite3
from pathlib import Path

import pytest

from memrag.memory.settings import Settings
from memrag.memory.wiring import Engines, open_engine, open_preparer

pytestmark = pytest.mark.model


def _settings(data_dir: Path, model_cache: Path) -> Settings:
    # an LLM endpoint that is never called: only its client and the OpenIE cache are made
    return Settings(data_dir=data_dir, embedding_cache=model_cache, llm_base_url="http://127.0.0.1:9/v1")


def test_a_workers_preparer_closes_its_embedder_and_llm_parts(tmp_path, model_cache):
    with open_preparer(_settings(tmp_path, model_cache)) as preparer:
        assert preparer.embedder.embed(["open for business"]).shape[0] == 1
    with pytest.raises(sqlite3.ProgrammingError):
        preparer.embedder.embed(["a text the cache has never seen"])
    with pytest.raises(sqlite3.ProgrammingError):
        preparer.extractor.extract(["a passage"])


def test_engines_close_the_embedder_and_llm_parts_they_made(tmp_path, model_cache):
    engines = Engines(_settings(tmp_path, model_cache))
    engine = engines("notes")
    engines.close()
    with pytest.raises(sqlite3.ProgrammingError):
        engine.embedder.embed(["a text the cache has never seen"])
    with pytest.raises(sqlite3.ProgrammingError):
        engine.preparer.extractor.extract(["a passage"])


def test_an_engine_from_open_engine_closes_what_open_engine_made(tmp_path, model_cache):
    engine = open_engine(_settings(tmp_path, model_cache), "notes")
    engine.close()
    with pytest.raises(sqlite3.ProgrammingError):
        engine.embedder.embed(["a text the cache has never seen"])
    with pytest.raises(sqlite3.ProgrammingError):
        engine.preparer.extractor.extract(["a passage"])
