// Documents: add pasted text or upload files, follow their jobs, page through what is stored, delete.

import { nsPath } from "./api.js";
import { $, el, fmt, say } from "./dom.js";
import { Jobs } from "./jobs.js";

const PAGE_SIZE = 20;

export class Documents {
  constructor(api, ns) {
    this.api = api;
    this.ns = ns;
    this.cursors = [null]; // cursor of each page seen so far; the last one is the page shown
    this.jobs = new Jobs(api, ns, () => this.showPage());
  }

  async onPaste(event) {
    event.preventDefault();
    const doc = { text: $("doc-text").value, title: $("doc-title").value.trim() };
    if ($("doc-id").value.trim()) doc.id = $("doc-id").value.trim();
    if (await this.submit([doc], doc.title || doc.id || "pasted text")) event.target.reset();
  }

  async submit(documents, label) {
    try {
      const job = await this.api.post(`${nsPath(this.ns)}/documents`, { documents });
      say("add-status", `Queued ${documents.length} document(s) as job ${job.job_id}.`);
      this.jobs.follow(job.job_id, label);
      return true;
    } catch (error) {
      say("add-status", `Not added: ${error.message}`, true);
      return false;
    }
  }

  // Each file is sent as it is; the server reads it with the loaders of `memrag ingest` (PDF included).
  async onUpload(event) {
    event.preventDefault();
    const files = [...$("files").files];
    if (files.length === 0) return say("add-status", "Choose one or more files first.", true);
    const outcomes = [];
    for (const file of files) outcomes.push(await this.uploadOne(file));
    const refused = outcomes.filter((o) => !o.ok);
    say("add-status", outcomes.map((o) => o.message).join(" "), refused.length > 0);
    if (refused.length === 0) event.target.reset();
  }

  async uploadOne(file) {
    const path = `${nsPath(this.ns)}/documents:upload?${new URLSearchParams({ name: file.name })}`;
    try {
      const job = await this.api.upload(path, file);
      this.jobs.follow(job.job_id, file.name);
      const skipped = job.errors.length ? ` (${job.errors.length} line(s) not read: ${job.errors.slice(0, 3).join("; ")})` : "";
      return { ok: true, message: `${file.name}: queued ${fmt(job.documents)} document(s)${skipped}.` };
    } catch (error) {
      return { ok: false, message: `${file.name} not added: ${error.message}.` };
    }
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
      el("td", {}, el("div", { class: "actions" }, replace, remove)), // a flex cell would leave the table's row lines
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
      say("add-status", `Deleting ${docId} (job ${job.job_id}).`);
      this.jobs.follow(job.job_id, `delete ${docId}`);
    } catch (error) {
      say("add-status", `Not deleted: ${error.message}`, true);
    }
  }
}

