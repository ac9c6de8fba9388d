// Hash routing: every screen has its own URL (#/executions/<id>, #/compare?ids=a,b ...), so links can be shared.
import { onSessionChange, scheduleRefresh, session, signOut } from "./auth.js";
import { loadConfig } from "./config.js";
import { loadVocabulary } from "./vocabulary.js";
import { disconnect } from "./live.js";
import { clearFlash, h, render } from "./ui.js";
import { signInView, signUpView } from "./views/signin.js";
import { workflowsView, workflowView, workflowEditView } from "./views/workflows.js";
import { executionsView } from "./views/executions.js";
import { executionView } from "./views/execution.js";
import { compareView } from "./views/compare.js";
import { metricsView } from "./views/metrics.js";
import { logsView } from "./views/logs.js";
import { secretsView } from "./views/secrets.js";

const ROUTES = [
  [/^\/signin$/, signInView, { public: true, title: "Sign in" }],
  [/^\/signup$/, signUpView, { public: true, title: "Sign up" }],
  [/^\/workflows$/, workflowsView, { title: "Workflows" }],
  [/^\/workflows\/new$/, workflowEditView, { title: "New workflow" }],
  [/^\/workflows\/([0-9a-f-]{36})$/, workflowView, { title: "Workflow" }],
  [/^\/workflows\/([0-9a-f-]{36})\/edit$/, workflowEditView, { title: "Edit workflow" }],
  [/^\/executions$/, executionsView, { title: "Executions" }],
  [/^\/executions\/([0-9a-f-]{36})$/, executionView, { title: "Execution" }],
  [/^\/compare$/, compareView, { title: "Compare executions" }],
  [/^\/metrics$/, metricsView, { title: "Metrics" }],
  [/^\/logs$/, logsView, { title: "Log search" }],
  [/^\/secrets$/, secretsView, { title: "Secrets" }],
];

let cleanup = null;

export function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/executions";
  const [path, search = ""] = raw.split("?");
  return { path, query: Object.fromEntries(new URLSearchParams(search)) };
}

function renderSession() {
  const current = session();
  const nav = document.getElementById("nav");
  nav.hidden = !current;
  render(document.getElementById("session"), current
    ? [h("span", { class: "who" }, "Signed in as ", h("strong", {}, current.username)), " ",
      h("button", { type: "button", onclick: () => { disconnect(); signOut(); location.hash = "#/signin"; } }, "Sign out")]
    : []);
}

async function route() {
  if (cleanup) { try { cleanup(); } catch { /* a view's cleanup never blocks navigation */ } cleanup = null; }
  const { path, query } = parseHash();
  const match = ROUTES.find(([pattern]) => pattern.test(path));
  const main = document.getElementById("main");
  delete main.dataset.live;
  clearFlash();
  for (const link of document.querySelectorAll("#nav a")) {
    if (path.startsWith(link.getAttribute("href").slice(1))) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!match) {
    document.title = "Not found — Workflow Engine";
    render(main, h("h1", {}, "Page not found"), h("p", {}, "Nothing lives at this address. ", h("a", { href: "#/executions" }, "Go to the executions")));
    return;
  }
  const [pattern, view, options] = match;
  if (!options.public && !session()) {
    location.replace(`#/signin?next=${encodeURIComponent(location.hash.slice(1) || "/executions")}`);
    return;
  }
  document.title = `${options.title} — Workflow Engine`;
  const params = path.match(pattern).slice(1);
  render(main, h("p", { class: "muted" }, "Loading…"));
  try {
    cleanup = (await view(main, { params, query })) || null;
  } catch (error) {
    if (error.status === 401) return;
    render(main, h("h1", {}, options.title), h("p", { class: "error-text", role: "alert" }, error.message));
  }
  main.dataset.ready = path;
}

async function start() {
  try {
    await Promise.all([loadConfig(), loadVocabulary()]);
  } catch (error) {
    render(document.getElementById("main"), h("h1", {}, "Cannot start"), h("p", { role: "alert" }, error.message));
    return;
  }
  onSessionChange(renderSession);
  renderSession();
  scheduleRefresh();
  window.addEventListener("hashchange", route);
  await route();
}

start();
