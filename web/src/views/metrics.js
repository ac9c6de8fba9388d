// Metrics per workflow or overall over a chosen range: executions by status over time, success rate,
// duration percentiles over time (uPlot draws them), a per-step table (one row per step of one workflow);
// every bucket links to its runs. Buckets suit the range unless chosen: hourly up to 2 days, daily beyond (a few
// runs in 168 hourly buckets would be a lone spike). Each chart's legend shows the bucket under the cursor, and
// the whole range's numbers while the cursor is elsewhere (uPlot's own legend would show "--" then).
import { api } from "../api.js";
import { allWorkflows } from "../workflow-list.js";
import { emptyState, field, formatDuration, formatTime, h, render, select } from "../ui.js";

const RANGES = [["24h", "Last 24 hours", 86400e3], ["7d", "Last 7 days", 7 * 86400e3], ["30d", "Last 30 days", 30 * 86400e3], ["90d", "Last 90 days", 90 * 86400e3]];
const HOURLY_UP_TO_MS = 2 * 86400e3;

export function bucketsFor(spanMs) {
  return spanMs <= HOURLY_UP_TO_MS ? "hour" : "day";
}
const BUCKET_MS = { hour: 3600e3, day: 86400e3 };
let uPlotModule = null;

async function loadChartLibrary() {
  if (!uPlotModule) {
    document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: "vendor/uPlot.min.css" }));
    uPlotModule = (await import("../../vendor/uPlot.esm.js")).default;
  }
  return uPlotModule;
}

function executionsLink(workflowId, start, granularity, status) {
  const from = new Date(start);
  const to = new Date(from.getTime() + BUCKET_MS[granularity]);
  const params = new URLSearchParams({ range: "custom", from: from.toISOString(), to: to.toISOString() });
  if (workflowId) params.set("workflow_id", workflowId);
  if (status) params.set("status", status);
  return `#/executions?${params}`;
}

const count = (value) => (value === null || value === undefined ? "–" : String(Math.round(value)));
const percent = (value) => (value === null || value === undefined ? "–" : `${value.toFixed(1)}%`);
const sum = (values) => values.reduce((total, value) => total + (value || 0), 0);

// A series' legend value: the bucket's under the cursor, else `idle` (the whole range's number, labelled).
function legendValue(format, idle) {
  return (_, value, __, index) => (index === null || index === undefined ? idle : format(value));
}

function chart(uPlot, target, title, series, data, { onPick, yFormat = (value) => value, yRange, idleX = "whole range" } = {}) {
  // Three charts side by side: the row's width less the gaps (1rem) and each figure's padding and border.
  const row = target.parentElement?.clientWidth || 1100;
  const width = Math.max(300, Math.min(Math.floor((row - 2 * 16 - 3 * 18) / 3), 560));
  const plot = new uPlot({
    title, width, height: 220,
    cursor: { points: { size: 8 } },
    scales: { x: { time: true }, ...(yRange ? { y: { range: yRange } } : {}) },
    axes: [{}, { values: (_, ticks) => ticks.map(yFormat) }],
    // Points drawn on every series: a bucket with runs between empty ones is still seen.
    series: [{ value: (_, value, __, index) => (index === null || index === undefined || value === null ? idleX : formatTime(new Date(value * 1000).toISOString())) },
      ...series.map((item) => ({ points: { show: true, size: 6 }, ...item }))],
  }, data, target);
  if (onPick) plot.over.addEventListener("click", () => { if (plot.cursor.idx !== null && plot.cursor.idx !== undefined) onPick(plot.cursor.idx); });
  return plot;
}

export async function metricsView(main, { query }) {
  const workflows = await allWorkflows();
  const names = new Map(workflows.map((item) => [item.id, item.name]));
  const rangeKey = query.range || "7d";
  const [, , span] = RANGES.find(([key]) => key === rangeKey) || RANGES[1];
  const granularity = query.granularity === "hour" || query.granularity === "day" ? query.granularity : bucketsFor(span);
  const workflow = select([["", "All workflows"], ...workflows.map((item) => [item.id, item.name])], query.workflow_id || "", { name: "workflow_id" });
  const range = select(RANGES.map(([key, label]) => [key, label]), rangeKey, { name: "range" });
  const bucket = select([["hour", "Hourly"], ["day", "Daily"]], granularity, { name: "granularity" });
  const form = h("form", { class: "filters", "aria-label": "Metrics filters" }, field("Workflow", workflow), field("Range", range), field("Buckets", bucket), h("button", { type: "submit" }, "Show"));
  // A new range takes the buckets that suit it; buckets chosen by hand stay for that range.
  const go = (event) => {
    event?.preventDefault();
    const next = new URLSearchParams({ range: range.value });
    if (event?.target !== range) next.set("granularity", bucket.value);
    if (workflow.value) next.set("workflow_id", workflow.value);
    location.hash = `#/metrics?${next}`;
  };
  form.addEventListener("submit", go);
  for (const control of [workflow, range, bucket]) control.addEventListener("change", go);

  const now = Date.now();
  const { data } = await api("/metrics", { params: { workflow_id: query.workflow_id, started_after: new Date(now - span).toISOString(), started_before: new Date(now).toISOString(), granularity } });
  const head = [h("h1", {}, "Metrics"), form];
  if (!data.executions.total) {
    render(main, ...head, emptyState("No executions in this range.", "Run a workflow, or widen the range. ", h("a", { href: "#/workflows" }, "Go to your workflows")));
    return;
  }
  const byStatus = data.executions.by_status || {};
  const summary = h("dl", { class: "kpis" },
    h("div", {}, h("dt", {}, "Executions"), h("dd", { id: "kpi-total" }, String(data.executions.total))),
    h("div", {}, h("dt", {}, "Success rate"), h("dd", {}, data.success_rate === null || data.success_rate === undefined ? "—" : `${(data.success_rate * 100).toFixed(1)}%`)),
    h("div", {}, h("dt", {}, "Completed / failed"), h("dd", {}, `${byStatus.completed || 0} / ${byStatus.failed || 0}`)),
    h("div", {}, h("dt", {}, "Duration p50 · p90 · p99"), h("dd", {}, ["p50", "p90", "p99"].map((key) => formatDuration(data.duration_ms?.[key])).join(" · "))));
  const charts = h("div", { class: "charts" });
  const series = data.series || [];
  const buckets = h("details", {}, h("summary", {}, "Buckets with runs, as a table (each links to its executions)"),
    h("table", { class: "table" }, h("caption", { class: "visually-hidden" }, "Executions per time bucket"),
      h("thead", {}, h("tr", {}, ["Bucket start", "Total", "Completed", "Failed", "p50", "p90"].map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, series.filter((point) => point.total).map((point) => h("tr", {},
        h("td", {}, h("a", { href: executionsLink(query.workflow_id, point.start, granularity) }, formatTime(point.start))),
        h("td", {}, String(point.total)),
        h("td", {}, point.completed ? h("a", { href: executionsLink(query.workflow_id, point.start, granularity, "completed") }, String(point.completed)) : "0"),
        h("td", {}, point.failed ? h("a", { href: executionsLink(query.workflow_id, point.start, granularity, "failed") }, String(point.failed)) : "0"),
        h("td", {}, formatDuration(point.p50_ms)), h("td", {}, formatDuration(point.p90_ms)))))));
  // One row per step of one workflow, by workflow name then step name. A row without a workflow counts attempts
  // recorded before rows were kept per workflow (every workflow's step of that name, together).
  const workflowOf = (step) => (step.workflow_id ? names.get(step.workflow_id) || `deleted workflow ${step.workflow_id.slice(0, 8)}` : "");
  const stepRows = [...(data.steps || [])].sort((a, b) => workflowOf(a).localeCompare(workflowOf(b)) || a.step_name.localeCompare(b.step_name));
  const steps = stepRows.length ? h("table", { class: "table" }, h("caption", {}, "Per step"),
    h("thead", {}, h("tr", {}, ["Workflow", "Step", "Type", "Attempts", "Failures", "Failure rate", "p50", "p90", "p99", "Mean"].map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, stepRows.map((step) => h("tr", { dataset: { step: step.step_name, workflow: step.workflow_id || "" } },
      h("td", {}, step.workflow_id
        ? (names.has(step.workflow_id) ? h("a", { href: `#/workflows/${step.workflow_id}` }, names.get(step.workflow_id)) : h("span", { class: "muted" }, workflowOf(step)))
        : h("span", { class: "muted", title: "Attempts recorded before step rows were kept per workflow" }, "all workflows (earlier runs)")),
      h("td", {}, step.step_name), h("td", {}, step.step_type), h("td", {}, String(step.attempts)), h("td", {}, String(step.failures)),
      h("td", {}, `${((step.failure_rate || 0) * 100).toFixed(1)}%`),
      ["p50", "p90", "p99", "mean"].map((key) => h("td", {}, formatDuration(step.duration_ms?.[key]))))))) : null;
  render(main, ...head, summary, charts, buckets, steps);

  if (!series.length) return;
  const uPlot = await loadChartLibrary();
  const x = series.map((point) => new Date(point.start).getTime() / 1000);
  const pick = (status) => (index) => { location.hash = executionsLink(query.workflow_id, series[index].start, granularity, status); };
  const boxes = [0, 1, 2].map(() => h("figure", { class: "chart" }));
  charts.append(...boxes);
  charts.before(h("p", { class: "muted small" }, "Click a time bucket in a chart to open its runs."));
  const bars = uPlot.paths.bars({ size: [0.6, 40] });
  const totals = { total: sum(series.map((p) => p.total)), completed: sum(series.map((p) => p.completed)), failed: sum(series.map((p) => p.failed)) };
  const rate = totals.total ? (100 * totals.completed) / totals.total : null;
  const rangeLabel = RANGES.find(([key]) => key === rangeKey)?.[1].toLowerCase() || "whole range";
  const idleX = `${rangeLabel}, in all`;
  chart(uPlot, boxes[0], "Executions by status", [
    { label: "total", stroke: "#1f4e99", width: 2, value: legendValue(count, count(totals.total)) },
    { label: "completed", stroke: "#1b7a3a", fill: "rgba(27,122,58,0.25)", paths: bars, value: legendValue(count, count(totals.completed)) },
    { label: "failed", stroke: "#b3261e", fill: "rgba(179,38,30,0.35)", paths: bars, value: legendValue(count, count(totals.failed)) },
  ], [x, series.map((p) => p.total), series.map((p) => p.completed), series.map((p) => p.failed)], { onPick: pick(), idleX });
  chart(uPlot, boxes[1], "Success rate", [{ label: "success", stroke: "#1b7a3a", width: 2, value: legendValue(percent, percent(rate)) }],
    [x, series.map((p) => (p.total ? (100 * p.completed) / p.total : null))], { onPick: pick(), yFormat: (value) => `${value}%`, yRange: [0, 100], idleX });
  chart(uPlot, boxes[2], "Duration percentiles", [
    { label: "p50", stroke: "#1f4e99", width: 2, value: legendValue(formatDuration, formatDuration(data.duration_ms?.p50)) },
    { label: "p90", stroke: "#8a4b00", width: 2, value: legendValue(formatDuration, formatDuration(data.duration_ms?.p90)) },
  ], [x, series.map((p) => p.p50_ms ?? null), series.map((p) => p.p90_ms ?? null)], { onPick: pick(), idleX });
}
