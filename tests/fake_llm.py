"""A scripted OpenAI-compatible server on loopback (real HTTP), for LLM tests.

Queue replies with `enqueue`; when the queue is empty, `default(messages)` answers (a text, or
a `Scripted` reply with a status). Every
request is recorded. A reply may be delayed (for timeouts), carry a status (429, 500), or be
streamed as server-sent events when the request asks for it: slowly (`piece_delay_s` before
each piece) or cut off after `cut_after` pieces (the connection closes without [DONE]).
`in_flight` and `max_in_flight` count requests being answered at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Scripted:
    content: str = ""
    status: int = 200
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: int | None = None  # streamed: close the connection after this many pieces, without [DONE]
    piece_delay_s: float = 0.0  # streamed: wait this long before each piece


class FakeLLM:
    def __init__(
        self,
        default: Callable[[list[dict]], str | Scripted] | None = None,
        count_tokens: Callable[[str], int] = lambda text: len(text.split()),
    ) -> None:
        """`count_tokens` is how the server counts the `usage` it reports (default: whitespace words)."""
        self.count_tokens = count_tokens
        self.queue: deque[Scripted] = deque()
        self.requests: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.default = default or (lambda messages: '{"named_entities": []}')
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def enqueue(
        self,
        content: str = "",
        status: int = 200,
        delay_s: float = 0.0,
        *,
        cut_after: int | None = None,
        piece_delay_s: float = 0.0,
        **headers: str,
    ) -> None:
        self.queue.append(Scripted(content, status, delay_s, headers, cut_after, piece_delay_s))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, body: dict) -> Scripted:
        with self._lock:
            self.requests.append(body)
            if self.queue:
                return self.queue.popleft()
        reply = self.default(body.get("messages", []))
        return reply if isinstance(reply, Scripted) else Scripted(reply)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"fake": self})


class _Handler(BaseHTTPRequestHandler):
    """Answers one request from `fake`'s script."""

    fake: FakeLLM

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        fake = self.fake
        with fake._lock:
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        self._counted = True
        try:
            self._answer()
        except (BrokenPipeError, ConnectionResetError):  # the client went away mid-reply
            pass
        finally:
            self._done()

    def _done(self) -> None:
        """No longer counted in flight: called before a reply's last bytes go out, since the client may
        send its next request the moment it has them (counting after the write saw 5 of 4 slots in use)."""
        if self._counted:
            self._counted = False
            with self.fake._lock:
                self.fake.in_flight -= 1

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        reply = self.fake._next(body)
        time.sleep(reply.delay_s)
        if reply.status != 200:
            self._send(reply.status, {"error": {"message": "scripted failure"}}, reply.headers)
        elif body.get("stream"):
            self._stream(reply)
        else:
            prompt = sum(self.fake.count_tokens(m.get("content", "")) for m in body.get("messages", []))
            usage = {"prompt_tokens": prompt, "completion_tokens": self.fake.count_tokens(reply.content)}
            message = {"role": "assistant", "content": reply.content}
            self._send(200, {"choices": [{"index": 0, "message": message}], "usage": usage}, {})

    def _send(self, status: int, payload: dict, headers: dict[str, str]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self._done()
        self.wfile.write(data)

    def _stream(self, reply: Scripted) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for n, piece in enumerate(reply.content.split(" ")):
            if reply.cut_after is not None and n >= reply.cut_after:
                return  # HTTP/1.0: the body ends when the connection closes, here without [DONE]
            time.sleep(reply.piece_delay_s)
            event = {"choices": [{"index": 0, "delta": {"content": piece + " "}}]}
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        self._done()
        self.wfile.write(b"data: [DONE]\n\n")
