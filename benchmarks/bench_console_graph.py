"""The console's graph view in headless Chromium: time to first render and frame times under pan/zoom.

Starts `memrag serve` on loopback, opens /console/ in the OS's Chromium (Selenium; software WebGL
where there is no GPU), and hands the Graph tab synthetic neighbourhoods shaped like the API's
(passages joined to 3–6 entities, entities joined by relations and a few synonyms) as JSON text.
In the page, performance.now() times: JSON parse + ForceAtlas2 layout + sigma.js set-up until the
second animation frame after (first render); then four animated camera moves (zoom in ×8, two pans,
zoom out: what a wheel zoom and a drag do) give the frame intervals and sigma's own render time per frame.

    nice -n 10 .venv/bin/python -m benchmarks.bench_console_graph [--sizes 300 1000 5000] [--move-ms 1500]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from tests.browser.chrome import screenshot, start_chrome
from tests.helpers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "bench-console-admin-key-0123"

FIRST_RENDER = """
const [text, done] = arguments;
const t0 = performance.now();
const data = JSON.parse(text);
const graph = window.memragConsole.explore.showData(data);
const shown = performance.now();
requestAnimationFrame(() => requestAnimationFrame(() => done({
  nodes: graph.order, edges: graph.size, show_ms: shown - t0, first_render_ms: performance.now() - t0})));
"""

PAN_ZOOM = """
const [moveMs, done] = arguments;
const renderer = window.memragConsole.explore.view.renderer;
const camera = renderer.getCamera();
const renders = [];
const intervals = [];
let started = 0;
renderer.on("beforeRender", () => { started = performance.now(); });
renderer.on("afterRender", () => renders.push(performance.now() - started));
let moving = true;
let last = 0;
function tick(now) {
  if (last) intervals.push(now - last);
  last = now;
  if (moving) requestAnimationFrame(tick);
}
requestAnimationFrame(tick);
// what a wheel zoom and a drag do: animated camera moves (sigma applies its level of detail while they run)
const moves = [{ratio: 1 / 8}, {x: 0.8, y: 0.3}, {x: 0.3, y: 0.7}, {ratio: 1, x: 0.5, y: 0.5}];
(async () => {
  for (const move of moves) await camera.animate(move, {duration: moveMs});
  moving = false;
  done({intervals, renders});
})().catch((e) => done({error: String(e.stack || e)}));
"""


IDLE_FRAMES = """
const [frames, done] = arguments;
const intervals = [];
let last = 0;
function tick(now) {
  if (last) intervals.push(now - last);
  last = now;
  if (intervals.length < frames) requestAnimationFrame(tick);
  else done(intervals);
}
requestAnimationFrame(tick);
"""


GL_FLOOR = """
const [frames, done] = arguments;
const box = document.getElementById("graph-main");
const canvas = document.createElement("canvas");
canvas.width = box.clientWidth;
canvas.height = box.clientHeight;
box.append(canvas);
const gl = canvas.getContext("webgl2");
const intervals = [];
let last = 0;
function tick(now) {
  gl.clearColor((intervals.length % 10) / 10, 0.5, 0.5, 1);  // the least a changing WebGL canvas costs a frame
  gl.clear(gl.COLOR_BUFFER_BIT);
  if (last) intervals.push(now - last);
  last = now;
  if (intervals.length < frames) requestAnimationFrame(tick);
  else { canvas.remove(); done(intervals); }
}
requestAnimationFrame(tick);
"""


def synthetic_neighbourhood(n_nodes: int, seed: int = 7) -> dict[str, Any]:
    """A graph like GET …/graph returns: ~1/3 passages, each mentioning 3–6 entities (context edges),
    relations between entities of a passage, and some synonym edges; centres first."""
    rng = random.Random(seed)
    n_passages = n_nodes // 3
    entities = [f"entity-{i}" for i in range(n_nodes - n_passages)]
    nodes = [{"id": f"passage-{i}", "kind": "passage", "label": f"Passage {i}"} for i in range(n_passages)]
    nodes += [{"id": e, "kind": "entity", "label": f"entity {i}"} for i, e in enumerate(entities)]
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for p in range(n_passages):
        local = rng.sample(entities[: max(6, len(entities) * (p + 1) // n_passages)], rng.randint(3, 6))
        for e in local:
            edges[(f"passage-{p}", e)] = {"source": f"passage-{p}", "target": e, "kind": "context", "weight": 1.0}
        for a, b in itertools.pairwise(local):
            edges[(a, b)] = {"source": a, "target": b, "kind": "relation", "weight": 2.0 * rng.randint(1, 3)}
    for _ in range(len(entities) // 10):
        a, b = rng.sample(entities, 2)
        edges.setdefault((a, b), {"source": a, "target": b, "kind": "synonym", "weight": 1.7})
    return {"nodes": nodes, "edges": list(edges.values()), "truncated": False}


def start_server(data_dir: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "MEMRAG_DATA_DIR": data_dir, "MEMRAG_ADMIN_KEY": ADMIN}
    env.pop("MEMRAG_REDIS_URL", None)
    cmd = [sys.executable, "-m", "memrag.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/healthz", proc)
    httpx.post(f"{url}/v1/namespaces", json={"name": "bench"}, headers={"Authorization": f"Bearer {ADMIN}"})
    return proc, url


def open_graph_tab(driver: Any, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{url}/console/")
    driver.find_element("id", "key").send_keys(ADMIN)
    driver.find_element("id", "sign-in-form").submit()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return !!window.memragConsole"))
    driver.find_element("id", "tab-graph").click()


def measure(driver: Any, n_nodes: int, move_ms: int) -> dict[str, Any]:
    driver.set_script_timeout(300)
    text = json.dumps(synthetic_neighbourhood(n_nodes))
    first: dict[str, Any] = driver.execute_async_script(FIRST_RENDER, text)
    moved: dict[str, Any] = driver.execute_async_script(PAN_ZOOM, move_ms)
    if "error" in moved:
        raise RuntimeError(f"pan/zoom failed in the page: {moved['error']}")
    screenshot(driver, f"bench-graph-{n_nodes}")
    return first | {"intervals": moved["intervals"], "renders": moved["renders"]}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(row: dict[str, Any]) -> str:
    gaps, renders = row["intervals"], row["renders"] or [0.0]
    fps = 1000 / statistics.mean(gaps)
    return (
        f"{row['nodes']:>6} {row['edges']:>6} {row['show_ms']:>9.0f} {row['first_render_ms']:>10.0f}"
        f" {pct(gaps, 0.5):>8.1f} {pct(gaps, 0.95):>8.1f} {max(gaps):>8.1f} {fps:>6.1f}"
        f" {pct(renders, 0.5):>8.1f} {pct(renders, 0.95):>8.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 5000])
    parser.add_argument("--move-ms", type=int, default=1500, help="duration of each of the 4 camera moves")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        proc, url = start_server(data_dir)
        driver = start_chrome(1280, 1000)
        try:
            open_graph_tab(driver, url)
            print(
                driver.execute_script(
                    "const g = document.createElement('canvas').getContext('webgl2');"
                    "const i = g && g.getExtension('WEBGL_debug_renderer_info');"
                    "return 'WebGL: ' + (i ? g.getParameter(i.UNMASKED_RENDERER_WEBGL) : 'none');"
                )
            )
            print(
                f"{'nodes':>6} {'edges':>6} {'layout+':>9} {'first':>10} {'frame':>8} {'frame':>8} {'frame':>8}"
                f" {'fps':>6} {'render':>8} {'render':>8}"
            )
            print(
                f"{'':>6} {'':>6} {'setup ms':>9} {'render ms':>10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
                f" {'':>6} {'p50 ms':>8} {'p95 ms':>8}"
            )
            idle = driver.execute_async_script(IDLE_FRAMES, 60)
            print(
                f"frame floor of this browser, nothing drawn: p50 {pct(idle, 0.5):.1f} ms, p95 {pct(idle, 0.95):.1f} ms"
            )
            cleared = driver.execute_async_script(GL_FLOOR, 60)
            print(
                f"WebGL canvas of the graph's size cleared each frame: p50 {pct(cleared, 0.5):.1f} ms,"
                f" p95 {pct(cleared, 0.95):.1f} ms"
            )
            for n in args.sizes:
                print(report(measure(driver, n, args.move_ms)), flush=True)
        finally:
            driver.quit()
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
