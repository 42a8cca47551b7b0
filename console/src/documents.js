// Documents: add pasted text or files, watch their jobs, page through what is stored, delete.

import { nsPath } from "./api.js";
import { $, el, fmt, say } from "./dom.js";
import { documentsFrom } from "./files.js";
import { session } from "./session.js";

const PAGE_SIZE = 20;
const POLL_MS = 500;
const ENDED = new Set(["done", "failed"]);

export class Documents {
  constructor(api, ns) {
    this.api = api;
    this.ns = ns;
    this.cursors = [null]; // cursor of each page seen so far; the last one is the page shown
    this.jobs = new Map(); // job id → last JSON seen
    this.polling = null;
  }

  async onPaste(event) {
    event.preventDefault();
    const doc = { text: $("doc-text").value, title: $("doc-title").value.trim() };
    if ($("doc-id").value.trim()) doc.id = $("doc-id").value.trim();
    if (await this.submit([doc], doc.title || doc.id || "pasted text")) event.target.reset();
  }

  async onUpload(event) {
    event.preventDefault();
    const files = $("files").files;
    if (files.length === 0) return say("add-status", "Choose one or more files first.", true);
    try {
      const documents = await documentsFrom(files);
      const label = documents.length === 1 ? documents[0].id : `${documents.length} documents from files`;
      if (await this.submit(documents, label)) event.target.reset();
    } catch (error) {
      say("add-status", error.message, true);
    }
  }

  async submit(documents, label) {
    try {
      const job = await this.api.post(`${nsPath(this.ns)}/documents`, { documents });
      session.rememberJob(job.job_id, label);
      say("add-status", `Queued ${documents.length} document(s) as job ${job.job_id}.`);
      this.watchJobs();
      return true;
    } catch (error) {
      say("add-status", `Not added: ${error.message}`, true);
      return false;
    }
  }

  // Polls this session's unfinished jobs until none is left; a job submitted mid-poll keeps the loop going.
  watchJobs() {
    this.wanted = true;
    if (this.polling) return;
    const tick = async () => {
      this.wanted = false;
      const { open, finished } = await this.refreshJobs();
      if (finished) this.showPage();
      this.polling = open || this.wanted ? setTimeout(tick, POLL_MS) : null;
    };
    this.polling = setTimeout(tick, 0);
  }

  // Reads every job of this session not yet finished: whether one is still queued or running, and
  // whether one finished since the last read (the document list is then out of date).
  async refreshJobs() {
    let open = false;
    let finished = false;
    for (const { id } of session.jobs()) {
      const seen = this.jobs.get(id);
      if (seen && ENDED.has(seen.status)) continue;
      let job;
      try {
        job = await this.api.get(`/v1/jobs/${encodeURIComponent(id)}`);
      } catch (error) {
        job = { job_id: id, status: "failed", error: error.message, errors: {} };
      }
      this.jobs.set(id, job);
      open ||= !ENDED.has(job.status);
      finished ||= ENDED.has(job.status);
    }
    this.renderJobs();
    return { open, finished };
  }

  renderJobs() {
    const items = session.jobs().map(({ id, label }) => jobItem(label, this.jobs.get(id) ?? { job_id: id, status: "queued" }));
    $("jobs").replaceChildren(...(items.length ? items : [el("li", { class: "muted", text: "No jobs in this session yet." })]));
  }

  turn(step) {
    if (step > 0) this.cursors.push(this.next);
    else if (this.cursors.length > 1) this.cursors.pop();
    this.showPage();
  }

  async showPage() {
    const cursor = this.cursors[this.cursors.length - 1];
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cursor) query.set("cursor", cursor);
    let page;
    try {
      page = await this.api.get(`${nsPath(this.ns)}/documents?${query}`);
    } catch (error) {
      return say("docs-page", `Could not list documents: ${error.message}`, true);
    }
    this.next = page.next_cursor;
    const rows = page.documents.map((doc) => this.row(doc));
    if (rows.length === 0) rows.push(el("tr", {}, el("td", { colspan: "5", class: "muted", text: "No documents yet." })));
    $("docs").tBodies[0].replaceChildren(...rows);
    $("docs-prev").disabled = this.cursors.length === 1;
    $("docs-next").disabled = !page.next_cursor;
    const quarantined = page.quarantined ? `, ${page.quarantined} unreadable record(s) left out` : "";
    say("docs-page", `Page ${this.cursors.length}${quarantined}`);
  }

  row(doc) {
    const state = el("td", { text: doc.status });
    if (doc.reason) state.append(el("div", { class: "error", text: doc.reason }));
    const remove = el("button", { type: "button", class: "danger", text: "Delete", "aria-label": `Delete ${doc.id}` });
    remove.addEventListener("click", () => this.remove(doc.id));
    const replace = el("button", { type: "button", class: "link", text: "Replace", "aria-label": `Replace the text of ${doc.id}` });
    replace.addEventListener("click", () => this.prepareReplace(doc));
    return el(
      "tr",
      {},
      el("td", { class: "mono", text: doc.id }),
      el("td", { text: doc.title }),
      state,
      el("td", { text: fmt(doc.passage_ids.length) }),
      el("td", { class: "actions" }, replace, remove),
    );
  }

  // Sending a document again under its id replaces it (a new job re-indexes it; same text: nothing changes).
  prepareReplace(doc) {
    $("doc-id").value = doc.id;
    $("doc-title").value = doc.title;
    $("doc-text").value = "";
    $("doc-text").focus();
    say("add-status", `Paste the new text of ${doc.id} and add it: it replaces the stored one.`);
  }

  async remove(docId) {
    if (!window.confirm(`Delete document ${docId}? Its passages leave the memory.`)) return;
    try {
      const job = await this.api.delete(`${nsPath(this.ns)}/documents/${encodeURIComponent(docId)}`);
      session.rememberJob(job.job_id, `delete ${docId}`);
      say("add-status", `Deleting ${docId} (job ${job.job_id}).`);
      this.watchJobs();
    } catch (error) {
      say("add-status", `Not deleted: ${error.message}`, true);
    }
  }
}

function jobItem(label, job) {
  const progress = el("progress", { max: String(job.slices || 1), value: String(job.applied_slices || 0), "aria-label": `Progress of ${label}` });
  const summary = `${label}: ${job.status}` + (job.documents ? ` — ${job.indexed ?? 0} indexed, ${job.unchanged ?? 0} unchanged, ${job.deleted ?? 0} deleted of ${job.documents}` : "");
  const item = el("li", { class: `job ${job.status}`, "data-job": job.job_id }, el("span", { text: summary }), progress);
  if (job.error) item.append(el("div", { class: "error", text: job.error }));
  for (const [docId, reason] of Object.entries(job.errors ?? {})) item.append(el("div", { class: "error", text: `${docId}: ${reason}` }));
  return item;
}
