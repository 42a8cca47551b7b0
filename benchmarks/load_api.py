"""Load on a live `memrag serve` (loopback only, bounded): concurrent askers while documents stream in.

Starts the server on 127.0.0.1 over a fresh data directory (embedded default, offline reader),
indexes 60 MuSiQue passages, then for `--duration` seconds runs `--clients` clients asking
questions back to back while one more client adds 8 documents every 2 seconds (`--no-feed`: none).
Prints the number of answers, errors, p50/p99 latency, how many documents were indexed meanwhile,
and beside answers/s the CPU bound measured in the same run: the cores ÷ the server's CPU time per
answer (its CPU seconds while the askers ran, every thread, ÷ answers; with documents fed, their
indexing is in it too). The load generator and other work share the machine: their CPU seconds
over the run and the load average are printed, and a second bound on the cores left to the server
(the cores less what the load generator and other processes used meanwhile).

With `--profile FILE`, py-spy (if installed) samples the server while the askers run and the
samples are summed by where the CPU went: HTTP, JSON and validation, embedding, retrieval, reader;
samples of a thread waiting (a condition, the event loop's select, a line of ours taking a lock) are
counted apart, not as CPU; each part's sampled milliseconds per answer are printed too. With `--gil`,
only the thread holding the GIL is sampled: the work one server process cannot spread over cores
(ONNX Runtime's inference releases the GIL; Qdrant Edge's calls do not); the GIL-held milliseconds
per answer then give one process's ceiling (1000 / them answers/s) beside the all-core bound.

With `--replicas N` the same load goes to topology 2 of deploy/README.md instead (replica_set.py):
Redis, a preparing worker and N API replicas, each its own process applying the log into its own embedded
store; asker i asks replica i mod N, or with `--balancer` every asker asks HAProxy before them. The
service's CPU is then every one of those processes' (HAProxy's too), and the resident size of each
is printed (Redis, the worker, the replicas, HAProxy). One process runs its Python under one GIL
and stays near 1.3 busy cores on 2 (README, "Measured figures"); replicas do not share it.

With `--compare DIR` (another checkout of memrag, e.g. `git worktree add DIR COMMIT`), the same
load runs on DIR's server and on this checkout's, `--rounds` times in turn, so that before and
after are measured side by side under the same machine load. `--compare-env NAME=VALUE` sets a
variable for DIR's server alone: `PYTHONPATH=HIDE`, with HIDE holding `uvloop/__init__.py` and
`httptools/__init__.py` that raise ImportError, gives it uvicorn's pure-Python loop and parser.

    .venv/bin/python -m benchmarks.load_api [--clients 20] [--duration 60] [--no-feed] [--profile FILE [--gil]]
        [--compare DIR [--rounds 2] [--compare-env NAME=VALUE]] [--replicas N [--balancer]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx

from benchmarks.load_cpu import CpuUsage, measured
from benchmarks.load_profile import gil_ceiling, profile_summary, sample
from benchmarks.load_service import ADMIN, Service, service
from memrag.memory.eval.metrics import percentile_ms

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "musique_240.jsonl"
QUESTIONS = [
    "Who founded the record label?",
    "Where was the composer born?",
    "Which river flows through the city?",
    "When was the university established?",
    "Who directed the film?",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--no-feed", action="store_true", help="ask only: no documents added during the run")
    parser.add_argument("--profile", type=Path, help="sample the server with py-spy into this file (raw stacks)")
    parser.add_argument("--compare", type=Path, help="another memrag checkout: its server is loaded in turn")
    parser.add_argument("--rounds", type=int, default=1, help="with --compare: turns of (DIR, this checkout)")
    parser.add_argument(
        "--compare-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="with --compare: an environment variable for DIR's server only (e.g. PYTHONPATH to hide a package)",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        help="serve through N API replicas over Redis (each its own process and store) instead of one process",
    )
    parser.add_argument("--balancer", action="store_true", help="with --replicas: HAProxy before them")
    parser.add_argument(
        "--gil", action="store_true", help="with --profile: sample only the thread holding the GIL (what serialises)"
    )
    parser.add_argument(
        "--embedding-cache",
        type=Path,
        help="embedding cache (ONNX export beside it) kept across runs; default: one per invocation",
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # `timeout` or kill: the servers still get stopped
    if args.compare is not None and not (args.compare / "memrag" / "cli" / "main.py").exists():
        parser.error(f"--compare {args.compare}: not a memrag checkout (no memrag/cli/main.py there)")
    if args.replicas is not None and not 1 <= args.replicas <= 8:
        parser.error("--replicas takes 1 to 8")
    if args.balancer and not args.replicas:
        parser.error("--balancer goes with --replicas N")
    if args.replicas and args.profile:
        parser.error("--profile samples one server process: leave out --replicas")
    if any("=" not in pair for pair in args.compare_env):
        parser.error("--compare-env takes NAME=VALUE, e.g. --compare-env PYTHONPATH=/tmp/hide")
    roots = [("compared: " + str(args.compare), args.compare), ("this checkout", ROOT)] if args.compare else []
    with tempfile.TemporaryDirectory(prefix="memrag-load-cache-") as shared:
        # every server of the invocation exports the model and embeds the documents once, not each
        cache = args.embedding_cache or Path(shared) / "embeddings.sqlite"
        for _ in range(args.rounds if roots else 1):
            for label, root in roots or [("", ROOT)]:
                if label:
                    print(f"--- {label}")
                extra = dict(pair.split("=", 1) for pair in args.compare_env) if root != ROOT else {}
                _run_once(args, root, cache, extra)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    sys.exit(128 + signum)  # SystemExit unwinds the `with` blocks that stop what was started


def _run_once(args: argparse.Namespace, root: Path, cache: Path, extra_env: dict[str, str]) -> None:
    """One service (the code in `root`, `extra_env` added to its environment) over fresh data
    directories, loaded and measured."""
    docs = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
    with (
        tempfile.TemporaryDirectory(prefix="memrag-load-") as scratch,
        service(root, Path(scratch), cache, extra_env, args.replicas, args.balancer) as served,
    ):
        feed = [] if args.no_feed else docs[60:]
        load = _load(served, docs[:60], feed, args.clients, args.duration, args.profile, args.gil)
        answers, cpu_ms = asyncio.run(load)
        if args.profile and args.profile.exists():
            print(profile_summary(args.profile, answers, root))
            if args.gil:
                print(gil_ceiling(args.profile, answers, cpu_ms, os.cpu_count() or 1, root))


async def _load(
    served: Service,
    first: list[dict[str, str]],
    feed: list[dict[str, str]],
    clients: int,
    duration: float,
    profile: Path | None = None,
    gil: bool = False,
) -> tuple[int, float]:
    """Answers given and the service's CPU milliseconds per answer."""
    async with AsyncExitStack() as stack:
        https = [await stack.enter_async_context(httpx.AsyncClient(base_url=u, timeout=60)) for u in served.ask]
        http = https[0]
        key = await _namespace(http)
        auth = {"Authorization": f"Bearer {key}"}
        await _add_and_wait(http, auth, first)
        await _held_everywhere(served.hold, auth, len(first))
        feeding = "while documents are added" if feed else "(no documents added)"
        print(f"indexed {len(first)} documents; {clients} clients asking for {duration:.0f} s {feeding}")
        stop = time.monotonic() + duration
        sampler = sample(served.processes[0].pid, duration, profile, gil) if profile else None
        usage = CpuUsage(served.processes)
        asking = (_asker(https[i % len(https)], auth, i, stop) for i in range(clients))
        askers = measured(asyncio.gather(*asking), usage)
        asked, (fed, feed_errors) = await asyncio.gather(askers, _feeder(http, auth, feed, stop))
    if sampler is not None:
        sampler.wait(timeout=60)
    latencies = [s for r in asked for s in r[0]]
    errors = [e for r in asked for e in r[1]]
    rate = len(latencies) / usage.wall
    print(f"answers {len(latencies)} ({rate:.1f}/s), errors {len(errors)}")
    print(f"latency p50 {percentile_ms(latencies, 50):.0f} ms, p99 {percentile_ms(latencies, 99):.0f} ms")
    print(f"documents added during the run: {fed}, ingest errors {len(feed_errors)}")
    print(usage.report(len(latencies), rate))
    rss = ", ".join(f"{p.memory_info().rss / 2**20:.0f}" for p in served.processes)
    print(f"RSS of each service process, MB: {rss}")
    for error in (errors + feed_errors)[:5]:
        print("  error:", error)
    return len(latencies), 1000 * usage.server / max(len(latencies), 1)


async def _held_everywhere(urls: list[str], auth: dict[str, str], documents: int) -> None:
    """Waits until the API at each url (a replica applies the log after the worker appends to it) lists `documents`
    documents."""
    deadline = time.monotonic() + 120
    for url in urls:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            while True:
                answer = await http.get("/v1/namespaces/load/documents", headers=auth, params={"limit": 1000})
                held = len(answer.json().get("documents", ())) if answer.status_code == 200 else 0
                if held >= documents:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} held {held} of {documents} documents after 120 s")
                await asyncio.sleep(0.2)


async def _asker(http: httpx.AsyncClient, auth: dict[str, str], n: int, stop: float) -> tuple[list[float], list[str]]:
    latencies, errors = [], []
    i = n
    while time.monotonic() < stop:
        started = time.perf_counter()
        try:
            r = await http.post("/v1/namespaces/load/ask", headers=auth, json={"question": QUESTIONS[i % 5]})
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text[:200]}")
            else:
                latencies.append(time.perf_counter() - started)
        except httpx.HTTPError as exc:
            errors.append(repr(exc))
        i += 1
    return latencies, errors


async def _feeder(
    http: httpx.AsyncClient, auth: dict[str, str], docs: list[dict[str, str]], stop: float
) -> tuple[int, list[str]]:
    fed, errors, jobs = 0, [], []
    while time.monotonic() < stop and fed < len(docs):
        batch = docs[fed : fed + 8]
        r = await http.post("/v1/namespaces/load/documents", headers=auth, json={"documents": batch})
        if r.status_code == 202:
            jobs.append(r.json()["job_id"])
            fed += len(batch)
        else:
            errors.append(f"{r.status_code} {r.text[:200]}")
        await asyncio.sleep(2.0)
    indexed = 0
    for job_id in jobs:
        indexed += (await _wait(http, auth, job_id))["indexed"]
    return indexed, errors


async def _namespace(http: httpx.AsyncClient) -> str:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    (await http.post("/v1/namespaces", headers=admin, json={"name": "load"})).raise_for_status()
    return str((await http.post("/v1/namespaces/load/keys", headers=admin)).json()["key"])


async def _add_and_wait(http: httpx.AsyncClient, auth: dict[str, str], docs: list[dict[str, str]]) -> None:
    r = await http.post("/v1/namespaces/load/documents", headers=auth, json={"documents": docs})
    r.raise_for_status()
    await _wait(http, auth, r.json()["job_id"])


async def _wait(http: httpx.AsyncClient, auth: dict[str, str], job_id: str) -> dict[str, Any]:
    while True:
        job: dict[str, Any] = (await http.get(f"/v1/jobs/{job_id}", headers=auth)).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.2)


if __name__ == "__main__":
    main()
