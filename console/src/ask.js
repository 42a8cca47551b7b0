// Ask: the answer streams in as server-sent events; each numbered citation opens its passage, the facts
// and seeds that led there (the walk's explanation), and the graph around it.

import { nsPath } from "./api.js";
import { $, el, say } from "./dom.js";
import { GraphView } from "./graph.js";

export class Ask {
  constructor(api, ns) {
    this.api = api;
    this.ns = ns;
    this.graph = new GraphView($("passage-graph"));
    this.hits = null; // the retrieval of the last question (facts and seeds per passage), read once on demand
  }

  async ask(question) {
    if (!question) return;
    this.question = question;
    this.hits = null;
    $("answer-box").hidden = false;
    $("passage-box").hidden = true;
    this.graph.clear();
    $("answer").textContent = "";
    delete $("answer").dataset.deltas;
    $("citations").replaceChildren();
    say("ask-status", "Thinking…");
    const body = { question, stream: true, explain: true };
    try {
      await this.api.stream(`${nsPath(this.ns)}/ask`, body, (name, data) => this.onEvent(name, data));
    } catch (error) {
      say("ask-status", `No answer: ${error.message}`, true);
    }
  }

  onEvent(name, data) {
    if (name === "answer") {
      $("answer").append(data.delta);
      $("answer").dataset.deltas = String(Number($("answer").dataset.deltas ?? 0) + 1); // pieces received
      say("ask-status", "Answering…");
    } else if (name === "done") {
      $("answer").textContent = data.answer;
      this.explanations = new Map((data.explanations ?? []).map((e) => [e.passage_id, e]));
      this.showCitations(data.citations);
      say("ask-status", `Answered from ${data.citations.length} passage(s) (${data.mode} retrieval, ${data.reader} reader).`);
    } else if (name === "error") {
      say("ask-status", `The answer stopped: ${data.detail}`, true);
    }
  }

  showCitations(citations) {
    const items = citations.map((c) => {
      const open = el("button", { type: "button", class: "citation", text: `[${c.number}] ${c.document_id}` });
      open.addEventListener("click", () => this.openPassage(c));
      return el("li", { value: String(c.number) }, open, el("span", { class: "muted", text: ` ${snippet(c.text)}` }));
    });
    $("citations").replaceChildren(...(items.length ? items : [el("li", { class: "muted", text: "No passage cited." })]));
  }

  async openPassage(citation) {
    $("passage-box").hidden = false;
    $("passage-title").textContent = `Passage [${citation.number}]`;
    $("passage-meta").textContent = `document ${citation.document_id} · passage ${citation.passage_id}`;
    $("passage-text").textContent = citation.text;
    this.showPaths(this.explanations.get(citation.passage_id));
    $("passage-box").scrollIntoView({ block: "start" });
    await Promise.all([this.showFacts(citation.passage_id), this.showGraph(citation.passage_id)]);
  }

  showPaths(explanation) {
    const items = (explanation?.paths ?? []).map((path) => {
      const walk = path.nodes.length === 1 ? "a dense seed itself" : path.nodes.map((n) => n.label).join(" → ");
      return el("li", { text: `${walk} (${percent(path.share, explanation.mass)})` });
    });
    if (!items.length) items.push(el("li", { class: "muted", text: "No walk from an entity seed reached this passage." }));
    $("passage-paths").replaceChildren(...items);
  }

  async showFacts(passageId) {
    try {
      this.hits ??= (await this.api.post(`${nsPath(this.ns)}/retrieve`, { query: this.question, top_k: 50 })).hits;
    } catch (error) {
      return $("passage-facts").replaceChildren(el("li", { class: "error", text: error.message }));
    }
    const hit = this.hits.find((h) => h.passage_id === passageId);
    const facts = (hit?.facts ?? []).map((f) => el("li", { text: `${f.subject} — ${f.predicate} — ${f.object} (${f.score.toFixed(2)})` }));
    const seeds = (hit?.seeds ?? []).map((s) => el("li", { text: `seed: ${s.name} (weight ${s.weight.toFixed(3)})` }));
    const items = [...facts, ...seeds];
    if (!items.length) items.push(el("li", { class: "muted", text: "Reached by dense similarity, not through a fact." }));
    $("passage-facts").replaceChildren(...items);
  }

  async showGraph(passageId) {
    const query = new URLSearchParams({ passage: passageId, hops: "2", limit: "150" });
    try {
      const data = await this.api.get(`${nsPath(this.ns)}/graph?${query}`);
      this.graph.show(data, new Set([passageId]));
      $("passage-graph").setAttribute("aria-label", `Graph around the cited passage: ${data.nodes.length} nodes, ${data.edges.length} edges`);
      $("passage-graph").dataset.nodes = String(data.nodes.length);
    } catch (error) {
      $("passage-graph").replaceChildren(el("p", { class: "error", text: `No graph: ${error.message}` }));
    }
  }
}

const snippet = (text) => (text.length > 120 ? `${text.slice(0, 117)}…` : text);
const percent = (share, mass) => (mass > 0 ? `${((100 * share) / mass).toFixed(0)}% of its mass` : "—");
