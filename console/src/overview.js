// Overview: health, the namespace's counts and what its LLM work has cost.

import { nsPath } from "./api.js";
import { $, el, fmt, say } from "./dom.js";

const COUNTS = [
  ["documents", "Documents"],
  ["passages", "Passages"],
  ["entities", "Entities"],
  ["facts", "Facts (entity pairs)"],
  ["synonym_edges", "Synonym edges"],
  ["quarantined", "Unreadable records"],
];

const JOB_STATES = [
  ["queued", "Jobs waiting"],
  ["running", "Jobs running"],
  ["done", "Jobs done"],
  ["failed", "Jobs failed"],
];

export async function showOverview(api, ns) {
  say("health", "Reading…");
  const ready = await fetch("/readyz").then((r) => r.ok, () => false);
  say("health", ready ? "Service ready." : "Service not ready: see /readyz.", !ready);
  let stats;
  try {
    stats = await api.get(`${nsPath(ns)}/stats`);
  } catch (error) {
    say("health", `Could not read the namespace: ${error.message}`, true);
    return;
  }
  const jobs = JOB_STATES.map(([state, label]) => [label, stats.jobs[state]]);
  $("stats").replaceChildren(
    ...[...COUNTS.map(([field, label]) => [label, stats[field]]), ...jobs].map(([label, value]) =>
      el("div", { class: "stat" }, el("dt", { text: label }), el("dd", { text: fmt(value) })),
    ),
  );
  const rows = Object.entries(stats.usage).map(([work, u]) =>
    el(
      "tr",
      {},
      el("th", { scope: "row", text: work }),
      ...[u.llm_calls, u.prompt_tokens, u.completion_tokens, u.embed_seconds.toFixed(2)].map((v) => el("td", { text: fmt(v) })),
    ),
  );
  if (rows.length === 0) rows.push(el("tr", {}, el("td", { colspan: "5", class: "muted", text: "Nothing spent yet." })));
  $("usage").tBodies[0].replaceChildren(...rows);
}
