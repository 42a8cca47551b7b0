// Snapshot pan and zoom for big graphs: while a drag or a wheel zoom goes on, the drawing already on
// screen is moved and scaled as a picture (a CSS transform: the compositor's work, no WebGL draw), and
// sigma draws the graph once, at the new camera, when the gesture ends.
//
// Why: in software WebGL (no GPU) a sigma frame costs hundreds of milliseconds of CPU whatever it
// shows (three WebGL layers cleared, a picking pass, seven layers composited), so a redraw per frame
// gives 1–2 frames/s at 5,000 nodes; moving one layer as a picture costs a third of that
// (benchmarks/bench_console_graph.py prints both).

const WHEEL_STEP = 1.7; // zoom factor per wheel notch (100 px of deltaY), as sigma's own wheel zoom
const SETTLE_MS = 180; // a wheel gesture ends when no wheel event came for this long
const CLICK_SLOP_PX = 3; // a press that moved less is a click (left to sigma: clickNode)
// Layers left out of the moving picture: each shown layer is one more full-size texture for the
// compositor to move every frame (software compositing pays per pixel); the nodes carry the shape.
const HIDDEN_WHILE_MOVING = ["edges", "edgeLabels", "labels", "hovers", "hoverNodes"];

export class SnapshotGestures {
  // stage: the element sigma draws in (moved as a picture); frame: its clipping parent (listens).
  constructor(renderer, stage, frame) {
    this.renderer = renderer;
    this.stage = stage;
    this.frame = frame;
    this.reset();
    this.settleTimer = null;
    this.drag = null;
    this.dragged = false; // the click that ends a drag is no click on a node
    this.listeners = [
      [frame, "wheel", (e) => this.onWheel(e), { capture: true, passive: false }],
      [frame, "mousedown", (e) => this.onDown(e), { capture: true }],
      [document, "mousemove", (e) => this.onMove(e), { capture: true }],
      [document, "mouseup", (e) => this.onUp(e), { capture: true }],
      [frame, "click", (e) => this.onClick(e), { capture: true }],
    ];
    for (const [target, name, handler, options] of this.listeners) target.addEventListener(name, handler, options);
  }

  reset() {
    this.scale = 1;
    this.tx = 0;
    this.ty = 0;
    this.stage.style.transform = "";
    this.showLayers(true);
  }

  showLayers(shown) {
    const canvases = this.renderer.getCanvases();
    for (const name of HIDDEN_WHILE_MOVING) if (canvases[name]) canvases[name].style.visibility = shown ? "" : "hidden";
  }

  get moving() {
    return this.drag !== null || this.settleTimer !== null;
  }

  point(event) {
    const box = this.frame.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  onWheel(event) {
    event.preventDefault();
    event.stopPropagation(); // sigma's own wheel zoom would redraw every frame
    const at = this.point(event);
    const factor = WHEEL_STEP ** (-event.deltaY / 100);
    const bounded = this.boundedFactor(factor);
    // zoom about the pointer: the picture point under it stays under it
    this.tx = bounded * (this.tx - at.x) + at.x;
    this.ty = bounded * (this.ty - at.y) + at.y;
    this.scale *= bounded;
    this.apply();
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      if (!this.drag) this.settle();
    }, SETTLE_MS);
  }

  // The camera's zoom bounds, applied to the picture too (it never shows a zoom sigma would refuse).
  boundedFactor(factor) {
    const camera = this.renderer.getCamera();
    const ratio = camera.ratio / (this.scale * factor);
    const low = camera.minRatio ?? 0;
    const high = camera.maxRatio ?? Infinity;
    const clamped = Math.min(high, Math.max(low, ratio));
    return camera.ratio / (this.scale * clamped);
  }

  onDown(event) {
    if (event.button !== 0) return;
    event.stopPropagation(); // sigma never starts a drag of its own (it would redraw every frame)
    this.dragged = false;
    this.drag = { x: event.clientX, y: event.clientY, tx: this.tx, ty: this.ty, moved: false };
  }

  onMove(event) {
    if (!this.drag) return;
    const dx = event.clientX - this.drag.x;
    const dy = event.clientY - this.drag.y;
    if (!this.drag.moved && Math.hypot(dx, dy) < CLICK_SLOP_PX) return;
    this.drag.moved = true;
    event.stopPropagation(); // a drag is ours; hovering (no button down) stays sigma's
    this.tx = this.drag.tx + dx;
    this.ty = this.drag.ty + dy;
    this.apply();
  }

  onUp(event) {
    if (!this.drag) return;
    const moved = this.drag.moved;
    this.drag = null;
    if (!moved) return; // a click: sigma handles it
    event.stopPropagation();
    this.dragged = true;
    if (this.settleTimer === null) this.settle();
  }

  onClick(event) {
    if (!this.dragged) return;
    this.dragged = false;
    event.stopPropagation();
  }

  apply() {
    this.showLayers(false);
    this.stage.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${this.scale})`;
  }

  // The camera that shows what the picture shows now: the viewport's centre, mapped back through the
  // transform, becomes the camera's centre; the picture's scale divides the camera's ratio.
  settle() {
    if (this.scale === 1 && this.tx === 0 && this.ty === 0) return;
    const { width, height } = this.renderer.getDimensions();
    const centre = { x: (width / 2 - this.tx) / this.scale, y: (height / 2 - this.ty) / this.scale };
    const target = this.renderer.viewportToFramedGraph(centre);
    const camera = this.renderer.getCamera();
    const ratio = camera.ratio / this.scale;
    this.reset();
    camera.setState({ x: target.x, y: target.y, ratio });
    this.renderer.render(); // now, not at the next frame: the picture was just reset
  }

  kill() {
    clearTimeout(this.settleTimer);
    for (const [target, name, handler, options] of this.listeners) target.removeEventListener(name, handler, options);
  }
}
