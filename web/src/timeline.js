// The Gantt timeline of one execution: one bar per log item (one attempt of one step), on the run's time axis.
// Attempts of steps inside a block (log.parent_step set) are grouped, indented, under a row of their block that
// spans them; a map's attempts show their iteration ("#2"). Blocks nest when the workflow's steps are given
// (a block's own enclosing block is read from them); logs without parent_step are top-level rows, as before.
import { emptyState, formatDuration, h } from "./ui.js";
import { parentsOf, walkSteps } from "./step-tree.js";
import { NATIVE_STEP_TYPES, TERMINAL } from "./vocabulary.js";

// "(wait steps write none)": the step types that write no log item, named as the document names them.
export const silentSteps = () => (NATIVE_STEP_TYPES.length ? ` (${NATIVE_STEP_TYPES.join(", ")} steps write none)` : "");

// The logs known plus those read or pushed since, once each (by id: a log pushed while the page read the logs
// arrives twice), the newer copy kept, in time order.
export function mergeLogs(known, incoming) {
  const byId = new Map(known.map((log) => [log.id, log]));
  for (const log of incoming) byId.set(log.id, log);
  return [...byId.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

function kindOf(log) {
  return log.reused ? "reused" : log.error_message ? "failed" : "succeeded";
}

// The rows, in display order: {type: "log", log, start, end, depth} and {type: "group", name, start, end, depth, spans}.
export function timelineRows(logs, steps = null) {
  const parents = steps ? parentsOf(steps) : new Map();
  const typeOf = new Map([...walkSteps(steps || [])].map(({ step }) => [step.name, step.type]));
  const spans = logs.map((log) => {
    const start = new Date(log.timestamp).getTime();
    return { type: "log", log, start, end: start + Math.max(log.duration_ms || 0, 1) };
  });
  // Each block with attempts under it, up the chain of enclosing blocks.
  const groups = new Map();
  const groupOf = (name) => {
    if (!groups.has(name)) {
      groups.set(name, { type: "group", name, blockType: typeOf.get(name) || "block", members: [], spans: [] });
      const parent = parents.get(name) ?? null;
      (parent === null ? top : groupOf(parent).members).push(groups.get(name));
    }
    return groups.get(name);
  };
  const top = [];
  for (const span of spans) {
    const parent = span.log.parent_step ?? null;
    (parent === null ? top : groupOf(parent).members).push(span);
  }
  const rows = [];
  const measure = (item) => {
    if (item.type === "log") return [item];
    item.spans = item.members.flatMap(measure);
    item.start = Math.min(...item.spans.map((span) => span.start));
    item.end = Math.max(...item.spans.map((span) => span.end));
    return item.spans;
  };
  top.forEach(measure);
  const order = (items, depth) => {
    const sorted = [...items].sort((a, b) => a.start - b.start || (a.log?.iteration ?? 0) - (b.log?.iteration ?? 0));
    for (const item of sorted) {
      rows.push({ ...item, depth });
      if (item.type === "group") order(item.members, depth + 1);
    }
  };
  order(top, 0);
  return { rows, spans };
}

function logRow(row, bar, note) {
  const { log, depth } = row;
  const iteration = log.iteration ?? null;
  return h("div", { class: `gantt-row depth-${Math.min(depth, 4)}`, role: "row", dataset: { step: log.step_name, attempt: String(log.attempt), kind: kindOf(log), parent: log.parent_step ?? "", iteration: iteration === null ? "" : String(iteration) } },
    h("span", { role: "rowheader", class: "gantt-label" },
      `${log.step_name}`,
      iteration !== null ? h("span", { class: "iteration", title: `map item index ${iteration}` }, `#${iteration}`) : null,
      h("span", { class: "muted" }, ` attempt ${log.attempt}`),
      log.parent_step ? h("span", { class: "visually-hidden" }, `, in ${log.parent_step}`) : null),
    h("span", { role: "cell", class: "gantt-track" }, bar, note));
}

function groupRow(row, bar) {
  const failed = row.spans.filter(({ log }) => log.error_message).length;
  const iterations = new Set(row.spans.map(({ log }) => log.iteration).filter((value) => value !== null && value !== undefined));
  const parts = [`${row.spans.length} attempt(s)`];
  if (iterations.size) parts.push(`${iterations.size} item(s)`);
  if (failed) parts.push(`${failed} failed`);
  return h("div", { class: `gantt-row gantt-group depth-${Math.min(row.depth, 4)}`, role: "row", dataset: { group: row.name, kind: failed ? "failed" : "succeeded" } },
    h("span", { role: "rowheader", class: "gantt-label" }, h("span", { "aria-hidden": "true" }, "▾ "), h("strong", {}, row.name), h("span", { class: "muted" }, ` ${row.blockType}`)),
    h("span", { role: "cell", class: "gantt-track" }, bar, h("span", { class: `gantt-note ${failed ? "note-failed" : "note-group"}` }, parts.join(" · "))));
}

export function timeline(logs, execution, steps = null) {
  if (!logs.length) return emptyState("No step attempts yet.", TERMINAL.has(execution.status) ? `This run recorded no step logs${silentSteps()}.` : "Bars appear as steps run.");
  const { rows, spans } = timelineRows(logs, steps);
  const t0 = Math.min(new Date(execution.started_at).getTime(), ...spans.map((span) => span.start));
  const t1 = Math.max(execution.completed_at ? new Date(execution.completed_at).getTime() : 0, ...spans.map((span) => span.end), t0 + 1);
  const total = t1 - t0;
  const pct = (value) => `${((value / total) * 100).toFixed(3)}%`;
  const barOf = (row, kind, title) => {
    const bar = h("span", { class: `gantt-bar bar-${kind}`, title });
    bar.style.left = pct(row.start - t0);
    bar.style.width = pct(Math.max(row.end - row.start, total / 200));
    return bar;
  };
  return h("div", { class: "gantt", role: "table", "aria-label": "Timeline of step attempts" },
    h("div", { class: "gantt-row gantt-axis", role: "row" },
      h("span", { role: "columnheader", class: "gantt-label" }, "Step attempt"),
      h("span", { role: "columnheader", class: "gantt-track" }, h("span", {}, "0"), h("span", { class: "gantt-end" }, formatDuration(total)))),
    rows.map((row) => {
      if (row.type === "group") return groupRow(row, barOf(row, "group", `${row.name}: ${formatDuration(row.end - row.start)}`));
      const { log } = row;
      const kind = kindOf(log);
      // The run's own error is said once, above the timeline: an attempt that failed with it points there.
      const message = log.error_message === execution.error_message ? "the run's error (above)" : log.error_message;
      const bar = barOf(row, kind, `${log.step_name} attempt ${log.attempt}: ${kind}, ${formatDuration(log.duration_ms)}${log.error_message ? ` — ${message}` : ""}`);
      const note = h("span", { class: `gantt-note note-${kind}` }, kind === "failed" ? `✕ failed: ${message}` : kind === "reused" ? "↺ reused from the original run" : `✓ ${formatDuration(log.duration_ms)}`);
      return logRow(row, bar, note);
    }));
}
