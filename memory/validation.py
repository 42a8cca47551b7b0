"""The bounds on everything a caller hands memrag, as pure checks shared by every door.

The Python library (`Engine.add`, `Engine.retrieve`, job submission), the HTTP schemas, the
CLI and its loaders all call these functions, so one input gets one verdict everywhere. A
refusal is an `InvalidValue`: an `InvalidInput` (400 over HTTP, exit code 2 on the CLI) that
is also a `ValueError` (so a pydantic validator turns it into a 422 naming the field). Its
message names the field, what is wrong and what to do, and never echoes the offending text.

The rules, and why:

- **Every string** is valid Unicode: a lone surrogate (``"\\ud800"``, which JSON's ``\\u``
  escapes can carry) cannot be encoded as UTF-8, so it could be neither stored nor answered.
  No C0 or C1 control characters (nor DEL): they break logs, terminals and the store's
  payloads (a NUL ends strings in C). Text (document text, titles, metadata strings,
  questions, chat content) may hold tab, line feed and carriage return.
- **Names** — ids, namespaces, metadata keys — take no control character at all and no bidi
  control (U+202A–U+202E, U+2066–U+2069): a name is shown in listings, citations, "Sources:"
  lines and logs, where an override can make one name look like another ("Trojan Source",
  CVE-2021-42574). Titles follow the same bidi rule, for the same reason. Running text (document
  text, metadata strings, questions, chat) keeps them: right-to-left writing needs them and
  they are shown as the content they are.
- **ids** ≤ 512 characters; never used as file paths (the store keys records by a hash of
  the id), so ``../../etc/passwd`` is a valid, harmless id. **Titles** ≤ 1,000 characters.
  **Text** non-empty (not only whitespace), ≤ 5,000,000 characters.
- **Namespaces** match `NAMESPACE_PATTERN` (letters, digits, ``-``, ``_``; at most 64; no
  dot, no slash): a namespace names a directory of the embedded store, so nothing in it may
  climb out of the data directory.
- **Metadata** is a JSON object: keys are strings of ≤ 256 characters, values are JSON
  scalars (string, finite number, integer within signed 64 bits, true/false/null) or lists
  and objects of them, nested at most 8 deep (the metadata object itself is level 1), and
  ≤ 64 KiB as UTF-8 JSON. Eight levels hold any real record (``{"source": {"page": {"range":
  [1, 2]}}}`` is 3) while staying far below the store's decoder, which stops at 128 levels:
  past it a stored record could not be read back. Larger integers would come back as lossy
  floats (send them as strings); NaN and infinities are not JSON.
- **Questions and queries** ≤ 10,000 characters, non-empty; **top_k** 1–200 for retrieval
  (50 for answers: every hit goes into the reader's prompt); **chat** at most 200 messages,
  each content ≤ 10,000 characters; **jobs** at most 500 documents (a Python caller of
  `Engine.add` is not bounded in count: it pays for its own batch).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from memrag.memory.errors import InvalidInput
from memrag.memory.types import DocumentInput

NAMESPACE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
MAX_NAMESPACE_CHARS = 64
MAX_ID_CHARS = 512
MAX_TITLE_CHARS = 1_000
MAX_TEXT_CHARS = 5_000_000
MAX_QUESTION_CHARS = 10_000
MAX_RETRIEVE_TOP_K = 200
MAX_ASK_TOP_K = 50
MAX_CHAT_MESSAGES = 200
MAX_CHAT_CONTENT_CHARS = 10_000
MAX_DOCUMENTS_PER_JOB = 500
MAX_METADATA_DEPTH = 8
MAX_METADATA_BYTES = 64 * 1024
MAX_METADATA_KEY_CHARS = 256
_INT64 = (-(2**63), 2**63 - 1)

_NAMESPACE = re.compile(NAMESPACE_PATTERN)
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0, DEL, C1; tab, LF, CR allowed
_CONTROL_IN_NAME = re.compile("[\x00-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


class InvalidValue(InvalidInput, ValueError):
    """An input outside the bounds above; the message names the field and the fix."""


def check_text(value: object, field: str, max_chars: int = MAX_TEXT_CHARS, *, required: bool = True) -> str:
    """Running text: valid Unicode, no control characters but tab/LF/CR, bidi controls allowed."""
    text = _string(value, field, max_chars)
    if required and not text.strip():
        raise InvalidValue(f"{field} has no text; send non-empty text")
    _characters(text, field, _CONTROL_IN_TEXT, bidi=False)
    return text


def check_name(value: object, field: str, max_chars: int) -> str:
    """A name (id, metadata key): non-empty, valid Unicode, no control characters, no bidi controls."""
    name = _string(value, field, max_chars)
    if not name:
        raise InvalidValue(f"{field} is empty; leave it out or give it a value")
    _characters(name, field, _CONTROL_IN_NAME, bidi=True)
    return name


def check_id(value: object, field: str = "id") -> str:
    return check_name(value, field, MAX_ID_CHARS)


def check_title(value: object, field: str = "title") -> str:
    """A title may be empty; line breaks are allowed (HTML titles have them), bidi controls are not."""
    title = _string(value, field, MAX_TITLE_CHARS)
    _characters(title, field, _CONTROL_IN_TEXT, bidi=True)
    return title


def check_namespace(value: object, field: str = "namespace") -> str:
    name = _string(value, field, MAX_NAMESPACE_CHARS)
    if not _NAMESPACE.fullmatch(name):
        raise InvalidValue(
            f"{field} must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit "
            "(no dots, slashes or spaces); e.g. 'team-docs'"
        )
    return name


def check_question(value: object, field: str = "question") -> str:
    return check_text(value, field, MAX_QUESTION_CHARS)


def check_top_k(value: object, field: str = "top_k", most: int = MAX_RETRIEVE_TOP_K) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{field} must be an integer from 1 to {most}")
    if not 1 <= value <= most:
        raise InvalidValue(f"{field} is {value}; it must be from 1 to {most}")
    return value


def check_metadata(value: object, field: str = "metadata") -> dict[str, Any]:
    """A JSON object of bounded depth and size whose keys are names and whose leaves are JSON scalars."""
    if not isinstance(value, Mapping):
        raise InvalidValue(f'{field} must be a JSON object, e.g. {{"source": "handbook"}}')
    nodes = 0
    stack: list[tuple[object, int, str]] = [(value, 1, field)]
    while stack:
        item, depth, where = stack.pop()
        nodes += 1
        if nodes > MAX_METADATA_BYTES:  # every node costs at least a byte of JSON: too large already
            raise _too_large(field)
        if isinstance(item, Mapping | list | tuple):
            if depth > MAX_METADATA_DEPTH:
                raise InvalidValue(
                    f"{field} nests more than {MAX_METADATA_DEPTH} levels (at {where}); flatten it, "
                    "or send the deep part as a JSON string"
                )
            stack.extend(_children(item, depth, where))
        else:
            _scalar(item, where)
    size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode())
    if size > MAX_METADATA_BYTES:
        raise _too_large(field, size)
    return dict(value)


def check_document(doc: DocumentInput, field: str = "document") -> DocumentInput:
    """Every field of one document; raises on the first problem."""
    if doc.id is not None:
        check_id(doc.id, f"{field}.id")
    check_title(doc.title, f"{field}.title")
    check_text(doc.text, f"{field}.text")
    check_metadata(doc.metadata, f"{field}.metadata")
    return doc


def check_documents(docs: Sequence[DocumentInput], most: int | None = MAX_DOCUMENTS_PER_JOB) -> None:
    """Each document, and (for a job) their count."""
    if most is not None and len(docs) > most:
        raise InvalidValue(f"{len(docs)} documents in one job; send at most {most} at a time")
    for number, doc in enumerate(docs):
        check_document(doc, f"documents[{number}]")


def _string(value: object, field: str, max_chars: int) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"{field} must be a string, not {type(value).__name__}")
    if len(value) > max_chars:
        raise InvalidValue(f"{field} has {len(value):,} characters; at most {max_chars:,} are allowed")
    return value


def _characters(text: str, field: str, control: re.Pattern[str], bidi: bool) -> None:
    if found := _SURROGATE.search(text):
        raise InvalidValue(
            f"{field} holds a lone surrogate (U+{ord(found.group()):04X} at character {found.start()}), "
            "which is not valid Unicode; send UTF-8 text"
        )
    if found := control.search(text):
        raise InvalidValue(
            f"{field} holds the control character U+{ord(found.group()):04X} at character {found.start()}; "
            "remove it (text may hold tab, line feed and carriage return only)"
        )
    if bidi and (found := _BIDI.search(text)):
        raise InvalidValue(
            f"{field} holds the bidirectional control U+{ord(found.group()):04X} at character {found.start()}, "
            "which can disguise a name; remove it (running text may keep them)"
        )


def _children(
    item: Mapping[object, object] | list[object] | tuple[object, ...], depth: int, where: str
) -> list[tuple[object, int, str]]:
    if isinstance(item, Mapping):
        children = []
        for key, child in item.items():
            check_name(key, f"a key of {where}", MAX_METADATA_KEY_CHARS)
            children.append((child, depth + 1, f"{where}[{_short(key)}]"))
        return children
    return [(child, depth + 1, f"{where}[{index}]") for index, child in enumerate(item)]


def _scalar(value: object, where: str) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise InvalidValue(f"{where} is an integer beyond 64 bits; send it as a string")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValue(f"{where} is {value}, which is not a JSON number; send null or a string")
    elif isinstance(value, str):
        check_text(value, where, MAX_METADATA_BYTES, required=False)
    else:
        raise InvalidValue(
            f"{where} is a {type(value).__name__}; metadata values are strings, numbers, "
            "true/false/null, or lists and objects of them"
        )


def _short(key: object) -> str:
    """A key as it appears in a message: quoted, escaped (repr), cut to 40 characters."""
    text = repr(key)
    return text if len(text) <= 40 else text[:37] + "..."


def _too_large(field: str, size: int | None = None) -> InvalidValue:
    what = f"{size:,} bytes" if size is not None else f"over {MAX_METADATA_BYTES:,} bytes"
    return InvalidValue(
        f"{field} is {what} as JSON; at most {MAX_METADATA_BYTES:,} are allowed. Keep large data in the text "
        "or elsewhere and put a reference in the metadata"
    )
