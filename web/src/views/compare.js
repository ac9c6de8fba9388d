// Compare 2..10 executions: side by side (with each run's workflow), input/output diffs by JSON pointer, per-step
// table with the differing outputs expandable. The API gives one step row per step name and map iteration, and says
// how a row differs (`difference`): "status" (it did not end the same way: "failed here, not run there" is not an
// output difference), "output" (it ended the same way, its outputs differ) or "same". Rows of the steps inside a
// block are grouped under a row of their block, and a map's rows show their item ("Price line #2").
import { api } from "../api.js";
import { workflowNames } from "../workflow-list.js";
import { emptyState, formatDuration, formatTime, h, render, shortId, statusBadge } from "../ui.js";
import { placeText } from "../step-tree.js";

function show(value) {
  return value === null || value === undefined ? h("span", { class: "muted" }, "absent") : h("code", {}, JSON.stringify(value));
}

const STATUS_TEXT = { succeeded: "succeeded", failed: "failed", not_run: "not run" };

// How a row differs, in words. Two runs: "failed here, not run there"; more: each status with its runs' count.
export function statusDifference(runs) {
  const words = runs.map((run) => STATUS_TEXT[run.status] || run.status);
  if (words.length === 2) return `${words[0]} here, ${words[1]} there`;
  const counts = new Map();
  for (const word of words) counts.set(word, (counts.get(word) || 0) + 1);
  return [...counts].map(([word, count]) => `${word} in ${count}`).join(", ");
}

// A value of a step's output diff: a run where the step has no output says why (not run, failed); a succeeded
// run's whole output that is null is null (deeper down, null may also be a member it lacks: "absent").
function stepValue(value, run, path) {
  if (value !== null && value !== undefined) return show(value);
  if (run && run.status !== "succeeded") return h("span", { class: "muted" }, `(${STATUS_TEXT[run.status] || run.status})`);
  return path === "" ? h("code", {}, "null") : show(value);
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
  const [{ data }, names] = await Promise.all([api("/workflows/executions/compare", { params: { ids: ids.join(",") } }), workflowNames()]);
  const { executions } = data;
  render(main,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/executions" }, "Executions"), " / compare"),
    h("h1", {}, `Compare ${executions.length} executions`),
    h("table", { class: "table" },
      h("caption", { class: "visually-hidden" }, "The executions compared"),
      h("thead", {}, h("tr", {}, ["Execution", "Workflow", "Status", "Started", "Duration", "Error"].map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, executions.map((execution) => h("tr", {},
        h("td", {}, h("a", { class: "mono", href: `#/executions/${execution.id}` }, shortId(execution.id))),
        h("td", { class: "workflow" }, names.has(execution.workflow_id)
          ? h("a", { href: `#/workflows/${execution.workflow_id}` }, names.get(execution.workflow_id))
          : h("span", { class: "muted mono", title: "deleted workflow" }, shortId(execution.workflow_id))),
        h("td", {}, statusBadge(execution.status)),
        h("td", {}, formatTime(execution.started_at)),
        h("td", {}, formatDuration(execution.completed_at ? new Date(execution.completed_at) - new Date(execution.started_at) : null)),
        h("td", {}, execution.error_message || "—"))))),
    diffTable("Input differences", data.input_diff, executions),
    diffTable("Output differences", data.output_diff, executions),
    h("section", { "aria-label": "Steps" }, h("h2", {}, "Steps"),
      h("table", { class: "table steps-compare" },
        h("caption", { class: "visually-hidden" }, "Each step in each run"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Step"), executions.map((execution) => h("th", { scope: "col", class: "mono" }, shortId(execution.id))), h("th", { scope: "col" }, "Difference"))),
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

// The row's difference kind; an answer from before `difference` existed: from the statuses and output_equal.
function differenceOf(step) {
  if (step.difference) return step.difference;
  if (new Set(step.per_execution.map((run) => run.status)).size > 1) return "status";
  return step.output_equal ? "same" : "output";
}

function outputDetails(step, summary) {
  return h("details", {}, h("summary", {}, summary),
    h("ul", { class: "plain" }, step.output_diff.map((entry) => h("li", {}, h("code", {}, entry.path || "/"), ": ",
      entry.values.map((value, index) => [index ? " | " : "", stepValue(value, step.per_execution[index], entry.path)])))));
}

function stepRow(step) {
  const difference = differenceOf(step);
  let outputs;
  if (difference === "status") {
    const words = statusDifference(step.per_execution);
    outputs = h("div", { class: "difference-status" }, h("span", { class: "status-differs" }, "≠ status: ", h("strong", {}, words)),
      step.output_diff.length ? outputDetails(step, `outputs (${step.output_diff.length})`) : h("div", { class: "muted small" }, "no output to compare"));
  } else if (difference === "output") {
    outputs = outputDetails(step, `≠ output differs (${step.output_diff.length})`);
  } else {
    outputs = h("span", { class: "equal" }, "✓ same");
  }
  const iteration = step.iteration ?? null;
  const nested = Boolean(step.parent_step);
  return h("tr", { class: `${difference === "same" ? "" : "differs"}${nested ? " nested" : ""}`, dataset: { step: step.step_name, parent: step.parent_step ?? "", iteration: iteration === null ? "" : String(iteration), difference } },
    h("th", { scope: "row" }, step.step_name,
      iteration !== null ? h("span", { class: "iteration", title: `map item index ${iteration}` }, `#${iteration}`) : null,
      nested ? h("span", { class: "visually-hidden" }, `, ${placeText(step)}`) : null,
      h("div", { class: "muted small" }, step.step_type)),
    step.per_execution.map((cell) => h("td", {}, h("span", { class: `status status-${cell.status}` }, STATUS_TEXT[cell.status] || cell.status),
      h("div", { class: "small" }, `${cell.attempts} attempt${cell.attempts === 1 ? "" : "s"} · ${formatDuration(cell.duration_ms)}`))),
    h("td", {}, outputs));
}
