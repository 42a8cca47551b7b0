"""Passages that fit the embedder (issue 10, Must-show 5), on the real all-MiniLM-L6-v2.

The model reads 256 word pieces; passages used to be cut at 512 tokens of another tokenizer, so
the tail of a full passage was invisible to vector search. Reproduce:
`HF_HUB_OFFLINE=1 .venv/bin/pytest tests/pipeline/test_passages_fit_embedder.py`.
"""

import random

import pytest

from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.params import RetrievalParams
from memrag.memory.settings import Settings
from memrag.memory.types import DocumentInput
from memrag.memory.wiring import open_engine

pytestmark = pytest.mark.model

FACT = "The door of the Tarnholm lighthouse is painted cobalt blue."
QUESTION = "What colour is the door of the Tarnholm lighthouse?"


def long_document(words: int = 2000, seed: int = 4) -> str:
    """About `words` words of unrelated filler, the fact as its last sentence. Seed 4 puts the
    fact 308 word pieces into the last 512-token passage of the old cut (measured): past the
    254 the model reads, with room to spare."""
    rng = random.Random(seed)
    subjects = ["The baker", "A commuter", "The gardener", "Our neighbour", "The orchestra", "A cyclist"]
    subjects += ["The librarian", "The farmer", "A student", "The council"]
    verbs = ["prepared", "discussed", "repaired", "planted", "rehearsed", "counted", "painted", "described"]
    objects = ["sourdough loaves for the market", "the delayed morning trains", "tomatoes along the southern wall"]
    objects += ["a symphony by an early composer", "bicycles in the shed", "overdue books on the shelves"]
    objects += ["the spring wheat harvest", "essays about medieval trade", "new benches for the park"]
    times = ["on Monday", "after lunch", "before the holidays", "during the storm", "every winter", "at dawn"]
    sentences: list[str] = []
    while sum(len(s.split()) for s in sentences) < words - len(FACT.split()):
        sentences.append(f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} {rng.choice(times)}.")
    return " ".join([*sentences, FACT])


class OldChunker:
    """The cut before issue 10: 512 tokens of llama-index's default tokenizer, the title line added."""

    def __init__(self) -> None:
        from llama_index.core.node_parser import SentenceSplitter

        self._splitter = SentenceSplitter(chunk_size=512, chunk_overlap=64)

    def split(self, text: str, title: str = "") -> list[str]:
        return [f"{title}\n{c}" for c in self._splitter.split_text(text) if c.strip()]


# Short documents about the lighthouse that do not say the colour: the fact's passage must beat
# filler and these (measured cosines to the question: 0.58, 0.39, 0.32, 0.19; the fact's passage
# 0.44 when the model reads it, 0.135 like the filler when it does not).
NEIGHBOURS = [
    DocumentInput("The Tarnholm lighthouse was designed by Ingrid Vale in 1887. It stands on the northern cape."),
    DocumentInput("The harbour master keeps the keys of the lighthouse and the boathouse.", title="Harbour"),
    DocumentInput("The paint shop in the village sells white, red and green paint for boats.", title="Paint"),
    DocumentInput("Ingrid Vale was born in Bergen and trained as a harbour engineer.", title="Ingrid Vale"),
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory, model_cache):
    return Settings(data_dir=tmp_path_factory.mktemp("memrag"), embedding_threads=2, embedding_cache=model_cache)


def _retrieve(settings, namespace, **kwargs) -> tuple[list[str], int]:
    """The top three dense hits for the question, and how many passages the long document made."""
    engine = open_engine(settings, namespace, extractor=RecordedExtractor({}), **kwargs)
    try:
        engine.add([DocumentInput(long_document(), id="notes", title="Village notes"), *NEIGHBOURS])
        hits = engine.retrieve(QUESTION, RetrievalParams(top_k=3, strategy="dense")).hits
        return [h.text for h in hits], sum(1 for p in engine.store.all_passages() if p.doc_id == "notes")
    finally:
        engine.close()


def test_a_fact_in_the_last_sentence_of_a_2000_word_document_is_found(settings):
    assert len(long_document().split()) >= 2000
    top, passages = _retrieve(settings, "fits")  # the chunker the settings make: the product's path
    assert any(FACT in text for text in top)
    assert passages >= 9  # ~2,600 word pieces in passages of at most 254


def test_the_old_512_token_cut_hides_the_same_fact(settings):
    """The control: cut the old way, the fact's passage is not found, so the test above can fail."""
    top, passages = _retrieve(settings, "old", chunker=OldChunker())
    assert passages == 6
    assert not any(FACT in text for text in top)
