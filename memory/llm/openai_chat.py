"""ChatModel over any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server).

Retries with exponential backoff on 429, 5xx and timeouts (honouring Retry-After); at most
`max_concurrency` requests in flight (one client per process shares them: memory/wiring.py);
calls and tokens are counted for cost figures: the client's lifetime totals in `usage`, and each
call's own into the `UsageMeter` its caller passes (the tokens the endpoint reports; for a reply
that reports none, a streamed one, counted with `count_tokens`).

Every failure is a ModelError naming the model and what went wrong (the status, a timeout, a
stream cut short), never the endpoint's URL or the body it answered, which may echo the prompt
or a key; those stay on the error's cause and in the debug log. A streamed reply holds its slot
until it ends, fails or is closed: closing the iterator closes the upstream response.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from memrag.memory.errors import ModelError
from memrag.memory.llm.usage import Usage, UsageMeter, approximate_tokens, prompt_tokens

log = logging.getLogger("memrag.llm")
_RETRIED_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


@dataclass
class ClientUsage:
    """This client's totals since it was made; `calls` counts successful requests."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0


class OpenAIChat:
    """POST {base_url}/chat/completions; errors become ModelError naming the model and the cause."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 4,
        max_concurrency: int = 8,
        backoff_s: float = 0.5,
        count_tokens: Callable[[str], int] = approximate_tokens,
    ) -> None:
        """`count_tokens` counts the tokens of a reply the endpoint reports no usage for."""
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s)
        self._model = model
        self._max_retries = max_retries
        self._backoff_s = backoff_s
        self._slots = threading.Semaphore(max_concurrency)
        self._lock = threading.Lock()
        self._count_tokens = count_tokens
        self.usage = ClientUsage()

    @property
    def name(self) -> str:
        return self._model

    def complete(
        self, messages: Sequence[dict[str, str]], max_tokens: int = 1024, meter: UsageMeter | None = None
    ) -> str:
        body = {"model": self._model, "messages": list(messages), "max_tokens": max_tokens, "temperature": 0}
        data: Any = self._post(body)
        try:
            text = str(data["choices"][0]["message"]["content"] or "")
        except (KeyError, IndexError, TypeError) as exc:
            raise ModelError(f"the LLM ({self._model}) answered without choices[0].message.content") from exc
        reported = data.get("usage")
        self._count(self._call_usage(messages, text, reported if isinstance(reported, dict) else {}), meter)
        return text

    def stream(
        self, messages: Sequence[dict[str, str]], max_tokens: int = 1024, meter: UsageMeter | None = None
    ) -> Iterator[str]:
        """The reply in pieces. A reply that ends before the endpoint says it is complete ([DONE] or a
        finish_reason) is a ModelError, not a short answer. Not retried: pieces already given
        cannot be taken back."""
        body = {"model": self._model, "messages": list(messages), "max_tokens": max_tokens, "stream": True}
        try:
            with self._slots, self._http.stream("POST", "/chat/completions", json=body) as response:
                if response.status_code != 200:
                    response.read()
                    raise self._refused(response)
                finished, pieces = False, []
                for line in response.iter_lines():
                    piece, finished = _sse_event(line)
                    if piece:
                        pieces.append(piece)
                        yield piece
                    if finished:
                        break
        except httpx.TimeoutException as exc:
            raise ModelError(f"the LLM ({self._model}) timed out while streaming its answer; try again") from exc
        except httpx.TransportError as exc:  # refused, reset, or the body cut mid-chunk
            raise ModelError(f"the LLM ({self._model}) stream failed ({type(exc).__name__}); try again") from exc
        if not finished:
            raise ModelError(f"the LLM ({self._model}) stream ended before the answer was complete; try again")
        self._count(self._call_usage(messages, "".join(pieces), {}), meter)

    def _post(self, body: dict[str, object]) -> dict[str, object]:
        for attempt in range(self._max_retries + 1):
            try:
                with self._slots:
                    response = self._http.post("/chat/completions", json=body)
            except httpx.TimeoutException as exc:
                cause: str = f"timed out ({exc.__class__.__name__})"
                wait = self._backoff_s * 2**attempt
            except httpx.TransportError as exc:
                raise ModelError(
                    f"the LLM ({self._model}) cannot be reached ({type(exc).__name__}): check MEMRAG_LLM_BASE_URL"
                ) from exc
            else:
                if response.status_code == 200:
                    return _json_body(response, self._model)
                if response.status_code not in _RETRIED_STATUS:
                    raise self._refused(response)
                cause = f"answered HTTP {response.status_code}"
                wait = _retry_after(response) or self._backoff_s * 2**attempt
            if attempt < self._max_retries:
                with self._lock:
                    self.usage.retries += 1
                time.sleep(wait)
        attempts = self._max_retries + 1
        raise ModelError(f"the LLM ({self._model}) failed {attempts} attempts, the last {cause}; try again")

    def _refused(self, response: httpx.Response) -> ModelError:
        """The endpoint said no: the status in the message, its body only in the debug log."""
        log.debug("LLM answered HTTP %d: %s", response.status_code, response.text[:500])
        hint = " (check MEMRAG_LLM_API_KEY)" if response.status_code in (401, 403) else ""
        return ModelError(f"the LLM ({self._model}) answered HTTP {response.status_code}{hint}")

    def _call_usage(self, messages: Sequence[dict[str, str]], reply: str, reported: dict[str, object]) -> Usage:
        """One call's usage: the endpoint's token counts, or, where it reports none, counted here."""
        prompt, completion = _token_count(reported, "prompt_tokens"), _token_count(reported, "completion_tokens")
        counted = 0
        if prompt is None:
            prompt = prompt_tokens(messages, self._count_tokens)
            counted += prompt
        if completion is None:
            completion = self._count_tokens(reply)
            counted += completion
        return Usage(llm_calls=1, prompt_tokens=prompt, completion_tokens=completion, counted_tokens=counted)

    def _count(self, call: Usage, meter: UsageMeter | None) -> None:
        with self._lock:
            self.usage.calls += 1
            self.usage.prompt_tokens += call.prompt_tokens
            self.usage.completion_tokens += call.completion_tokens
        if meter is not None:
            meter.add(call)

    def close(self) -> None:
        self._http.close()


def _json_body(response: httpx.Response, model: str) -> dict[str, object]:
    try:
        data = response.json()
    except json.JSONDecodeError as exc:
        raise ModelError(f"the LLM ({model}) answered 200 with a body that is not JSON") from exc
    if not isinstance(data, dict):
        raise ModelError(f"the LLM ({model}) answered 200 with JSON that is not an object")
    return data


def _token_count(reported: dict[str, object], key: str) -> int | None:
    """A token count the endpoint reported (a non-negative integer), or None."""
    value = reported.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return min(float(value), 30.0) if value else None
    except ValueError:
        return None


def _sse_event(line: str) -> tuple[str, bool]:
    """Text of one server-sent event line ("" for lines without content), and whether the reply is
    complete: at [DONE], or a choice with a finish_reason."""
    if not line.startswith("data:"):
        return "", False
    payload = line[5:].strip()
    if payload == "[DONE]":
        return "", True
    try:
        choice = json.loads(payload)["choices"][0]
        return str(choice.get("delta", {}).get("content") or ""), bool(choice.get("finish_reason"))
    except (json.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError):
        return "", False
