"""Loaders: plain text, Markdown, HTML, PDF and JSONL files into documents, with per-document errors.

A bad file or line (binary, not UTF-8, empty, too large, malformed JSON) becomes a `LoadError`
that names the problem and the fix; the rest of the batch goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from memrag.memory.types import DocumentInput

MAX_DOCUMENT_BYTES = 20_000_000
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".rst"}
SUFFIXES = TEXT_SUFFIXES | {".html", ".htm", ".pdf", ".jsonl"}


@dataclass(frozen=True)
class LoadError:
    source: str  # path, or path:line for JSONL
    reason: str


@dataclass
class Loaded:
    documents: list[DocumentInput] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)


def load_paths(paths: Iterable[Path]) -> Loaded:
    """Every supported file under the given files and directories, in sorted order."""
    loaded = Loaded()
    for path in _files(paths):
        try:
            _load_file(path, loaded)
        except _Refused as refusal:
            loaded.errors.append(LoadError(str(path), str(refusal)))
    return loaded


class _Refused(Exception):
    """A file that cannot become a document; the message says why and what to do."""


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            yield path


def _load_file(path: Path, loaded: Loaded) -> None:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        _load_jsonl(path, loaded)
    elif suffix == ".pdf":
        loaded.documents.append(_document(path, _pdf_text(path), path.stem))
    elif suffix in (".html", ".htm"):
        title, text = _html_text(_read_text(path))
        loaded.documents.append(_document(path, text, title or path.stem))
    else:
        text = _read_text(path)
        loaded.documents.append(_document(path, text, _markdown_title(text) or path.stem))


def _document(path: Path, text: str, title: str) -> DocumentInput:
    if not text.strip():
        raise _Refused("no text in it; nothing to index")
    return DocumentInput(text=text, id=str(path), title=title, metadata={"source": str(path)})


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise _Refused(f"{size / 1e6:.0f} MB is over the {MAX_DOCUMENT_BYTES / 1e6:.0f} MB limit; split the file")
        return path.read_bytes()
    except OSError as exc:
        raise _Refused(f"cannot read it: {exc.strerror or exc}") from exc


def _read_text(path: Path) -> str:
    data = _read_bytes(path)
    if b"\x00" in data[:8192]:
        raise _Refused("looks binary (NUL bytes); send text, Markdown, HTML, PDF or JSONL")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Refused(f"not UTF-8 (byte {exc.start}); re-encode the file as UTF-8") from exc


def _markdown_title(text: str) -> str:
    for line in text.splitlines()[:20]:
        if line.startswith("# "):
            return line[2:].strip()
    return ""


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self._in_title = tag == "title"
        if tag in ("p", "br", "div", "li", "h1", "h2", "h3", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data.strip()
        elif not self._skip:
            self.parts.append(data)


def _html_text(html: str) -> tuple[str, str]:
    parser = _TextOfHtml()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return parser.title, "\n".join(line for line in lines if line)


def _pdf_text(path: Path) -> str:
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(_read_bytes(path)))
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise _Refused(f"not a readable PDF ({exc}); export it again or send its text") from exc
    if not text.strip():
        raise _Refused("the PDF has no text layer (a scan?); run OCR first")
    return text


def _load_jsonl(path: Path, loaded: Loaded) -> None:
    """One document per line: {"text", optional "id", "title", "metadata"}; bad lines reported."""
    for number, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        source = f"{path}:{number}"
        try:
            loaded.documents.append(_jsonl_document(json.loads(line)))
        except json.JSONDecodeError as exc:
            loaded.errors.append(LoadError(source, f"not JSON ({exc.msg}); one JSON object per line"))
        except _Refused as refusal:
            loaded.errors.append(LoadError(source, str(refusal)))


def _jsonl_document(row: object) -> DocumentInput:
    if not isinstance(row, dict):
        raise _Refused("a line must be a JSON object with a 'text' field")
    text, doc_id, title, metadata = row.get("text"), row.get("id"), row.get("title", ""), row.get("metadata", {})
    if not isinstance(text, str) or not text.strip():
        raise _Refused("'text' must be a non-empty string")
    if doc_id is not None and not isinstance(doc_id, str | int):
        raise _Refused("'id' must be a string or an integer")
    if not isinstance(title, str) or not isinstance(metadata, dict):
        raise _Refused("'title' must be a string and 'metadata' an object")
    return DocumentInput(text=text, id=None if doc_id is None else str(doc_id), title=title, metadata=metadata)
