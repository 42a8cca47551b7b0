// Jobs: the namespace's jobs as the server lists them (newest first, a page at a time), each with its
// state, progress and per-document errors; the page is read again while one of its jobs is unfinished,
// so a reload or another tab shows the same live progress.

import { nsPath } from "./api.js";
import { $, el, fmt, say } from "./dom.js";
import { session } from "./session.js";

const PAGE_SIZE = 10;
const POLL_MS = 700;
const ENDED = new Set(["done", "failed"]);

export class Jobs {
  // onFinished: called when a job seen unfinished (or sent from this tab) has ended.
  constructor(api, ns, onFinished) {
    this.api = api;
    this.ns = ns;
    this.onFinished = onFinished;
    this.cursors = [null]; // cursor of each page seen so far; the last one is the page shown
    this.statuses = new Map(); // job id → status last seen
    this.sent = new Set(); // jobs sent from this tab whose end has not been seen yet
    this.round = 0; // each read has its number: an older read's answer is dropped
    this.timer = null;
  }

  // A job just sent: show the first page, which holds it, and follow it.
  follow(jobId, label) {
    session.labelJob(jobId, label);
    this.sent.add(jobId);
    this.cursors = [null];
    this.watch();
  }

  watch() {
    clearTimeout(this.timer);
    this.timer = null;
    this.tick();
  }

  stop() {
    clearTimeout(this.timer);
    this.round += 1;
  }

  turn(step) {
    if (step > 0 && this.next) this.cursors.push(this.next);
    else if (step < 0 && this.cursors.length > 1) this.cursors.pop();
    this.watch();
  }

  async tick() {
    const round = ++this.round;
    const cursor = this.cursors[this.cursors.length - 1];
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cursor) query.set("cursor", cursor);
    let page;
    try {
      page = await this.api.get(`${nsPath(this.ns)}/jobs?${query}`);
    } catch (error) {
      return say("jobs-page", `Could not list jobs: ${error.message}`, true);
    }
    if (round !== this.round) return; // a newer read is on its way
    const { open, finished } = this.note(page.jobs);
    this.next = page.next_cursor;
    this.render(page.jobs);
    if (finished) this.onFinished();
    if (open) this.timer = setTimeout(() => this.tick(), POLL_MS);
  }

  // Whether a job of the page is unfinished, and whether one ended since it was last seen.
  note(jobs) {
    let open = false;
    let finished = false;
    for (const job of jobs) {
      const before = this.statuses.get(job.job_id);
      this.statuses.set(job.job_id, job.status);
      if (!ENDED.has(job.status)) open = true;
      else if ((before && !ENDED.has(before)) || this.sent.delete(job.job_id)) finished = true;
    }
    return { open, finished };
  }

  render(jobs) {
    const items = jobs.map(jobItem);
    $("jobs").replaceChildren(...(items.length ? items : [el("li", { class: "muted", text: "No jobs yet." })]));
    $("jobs-prev").disabled = this.cursors.length === 1;
    $("jobs-next").disabled = !this.next;
    say("jobs-page", `Page ${this.cursors.length}`);
  }
}

function jobItem(job) {
  const label = session.jobLabel(job.job_id) ?? `${job.kind} of ${fmt(job.documents)} document(s)`;
  const when = new Date(job.created_at * 1000).toLocaleTimeString();
  const counts = job.kind === "delete" ? `${job.deleted} deleted` : `${job.indexed} indexed, ${job.unchanged} unchanged`;
  const summary = `${label}: ${job.status} — ${counts} of ${job.documents} (${when})`;
  const progress = el("progress", { max: String(job.slices || 1), value: String(job.applied_slices), "aria-label": `Progress of ${label}` });
  const item = el("li", { class: `job ${job.status}`, "data-job": job.job_id }, el("span", { text: summary }), progress);
  if (job.error) item.append(el("div", { class: "error", text: job.error }));
  for (const [docId, reason] of Object.entries(job.errors)) item.append(el("div", { class: "error", text: `${docId}: ${reason}` }));
  return item;
}
