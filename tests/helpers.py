"""Shared test helpers: engines over real Qdrant Edge shards with the deterministic hash embedder,
signatures that compare graphs and rankings, and what tests that start servers need."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import zlib
from pathlib import Path

import httpx

from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.ports import Embedder, Extractor, VectorIndex
from memrag.memory.retrieval.pipeline import RankedPassages
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import DocumentInput, Extraction, Triple

FIXTURES = Path(__file__).parent / "fixtures"


def make_engine(
    path: Path,
    recorded: dict[str, Extraction] | None = None,
    embedder: Embedder | None = None,
    extractor: Extractor | None = None,
) -> Engine:
    """An engine over an embedded store at `path`: the hash embedder, whole documents as passages,
    and the recorded extractions (or the `extractor` given in their place)."""
    embedder = embedder or HashEmbedder(32)
    extractor = extractor or RecordedExtractor(recorded or {})
    store = RecordStore(EdgeStore(path), embedder.dim)
    return Engine(store, embedder, extractor, WholeDocumentChunker(), KeepTopFacts())


def record_count(index: VectorIndex) -> int:
    """How many records a collection holds (read through the port, which has no count of its own)."""
    return sum(1 for _ in index.scroll())


def extractions(table: dict[str, list[tuple[str, str, str]]]) -> dict[str, Extraction]:
    """Recorded OpenIE from a table of passage text → triples (no separately named entities)."""
    return {text: Extraction((), tuple(Triple(*t) for t in triples)) for text, triples in table.items()}


def engine_holding(path: Path, table: dict[str, list[tuple[str, str, str]]]) -> Engine:
    """An engine (`make_engine`) holding each passage text of `table` as a document, ids d0, d1, … in order."""
    engine = make_engine(path, extractions(table))
    engine.add([DocumentInput(text=t, id=f"d{i}") for i, t in enumerate(table)])
    return engine


def graph_signature(engine: Engine) -> dict[tuple[str, str], float]:
    """Every edge once with its weight rounded: equal signatures mean equal graphs."""
    return {(min(a, b), max(a, b)): round(w, 5) for a, b, w in engine.graph.edges()}


def ranking_signature(ranking: RankedPassages) -> tuple[str, tuple[tuple[str, float], ...]]:
    """Passage ids in order with scores to 9 places (node numbering may differ across rebuilds)."""
    return ranking.mode, tuple((p, round(s, 9)) for p, s in ranking.passages)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], tries: int = 300) -> None:
    """Poll `url` until it answers 200; kill `proc` and fail if it never does."""
    for _ in range(tries):
        try:
            if httpx.get(url).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{url} did not come up")


_LEAKS = {
    "traceback": re.compile(r"Traceback \(most recent call last\)|\bFile \"[^\"]+\", line \d+"),
    "url": re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://"),
    "host:port": re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}:\d{2,5}\b|\blocalhost:\d{2,5}\b|\[[0-9a-fA-F:]+\]:\d{2,5}"),
    "path": re.compile(
        r"(?<![\w/.-])/(?:tmp|home|work|root|var|usr|etc|opt|mnt|srv|proc|data|private|Users)(?:/|\b)"
        r"|\b[A-Za-z]:\\\\"
        r"|[\w.-]+/[\w./-]*\.(?:py|sqlite|json|lock|onnx|dat|mmap)\b"
    ),
    "credential": re.compile(
        r"(?i)\b(?:password|passwd|api[_-]?key|secret|token)\s*[=:]\s*['\"]?[^\s'\",*]{3,}"
        r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}"
        r"|\bmr_[A-Za-z0-9_-]{20,}"
        r"|://[^/\s@]*:[^/\s@*]+@"
    ),
}


def leaks(body: str) -> list[str]:
    """What an error body (or log line) gives away that it must not: a traceback, a URL, a host:port,
    a filesystem path, a credential. Empty when it is clean; each finding is `kind: text`."""
    return [f"{kind}: {m.group(0)}" for kind, pattern in _LEAKS.items() for m in pattern.finditer(body)]


class RedisProcess:
    """A redis-server of our own on loopback that can be stopped and started again on the same port and
    data (append-only file, fsync on every write: what it acknowledged survives a stop)."""

    def __init__(self, workdir: Path, port: int | None = None, password: str | None = None) -> None:
        self.workdir, self.port, self.password = workdir, port or free_port(), password
        self.url = f"redis://{f':{password}@' if password else ''}127.0.0.1:{self.port}/0"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.workdir), "--save", ""]
        args += ["--appendonly", "yes", "--appendfsync", "always"]
        args += ["--requirepass", self.password] if self.password else []
        self._proc = subprocess.Popen(["redis-server", *args], stdout=subprocess.DEVNULL)
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(f"AUTH {self.password}\r\nPING\r\n".encode() if self.password else b"PING\r\n")
                    replies = b""
                    while replies.count(b"\r\n") < (2 if self.password else 1):  # one line per command
                        replies += s.recv(64) or b"\r\n\r\n"
                    if b"+PONG" in replies:  # not "-LOADING": the append-only file is read
                        return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()  # never left running behind a failed start
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=30)
            self._proc = None


def one_page_pdf(contents: bytes, filters: bytes = b"") -> bytes:
    """A one-page PDF (Helvetica) whose page stream is `contents`, stored through `filters` if given."""
    return assemble_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d%s >>\nstream\n" % (len(contents), filters) + contents + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def text_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer is `text` (one line)."""
    return one_page_pdf(b"BT /F1 14 Tf 20 80 Td (%s) Tj ET" % text.encode())


def pdf_bomb(inflated_bytes: int) -> bytes:
    """A small PDF whose page stream inflates (twice) to about `inflated_bytes`."""
    page = b"BT /F1 12 Tf 72 712 Td (Hello) Tj ET\n" + b" " * inflated_bytes
    return one_page_pdf(zlib.compress(zlib.compress(page, 9), 9), b" /Filter [/FlateDecode /FlateDecode]")


def assemble_pdf(objects: list[bytes]) -> bytes:
    """A PDF file of the given objects (numbered from 1), with its cross-reference table."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
