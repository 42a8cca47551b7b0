"""The MCP server of memrag: its tools, their annotations, and bad input turned into tool errors.

The tools run over a `MemoryBackend`: the API's own services in this process (api/mcp_local.py,
used by `/mcp` and by `memrag mcp` on a data directory) or a running memrag over HTTP
(api/mcp_remote.py). Either way a tool call sees one namespace, the one its caller may use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Protocol, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp_types import ToolAnnotations
from pydantic import Field, ValidationError

from memrag.api.errors import described
from memrag.api.mcp_schemas import Explanation, PassageReason, Remembered
from memrag.api.schemas import (
    AskIn,
    AskOut,
    DocumentIn,
    DocumentOut,
    DocumentPage,
    HitOut,
    JobAccepted,
    JobOut,
    RetrieveIn,
    RetrieveOut,
)
from memrag.memory.errors import MemragError
from memrag.memory.ids import document_id
from memrag.memory.validation import MAX_ASK_TOP_K, MAX_RETRIEVE_TOP_K

INSTRUCTIONS = """Long-term memory with HippoRAG 2 retrieval (a graph of entities and facts over your notes).
`remember` stores a note (indexing runs in the background: `job_status` says when it is done);
`recall` returns passages with the facts and entities that led to them; `ask` answers with
citations; `explain` says why each passage was retrieved; `forget` deletes a note."""

T = TypeVar("T")


class MemoryBackend(Protocol):
    """One namespace of a memrag, as the HTTP API's models see it."""

    def remember(self, document: DocumentIn) -> JobAccepted: ...

    def forget(self, document_id: str) -> JobAccepted: ...

    def recall(self, query: RetrieveIn) -> RetrieveOut: ...

    def ask(self, question: AskIn) -> AskOut: ...

    def list_documents(self, limit: int, cursor: str | None) -> DocumentPage: ...

    def get_document(self, document_id: str) -> DocumentOut: ...

    def job_status(self, job_id: str) -> JobOut: ...


BackendOf = Callable[[Context], MemoryBackend]  # the backend of the caller behind this request

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
ADDITIVE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
DESTRUCTIVE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False)

Query = Annotated[str, Field(description="what to look for, in natural language")]
RecallK = Annotated[int, Field(ge=1, le=MAX_RETRIEVE_TOP_K, description="how many passages")]
AskK = Annotated[int, Field(ge=1, le=MAX_ASK_TOP_K, description="how many passages the answer may read")]
DocId = Annotated[str, Field(min_length=1, max_length=512, description="a document id (as `remember` returned)")]


class MemragMCP(MCPServer):
    """The SDK's server, with arguments that fail the tool's schema reported as `field: problem`
    (the SDK's own report is pydantic's, with input echoes and a documentation link)."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Context | None = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(exc, UnexpectedToolError) or not isinstance(cause, ValidationError):
                raise
            raise ToolError(invalid_arguments(cause)) from cause


def invalid_arguments(exc: ValidationError) -> str:
    problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in exc.errors()[:10])
    return f"invalid arguments — {problems}"


def tool_call(work: Callable[[], T]) -> T:
    """Run a backend call; invalid arguments and memrag's errors become tool errors a model can act on."""
    try:
        return work()
    except ValidationError as exc:
        raise ToolError(invalid_arguments(exc)) from exc
    except MemragError as exc:
        _, title, detail = described(exc, "MCP tool call")
        raise ToolError(f"{title}: {detail}") from exc


def explanation(result: RetrieveOut) -> Explanation:
    return Explanation(
        query=result.query, mode=result.mode, passages=[_reason(hit, result.mode) for hit in result.hits]
    )


def _reason(hit: HitOut, mode: str) -> PassageReason:
    kept = hit.model_dump(include={"passage_id", "document_id", "score", "text", "facts", "seeds"})
    return PassageReason(**kept, walks=hit.explanation, why=_why(hit, mode))


def _why(hit: HitOut, mode: str) -> str:
    """The heaviest walk (its nodes and share of the passage's mass) and the facts that named its entities."""
    if mode != "graph":
        why = "ranked by embedding similarity to the query (no fact of the memory matched it)"
    elif hit.explanation and hit.explanation.paths and hit.explanation.mass > 0:
        top = hit.explanation.paths[0]
        share = f"{top.share / hit.explanation.mass:.0%} of its mass"
        route = " → ".join(node.label if node.kind == "entity" else "this passage" for node in top.nodes)
        why = f"the graph walk reached it along {route} ({share})" if len(top.nodes) > 1 else f"a dense seed ({share})"
    elif hit.seeds:
        why = "reached by the graph walk from seed entities it mentions: " + ", ".join(s.name for s in hit.seeds)
    else:
        why = "reached by the graph walk through entities linked to the seeds"
    if hit.facts:
        why += "; matching facts: " + "; ".join(f"({f.subject}, {f.predicate}, {f.object})" for f in hit.facts)
    return why


def build_server(backend_of: BackendOf, name: str = "memrag") -> MemragMCP:
    """The MCP server; each tool call asks `backend_of` for the caller's namespace."""
    server = MemragMCP(name, instructions=INSTRUCTIONS, log_level="WARNING")

    @server.tool(annotations=ADDITIVE)
    def remember(
        text: Annotated[str, Field(description="the note to store (plain text)")],
        ctx: Context,
        title: Annotated[str, Field(description="optional title")] = "",
        metadata: Annotated[dict[str, object] | None, Field(description="optional JSON object kept with it")] = None,
    ) -> Remembered:
        """Store a note in long-term memory. Indexing runs in the background: poll `job_status`
        with the returned job id until it is `done`. The same note twice is stored once."""
        backend = backend_of(ctx)
        document = tool_call(lambda: DocumentIn(title=title, text=text, metadata=metadata or {}))
        job = tool_call(lambda: backend.remember(document))
        return Remembered(job_id=job.job_id, document_id=document_id(document.title or "", text), status=job.status)

    @server.tool(annotations=READ_ONLY)
    def recall(query: Query, ctx: Context, k: RecallK = 5) -> RetrieveOut:
        """Passages from memory that answer the query, best first, each with its document id, score,
        and the facts and entity seeds that led to it."""
        backend = backend_of(ctx)
        return tool_call(lambda: backend.recall(RetrieveIn(query=query, top_k=k)))

    @server.tool(annotations=READ_ONLY)
    def ask(question: Query, ctx: Context, k: AskK = 5) -> AskOut:
        """An answer to the question from memory, citing the passages and documents it used."""
        backend = backend_of(ctx)
        return tool_call(lambda: backend.ask(AskIn(question=question, top_k=k)))

    @server.tool(annotations=READ_ONLY)
    def explain(query: Query, ctx: Context, k: RecallK = 5) -> Explanation:
        """Why each passage is retrieved for the query: the retrieval mode, the facts and entity seeds,
        and the graph walks from the seeds that carried each passage's score (with their shares)."""
        backend = backend_of(ctx)
        return explanation(tool_call(lambda: backend.recall(RetrieveIn(query=query, top_k=k, explain=True))))

    @server.tool(annotations=DESTRUCTIVE)
    def forget(document_id: DocId, ctx: Context) -> JobAccepted:
        """Delete a document from memory, with its passages and the facts nothing else mentions."""
        backend = backend_of(ctx)
        return tool_call(lambda: backend.forget(document_id))

    @server.tool(annotations=READ_ONLY)
    def list_documents(
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=1000, description="page size")] = 100,
        cursor: Annotated[str | None, Field(max_length=512, description="next_cursor of the previous page")] = None,
    ) -> DocumentPage:
        """The documents in memory, in id order, a page at a time."""
        backend = backend_of(ctx)
        return tool_call(lambda: backend.list_documents(limit, cursor))

    @server.tool(annotations=READ_ONLY)
    def get_document(document_id: DocId, ctx: Context) -> DocumentOut:
        """A document's title, metadata, passages and indexing state."""
        backend = backend_of(ctx)
        return tool_call(lambda: backend.get_document(document_id))

    @server.tool(annotations=READ_ONLY)
    def job_status(job_id: Annotated[str, Field(min_length=1, max_length=100)], ctx: Context) -> JobOut:
        """A job's status (`queued`, `running`, `done`, `failed`), progress and per-document errors."""
        backend = backend_of(ctx)
        return tool_call(lambda: backend.job_status(job_id))

    return server
