// The Graph tab: the neighbourhood of a question, a passage or an entity; click (or pick from the list) to re-centre.

import { nsPath } from "./api.js";
import { $, el, say } from "./dom.js";
import { GraphView } from "./graph.js";

export class Explore {
  constructor(api, ns) {
    this.api = api;
    this.ns = ns;
    this.view = new GraphView($("graph-main"), (id, attrs) => this.select(id, attrs));
  }

  async draw(kind, centre) {
    if (!centre) return;
    const limit = Math.min(500, Math.max(1, Number($("graph-limit").value) || 200));
    const query = new URLSearchParams({ [kind]: centre, hops: $("graph-hops").value, limit: String(limit) });
    say("graph-status", "Loading…");
    let data;
    try {
      data = await this.api.get(`${nsPath(this.ns)}/graph?${query}`);
    } catch (error) {
      return say("graph-status", `No graph: ${error.message}`, true);
    }
    const focus = new Set(kind === "question" ? [] : data.nodes.slice(0, 1).map((n) => n.id));
    const graph = this.view.show(data, focus);
    const cut = data.truncated ? " (cut at the limit)" : "";
    say("graph-status", `${graph.order} nodes, ${graph.size} edges${cut}. Click a node, or pick one from the list, to centre on it.`);
    this.listNodes(data.nodes);
  }

  listNodes(nodes) {
    $("graph-nodes").replaceChildren(
      ...nodes.slice(0, 500).map((node) => {
        const pick = el("button", { type: "button", class: "link", text: `${node.kind}: ${node.label || node.id}` });
        pick.addEventListener("click", () => this.recentre(node.id, node.kind));
        return el("li", {}, pick);
      }),
    );
  }

  select(id, attrs) {
    const open = el("button", { type: "button", text: "Centre here" });
    open.addEventListener("click", () => this.recentre(id, attrs.kind));
    $("graph-selected").replaceChildren(`${attrs.kind}: ${attrs.fullLabel} `, open);
  }

  recentre(id, kind) {
    $("graph-kind").value = kind;
    $("graph-centre").value = id;
    this.draw(kind, id);
  }

  // The bench's way in: draw given data (a synthetic graph) without the API.
  showData(data, options = {}) {
    return this.view.show(data, new Set(), options);
  }
}
