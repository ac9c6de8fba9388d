// Log search across all of my executions (/api/logs), each hit linking to its execution.
import { api } from "../api.js";
import { allWorkflows } from "../workflow-list.js";
import { emptyState, field, formatDuration, formatTime, h, render, select, shortId } from "../ui.js";
import { LOGGED_STEP_TYPES } from "../vocabulary.js";
import { blockNames, placeText } from "../step-tree.js";
import { RANGES, rangeParams } from "./executions.js";

export async function logsView(main, { query }) {
  const workflows = await allWorkflows();
  const names = new Map(workflows.map((workflow) => [workflow.id, workflow.name]));
  const q = h("input", { type: "search", name: "q", value: query.q || "", maxlength: 200 });
  const workflow = select([["", "All workflows"], ...workflows.map((item) => [item.id, item.name])], query.workflow_id || "", { name: "workflow_id" });
  const stepType = select([["", "Any type"], ...LOGGED_STEP_TYPES.map((type) => [type, type])], query.step_type || "", { name: "step_type" });
  const hasError = select([["", "Any result"], ["true", "Failed attempts"], ["false", "Successful attempts"]], query.has_error || "", { name: "has_error" });
  // `parent_step`: the attempts of the steps directly inside that block; the workflows' block names are suggested.
  const parentStep = h("input", { name: "parent_step", value: query.parent_step || "", maxlength: 80, list: "block-names" });
  const blocks = h("datalist", { id: "block-names" }, [...new Set(workflows.flatMap((item) => blockNames(item.steps)))].map((name) => h("option", { value: name })));
  const range = select(RANGES.filter(([value]) => value !== "custom"), query.range || "", { name: "range" });
  const results = h("div");
  const more = h("div", { class: "pager" });
  const form = h("form", { class: "filters", role: "search", "aria-label": "Search logs" },
    field("Text", q, "Step name, error, input or output"), field("Workflow", workflow), field("Step type", stepType), field("In block", parentStep, "A choice, parallel or map step"), blocks, field("Result", hasError), field("Started", range),
    h("button", { type: "submit", class: "primary" }, "Search"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const control of [q, workflow, stepType, parentStep, hasError, range]) if (control.value) next.set(control.name, control.value);
    location.hash = `#/logs?${next}`;
  });
  render(main, h("h1", {}, "Log search"), form, results, more);

  const rows = h("tbody");
  async function load(token) {
    const { data, nextToken } = await api("/logs", { params: { q: query.q, workflow_id: query.workflow_id, step_type: query.step_type, parent_step: query.parent_step, has_error: query.has_error, limit: 100, next_token: token, ...rangeParams(query) } });
    rows.append(...data.map((log) => h("tr", {},
      h("td", {}, formatTime(log.timestamp)),
      h("td", {}, h("a", { href: `#/executions/${log.execution_id}`, class: "mono" }, shortId(log.execution_id))),
      h("td", {}, names.get(log.workflow_id) || shortId(log.workflow_id)),
      h("td", {}, log.step_name, h("span", { class: "muted" }, ` (${log.step_type})`), log.parent_step ? h("div", { class: "muted small place" }, placeText(log)) : null),
      h("td", {}, formatDuration(log.duration_ms)),
      h("td", {}, log.error_message ? h("span", { class: "error-text" }, `✕ ${log.error_message}`) : "✓ ok"))));
    if (!rows.children.length) render(results, emptyState("No step log matches.", "Try fewer words or other filters. Logs appear once a run has executed a step."));
    else if (!rows.isConnected) render(results, h("table", { class: "table" }, h("caption", { class: "visually-hidden" }, "Matching step logs, newest first"),
      h("thead", {}, h("tr", {}, ["Time", "Execution", "Workflow", "Step", "Duration", "Result"].map((name) => h("th", { scope: "col" }, name)))), rows));
    render(more, nextToken ? h("button", { type: "button", onclick: () => load(nextToken) }, "Load more") : "");
  }
  await load(undefined);
}
