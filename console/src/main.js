// The console's entry point: sign in, pick the namespace, then wire the four tabs.

import { Api } from "./api.js";
import { Ask } from "./ask.js";
import { Documents } from "./documents.js";
import { $, el, say } from "./dom.js";
import { Explore } from "./explore.js";
import { showOverview } from "./overview.js";
import { session } from "./session.js";
import { setUpTabs } from "./tabs.js";

let parts = null; // the tabs' controllers for the chosen namespace

async function signIn(key) {
  const api = new Api(key);
  const models = await api.get("/v1/models"); // a namespace key sees its namespace; the admin key sees all
  const names = models.data.map((m) => m.id);
  if (names.length === 0) throw new Error("no namespace yet: create one with the admin key (POST /v1/namespaces)");
  session.signIn(key);
  const chosen = names.includes(session.namespace()) ? session.namespace() : names[0];
  $("namespace").replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
  $("namespace").value = chosen;
  $("sign-in").hidden = true;
  $("app").hidden = false;
  $("who").hidden = false;
  open(api, chosen);
}

function open(api, ns) {
  session.choose(ns);
  parts?.documents.jobs.stop(); // the previous namespace's polling
  parts = { documents: new Documents(api, ns), ask: new Ask(api, ns), explore: new Explore(api, ns) };
  window.memragConsole = { explore: parts.explore }; // used by benchmarks/bench_console_graph.py
  parts.documents.jobs.watch(); // the server's list: unfinished jobs show their progress after a reload too
  show(currentTab());
}

function show(tab) {
  if (!parts) return;
  const api = parts.documents.api;
  if (tab === "overview") showOverview(api, parts.documents.ns);
  if (tab === "documents") parts.documents.showPage();
}

const currentTab = () => document.querySelector('[role="tab"][aria-selected="true"]').id.replace("tab-", "");

function bindOnce() {
  setUpTabs(show);
  // Handlers read `parts` when they fire, so a namespace switch needs no re-binding.
  $("add-form").addEventListener("submit", (e) => parts.documents.onPaste(e));
  $("upload-form").addEventListener("submit", (e) => parts.documents.onUpload(e));
  $("docs-refresh").addEventListener("click", () => parts.documents.showPage());
  $("docs-next").addEventListener("click", () => parts.documents.turn(+1));
  $("docs-prev").addEventListener("click", () => parts.documents.turn(-1));
  $("jobs-next").addEventListener("click", () => parts.documents.jobs.turn(+1));
  $("jobs-prev").addEventListener("click", () => parts.documents.jobs.turn(-1));
  $("ask-form").addEventListener("submit", (e) => {
    e.preventDefault();
    parts.ask.ask($("question").value.trim());
  });
  $("graph-form").addEventListener("submit", (e) => {
    e.preventDefault();
    parts.explore.draw($("graph-kind").value, $("graph-centre").value.trim());
  });
  $("stats-refresh").addEventListener("click", () => show("overview"));
  $("namespace").addEventListener("change", () => open(parts.documents.api, $("namespace").value));
  $("sign-out").addEventListener("click", () => {
    session.signOut();
    window.location.reload();
  });
  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    say("sign-in-error", "");
    try {
      await signIn($("key").value.trim());
      $("key").value = "";
    } catch (error) {
      say("sign-in-error", `Not signed in: ${error.message}`, true);
    }
  });
}

bindOnce();
if (session.key()) signIn(session.key()).catch(() => session.signOut());
