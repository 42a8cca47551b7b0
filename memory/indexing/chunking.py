"""Passages: sentences packed to fit the embedder's window, counted in its own tokens; or one
passage per document for benchmark corpora.

Every passage is headed by its document's title line (as it is stored and embedded), so the
heading is counted against the window too. A passage the embedder would truncate is a passage
whose tail vector search cannot see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memrag.memory.embedding.sbert import resolve_model_path
from memrag.memory.errors import ModelError

MIN_PASSAGE_TOKENS = 32  # the smallest MEMRAG_CHUNK_SIZE; below it a passage is a fragment
TITLE_SHARE = 4  # a heading takes at most 1/TITLE_SHARE of a passage; a longer title is cut


class PassageSizeError(ModelError):
    """MEMRAG_CHUNK_SIZE or MEMRAG_CHUNK_OVERLAP do not fit the embedding model's window."""


class EmbedderTokens:
    """The embedder's own tokenizer, as a counter of word pieces (special tokens left out).

    `window` is how many word pieces of a text the embedder reads: its `max_seq_length` less
    the special tokens it adds ([CLS] and [SEP] for BERT models: 256 → 254 for MiniLM)."""

    def __init__(self, tokenizer: Any, max_seq_length: int, name: str = "the embedding model") -> None:
        self._tokenizer = tokenizer
        self._tokenizer.no_truncation()  # a tokenizer.json may ship with truncation or padding on;
        self._tokenizer.no_padding()  # counting needs neither
        self.window = max_seq_length - len(tokenizer.encode("").ids)
        self.name = name

    @classmethod
    def of_model(cls, model: str) -> EmbedderTokens:
        """The tokenizer and window of a sentence-transformers model: a local directory, the packaged
        MiniLM, or a model already in the Hugging Face cache (nothing is downloaded here)."""
        from tokenizers import Tokenizer

        folder = _model_folder(model)
        if folder is None:
            raise ModelError(
                f"no tokenizer.json for embedding model {Path(model).name!r}; set MEMRAG_EMBEDDING_MODEL "
                "to a local sentence-transformers directory"
            )
        return cls(Tokenizer.from_file(str(folder / "tokenizer.json")), _max_seq_length(folder), Path(model).name)

    def ids(self, text: str) -> list[int]:
        """Word-piece ids of the text, without special tokens (the splitter's token counter)."""
        return list(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def head(self, text: str, limit: int) -> str:
        """The longest start of the text that is at most `limit` tokens, cut between tokens."""
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        if len(encoding.ids) <= limit:
            return text
        return text[: encoding.offsets[limit][0]] if limit > 0 else ""


def _model_folder(model: str) -> Path | None:
    local = Path(resolve_model_path(model))
    if (local / "tokenizer.json").is_file():
        return local
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - installed with transformers
        return None
    for repo in (model, f"sentence-transformers/{model}"):
        try:
            found = try_to_load_from_cache(repo, "tokenizer.json")
        except ValueError:  # not a repository name
            continue
        if isinstance(found, str):
            return Path(found).parent
    return None


def _max_seq_length(folder: Path) -> int:
    """sentence-transformers' own order: sentence_bert_config.json, then the tokenizer's limit;
    256 (MiniLM's) when neither says."""
    for name, key in (("sentence_bert_config.json", "max_seq_length"), ("tokenizer_config.json", "model_max_length")):
        try:
            value = json.loads((folder / name).read_text()).get(key)
        except (OSError, ValueError):
            continue
        if isinstance(value, int) and 0 < value < 100_000:  # tokenizers write 1e30 for "no limit"
            return value
    return 256


@dataclass(frozen=True)
class PassageSize:
    """Passage size and overlap in the embedder's tokens, checked against its window."""

    size: int
    overlap: int

    @classmethod
    def fit(cls, tokens: EmbedderTokens, size: int | None = None, overlap: int | None = None) -> PassageSize:
        """Unset size → the whole window; unset overlap → an eighth of the size (64 of 512 before).
        A size above the window is refused, never cut silently: the operator asked for passages
        the model cannot read whole."""
        window = tokens.window
        if size is None:
            size = window
        if size > window:
            raise PassageSizeError(
                f"MEMRAG_CHUNK_SIZE={size} is larger than the {window} tokens {tokens.name} reads; "
                f"set it to {window} or less, or leave it unset"
            )
        if size < MIN_PASSAGE_TOKENS:
            raise PassageSizeError(f"MEMRAG_CHUNK_SIZE={size} is below {MIN_PASSAGE_TOKENS} tokens")
        if overlap is None:
            overlap = size // 8
        if overlap >= size:
            raise PassageSizeError(f"MEMRAG_CHUNK_OVERLAP={overlap} must be smaller than the passage size ({size})")
        return cls(size, overlap)


class SentenceChunker:
    """Splits on sentence boundaries (llama-index's SentenceSplitter) into passages of at most
    `size` tokens of the embedder, title line included; neighbours share about `overlap` tokens."""

    def __init__(self, tokens: EmbedderTokens, size: int | None = None, overlap: int | None = None) -> None:
        from llama_index.core.node_parser.text.utils import split_by_sentence_tokenizer

        self._tokens = tokens
        self.size = PassageSize.fit(tokens, size, overlap)
        self._sentences = split_by_sentence_tokenizer()  # built once; the splitters per body size share it
        self._splitters: dict[int, Any] = {}

    def split(self, text: str, title: str = "") -> list[str]:
        heading = self._heading(title)
        budget = self.size.size - (self._tokens.count(heading + "\n") if heading else 0)
        passages = []
        for chunk in self._splitter(budget).split_text(text):
            for body in self._fit(chunk, budget):
                if body.strip():
                    passages.append(f"{heading}\n{body}" if heading else body)
        return passages

    def _heading(self, title: str) -> str:
        """The title, cut to a quarter of the passage and marked with "…" when cut (the document
        record keeps it whole)."""
        limit = self.size.size // TITLE_SHARE
        if self._tokens.count(title) <= limit:
            return title
        return self._tokens.head(title, limit - 1).rstrip() + "…"

    def _splitter(self, budget: int) -> Any:
        splitter = self._splitters.get(budget)
        if splitter is None:
            from llama_index.core.node_parser import SentenceSplitter

            splitter = SentenceSplitter(
                chunk_size=budget,
                chunk_overlap=min(self.size.overlap, budget // 2),
                tokenizer=self._tokens.ids,
                chunking_tokenizer_fn=self._sentences,
            )
            self._splitters[budget] = splitter
        return splitter

    def _fit(self, chunk: str, budget: int) -> list[str]:
        """The splitter counts its pieces one by one; joined, a chunk could tokenise longer. Such
        a chunk is cut between tokens so that no passage outgrows the window."""
        pieces = []
        while self._tokens.count(chunk) > budget:
            head = self._tokens.head(chunk, budget) or chunk[:1]
            pieces.append(head.strip())
            chunk = chunk[len(head) :]
        pieces.append(chunk.strip())
        return pieces


class WholeDocumentChunker:
    """The document is one passage (HippoRAG benchmark corpora are indexed this way), headed by
    its title line; it may be longer than the embedder reads."""

    def split(self, text: str, title: str = "") -> list[str]:
        if not text.strip():
            return []
        return [f"{title}\n{text}" if title else text]
