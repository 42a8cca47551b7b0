"""Fault drill (loopback only, bounded): outages during ingestion and asking, and what clients see.

Starts Redis (append-only, a password), a scripted LLM, `memrag serve` (the store's writer, its data
directory on a small filesystem mounted for the drill) and one `memrag worker`. Clients add
documents, ask (plain and streamed), chat (streamed), list documents and read jobs without pause,
while the drill, phase by phase: stops Redis and starts it again; makes the LLM slow (past its
timeout), failing (HTTP 500) and cut mid-stream; fills the disk under the data directory, then
frees it. Then it waits for every accepted job.

It checks: every response is a success, 502, 503 or 429; no error body (nor error event) holds a
path, URL, host:port, credential or traceback (tests.helpers.leaks); at least one stream ends with
an error event; every accepted job ends `done`; the logs never hold the Redis password. It prints
the counts by phase and status. Needs root to mount the small filesystem (a tmpfs): without it the
disk phase is skipped and the report says so.

    .venv/bin/python -m benchmarks.fault_drill [--phase-s 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from tests.fake_llm import FakeLLM, Scripted
from tests.helpers import RedisProcess, free_port, leaks, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "fault-drill-admin-key-0123"
PASSWORD = "drill-redis-pw-7781"
ALLOWED = {502, 503, 429}
DISK_MB = 64


class Llm:
    """The scripted LLM's behaviour, switched by the drill: ok, slow (past the timeout), failing, cut."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.server = FakeLLM(default=self.reply)

    def reply(self, messages: list[dict]) -> str | Scripted:
        system = messages[0]["content"] if messages else ""
        text = "The harbour master is named in passage one [1]." if "Passages" in str(messages) else ""
        if "named entities" in system or "named_entities" in system:
            text = '{"named_entities": ["Harbour"]}'
        elif "triples" in system:
            text = '{"triples": [["Harbour", "is run by", "a master"]]}'
        text = text or "An answer from memory [1]."
        if self.mode == "slow":
            return Scripted(text, delay_s=3.0)
        if self.mode == "failing":
            return Scripted(status=500)
        if self.mode == "cut":
            return Scripted(text, cut_after=2)
        return text


@dataclass
class Tally:
    """What clients saw, by phase: (phase, call, status) counts, and the problems the drill reports."""

    phase: str = "start"
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)  # statuses outside 2xx, 502, 503, 429
    leaked: list[str] = field(default_factory=list)
    error_events: int = 0
    accepted: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, call: str, status: str, body: str = "") -> None:
        with self.lock:
            self.counts[(self.phase, call, status)] += 1
            if "+unended" in status or (not status.startswith("2") and int(status.split("+")[0]) not in ALLOWED):
                self.refused.append(f"{self.phase} {call} {status}: {body[:300]}")
            if not status.startswith("2") or "+error" in status:
                self.leaked += [f"{self.phase} {call}: {found}" for found in leaks(body)]


def clients(url: str, key: str, ns: str, tally: Tally, stop: threading.Event, n: int = 4) -> list[threading.Thread]:
    def run(worker: int) -> None:
        calls = [_add, _ask, _ask_stream, _chat_stream, _list, _job, _ready]
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            step = worker
            while not stop.is_set():
                call = calls[step % len(calls)]
                step += 1
                try:
                    call(http, ns, tally, f"{worker}-{step}")
                except httpx.TransportError as exc:
                    tally.refused.append(f"{tally.phase} {call.__name__}: transport error {type(exc).__name__}")
                    time.sleep(0.2)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    return threads


def _add(http: httpx.Client, ns: str, tally: Tally, tag: str) -> None:
    doc = {"id": f"doc-{tag}", "text": f"Harbour {tag} is run by a master called Keeper {tag}. Ships dock at dawn."}
    r = http.post(f"/v1/namespaces/{ns}/documents", json={"documents": [doc]})
    tally.saw("add", str(r.status_code), r.text)
    if r.status_code == 202:
        with tally.lock:
            tally.accepted.append(r.json()["job_id"])


def _ask(http: httpx.Client, ns: str, tally: Tally, tag: str) -> None:
    r = http.post(f"/v1/namespaces/{ns}/ask", json={"question": f"Who runs harbour {tag}?"})
    tally.saw("ask", str(r.status_code), r.text)


def _ask_stream(http: httpx.Client, ns: str, tally: Tally, tag: str) -> None:
    with http.stream(
        "POST", f"/v1/namespaces/{ns}/ask", json={"question": "Who runs the harbour?", "stream": True}
    ) as r:
        body = r.read().decode()
    last = body.strip().split("\n\n")[-1]
    ended = _ending(r.status_code, last.startswith("event: error"), last.startswith("event: done"))
    tally.error_events += ended == "+error"
    tally.saw("ask-stream", f"{r.status_code}{ended}", last if ended else body)


def _chat_stream(http: httpx.Client, ns: str, tally: Tally, tag: str) -> None:
    body = {"model": ns, "messages": [{"role": "user", "content": "Who runs the harbour?"}], "stream": True}
    with http.stream("POST", "/v1/chat/completions", json=body) as r:
        text = r.read().decode()
    last = text.strip().split("\n\n")[-1]
    ended = _ending(r.status_code, '"error"' in last, last == "data: [DONE]")
    tally.error_events += ended == "+error"
    tally.saw("chat-stream", f"{r.status_code}{ended}", last if ended else text)


def _ending(status: int, error: bool, done: bool) -> str:
    """How a 200 stream ended: "" (done), "+error" (an error event), "+unended" (neither: a fault)."""
    if status != 200:
        return ""  # a problem body, not a stream
    return "+error" if error else "" if done else "+unended"


def _list(http: httpx.Client, ns: str, tally: Tally, tag: str) -> None:
    r = http.get(f"/v1/namespaces/{ns}/documents", params={"limit": 5})
    tally.saw("list", str(r.status_code), r.text)


def _job(http: httpx.Client, ns: str, tally: Tally, tag: str) -> None:
    with tally.lock:
        job = tally.accepted[-1] if tally.accepted else None
    if job is not None:
        r = http.get(f"/v1/jobs/{job}")
        tally.saw("job", str(r.status_code), r.text)


def _ready(http: httpx.Client, ns: str, tally: Tally, tag: str) -> None:
    r = http.get("/readyz")
    tally.saw("readyz", str(r.status_code), r.text)


@contextmanager
def small_disk(path: Path) -> Iterator[bool]:
    """A DISK_MB tmpfs at `path` (True), or a plain directory when mounting is not allowed (False)."""
    path.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(path)], capture_output=True
    )
    try:
        yield mounted.returncode == 0
    finally:
        if mounted.returncode == 0:
            subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path) -> Path:
    """A file that takes every free block of `path`'s filesystem (ENOSPC stops it)."""
    filler = path / "filler"
    try:
        with filler.open("wb") as f:
            while True:
                f.write(b"\0" * (1 << 20))
    except OSError:
        pass
    return filler


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen([sys.executable, "-m", "memrag.cli.main", *args], cwd=ROOT, env=env, stdout=out, stderr=out)


@dataclass(frozen=True)
class Report:
    counts: dict[str, int]  # "phase call status" → responses; status "200+error": a stream ended by an error event
    statuses: dict[str, int]  # HTTP status → responses, all phases
    not_allowed: list[str]  # responses outside 2xx, 502, 503, 429, streams that ended without done or error
    leaks: list[str]  # what error bodies and error events gave away
    error_events: int
    accepted_jobs: int
    jobs: dict[str, int]  # final status → accepted jobs
    jobs_not_done: dict[str, str]
    documents_failed_in_done_jobs: int  # their extraction failed while the LLM was down; the job went on
    disk_phase: str
    writes_refused_on_full_disk: int  # the writer's log lines: a slice refused (DiskFull), retried later
    redis_outage_log_lines: int
    password_in_logs: bool

    @property
    def passed(self) -> bool:
        clean = not self.not_allowed and not self.leaks and not self.jobs_not_done and not self.password_in_logs
        return clean and self.error_events > 0 and self.accepted_jobs > 0


def run_drill(work: Path, phase_s: float = 4.0, model_cache: Path | None = None) -> Report:
    """The drill in `work`; returns the report (also what `main` prints)."""
    tally, stop = Tally(), threading.Event()
    with ExitStack() as stack:
        disk = stack.enter_context(small_disk(work / "small"))
        redis = RedisProcess(work / "redis", password=PASSWORD).start()
        stack.callback(redis.stop)
        llm = Llm()
        stack.callback(llm.server.close)
        port = free_port()
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "MEMRAG_REDIS_URL": redis.url,
            "MEMRAG_ADMIN_KEY": ADMIN,
            "MEMRAG_EMBEDDING_CACHE": str(model_cache or work / "model-cache" / "embeddings.sqlite"),
            "MEMRAG_LLM_BASE_URL": llm.server.base_url,
            "MEMRAG_LLM_TIMEOUT_S": "1.5",
            "MEMRAG_LLM_MAX_RETRIES": "1",
            "MEMRAG_JOB_VISIBILITY_S": "5",
            "MEMRAG_JOB_BACKOFF_S": "0.5",
            "MEMRAG_JOB_MAX_ATTEMPTS": "30",
        }
        server = spawn(
            ["serve", "--port", str(port)], {**env, "MEMRAG_DATA_DIR": str(work / "small" / "api")}, work / "serve.log"
        )
        stack.callback(_stop, server)
        worker = spawn(["worker"], {**env, "MEMRAG_DATA_DIR": str(work / "worker")}, work / "worker.log")
        stack.callback(_stop, worker)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/readyz", server, tries=3000)
        ns, key = "drill", _namespace_key(url)
        _warm_up(url, key, ns)
        threads = clients(url, key, ns, tally, stop)

        def phase(name: str, seconds: float = phase_s) -> None:
            tally.phase = name
            time.sleep(seconds)

        phase("normal")
        redis.stop()
        phase("redis-stopped")
        redis.start()
        phase("redis-restarted")
        for mode in ("slow", "failing", "cut"):
            llm.mode = mode
            phase(f"llm-{mode}")
        llm.mode = "ok"
        if disk:
            filler = fill(work / "small")
            phase("disk-full", 2 * phase_s)
            filler.unlink()
        phase("recovered")
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        tally.phase = "after"
        jobs, failed_documents = _wait_jobs(url, key, tally.accepted, deadline_s=180)
    logs = "".join(p.read_text(errors="replace") for p in (work / "serve.log", work / "worker.log"))
    return Report(
        counts={" ".join(k): v for k, v in sorted(tally.counts.items())},
        statuses=dict(Counter(status.split("+")[0] for (_, _, status) in tally.counts.elements())),
        not_allowed=tally.refused,
        leaks=tally.leaked,
        error_events=tally.error_events,
        accepted_jobs=len(tally.accepted),
        jobs=dict(Counter(jobs.values())),
        jobs_not_done={j: s for j, s in jobs.items() if s != "done"},
        documents_failed_in_done_jobs=failed_documents,
        disk_phase=f"tmpfs of {DISK_MB} MB filled" if disk else "skipped: cannot mount a small filesystem here",
        writes_refused_on_full_disk=logs.count("disk under embedded storage is full"),
        redis_outage_log_lines=logs.count("Redis (MEMRAG_REDIS_URL) is unavailable")
        + logs.count("Error 111 connecting"),
        password_in_logs=PASSWORD in logs,
    )


def _namespace_key(url: str) -> str:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    httpx.post(f"{url}/v1/namespaces", headers=admin, json={"name": "drill"}).raise_for_status()
    return str(httpx.post(f"{url}/v1/namespaces/drill/keys", headers=admin).json()["key"])


def _warm_up(url: str, key: str, ns: str) -> None:
    """One document through the worker and one answer, before any fault: the models are loaded and
    the namespace is open, so the phases measure outages, not start-up."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=600) as http:
        doc = {"id": "warm-up", "text": "The harbour of Vell is run by a master called Ada Brisk."}
        job = http.post(f"/v1/namespaces/{ns}/documents", json={"documents": [doc]}).json()["job_id"]
        http.post(f"/v1/namespaces/{ns}/ask", json={"question": "Who runs the harbour of Vell?"}).raise_for_status()
    if _wait_jobs(url, key, [job], deadline_s=600)[0] != {job: "done"}:
        raise RuntimeError("the warm-up document was not indexed: the drill cannot start")


def _wait_jobs(url: str, key: str, job_ids: list[str], deadline_s: float) -> tuple[dict[str, str], int]:
    """Each accepted job's final status (or the last seen one, at the deadline), and how many of their
    documents failed (the job is done; the document's extraction failed)."""
    seen, failed = dict.fromkeys(job_ids, "unknown"), 0
    end = time.monotonic() + deadline_s
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        while time.monotonic() < end and any(s not in ("done", "failed") for s in seen.values()):
            for job in [j for j, s in seen.items() if s not in ("done", "failed")]:
                r = http.get(f"/v1/jobs/{job}")
                seen[job] = r.json()["status"] if r.status_code == 200 else f"HTTP {r.status_code}"
                failed += len(r.json().get("errors") or {}) if seen[job] == "done" else 0
            time.sleep(0.5)
    return seen, failed


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase-s", type=float, default=4.0, help="seconds per phase")
    parser.add_argument("--model-cache", type=Path, help="embedding cache (the ONNX export beside it) to reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memrag-drill-") as work:
        report = run_drill(Path(work), args.phase_s, args.model_cache)
    print(json.dumps(asdict(report), indent=2))
    print("drill passed" if report.passed else "drill FAILED")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
