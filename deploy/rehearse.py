"""The scaled topology rehearsed on loopback (run through deploy/rehearse.sh): Redis, a writer, two preparing
workers, two API replicas (each applying the log into its own embedded store) behind HAProxy.

It sends documents and questions through the balancer, kills a worker and an API replica mid-run and
restarts them, then checks that every job ended `done`, that both replicas hold the same documents and
answer retrievals identically (same graph), and that every question got an answer. It prints answers/s
through the balancer with two replicas and with one, and how fast a restarted replica catches up.
Every wait has a deadline; every process it starts is stopped on exit.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "musique_240.jsonl"
ADMIN_KEY = "rehearsal-admin-key-0123456789"
NAMESPACE = "rehearsal"
STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Callable[[], bool], timeout_s: float, every_s: float = 0.2) -> float:
    """Poll `check` until true; returns the seconds it took; raises after `timeout_s`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            if check():
                return time.monotonic() - started
        except (httpx.HTTPError, redis.RedisError, OSError):
            pass
        time.sleep(every_s)
    raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")


@dataclass
class Cluster:
    """The processes of the rehearsal and where they listen."""

    run: Path
    memrag: str
    onnx: Path
    redis_port: int = field(default_factory=free_port)
    lb_port: int = field(default_factory=free_port)
    api_ports: dict[str, int] = field(default_factory=lambda: {"api1": free_port(), "api2": free_port()})
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def env(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEMRAG_")}
        env.update(
            HF_HUB_OFFLINE="1",
            BAKED_ONNX_DIR=str(self.onnx),
            MEMRAG_DATA_DIR=str(self.run / name),
            MEMRAG_REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            MEMRAG_ADMIN_KEY=ADMIN_KEY,
            MEMRAG_EMBEDDING_BACKEND="onnx",
            MEMRAG_EMBEDDING_THREADS="1",  # five processes share this machine's cores
            MEMRAG_JOB_VISIBILITY_S="10",  # a killed worker's job is taken over after 10 s
            MEMRAG_JOB_BACKOFF_S="0.5",
        )
        return env

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.run / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            command, env=env or self.env(name), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        with Path(os.environ.get("REHEARSAL_PIDS", self.run / "pids")).open("a") as pids:
            pids.write(f"{self.procs[name].pid}\n")  # for deploy/rehearse.sh's backstop

    def start_memrag(self, name: str, *args: str) -> None:
        self.start(name, ["sh", str(ROOT / "deploy" / "entrypoint.sh"), self.memrag, *args])

    def start_api(self, name: str) -> None:
        self.start_memrag(name, "serve", "--host", "127.0.0.1", "--port", str(self.api_ports[name]))

    def kill(self, name: str) -> None:
        """SIGKILL: a crash, no clean shutdown."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs.clear()

    def url(self, name: str = "lb") -> str:
        return f"http://127.0.0.1:{self.lb_port if name == 'lb' else self.api_ports[name]}"

    def haproxy(self, command: str) -> str:
        """A command on HAProxy's runtime API (its admin socket)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.run / "haproxy.sock"))
            s.sendall(command.encode() + b"\n")
            return s.recv(65536).decode()


HAPROXY_CFG = """\
global
    maxconn 1024
    stats socket {run}/haproxy.sock mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch
    retry-on conn-failure empty-response 503
frontend memrag
    bind 127.0.0.1:{lb}
    default_backend api
backend api
    balance leastconn
    option httpchk GET /readyz
    http-check expect status 200
    timeout check 3s
    default-server inter 1s fall 3 rise 2
    server api1 127.0.0.1:{api1} check
    server api2 127.0.0.1:{api2} check
"""


def export_onnx(memrag: str, cache: Path) -> Path:
    """The ONNX export of the model, made once (torch is needed for it) and linked into every process."""
    onnx = cache / "cache" / "onnx"
    if not list(onnx.glob("*/model.onnx")):
        say(f"exporting the embedding model to ONNX under {onnx} (once)")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEMRAG_")}
        env.update(HF_HUB_OFFLINE="1", MEMRAG_DATA_DIR=str(cache), MEMRAG_EMBEDDING_BACKEND="onnx")
        subprocess.run([memrag, "retrieve", "warm up"], env=env, check=True, timeout=300, capture_output=True)
    return onnx


def start_cluster(c: Cluster) -> None:
    c.start(
        "redis",
        ["redis-server", "--port", str(c.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        env=dict(os.environ),
    )
    r = redis.Redis(port=c.redis_port)
    wait_for("redis", lambda: bool(r.ping()), 20)
    c.start_memrag("writer", "worker", "--apply", "--no-prepare", "--consumer", "writer")
    c.start_memrag("worker1", "worker")
    c.start_memrag("worker2", "worker")
    for name in c.api_ports:
        c.start_api(name)
    cfg = HAPROXY_CFG.format(run=c.run, lb=c.lb_port, api1=c.api_ports["api1"], api2=c.api_ports["api2"])
    (c.run / "haproxy.cfg").write_text(cfg)
    c.start("haproxy", ["haproxy", "-f", str(c.run / "haproxy.cfg"), "-db"], env=dict(os.environ))
    took = wait_for("both replicas up behind the balancer", lambda: both_ready(c), 180, every_s=0.5)
    say(f"redis, writer, 2 workers, 2 API replicas and HAProxy up ({took:.1f} s)")


def both_ready(c: Cluster) -> bool:
    replicas = all(httpx.get(f"{c.url(n)}/readyz", timeout=2).status_code == 200 for n in c.api_ports)
    return replicas and servers_up(c) == 2 and httpx.get(f"{c.url()}/readyz", timeout=2).status_code == 200


def servers_up(c: Cluster) -> int:
    """Servers HAProxy's health checks see up (`show servers state`: column 6 is the state, 2 = running)."""
    rows = [line.split() for line in c.haproxy("show servers state api").splitlines()[1:]]
    return sum(1 for f in rows if len(f) > 5 and f[0].isdigit() and f[5] == "2")


@dataclass
class Asker:
    """Clients asking questions through the balancer; each question is retried until it gets an answer."""

    url: str
    key: str
    questions: list[str]
    asked: int = 0
    answered: int = 0
    retries: int = 0
    unanswered: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ask(self, client: httpx.Client, question: str, stop: threading.Event, attempts: int = 8) -> bool | None:
        """True once answered; False after `attempts` failures; None if stopped while retrying."""
        for attempt in range(attempts):
            try:
                reply = client.post(f"/v1/namespaces/{NAMESPACE}/ask", json={"question": question, "top_k": 3})
                if reply.status_code == 200 and reply.json()["answer"]:
                    return True
            except httpx.HTTPError:
                pass
            with self.lock:
                self.retries += 1
            if stop.wait(0.2 * (attempt + 1)):
                return None
        return False

    def loop(self, stop: threading.Event, offset: int, pause_s: float = 0.0) -> int:
        """Ask until `stop`, `pause_s` apart (0: back to back); returns how many got an answer."""
        done = 0
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=30) as client:
            i = offset
            while not stop.is_set():
                question = self.questions[i % len(self.questions)]
                ok = self.ask(client, question, stop)
                if ok is None:
                    break
                with self.lock:
                    self.asked += 1
                    self.answered += ok
                    if not ok:
                        self.unanswered.append(question)
                done += ok
                i += 1
                stop.wait(pause_s)
        return done


@contextmanager
def asking(asker: Asker, clients: int, pause_s: float = 0.0) -> Iterator[Callable[[], int]]:
    stop = threading.Event()
    counts: list[int] = []

    def client(offset: int) -> None:
        counts.append(asker.loop(stop, offset, pause_s))

    threads = [threading.Thread(target=client, args=(i * 7,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield lambda: sum(counts)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=35)  # a request in flight ends within httpx's 30 s timeout


def answers_per_second(asker: Asker, clients: int, seconds: float) -> float:
    started = time.monotonic()
    with asking(asker, clients) as total:
        time.sleep(seconds)
    return total() / (time.monotonic() - started)


def submit(client: httpx.Client, docs: list[dict[str, Any]], attempts: int = 5) -> str:
    for attempt in range(attempts):
        reply = client.post(f"/v1/namespaces/{NAMESPACE}/documents", json={"documents": docs})
        if reply.status_code == 202:
            return str(reply.json()["job_id"])
        time.sleep(0.5 * (attempt + 1))
    reply.raise_for_status()
    raise RuntimeError(f"submission answered {reply.status_code}")


def job_states(client: httpx.Client, jobs: list[str]) -> dict[str, str]:
    states = {}
    for job in jobs:
        reply = client.get(f"/v1/jobs/{job}")
        reply.raise_for_status()  # a 503 while the balancer has no replica is retried by wait_for
        states[job] = reply.json()["status"]
    return states


def documents_of(url: str, key: str) -> set[str]:
    ids: set[str] = set()
    cursor = None
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        while True:
            params: dict[str, Any] = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            page = client.get(f"/v1/namespaces/{NAMESPACE}/documents", params=params).json()
            ids |= {d["id"] for d in page["documents"]}
            cursor = page["next_cursor"]
            if not cursor:
                return ids


def retrievals_of(url: str, key: str, questions: list[str]) -> list[list[tuple[str, float]]]:
    out = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        for q in questions:
            hits = client.post(f"/v1/namespaces/{NAMESPACE}/retrieve", json={"query": q, "top_k": 10}).json()["hits"]
            out.append([(h["passage_id"], round(h["score"], 6)) for h in hits])
    return out


def log_entries_after(r: Any, position: str) -> int:
    entries = r.xrange(f"memrag:log:{NAMESPACE}", min=f"({position}" if position != "0-0" else "-", max="+")
    return len(entries)


def last_log_entry(r: Any) -> str:
    last = r.xrevrange(f"memrag:log:{NAMESPACE}", count=1)
    return last[0][0].decode() if last else "0-0"


def applied_by(r: Any, name: str) -> list[tuple[str, float]]:
    """(log entry, time) of every change event announced by applier `name`, oldest first."""
    events = r.xrange(f"memrag:changes:{NAMESPACE}", min="-", max="+")
    return [(f[b"entry"].decode(), float(f[b"at"])) for _, f in events if f[b"by"].decode() == name]


@dataclass
class Report:
    figures: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        say(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            self.failures.append(what)


def rehearse(c: Cluster, n_docs: int, measure_s: float, report: Report) -> None:
    docs = [json.loads(line) for line in FIXTURE.read_text().splitlines()][:n_docs]
    questions = [f"What is known about {d['title']}?" for d in docs]
    r = redis.Redis(port=c.redis_port)
    with httpx.Client(base_url=c.url(), timeout=30, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as admin:
        admin.post("/v1/namespaces", json={"name": NAMESPACE}).raise_for_status()
        key = admin.post(f"/v1/namespaces/{NAMESPACE}/keys").json()["key"]
    asker = Asker(c.url(), key, questions)
    client = httpx.Client(base_url=c.url(), timeout=30, headers={"Authorization": f"Bearer {key}"})
    jobs: list[str] = []
    with asking(asker, clients=2, pause_s=0.25):  # a steady trickle of questions, leaving CPU to ingestion
        ingest_with_failures(c, r, client, docs, jobs)
        states = job_states(client, jobs)
        done, failed = (sum(s == state for s in states.values()) for state in ("done", "failed"))
        report.check(done == len(jobs), f"{len(jobs)} jobs all done")
        report.figures["jobs"] = f"{len(jobs)} submitted, {done} done, {failed} failed"
    client.close()
    restart_replica(c, r, report)  # with no other load: the catch-up rate alone
    check_replicas(c, r, key, docs, questions, report)
    report.check(not asker.unanswered, f"every question answered ({asker.answered}/{asker.asked} during ingestion)")
    report.figures["questions during ingestion"] = (
        f"{asker.answered} answered of {asker.asked}, {asker.retries} retries (failed attempts retried)"
    )
    measure(c, asker, measure_s, report)


def all_finished(client: httpx.Client, jobs: list[str]) -> bool:
    return all(s in ("done", "failed") for s in job_states(client, jobs).values())


def ingest_with_failures(c: Cluster, r: Any, client: httpx.Client, docs: list[Any], jobs: list[str]) -> None:
    """Two thirds of the documents in jobs of 8, a worker killed and restarted, then the API replica api2
    killed; the last third as single-document jobs (one log entry each) while api2 is down."""
    split = len(docs) * 2 // 3
    jobs += [submit(client, docs[i : i + 8]) for i in range(0, split, 8)]
    say(f"submitted {len(jobs)} jobs of 8 documents through the balancer")
    wait_for("3 jobs done", lambda: done_count(client, jobs) >= 3, 120)
    c.kill("worker1")
    say("killed worker1 (SIGKILL) with jobs in flight")
    time.sleep(2)
    c.start_memrag("worker1", "worker")
    say("restarted worker1")
    wait_for(
        "half the jobs done", lambda: sum(s == "done" for s in job_states(client, jobs).values()) >= len(jobs) // 2, 180
    )
    c.kill("api2")
    say("killed API replica api2 (SIGKILL); the balancer sends everything to api1")
    jobs += [submit(client, [d]) for d in docs[split:]]
    say(f"submitted {len(docs) - split} single-document jobs while api2 is down")
    took = wait_for("every job ends", lambda: all_finished(client, jobs), 240, every_s=0.5)
    wait_for("the writer at the end of the log", lambda: writer_position(c) == last_log_entry(r), 60)
    say(f"every job ended ({took:.1f} s after the last submission); the writer is at the end of the log")


def done_count(client: httpx.Client, jobs: list[str]) -> int:
    return sum(s == "done" for s in job_states(client, jobs).values())


def writer_position(c: Cluster, name: str = "writer") -> str:
    path = c.run / name / "log-positions" / NAMESPACE
    return path.read_text().strip() if path.exists() else "0-0"


def restart_replica(c: Cluster, r: Any, report: Report) -> None:
    """Restart api2 and time it: healthy, back in the balancer, and caught up with the entries it missed."""
    behind = log_entries_after(r, writer_position(c, "api2"))
    end = last_log_entry(r)
    started = time.monotonic()
    c.start_api("api2")
    seen: dict[str, float] = {}
    probes: dict[str, Callable[[], bool]] = {
        "healthy": lambda: httpx.get(f"{c.url('api2')}/healthz", timeout=1).status_code == 200,
        "in the balancer": lambda: servers_up(c) == 2,
        "caught up": lambda: writer_position(c, "api2") == end,
    }

    def all_seen() -> bool:
        for what, probe in probes.items():
            if what not in seen and probe():
                seen[what] = time.monotonic() - started
        return len(seen) == len(probes)

    wait_for("api2 healthy, in the balancer and caught up", all_seen, 240, every_s=0.05)
    name = f"api-{socket.gethostname()}-{c.procs['api2'].pid}"
    # The position is saved before the change is announced: give the last announcement a moment.
    wait_for("api2's change events", lambda: len(applied_by(r, name)) >= behind, 10)
    applied = applied_by(r, name)
    timeline = ", ".join(f"{what} {t:.1f} s" for what, t in sorted(seen.items(), key=lambda kv: kv[1]))
    say(f"restarted api2 ({behind} log entries behind): {timeline} after start")
    figure = f"{behind} entries missed; after start: {timeline}"
    if len(applied) >= 2:
        per_entry = (applied[-1][1] - applied[0][1]) / (len(applied) - 1)
        figure += f"; applying {per_entry * 1000:.1f} ms per entry = {per_entry * 1000:.0f} s per 1,000 entries"
    report.figures["catch-up of a restarted replica"] = figure
    stale = seen["caught up"] - seen["in the balancer"]
    if stale > 0:
        report.figures["stale window"] = f"api2 served {stale:.1f} s from behind the log (readiness ignores lag)"
    report.check(behind > 0 and len(applied) >= behind, f"api2 applied the {behind} log entries it missed")


def check_replicas(c: Cluster, r: Any, key: str, docs: list[Any], qs: list[str], report: Report) -> None:
    expected = {d["id"] for d in docs}
    end = last_log_entry(r)
    wait_for(
        "every applier at the end of the log",
        lambda: all(writer_position(c, n) == end for n in ("writer", "api1", "api2")),
        120,
    )
    held = {n: documents_of(c.url(n), key) for n in c.api_ports}
    report.check(held["api1"] == held["api2"] == expected, f"both replicas hold the same {len(expected)} documents")
    sample = qs[:: max(1, len(qs) // 20)]
    same = retrievals_of(c.url("api1"), key, sample) == retrievals_of(c.url("api2"), key, sample)
    report.check(same, f"both replicas rank the same passages with the same scores ({len(sample)} retrievals)")
    for name in ("writer", "api1", "api2", "worker1", "worker2"):
        rss = rss_mb(c.procs[name].pid)
        report.figures[f"RSS {name}"] = f"{rss:.0f} MB"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(c: Cluster, asker: Asker, seconds: float, report: Report) -> None:
    clients = 4
    two = answers_per_second(asker, clients, seconds)
    c.haproxy("set server api/api2 state maint")
    one = answers_per_second(asker, clients, seconds)
    c.haproxy("set server api/api2 state ready")
    report.figures["answers/s through the balancer"] = (
        f"{two:.1f} with two replicas, {one:.1f} with one ({clients} clients back to back, {seconds:.0f} s each)"
    )
    say(f"answers/s: {two:.1f} with two replicas, {one:.1f} with one")


class Interrupted(Exception):
    """SIGTERM (deploy/rehearse.sh's time limit): stop everything, report, exit."""


def interrupted(signum: int, frame: object) -> None:
    raise Interrupted(f"stopped by signal {signum} (time limit REHEARSAL_TIMEOUT_S?)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=160, help="documents to send (at most 240)")
    parser.add_argument("--measure-s", type=float, default=6.0, help="seconds of each answers/s measurement")
    parser.add_argument("--keep", action="store_true", help="keep the run directory (logs, stores)")
    args = parser.parse_args()
    memrag = str(Path(sys.executable).parent / "memrag")
    cache = Path(os.environ.get("MEMRAG_REHEARSAL_CACHE", Path.home() / ".cache" / "memrag" / "rehearsal"))
    run = Path(tempfile.mkdtemp(prefix="memrag-rehearsal-"))
    c = Cluster(run, memrag, export_onnx(memrag, cache))
    report = Report()
    signal.signal(signal.SIGTERM, interrupted)
    try:
        start_cluster(c)
        rehearse(c, args.docs, args.measure_s, report)
    except Exception as exc:  # any step that fails or times out fails the rehearsal, with its reason
        report.failures.append(f"{type(exc).__name__}: {exc}")
        say(f"FAIL {type(exc).__name__}: {exc} (logs in {run})")
        args.keep = True
    finally:
        c.stop_all()
    print("\n== rehearsal figures ==")
    for name, value in report.figures.items():
        print(f"{name}: {value}")
    verdict = "FAILED: " + "; ".join(report.failures) if report.failures else "all checks passed"
    print(f"total: {time.monotonic() - STARTED:.1f} s; {verdict}")
    if not args.keep:
        shutil.rmtree(run, ignore_errors=True)
    else:
        print(f"run directory kept: {run}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
