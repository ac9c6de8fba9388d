// Compare 2..10 executions: side by side, input/output diffs by JSON pointer, per-step table with
// the differing outputs expandable. The API gives one step row per step name and map iteration; rows of the steps
// inside a block are grouped under a row of their block, and a map's rows show their item ("Price line #2").
import { api } from "../api.js";
import { emptyState, formatDuration, formatTime, h, render, shortId, statusBadge } from "../ui.js";
import { placeText } from "../step-tree.js";

function show(value) {
  return value === null || value === undefined ? h("span", { class: "muted" }, "absent") : h("code", {}, JSON.stringify(value));
}

function diffTable(title, diff, executions) {
  return h("section", { "aria-label": title }, h("h2", {}, title),
    !diff.length ? h("p", { class: "equal" }, "✓ Identical in every run.") : h("table", { class: "table diff" },
      h("caption", { class: "visually-hidden" }, `${title}: paths that differ`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "JSON path"), executions.map((execution) => h("th", { scope: "col", class: "mono" }, shortId(execution.id))))),
      h("tbody", {}, diff.map((entry) => h("tr", { class: "differs" },
        h("th", { scope: "row", class: "mono" }, entry.path || "/"),
        entry.values.map((value) => h("td", {}, show(value))))))));
}

export async function compareView(main, { query }) {
  const ids = (query.ids || "").split(",").filter(Boolean);
  if (ids.length < 2 || ids.length > 10) {
    render(main, h("h1", {}, "Compare executions"), emptyState("Pick 2 to 10 executions to compare.", "Select them in ", h("a", { href: "#/executions" }, "the executions table"), " and press Compare selected."));
    return;
  }
  const { data } = await api("/workflows/executions/compare", { params: { ids: ids.join(",") } });
  const { executions } = data;
  render(main,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/executions" }, "Executions"), " / compare"),
    h("h1", {}, `Compare ${executions.length} executions`),
    h("table", { class: "table" },
      h("caption", { class: "visually-hidden" }, "The executions compared"),
      h("thead", {}, h("tr", {}, ["Execution", "Status", "Started", "Duration", "Error"].map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, executions.map((execution) => h("tr", {},
        h("td", {}, h("a", { class: "mono", href: `#/executions/${execution.id}` }, shortId(execution.id))),
        h("td", {}, statusBadge(execution.status)),
        h("td", {}, formatTime(execution.started_at)),
        h("td", {}, formatDuration(execution.completed_at ? new Date(execution.completed_at) - new Date(execution.started_at) : null)),
        h("td", {}, execution.error_message || "—"))))),
    diffTable("Input differences", data.input_diff, executions),
    diffTable("Output differences", data.output_diff, executions),
    h("section", { "aria-label": "Steps" }, h("h2", {}, "Steps"),
      h("table", { class: "table steps-compare" },
        h("caption", { class: "visually-hidden" }, "Each step in each run"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Step"), executions.map((execution) => h("th", { scope: "col", class: "mono" }, shortId(execution.id))), h("th", { scope: "col" }, "Outputs"))),
        h("tbody", {}, stepRows(data.steps, executions.length)))));
}

// The rows in the API's order, with a heading row before each run of rows inside the same block.
function stepRows(steps, columns) {
  const rows = [];
  let block = null;
  for (const step of steps) {
    const parent = step.parent_step ?? null;
    if (parent !== null && parent !== block) {
      rows.push(h("tr", { class: "compare-group", dataset: { group: parent } },
        h("th", { scope: "colgroup", colspan: String(columns + 2) }, h("span", { "aria-hidden": "true" }, "▾ "), "in ", h("strong", {}, parent))));
    }
    block = parent;
    rows.push(stepRow(step));
  }
  return rows;
}

function stepRow(step) {
  const outputs = step.output_equal
    ? h("span", { class: "equal" }, "✓ equal")
    : h("details", {}, h("summary", {}, `≠ differ (${step.output_diff.length})`),
      h("ul", { class: "plain" }, step.output_diff.map((entry) => h("li", {}, h("code", {}, entry.path || "/"), ": ",
        entry.values.map((value, index) => [index ? " | " : "", show(value)])))));
  const iteration = step.iteration ?? null;
  const nested = Boolean(step.parent_step);
  return h("tr", { class: `${step.output_equal ? "" : "differs"}${nested ? " nested" : ""}`, dataset: { step: step.step_name, parent: step.parent_step ?? "", iteration: iteration === null ? "" : String(iteration) } },
    h("th", { scope: "row" }, step.step_name,
      iteration !== null ? h("span", { class: "iteration", title: `map item index ${iteration}` }, `#${iteration}`) : null,
      nested ? h("span", { class: "visually-hidden" }, `, ${placeText(step)}`) : null,
      h("div", { class: "muted small" }, step.step_type)),
    step.per_execution.map((cell) => h("td", {}, h("span", { class: `status status-${cell.status}` }, cell.status.replace("_", " ")),
      h("div", { class: "small" }, `${cell.attempts} attempt${cell.attempts === 1 ? "" : "s"} · ${formatDuration(cell.duration_ms)}`))),
    h("td", {}, outputs));
}
