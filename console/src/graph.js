// Drawing a neighbourhood with sigma.js (WebGL) over a graphology graph, laid out by ForceAtlas2.
//
// Level of detail for big graphs: labels only on nodes drawn large enough (sigma's label grid), fewer
// layout iterations as the graph grows, and past SNAPSHOT_FROM nodes pan and zoom move a picture of the
// nodes (gestures.js) instead of redrawing every frame; smaller graphs hide edges while the camera moves.

import Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";
import Sigma from "sigma";

import { SnapshotGestures } from "./gestures.js";

export const COLOURS = { entity: "#0b5cad", passage: "#a34700", focus: "#b3123c" };
const EDGE_COLOURS = { context: "#c9ced6", relation: "#5b6470", synonym: "#7c4dbd", "relation+synonym": "#7c4dbd" };
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

// Past this many nodes, pan and zoom move a picture of the drawing and sigma redraws once at the end
// (gestures.js): measured cheaper per frame from 300 nodes up (bench_console_graph); below, sigma's own
// moves keep the edges drawn while moving.
export const SNAPSHOT_FROM = 150;

// Layout iterations by size: a few hundred nodes settle well; 5,000 must still appear within a second or so.
export const iterationsFor = (n) => (n <= 300 ? 100 : n <= 1500 ? 40 : 15);

// graphology graph from the API's {nodes, edges}; nodes start on a sunflower spiral in the order the API
// gives them (centres first, then hop by hop), so centres sit in the middle before the layout runs.
export function buildGraph(data, focus = new Set()) {
  const graph = new Graph({ type: "undirected" });
  data.nodes.forEach((node, i) => {
    const r = Math.sqrt(i + 0.5);
    graph.addNode(node.id, {
      x: r * Math.cos(i * GOLDEN_ANGLE),
      y: r * Math.sin(i * GOLDEN_ANGLE),
      label: shortLabel(node.label || node.id),
      fullLabel: node.label || node.id,
      kind: node.kind,
      color: focus.has(node.id) ? COLOURS.focus : COLOURS[node.kind],
      zIndex: focus.has(node.id) ? 1 : 0,
    });
  });
  const thin = data.nodes.length > 1000 ? 0.4 : 1; // thousands of edges: hairlines, so structure shows through
  for (const edge of data.edges) {
    if (!graph.hasNode(edge.source) || !graph.hasNode(edge.target) || graph.hasEdge(edge.source, edge.target)) continue;
    graph.addEdge(edge.source, edge.target, {
      weight: edge.weight,
      kind: edge.kind,
      color: EDGE_COLOURS[edge.kind] ?? EDGE_COLOURS.context,
      size: thin * (edge.kind === "context" ? 0.5 : Math.min(3, 0.5 + edge.weight / 2)),
    });
  }
  const [base, growth, most] = graph.order > 1000 ? [1, 0.5, 5] : [3, 1.5, 10]; // thousands of nodes: small discs
  graph.forEachNode((id) => {
    const grown = base + Math.min(most, growth * Math.sqrt(graph.degree(id)));
    graph.setNodeAttribute(id, "size", focus.has(id) ? grown + 4 : grown);
  });
  if (graph.order > 1) {
    const settings = { ...forceAtlas2.inferSettings(graph), barnesHutOptimize: graph.order > 400, edgeWeightInfluence: 0.5 };
    forceAtlas2.assign(graph, { iterations: iterationsFor(graph.order), settings });
  }
  return graph;
}

// A passage's label is its first line: cut it so labels do not run across the whole drawing.
const shortLabel = (label) => (label.length > 40 ? `${label.slice(0, 39)}…` : label);

export class GraphView {
  constructor(container, onSelect = () => {}) {
    this.container = container;
    this.onSelect = onSelect;
    this.renderer = null;
  }

  // Replaces whatever was drawn; returns the graphology graph (for node lists and tests).
  // `snapshot`: move a picture while the camera moves (default: past SNAPSHOT_FROM nodes); false: sigma
  // redraws every frame of a move (the bench compares both).
  show(data, focus = new Set(), { snapshot } = {}) {
    this.clear();
    const graph = buildGraph(data, focus);
    const big = graph.order > 1000;
    const small = graph.order <= 150; // every label fits
    const stage = document.createElement("div"); // what sigma draws in; moved as a picture during a gesture
    stage.className = "graph-stage";
    this.container.replaceChildren(stage);
    this.renderer = new Sigma(graph, stage, {
      allowInvalidContainer: true,
      hideEdgesOnMove: !small, // while the camera moves: the costly part of a frame in software WebGL
      hideLabelsOnMove: big,
      labelRenderedSizeThreshold: small ? 0 : big ? 12 : 7,
      labelDensity: small ? 10 : big ? 0.4 : 1,
      labelColor: { color: "#1f2328" },
      labelFont: "system-ui, sans-serif",
      zIndex: true,
    });
    this.renderer.on("clickNode", ({ node }) => this.onSelect(node, graph.getNodeAttributes(node)));
    if (snapshot ?? graph.order > SNAPSHOT_FROM) this.gestures = new SnapshotGestures(this.renderer, stage, this.container);
    this.graph = graph;
    return graph;
  }

  clear() {
    this.gestures?.kill();
    this.gestures = null;
    this.renderer?.kill();
    this.renderer = null;
    this.graph = null;
  }
}
