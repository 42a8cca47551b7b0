"""The engines of a process embed questions through one QueryBatcher, and batching leaves each
question's vector as it is alone (fp32: padding is masked), so a batched question ranks the same."""

from pathlib import Path

import numpy as np
import pytest

from memrag.memory.embedding.cache import CachedEmbedder
from memrag.memory.embedding.query_batcher import QueryBatcher
from memrag.memory.embedding.wrapping import WrappingEmbedder
from memrag.memory.settings import Settings
from memrag.memory.wiring import Engines

pytestmark = pytest.mark.model

QUESTION = "Who founded the record label?"
BATCH_MATES = [
    "Where was the composer born?",
    "Which river flows through the city where the university established in 1850 stands, and who named it?",
    "When?",
]


@pytest.fixture
def engines(tmp_path: Path, model_cache: Path):
    # an LLM endpoint that is never called: only its client is made
    made = Engines(Settings(data_dir=tmp_path, embedding_cache=model_cache, llm_base_url="http://127.0.0.1:9/v1"))
    yield made
    made.close()


def test_every_namespace_embeds_questions_through_one_batcher_over_the_uncached_model(engines: Engines) -> None:
    first, second = engines("notes").query_embedder, engines("mail").query_embedder
    assert isinstance(first, QueryBatcher)
    assert first is second  # concurrent questions to different namespaces share calls too
    cached = engines("notes").embedder
    assert isinstance(cached, CachedEmbedder)
    on_query_session = first.inner
    assert isinstance(on_query_session, WrappingEmbedder)  # questions on the model's query session,
    assert on_query_session.inner is cached.inner  # and not through the cache: no write per question


def test_a_question_embedded_beside_longer_ones_gets_the_vector_it_gets_alone(engines: Engines) -> None:
    batcher = engines("notes").query_embedder
    assert isinstance(batcher, QueryBatcher)
    alone = batcher.inner.embed([QUESTION])[0]
    together = batcher.inner.embed([*BATCH_MATES, QUESTION])[len(BATCH_MATES)]
    assert float(np.dot(alone, together)) >= 1 - 1e-5
    np.testing.assert_allclose(together, alone, atol=1e-4)
