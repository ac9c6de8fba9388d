// The run graph of the execution page: the workflow's flow (flow.js) with every step in its state (step-tree.js
// stepStates: the CLI's rules), each step's name a button opening its detail panel (step-panel.js), and a note
// under a step where the logs alone do not tell: a wait step's time (configured, and how long it waited), a map's
// iterations, a step that did not run, and for the failed step a pointer to the page's one error block.
import { formatDuration, h } from "./ui.js";
import { stepFlow } from "./flow.js";
import { mapIterations, waitedMs } from "./step-tree.js";
import { openStepPanel } from "./step-panel.js";

const ITERATION_MARK = { succeeded: "✓", failed: "✕", reused: "↺" };

export function showRunError() {
  const block = document.getElementById("run-error");
  if (!block) return;
  block.scrollIntoView({ block: "center" });
  block.focus();
}

// What the graph knows of a step besides its attempts, as short lines (also the panel's).
function facts(step, state, { steps, logs, execution }) {
  const lines = [];
  if (step.type === "wait") {
    const waited = state?.state === "succeeded" ? waitedMs(steps, logs, execution, step.name) : null;
    lines.push(`Waits ${formatDuration(Number(step.config?.seconds ?? 0) * 1000)}` +
      (waited !== null ? `; waited ${formatDuration(waited)}` : state?.state === "waiting" ? "; waiting now" : "") + ".");
  }
  if (state?.state === "not_run") lines.push("Not run: the run ended before this step (or took another branch).");
  return lines;
}

function iterationList(step, logs) {
  const iterations = mapIterations(step, logs);
  if (!iterations.length) return null;
  return h("div", { class: "iterations" },
    h("span", { class: "muted small" }, `${iterations.length} iteration(s): `),
    h("ul", { class: "iteration-list", "aria-label": `Iterations of ${step.name}` }, iterations.map(({ iteration, state, attempts }) =>
      h("li", { class: `iteration iteration-${state}`, dataset: { iteration: String(iteration), state } },
        h("span", { "aria-hidden": "true" }, `#${iteration} ${ITERATION_MARK[state] ?? ""}`),
        h("span", { class: "visually-hidden" }, `item ${iteration}: ${state}${attempts > 1 ? `, ${attempts} attempts` : ""}`)))));
}

// `context`: {steps, logs, execution, states, failedStep} (failedStep: the name of the step the run failed in).
export function runGraph(context) {
  const { steps, logs, execution, states, failedStep } = context;
  const runError = execution.error_message || null;
  const note = (step, state) => {
    const parts = facts(step, state, context).map((line) => h("p", { class: "step-note small" }, line));
    if (step.type === "map") parts.push(iterationList(step, logs));
    if (step.name === failedStep && runError) {
      parts.push(h("p", { class: "step-note small failed-here" }, h("span", { class: "error-text" }, "✕ The run failed here: "),
        h("button", { type: "button", class: "link", "aria-describedby": "run-error-title", onclick: showRunError }, "see the error")));
    } else if (state?.state === "failed") {
      const own = logs.filter((log) => log.step_name === step.name && log.error_message).pop()?.error_message;
      if (own && own !== runError) parts.push(h("p", { class: "step-note small" }, h("span", { class: "error-text" }, `✕ ${own}`)));
    }
    return parts.length ? h("div", { class: "step-notes" }, parts) : null;
  };
  const onOpen = (step) => {
    const state = states.get(step.name)?.state ?? "pending";
    const attempts = logs.filter((log) => log.step_name === step.name);
    const opener = document.activeElement;
    const about = facts(step, states.get(step.name), context);
    if (!attempts.length && step.type === "wait") about.push("A wait step writes no log: its time is read from the steps around it.");
    if (!attempts.length && ["choice", "parallel", "map"].includes(step.type)) about.push("A block: each of its inner steps has its own attempts (open them in the graph).");
    if (!attempts.length && state === "pending") about.push("Not reached yet.");
    if (step.name === failedStep && runError) about.push(h("span", { class: "error-text" }, `The run failed in this step: ${runError}`));
    const panel = openStepPanel(step, { state, attempts, about, runError, opener });
    panel.addEventListener("close", () => {
      if (!opener?.isConnected) document.querySelector(`[data-open="${CSS.escape(step.name)}"]`)?.focus();
    });
  };
  return stepFlow(steps, states, { onOpen, note });
}
