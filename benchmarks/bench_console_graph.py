"""The console's graph view in headless Chromium: time to first render and frame times under pan/zoom.

Starts `memrag serve` on loopback, opens /console/ in the OS's Chromium (Selenium; software WebGL
where there is no GPU), and hands the Graph tab synthetic neighbourhoods shaped like the API's
(passages joined to 3–6 entities, entities joined by relations and a few synonyms) as JSON text.
In the page, performance.now() times: JSON parse + ForceAtlas2 layout + sigma.js set-up until the
second animation frame after (first render); then four gestures sent as DOM events (a wheel zoom in ×8,
two mouse drags, a wheel zoom out) give the frame intervals while input flows, sigma's own render time
per draw, the time to settle (the graph drawn at rest after a gesture) and the browser's CPU per frame
(psutil: the GPU process, which rasterises software WebGL, and the page's renderer). Each size is
measured in both modes side by side: `redraw` (sigma draws every frame of a move, edges and labels
hidden) and `snapshot` (the picture moves as a CSS transform; sigma draws once when the gesture ends).

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
const [text, snapshot, done] = arguments;
const t0 = performance.now();
const data = JSON.parse(text);
const graph = window.memragConsole.explore.showData(data, {snapshot});
const shown = performance.now();
requestAnimationFrame(() => requestAnimationFrame(() => done({
  nodes: graph.order, edges: graph.size, show_ms: shown - t0, first_render_ms: performance.now() - t0})));
"""

GESTURES = """
// A user's pan and zoom, as DOM events on the drawing (what a wheel and a mouse send): zoom in x8 with
// the wheel, two drags, zoom out x8; each gesture `moveMs` long, input sent once per animation frame.
// Frame intervals are counted while input flows; `settle_ms` is from a gesture's last input to the
// first frame after the graph was drawn again at rest.
const [moveMs, done] = arguments;
const view = window.memragConsole.explore.view;
const renderer = view.renderer;
const target = renderer.getMouseCaptor().container;
const box = target.getBoundingClientRect();
const centre = {clientX: box.left + box.width / 2, clientY: box.top + box.height / 2};
const renders = [];
const intervals = [];
const settles = [];
let started = 0;
renderer.on("beforeRender", () => { started = performance.now(); });
renderer.on("afterRender", () => renders.push(performance.now() - started));
const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
const send = (type, at, extra = {}) => target.dispatchEvent(type === "wheel"
  ? new WheelEvent("wheel", {bubbles: true, cancelable: true, ...at, ...extra})
  : new MouseEvent(type, {bubbles: true, cancelable: true, button: 0, buttons: type === "mouseup" ? 0 : 1, ...at}));
async function during(step) {  // calls step(fraction done) once a frame for moveMs
  const t0 = performance.now();
  let last = await frame();
  for (;;) {
    const now = await frame();
    intervals.push(now - last);
    last = now;
    const done = Math.min(1, (now - t0) / moveMs);
    step(done);
    if (done >= 1) return;
  }
}
async function settle(t0, before) {  // until sigma has drawn at rest (camera still, no gesture pending)
  for (let i = 0; i < 600; i++) {
    await frame();
    const still = !renderer.getCamera().isAnimated() && !(view.gestures && view.gestures.moving);
    if (still && renders.length > before) break;
  }
  await frame();
  settles.push(performance.now() - t0);
}
const NOTCHES = 100 * Math.log(8) / Math.log(1.7);  // wheel deltaY for x8 at 1.7 per 100
async function wheel(sign) {
  let sent = 0;
  await during((f) => { const d = sign * NOTCHES * f - sent; sent += d; send("wheel", centre, {deltaY: d}); });
  await settle(performance.now(), renders.length);
}
async function drag(dx, dy) {
  send("mousedown", centre);
  await during((f) => send("mousemove", {clientX: centre.clientX + dx * f, clientY: centre.clientY + dy * f}));
  const [t0, before] = [performance.now(), renders.length];  // the release may draw at once, inside send()
  send("mouseup", {clientX: centre.clientX + dx, clientY: centre.clientY + dy});
  await settle(t0, before);
}
(async () => {
  await wheel(-1);
  await drag(300, 120);
  await drag(-200, -250);
  await wheel(1);
  done({intervals, renders, settles});
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
    wait_until_up(f"{url}/healthz", proc, tries=1800)  # a loaded machine takes a while to import everything
    httpx.post(f"{url}/v1/namespaces", json={"name": "bench"}, headers={"Authorization": f"Bearer {ADMIN}"})
    return proc, url


def open_graph_tab(driver: Any, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{url}/console/")
    driver.find_element("id", "key").send_keys(ADMIN)
    driver.find_element("id", "sign-in-form").submit()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return !!window.memragConsole"))
    driver.find_element("id", "tab-graph").click()


def browser_cpu_s(driver: Any) -> dict[str, float]:
    """CPU seconds used so far by the browser's processes, by kind (gpu-process, renderer, browser, ...)."""
    import psutil

    used: dict[str, float] = {}
    for proc in psutil.Process(driver.service.process.pid).children(recursive=True):
        try:
            kind = next((a.removeprefix("--type=") for a in proc.cmdline() if a.startswith("--type=")), "browser")
            times = proc.cpu_times()
        except psutil.Error:  # a helper process that ended meanwhile
            continue
        used[kind] = used.get(kind, 0.0) + times.user + times.system
    return used


def measure(driver: Any, n_nodes: int, move_ms: int, snapshot: bool) -> dict[str, Any]:
    driver.set_script_timeout(600)
    text = json.dumps(synthetic_neighbourhood(n_nodes))
    first: dict[str, Any] = driver.execute_async_script(FIRST_RENDER, text, snapshot)
    before = browser_cpu_s(driver)
    moved: dict[str, Any] = driver.execute_async_script(GESTURES, move_ms)
    after = browser_cpu_s(driver)
    if "error" in moved:
        raise RuntimeError(f"pan/zoom failed in the page: {moved['error']}")
    screenshot(driver, f"bench-graph-{n_nodes}-{'snapshot' if snapshot else 'redraw'}")
    frames = len(moved["intervals"])
    cpu = {kind: 1000 * (after[kind] - before.get(kind, 0.0)) / frames for kind in after}
    return first | moved | {"mode": "snapshot" if snapshot else "redraw", "cpu_ms": cpu}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


COLUMNS = (
    ("nodes", "", 6),
    ("edges", "", 6),
    ("move by", "", 8),
    ("layout+", "setup ms", 9),
    ("first", "render ms", 10),
    ("frame", "p50 ms", 8),
    ("frame", "p95 ms", 8),
    ("fps", "", 6),
    ("redraw", "p50 ms", 8),
    ("settle", "p50 ms", 8),
    ("CPU/frame", "gpu ms", 10),
    ("CPU/frame", "page ms", 10),
)


def report(row: dict[str, Any]) -> str:
    gaps, renders = row["intervals"], row["renders"] or [0.0]
    cpu = row["cpu_ms"]
    cells = (
        row["nodes"],
        row["edges"],
        row["mode"],
        f"{row['show_ms']:.0f}",
        f"{row['first_render_ms']:.0f}",
        f"{pct(gaps, 0.5):.1f}",
        f"{pct(gaps, 0.95):.1f}",
        f"{1000 / statistics.mean(gaps):.1f}",
        f"{pct(renders, 0.5):.1f}",
        f"{pct(row['settles'], 0.5):.0f}",
        f"{cpu.get('gpu-process', 0.0):.0f}",
        f"{cpu.get('renderer', 0.0):.0f}",
    )
    return " ".join(f"{cell:>{width}}" for cell, (_, _, width) in zip(cells, COLUMNS, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 5000])
    parser.add_argument("--move-ms", type=int, default=1500, help="duration of each of the 4 gestures")
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=["redraw", "snapshot"],
        default=["redraw", "snapshot"],
        help="redraw: sigma draws every frame of a move (edges and labels hidden); snapshot: the picture moves",
    )
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
                ),
                f"; load average {os.getloadavg()[0]:.1f}",
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
            print(" ".join(f"{head:>{width}}" for head, _, width in COLUMNS))
            print(" ".join(f"{unit:>{width}}" for _, unit, width in COLUMNS))
            for n in args.sizes:
                for mode in args.modes:
                    print(report(measure(driver, n, args.move_ms, mode == "snapshot")), flush=True)
            print(f"load average {os.getloadavg()[0]:.1f} at the end")
        finally:
            driver.quit()
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a loaded machine: do not leave it running
                proc.kill()
                proc.wait(timeout=30)


if __name__ == "__main__":
    main()
