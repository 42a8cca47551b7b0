"""Loaders: plain text, Markdown, HTML, PDF and JSONL files into documents, with per-document errors.

A bad file or line (binary, not UTF-8, empty, too large, malformed JSON, a PDF past its limits, a
parser that fails in any way) becomes a `LoadError` that names the problem and the fix; the rest of
the run goes on. What one file may cost is bounded (`Limits`): its size, and for a PDF the bytes
each stream may decompress to, its pages and its time, so that a small decompression bomb is one
refused file, not a stalled or aborted run. HTML gives only the text its reader sees
(`html_text.py`).
"""

from __future__ import annotations

import json
import logging
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from memrag.ingest.html_text import visible_text
from memrag.memory.errors import InvalidInput
from memrag.memory.types import DocumentInput
from memrag.memory.validation import check_document

if TYPE_CHECKING:
    from pypdf import PdfReader

log = logging.getLogger("memrag.ingest")

MAX_DOCUMENT_BYTES = 20_000_000
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".rst"}
SUFFIXES = TEXT_SUFFIXES | {".html", ".htm", ".pdf", ".jsonl"}
_KINDS = {".html": "HTML", ".htm": "HTML", ".pdf": "PDF", ".jsonl": "JSONL"}


@dataclass(frozen=True)
class Limits:
    """What one file may cost the loader; past any of these the file is refused, the run goes on."""

    file_bytes: int = MAX_DOCUMENT_BYTES
    pdf_pages: int = 2_000
    pdf_seconds: float = 60.0  # checked between pages; pypdf's own work limits bound one page
    pdf_stream_bytes: int = 16_000_000  # one decompressed stream (a page's content: tens of KB when sane)
    pdf_text_chars: int = 5_000_000  # extracted text: the most a document may hold (memory/validation.py)


@dataclass(frozen=True)
class LoadError:
    source: str  # path, or path:line for JSONL
    reason: str


@dataclass
class Loaded:
    documents: list[DocumentInput] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)


def load_paths(paths: Iterable[Path], limits: Limits | None = None) -> Loaded:
    """Every supported file under the given files and directories, in sorted order."""
    limits = limits or Limits()
    loaded = Loaded()
    for path in _files(paths, loaded):
        try:
            _load_file(path, loaded, limits)
        except (_Refused, InvalidInput) as refusal:
            loaded.errors.append(LoadError(str(path), str(refusal)))
        except Exception as exc:  # any parser's failure is this file's, never the run's
            log.debug("loading %s failed", path, exc_info=True)  # the traceback for a maintainer, not the user
            kind = _KINDS.get(path.suffix.lower(), "text")
            reason = f"could not be read as {kind} ({type(exc).__name__}); check the file or send its text"
            loaded.errors.append(LoadError(str(path), reason))
    return loaded


class _Refused(Exception):
    """A file that cannot become a document; the message says why and what to do."""


def _files(paths: Iterable[Path], loaded: Loaded) -> Iterator[Path]:
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        try:
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        except OSError as exc:  # a directory that cannot be walked (a link loop, a vanished mount)
            loaded.errors.append(LoadError(str(path), f"cannot list it: {exc.strerror or type(exc).__name__}"))
            continue
        yield from found


def _load_file(path: Path, loaded: Loaded, limits: Limits) -> None:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        _load_jsonl(path, loaded, limits)
    elif suffix == ".pdf":
        loaded.documents.append(_document(path, _pdf_text(path, limits), path.stem))
    elif suffix in (".html", ".htm"):
        title, text = visible_text(_read_text(path, limits))
        loaded.documents.append(_document(path, text, title or path.stem))
    else:
        text = _read_text(path, limits)
        loaded.documents.append(_document(path, text, _markdown_title(text) or path.stem))


def _document(path: Path, text: str, title: str) -> DocumentInput:
    if not text.strip():
        raise _Refused("no text in it; nothing to index")
    return DocumentInput(text=text, id=str(path), title=title, metadata={"source": str(path)})


def _read_bytes(path: Path, limits: Limits) -> bytes:
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or a device would block or never end
            raise _Refused("not a regular file; name files or directories")
        with path.open("rb") as file:
            data = file.read(limits.file_bytes + 1)  # never more, even if the file grows meanwhile
    except OSError as exc:
        raise _Refused(f"cannot read it: {exc.strerror or type(exc).__name__}") from exc
    if len(data) > limits.file_bytes:
        raise _Refused(f"larger than the {limits.file_bytes / 1e6:g} MB limit; split the file")
    return data


def _read_text(path: Path, limits: Limits) -> str:
    data = _read_bytes(path, limits)
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


def _pdf_text(path: Path, limits: Limits) -> str:
    """The text layer, page by page, within `limits`: pypdf's own limits, lowered, bound each stream
    and page; the page count, the extracted text and the time between pages are checked here."""
    from io import BytesIO

    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError, PyPdfError

    stream = limits.pdf_stream_bytes
    bounded = apply_configuration(
        zlib_maximum_output_length=stream,
        lzw_maximum_output_length=stream,
        run_length_maximum_output_length=stream,
        brotli_maximum_output_length=stream,
        jbig2_maximum_output_length=stream,
        array_based_stream_maximum_output_length=stream,
        stream_decoding_work_maximum_length=4 * stream,
    )
    started, parts, chars = time.monotonic(), [], 0
    try:
        with bounded:
            reader = PdfReader(BytesIO(_read_bytes(path, limits)))
            _decrypt(reader)
            pages = len(reader.pages)
            if pages > limits.pdf_pages:
                raise _Refused(f"{pages} pages, over the limit of {limits.pdf_pages}; split the PDF")
            for number, page in enumerate(reader.pages, 1):
                if time.monotonic() - started >= limits.pdf_seconds:
                    raise _Refused(f"reading it took over {limits.pdf_seconds:g} s (at page {number}); send its text")
                text = page.extract_text() or ""
                chars += len(text)
                if chars > limits.pdf_text_chars:
                    raise _Refused(f"more than {limits.pdf_text_chars:,} characters of text; split the PDF")
                parts.append(text)
    except LimitReachedError as exc:
        raise _Refused(
            f"expands past the loader's limits ({_short(exc)}): a decompression bomb or a damaged file; send its text"
        ) from exc
    except PyPdfError as exc:
        raise _Refused(f"not a readable PDF ({_short(exc)}); export it again or send its text") from exc
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as exc:
        raise _Refused(f"not a readable PDF ({type(exc).__name__}); export it again or send its text") from exc
    text = "\n\n".join(parts)
    if not text.strip():
        raise _Refused("the PDF has no text layer (a scan?); run OCR first")
    return text


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _decrypt(reader: PdfReader) -> None:
    """An encrypted PDF is read if it opens with the empty password (permissions only)."""
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # pypdf raises several kinds here (a missing AES library among them)
            raise _Refused("encrypted; save a copy without a password") from exc
        if not opened:
            raise _Refused("encrypted; save a copy without a password")


def _load_jsonl(path: Path, loaded: Loaded, limits: Limits) -> None:
    """One document per line: {"text", optional "id", "title", "metadata"}; bad lines reported."""
    for number, line in enumerate(_read_text(path, limits).splitlines(), 1):
        if not line.strip():
            continue
        source = f"{path}:{number}"
        try:
            loaded.documents.append(_jsonl_document(json.loads(line)))
        except json.JSONDecodeError as exc:
            loaded.errors.append(LoadError(source, f"not JSON ({exc.msg}); one JSON object per line"))
        except RecursionError:  # nested past what the parser can hold: one bad line, not the run
            loaded.errors.append(LoadError(source, "JSON nested too deeply to read; metadata may nest 8 levels"))
        except (_Refused, InvalidInput) as refusal:
            loaded.errors.append(LoadError(source, str(refusal)))
        except ValueError as exc:  # a number too long to convert, among others
            loaded.errors.append(LoadError(source, f"not readable JSON ({type(exc).__name__}); check the line"))


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
    document = DocumentInput(text=text, id=None if doc_id is None else str(doc_id), title=title, metadata=metadata)
    return check_document(document)  # a line outside the input bounds is that line's problem, not the file's
