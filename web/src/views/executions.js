// Executions: newest first, filters (workflow, status, date range presets and custom), cursor paging,
// live statuses over the WebSocket (polling only while it is down), bulk cancel, compare 2..10.
import { api } from "../api.js";
import { allWorkflows } from "../workflow-list.js";
import { pollWhileOffline, subscribe } from "../live.js";
import { announce, durationMs, emptyState, field, flash, formatDuration, formatTime, h, render, select, shortId, statusBadge } from "../ui.js";
import { STATUSES, TERMINAL } from "../vocabulary.js";
import { awaitingBadge, waitingKey } from "../approvals.js";
import { triggerCell } from "./triggers.js";

const PAGE_SIZE = 50;
export const RANGES = [["", "Any time"], ["1h", "Last hour"], ["24h", "Last 24 hours"], ["7d", "Last 7 days"], ["30d", "Last 30 days"], ["custom", "Custom…"]];
const RANGE_MS = { "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };

// started_after / started_before (ISO-8601 UTC) for a preset, or the custom from/to of the query.
export function rangeParams(query) {
  if (RANGE_MS[query.range]) return { started_after: new Date(Date.now() - RANGE_MS[query.range]).toISOString() };
  const iso = (value) => (value ? new Date(value).toISOString() : undefined);
  if (query.range === "custom" || query.from || query.to) return { started_after: iso(query.from), started_before: iso(query.to) };
  return {};
}

function toLocalInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function fetchPageOf(query, cursor) {
  return api("/workflows/executions", {
    params: { workflow_id: query.workflow_id, status_filter: query.status, limit: PAGE_SIZE, next_token: cursor, ...rangeParams(query) },
  });
}

export async function executionsView(main, { query }) {
  // The workflows (for names and the filter) and the first page load together.
  const firstPage = fetchPageOf(query, null);
  firstPage.catch(() => {}); // its error is reported where it is awaited
  const workflows = await allWorkflows();
  const names = new Map(workflows.map((workflow) => [workflow.id, workflow.name]));
  const selected = new Set();
  const rows = new Map(); // execution id -> {execution, row}
  const cursors = [null]; // cursor of each page seen so far
  let page = 0;

  const workflowFilter = select([["", "All workflows"], ...workflows.map((workflow) => [workflow.id, workflow.name])], query.workflow_id || "", { name: "workflow_id" });
  const statusFilter = select([["", "Any status"], ...STATUSES.map((status) => [status, status.replace("_", " ")])], query.status || "", { name: "status" });
  const rangeFilter = select(RANGES, query.range || (query.from || query.to ? "custom" : ""), { name: "range" });
  const from = h("input", { type: "datetime-local", name: "from", value: toLocalInput(query.from) });
  const to = h("input", { type: "datetime-local", name: "to", value: toLocalInput(query.to) });
  const custom = h("div", { class: "custom-range" }, field("From", from), field("To", to));
  custom.hidden = rangeFilter.value !== "custom";
  const applyFilters = () => {
    const next = new URLSearchParams();
    if (workflowFilter.value) next.set("workflow_id", workflowFilter.value);
    if (statusFilter.value) next.set("status", statusFilter.value);
    if (rangeFilter.value) next.set("range", rangeFilter.value);
    if (rangeFilter.value === "custom") {
      if (from.value) next.set("from", new Date(from.value).toISOString());
      if (to.value) next.set("to", new Date(to.value).toISOString());
    }
    location.hash = `#/executions${next.toString() ? `?${next}` : ""}`;
  };
  rangeFilter.addEventListener("change", () => { custom.hidden = rangeFilter.value !== "custom"; if (rangeFilter.value !== "custom") applyFilters(); });
  workflowFilter.addEventListener("change", applyFilters);
  statusFilter.addEventListener("change", applyFilters);
  const filters = h("form", { class: "filters", "aria-label": "Filters", onsubmit: (event) => { event.preventDefault(); applyFilters(); } },
    field("Workflow", workflowFilter), field("Status", statusFilter), field("Started", rangeFilter), custom,
    h("button", { type: "submit" }, "Apply"));

  const cancelButton = h("button", { type: "button", class: "danger", disabled: true }, "Cancel selected");
  const compareButton = h("button", { type: "button", disabled: true }, "Compare selected");
  const selectAll = h("input", { type: "checkbox", "aria-label": "Select all executions on this page" });
  const tbody = h("tbody");
  const table = h("table", { class: "table executions" },
    h("caption", { class: "visually-hidden" }, "Executions, newest first"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, selectAll), ...["Status", "Execution", "Workflow", "Started", "Duration", "Trigger"].map((name) => h("th", { scope: "col" }, name)))),
    tbody);
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  const body = h("div");

  const refreshToolbar = () => {
    cancelButton.textContent = `Cancel selected (${selected.size})`;
    compareButton.textContent = `Compare selected (${selected.size})`;
    cancelButton.disabled = ![...selected].some((id) => !TERMINAL.has(rows.get(id)?.execution.status ?? "completed"));
    compareButton.disabled = selected.size < 2 || selected.size > 10;
    compareButton.title = selected.size > 10 ? "Compare up to 10 executions" : "";
  };

  const rowFor = (execution) => {
    const checkbox = h("input", { type: "checkbox", "aria-label": `Select execution ${shortId(execution.id)}`, checked: selected.has(execution.id) });
    checkbox.addEventListener("change", () => { if (checkbox.checked) selected.add(execution.id); else selected.delete(execution.id); refreshToolbar(); });
    const row = h("tr", { dataset: { id: execution.id } },
      h("td", {}, checkbox),
      h("td", { class: "status-cell" }, statusBadge(execution.status), " ", awaitingBadge(execution)),
      h("td", {}, h("a", { href: `#/executions/${execution.id}`, class: "mono" }, shortId(execution.id))),
      h("td", {}, h("a", { href: `#/workflows/${execution.workflow_id}` }, names.get(execution.workflow_id) || shortId(execution.workflow_id))),
      h("td", {}, formatTime(execution.started_at)),
      h("td", { class: "duration-cell" }, formatDuration(durationMs(execution.started_at, execution.completed_at))),
      h("td", {}, triggerCell(execution)));
    rows.set(execution.id, { execution, row });
    return row;
  };

  const update = (execution) => {
    const entry = rows.get(execution.id);
    if (!entry) {
      const matches = page === 0 && (!query.workflow_id || query.workflow_id === execution.workflow_id) && (!query.status || query.status === execution.status) && !query.to;
      if (matches && main.contains(body)) {
        if (!tbody.isConnected) render(body, table); // the empty state gives way to the first run
        tbody.prepend(rowFor(execution));
        announce(`New execution ${shortId(execution.id)} is ${execution.status}`);
        refreshToolbar();
      }
      return;
    }
    const next = { ...entry.execution, ...execution };
    const same = entry.execution.status === next.status && entry.execution.completed_at === next.completed_at;
    if (same && waitingKey(entry.execution) === waitingKey(next)) return;
    entry.execution = next;
    render(entry.row.querySelector(".status-cell"), statusBadge(next.status), " ", awaitingBadge(next));
    if (same) { announce(`Execution ${shortId(execution.id)} is ${next.waiting_for?.length ? "awaiting approval" : next.status}`); return; }
    render(entry.row.querySelector(".duration-cell"), formatDuration(durationMs(entry.execution.started_at, entry.execution.completed_at)));
    announce(`Execution ${shortId(execution.id)} is ${execution.status}`);
    refreshToolbar();
  };

  const fetchPage = (index) => fetchPageOf(query, cursors[index]);

  async function load(index, pending) {
    const { data, nextToken } = await (pending || fetchPage(index));
    page = index;
    cursors[index + 1] = nextToken || undefined;
    rows.clear();
    render(tbody, data.map(rowFor));
    selectAll.checked = false;
    const filtered = query.workflow_id || query.status || query.range || query.from || query.to;
    render(body, data.length ? table : emptyState(filtered ? "No executions match these filters." : "No executions yet.",
      filtered ? "Widen the filters, or " : "Open a workflow and press Run, or ", h("a", { href: "#/workflows" }, "go to your workflows"), "."));
    render(pager,
      h("button", { type: "button", disabled: index === 0, onclick: () => load(index - 1) }, "← Newer"),
      h("span", { class: "muted" }, ` Page ${index + 1} `),
      h("button", { type: "button", disabled: !nextToken, onclick: () => load(index + 1) }, "Older →"));
    refreshToolbar();
  }

  selectAll.addEventListener("change", () => {
    for (const [id, { row }] of rows) {
      row.querySelector("input").checked = selectAll.checked;
      if (selectAll.checked) selected.add(id); else selected.delete(id);
    }
    refreshToolbar();
  });
  cancelButton.addEventListener("click", async () => {
    const ids = [...selected].filter((id) => !TERMINAL.has(rows.get(id)?.execution.status ?? "completed"));
    cancelButton.disabled = true;
    try {
      const { data } = await api("/workflows/executions/batch-cancel", { method: "POST", body: { execution_ids: ids } });
      const count = (outcome) => data.results.filter((result) => result.outcome === outcome).length;
      for (const result of data.results) if (result.status) update({ id: result.execution_id, status: result.status });
      const notes = [
        count("conflict") ? `${count("conflict")} had already finished` : "",
        count("not_found") ? `${count("not_found")} no longer exist` : "",
        count("error") ? `${count("error")} could not be cancelled now: try again` : "",
      ].filter(Boolean);
      flash(`Cancelled ${count("cancelled")} of ${ids.length} execution(s)${notes.length ? `; ${notes.join("; ")}` : ""}.`, count("error") ? "error" : "info");
    } catch (error) {
      flash(error.message);
    }
    refreshToolbar();
  });
  compareButton.addEventListener("click", () => { location.hash = `#/compare?ids=${[...selected].join(",")}`; });

  render(main,
    h("div", { class: "page-head" }, h("h1", {}, "Executions"), h("div", { class: "actions" }, cancelButton, compareButton)),
    filters, body, pager);
  await load(0, firstPage);

  const live = query.workflow_id ? { workflow_id: query.workflow_id } : {};
  const stopLive = subscribe(live, (message) => {
    if (message.type === "execution") update(message.execution);
    else if (message.type === "approval" && rows.has(message.execution_id)) {
      // A run starts waiting for a person: read it for its waiting_for (the message names one step, not since).
      api(`/workflows/executions/${message.execution_id}`).then(({ data }) => update(data)).catch(() => {});
    }
    else if (message.type === "subscribed" && message.execution_id === undefined && message.workflow_id === live.workflow_id) {
      // Changes between the first read and the subscription were not pushed: read the page once more.
      fetchPage(page).then(({ data }) => data.forEach(update)).catch(() => {})
        .finally(() => { main.dataset.live = "synced"; });
    }
  });
  const stopPoll = pollWhileOffline(async () => {
    const running = [...rows.values()].filter(({ execution }) => !TERMINAL.has(execution.status));
    if (!running.length || !tbody.isConnected) return;
    try {
      const { data } = await fetchPage(page);
      data.forEach(update);
    } catch { /* the next tick tries again */ }
  }, 1000);
  return () => { stopLive(); stopPoll(); };
}
