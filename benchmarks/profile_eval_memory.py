"""Where a `memrag eval` run's resident memory is at its peak: mappings by resident size, anonymous vs files.

Runs `memrag eval ARGS...` in this process while a thread samples /proc/self/smaps_rollup every
`--period` seconds; at each new peak it reads /proc/self/smaps and keeps the resident size per
mapping (a file's path, or [heap] / [anon] / [stack]). At the end it prints the run's table, a
timeline (RSS, anonymous, mapped files every `--every` seconds) and the largest mappings at the peak.
Linux only.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python -m benchmarks.profile_eval_memory \
        ../shared/data/2wiki-101 --extractor offline --threads 1
"""

from __future__ import annotations

import functools
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memrag.cli.main import main as memrag_main
from memrag.memory.engine import Engine
from memrag.memory.indexing import prepare, write
from memrag.memory.storage import qdrant_edge


def rollup_mb() -> dict[str, float]:
    """Resident size now, its anonymous part and its file-backed part, in MB."""
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        key, _, value = line.partition(":")
        fields[key] = int(value.split()[0]) / 1024
    return {"rss": fields["Rss"], "anon": fields["Anonymous"], "file": fields["Rss"] - fields["Anonymous"]}


def by_mapping_kb() -> Counter[str]:
    """Resident kB per mapping name (files under a store's segment folders grouped by their folder)."""
    out: Counter[str] = Counter()
    name = "[anon]"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split(maxsplit=5)
        if len(head) >= 5 and "-" in head[0] and not head[0].endswith(":"):
            name = _group(head[5] if len(head) == 6 else "[anon]")
        elif line.startswith("Rss:"):
            out[name] += int(line.split()[1])
    return out


def _group(path: str) -> str:
    """A mapping's name, shortened: a store file as collection/kind (…/passages/segments/<uuid>/vector_storage…)."""
    parts = path.split("/")
    if "segments" in parts:
        at = parts.index("segments")
        return f"store:{parts[at - 1]}/{'/'.join(p for p in parts[at + 2 : at + 4] if not p.startswith('chunk'))}"
    return path


def _kind(name: str) -> str:
    if name.startswith("store:"):
        return "store segments"
    if "/wal/" in name:
        return "store write-ahead logs"
    if ".so" in name:
        return "shared libraries"
    return name if name.startswith("[") else "other files"


class Sampler:
    """Samples the rollup every `period` s; keeps a timeline and the per-mapping split at the peak."""

    def __init__(self, period: float, every: float) -> None:
        self.started = time.perf_counter()
        self.peak: dict[str, float] = {"rss": 0.0}
        self.peak_at = 0.0
        self.peak_mappings: Counter[str] = Counter()
        self.timeline: list[tuple[float, dict[str, float]]] = []
        self.events: list[str] = []
        self.window_peak = 0.0
        self._every, self._next = every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(period,), daemon=True)
        self._thread.start()

    def _run(self, period: float) -> None:
        while not self._stop.wait(period):
            now, mem = time.perf_counter() - self.started, rollup_mb()
            self.window_peak = max(self.window_peak, mem["rss"])
            if now >= self._next:
                self.timeline.append((now, mem))
                self._next = now + self._every
            if mem["rss"] > self.peak["rss"] + 20:  # a new peak by more than 5 MB: read the mappings
                self.peak, self.peak_at, self.peak_mappings = mem, now, by_mapping_kb()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def watch_optimise(sampler: Sampler) -> None:
    """Record each store optimisation (collection, seconds, RSS before and after) in `sampler.events`."""
    plain = qdrant_edge.EdgeIndex.optimize

    def optimise(index: qdrant_edge.EdgeIndex) -> None:
        before, started = rollup_mb()["rss"], time.perf_counter()
        sampler.window_peak = 0.0
        plain(index)
        seconds, after = time.perf_counter() - started, rollup_mb()["rss"]
        sampler.events.append(
            f"{started - sampler.started:>7.0f} s optimise {index._path.name:<9} {seconds:>5.1f} s "
            f"RSS {before:.0f} -> {after:.0f} MB, at most {sampler.window_peak:.0f}"
        )

    qdrant_edge.EdgeIndex.optimize = optimise  # type: ignore[method-assign,assignment]


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class HighWater:
    """Which calls raised the process's high-water mark (getrusage, exact even while a call holds the GIL).

    Each wrapped call's rise is its own: rises inside nested wrapped calls count for the inner one.
    """

    def __init__(self) -> None:
        self.rise: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.biggest: list[tuple[float, str, float, float]] = []  # (rise MB, label, high-water after, when)
        self._inner = threading.local()
        self.started = time.perf_counter()

    def wrap(self, owner: Any, attr: str, label: str) -> None:
        plain: Callable[..., Any] = getattr(owner, attr)

        @functools.wraps(plain)
        def watched(*args: Any, **kwargs: Any) -> Any:
            before = max_rss_mb()
            outer = getattr(self._inner, "rise", 0.0)
            self._inner.rise = 0.0
            try:
                return plain(*args, **kwargs)
            finally:
                total = max_rss_mb() - before
                own = total - self._inner.rise
                self._inner.rise = outer + total
                self.calls[label] += 1
                if own > 0:
                    self.rise[label] += own
                    when = time.perf_counter() - self.started
                    self.biggest.append((own, label, max_rss_mb(), when))

        setattr(owner, attr, watched)

    def lines(self, top: int) -> list[str]:
        out = ["high-water rises by call (MB, calls):"]
        out += [f"  {mb:>7.1f} MB  {label} ({self.calls[label]} calls)" for label, mb in self.rise.most_common()]
        out.append("largest single rises:")
        for mb, label, after, when in sorted(self.biggest, reverse=True)[:top]:
            out.append(f"  {mb:>7.1f} MB  {label} at {when:.0f} s (high-water {after:.0f} MB)")
        return out


def watch_calls(high: HighWater) -> None:
    for attr in ("optimize", "upsert", "search_batch", "search_points", "get", "vectors", "scroll", "flush"):
        high.wrap(qdrant_edge.EdgeIndex, attr, f"store.{attr}")
    high.wrap(prepare.Preparer, "prepare", "prepare (chunk, extract)")
    high.wrap(prepare.Preparer, "embed", "embed")
    high.wrap(write.Indexer, "write", "write (rest)")
    high.wrap(write.Indexer, "select", "select")
    high.wrap(write, "apply_to_graph", "graph")
    high.wrap(Engine, "retrieve", "retrieve (rest)")


def report(sampler: Sampler, top: int) -> str:
    lines = [f"{'t s':>7} {'RSS':>7} {'anon':>7} {'files':>7}"]
    lines += [f"{t:>7.0f} {m['rss']:>7.0f} {m['anon']:>7.0f} {m['file']:>7.0f}" for t, m in sampler.timeline]
    p = sampler.peak
    lines.append(f"peak {p['rss']:.0f} MB at {sampler.peak_at:.0f} s: anonymous {p['anon']:.0f}, files {p['file']:.0f}")
    kinds: Counter[str] = Counter()
    for name, kb in sampler.peak_mappings.items():
        kinds[_kind(name)] += kb
    lines += [f"  {kb / 1024:>7.1f} MB  {name}" for name, kb in kinds.most_common() if kb >= 1024]
    lines += [f"  {kb / 1024:>7.1f} MB  {name}" for name, kb in sampler.peak_mappings.most_common(top)]
    lines += sampler.events
    return "\n".join(lines)


def main() -> None:
    args = sys.argv[1:]
    period, every, top = 0.05, 20.0, 25
    sampler = Sampler(period, every)
    watch_optimise(sampler)
    high = HighWater()
    watch_calls(high)
    try:
        code = memrag_main(["eval", *args])
    finally:
        sampler.close()
    print(report(sampler, top))
    print("\n".join(high.lines(top)))
    raise SystemExit(code)


if __name__ == "__main__":
    main()
