"""An uploaded file (its name and bytes) into documents, through the same loaders as `memrag ingest`.

The bytes go to a private temporary file named by a random stem and the upload's suffix, so the
loader chooses the format exactly as it does for a file on disk (`loaders.py`: text, Markdown,
HTML, PDF, JSON Lines, with the same limits); then the temporary path is replaced by the upload's
name wherever the loader put it (document id, title, metadata, error sources). Nothing of the
server's filesystem reaches the caller.
"""

from __future__ import annotations

import tempfile
import unicodedata
import uuid
from dataclasses import replace
from pathlib import Path, PurePosixPath

from memrag.ingest.loaders import SUFFIXES, Limits, Loaded, LoadError, load_paths
from memrag.memory.errors import InvalidInput
from memrag.memory.types import DocumentInput

MAX_NAME_CHARS = 255
READABLE = ", ".join(sorted(SUFFIXES))


def upload_name(name: str) -> str:
    """The file's own name (any folder part dropped), or InvalidInput saying what is wrong with it."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()  # what follows the last folder separator
    if not base or base in (".", ".."):
        raise InvalidInput("the upload has no file name; send ?name=<file name with its extension>")
    if len(base) > MAX_NAME_CHARS:
        raise InvalidInput(f"the file name is longer than {MAX_NAME_CHARS} characters; shorten it")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in base):
        raise InvalidInput("the file name holds control or invisible characters; rename the file")
    suffix = PurePosixPath(base).suffix.lower()
    if suffix not in SUFFIXES:
        kind = f"a {suffix[:20]!r} file" if suffix else "a file without an extension"
        raise InvalidInput(f"{kind} cannot be read; upload one of {READABLE}")
    return base


def load_upload(name: str, data: bytes, limits: Limits | None = None) -> Loaded:
    """The documents in one uploaded file and the problems met (per file, or per line of JSON Lines)."""
    shown = upload_name(name)
    stem = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="memrag-upload-") as folder:
        path = Path(folder) / f"{stem}{PurePosixPath(shown).suffix.lower()}"
        path.write_bytes(data)
        loaded = load_paths([path], limits)
    documents = [_renamed(doc, str(path), stem, shown) for doc in loaded.documents]
    errors = [LoadError(e.source.replace(str(path), shown), e.reason) for e in loaded.errors]
    return Loaded(documents, errors)


def _renamed(doc: DocumentInput, temporary: str, stem: str, shown: str) -> DocumentInput:
    """The document as if the file had been read under its uploaded name."""
    metadata = {**doc.metadata, "source": shown} if doc.metadata.get("source") == temporary else doc.metadata
    return replace(
        doc,
        id=shown if doc.id == temporary else doc.id,
        title=PurePosixPath(shown).stem if doc.title == stem else doc.title,
        metadata=metadata,
    )
