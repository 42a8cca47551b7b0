"""Passages fit the embedder: counted in its own word pieces, title line included, within its window."""

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memrag.memory.indexing.chunking import (
    EmbedderTokens,
    PassageSize,
    PassageSizeError,
    SentenceChunker,
    WholeDocumentChunker,
)
from memrag.memory.settings import Settings
from memrag.memory.wiring import make_chunker


@pytest.fixture(scope="module")
def minilm() -> EmbedderTokens:
    """The packaged MiniLM's tokenizer (tokenizer.json only: no model weights are loaded)."""
    return EmbedderTokens.of_model("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def chunker(minilm) -> SentenceChunker:
    return SentenceChunker(minilm, size=64, overlap=8)


def test_the_window_is_what_the_model_reads_less_its_special_tokens(minilm):
    assert minilm.window == 254  # max_seq_length 256 less [CLS] and [SEP]
    assert PassageSize.fit(minilm) == PassageSize(254, 31)  # unset: the window, an eighth shared
    assert PassageSize.fit(minilm, 128) == PassageSize(128, 16)
    assert PassageSize.fit(minilm, 100, 0) == PassageSize(100, 0)


def test_a_size_beyond_the_window_is_refused_with_a_named_error(minilm, tmp_path):
    with pytest.raises(PassageSizeError, match=r"MEMRAG_CHUNK_SIZE=512 .* 254 tokens all-MiniLM-L6-v2 reads"):
        PassageSize.fit(minilm, 512)
    with pytest.raises(PassageSizeError, match="MEMRAG_CHUNK_OVERLAP=254"):
        PassageSize.fit(minilm, None, 254)
    with pytest.raises(PassageSizeError, match="MEMRAG_CHUNK_SIZE=512"):  # where the settings meet the model
        make_chunker(Settings(data_dir=tmp_path, chunk_size=512))
    assert isinstance(make_chunker(Settings(data_dir=tmp_path)), SentenceChunker)  # unset: fits by itself


def test_the_tokenizer_counts_without_truncation_or_padding(minilm):
    # the packaged tokenizer.json truncates at 128 and pads: a counter must do neither
    assert minilm.count("word " * 300) == 300
    assert minilm.count("word") == 1


words = st.sampled_from(["harbour", "Tarnholm", "lighthouse", "1887", "naïve", "中文", "😀", "e.g.", "x" * 40, "—"])
sentences = st.tuples(st.lists(words, min_size=1, max_size=30), st.sampled_from([". ", "! ", ".\n\n", "; "]))


@settings(max_examples=40, deadline=None)
@given(st.lists(sentences, min_size=1, max_size=40), st.sampled_from(["", "Notes", "A much longer title " * 5]))
def test_every_passage_fits_and_the_text_is_all_kept(chunker, minilm, body, title):
    text = "".join(" ".join(ws) + end for ws, end in body)
    passages = chunker.split(text, title)
    assert all(minilm.count(p) <= 64 for p in passages)
    assert _covers([p.split("\n", 1)[1] if title else p for p in passages], text)  # title lines aside


def _covers(passages: list[str], text: str) -> bool:
    """The passages, spaces aside, are pieces of the text in order that leave none of it out
    (neighbours may overlap; a cut may fall inside "e.g.;", so spaces are not compared). Each is
    placed at its last occurrence that leaves no gap, so repeated sentences cannot mislead it."""
    whole, start, covered = "".join(text.split()), 0, 0
    for passage in passages:
        piece = "".join(passage.split())
        at = whole.rfind(piece, start, covered + len(piece))
        if at < 0:
            return False
        start, covered = at + 1, max(covered, at + len(piece))
    return covered == len(whole)


def test_the_title_heads_every_passage_and_a_long_one_is_cut(chunker, minilm):
    text = " ".join(f"Sentence number {i} is about the harbour." for i in range(40))
    passages = chunker.split(text, "Harbour notes")
    assert len(passages) > 3 and all(p.startswith("Harbour notes\n") for p in passages)
    long_title = "The very long title of a report on harbours " * 20
    cut = chunker.split(text, long_title)
    heading = cut[0].split("\n")[0]
    assert heading.endswith("…") and minilm.count(heading) <= 64 // 4
    assert all(p.startswith(heading + "\n") and minilm.count(p) <= 64 for p in cut)


def test_whole_documents_are_one_passage_headed_by_the_title_as_before():
    # the benchmark path (`memrag eval`, whole_documents=True): passage texts, hence ids, unchanged
    assert WholeDocumentChunker().split("Body text.", "Title") == ["Title\nBody text."]
    assert WholeDocumentChunker().split("Body text.") == ["Body text."]
    assert WholeDocumentChunker().split("  \n", "Title") == []


@dataclass
class _Encoding:
    ids: list[int]
    offsets: list[tuple[int, int]]


class SpacesCostATokenBetweenWords:
    """A tokenizer whose pieces do not add up: one token per character, plus one for each space
    between two words. The splitter counts `"aaa "` and `"bbb "` as 3 each; joined, they are 7."""

    def no_truncation(self) -> None:
        pass

    def no_padding(self) -> None:
        pass

    def encode(self, text: str, add_special_tokens: bool = True) -> _Encoding:
        offsets = []
        for i, ch in enumerate(text):
            inner_space = ch == " " and 0 < i < len(text) - 1 and text[i - 1] != " " and text[i + 1] != " "
            if ch != " " or inner_space:
                offsets.append((i, i + 1))
        specials = [(0, 0), (0, 0)] if add_special_tokens else []
        return _Encoding(list(range(len(offsets) + len(specials))), specials[:1] + offsets + specials[1:])


def test_a_tokenizer_whose_pieces_do_not_add_up_still_gives_passages_within_the_window():
    tokens = EmbedderTokens(SpacesCostATokenBetweenWords(), max_seq_length=66, name="fake")
    assert tokens.window == 64
    text = " ".join(["abcd"] * 400)
    passages = SentenceChunker(tokens, 64, 0).split(text)
    assert all(tokens.count(p) <= 64 for p in passages)
    assert sum(p.count("abcd") for p in passages) == 400
