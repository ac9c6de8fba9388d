// The flow view of a workflow's steps: a vertical list, where a choice draws its branches side by side (each
// labelled with its condition, and "otherwise"), a parallel its named lanes, and a map one framed lane
// "for each <items> (max N at once)"; blocks nest. Given the states of one execution (step-tree.js
// stepStates), each step is coloured and badged with its state (in text too, not colour alone). An approval
// step (a person decides) has a person icon and a distinct shape; while it waits its state is "waiting".
// On the execution page (the run graph, run-graph.js) each step's name is a button that opens its detail panel,
// and a step may carry a note (a wait's time, a map's iterations, where the run's error is).
import { formatDuration, h, statusBadge } from "./ui.js";
import { childLists } from "./step-tree.js";
import { personIcon } from "./approvals.js";

const STEP_ICONS = { transform: "ƒ", http: "⇄", ai: "✦", wait: "◷", choice: "◇", parallel: "⇉", map: "↻", workflow: "⧉" };

function badges(step) {
  const items = [];
  if (step.retry) items.push(h("span", { class: "badge" }, `retry ×${step.retry.max_attempts ?? "?"}${step.retry.interval_seconds ? ` every ${step.retry.interval_seconds}s` : ""}${step.retry.backoff_rate ? ` (×${step.retry.backoff_rate})` : ""}`));
  if (step.timeout_seconds) items.push(h("span", { class: "badge" }, `timeout ${step.timeout_seconds}s`));
  if (step.continue_on_error) items.push(h("span", { class: "badge" }, "continues on error"));
  return items;
}

function configSummary(step) {
  const config = step.config || {};
  const blocks = {
    choice: () => `${(config.branches || []).length} branch(es)${config.otherwise ? " and otherwise" : ""}: the first whose condition holds runs`,
    parallel: () => `${(config.branches || []).length} branches at once`,
    map: () => `each item of ${config.items}, at most ${config.max_concurrency ?? 10} at once`,
  };
  if (blocks[step.type]) return blocks[step.type]();
  if (step.type === "workflow") {
    const id = String(config.workflow_id ?? "");
    return ["runs workflow ", h("a", { href: `#/workflows/${id}`, class: "child-workflow", dataset: { workflowId: id } }, id.slice(0, 8)),
      config.input === null || config.input === undefined ? " with this run's input" : ` with input ${JSON.stringify(config.input)}`];
  }
  if (step.type === "approval") return `asks a person: “${config.message ?? ""}” (waits up to ${formatDuration((config.timeout_seconds ?? 86400) * 1000)})`;
  return { transform: config.expression, http: `${config.method || "GET"} ${config.url || ""}`, ai: config.prompt, wait: `${config.seconds}s` }[step.type] ?? JSON.stringify(config);
}

function stateNote(state) {
  if (!state) return null;
  const parts = [];
  if (state.iterations !== null) parts.push(`${state.iterations} item(s)${state.failed ? `, ${state.failed} failed` : ""}`);
  if (state.attempts > (state.iterations ?? 1)) parts.push(`${state.attempts} attempts`);
  return [" ", statusBadge(state.state), parts.length ? h("span", { class: "muted small" }, ` ${parts.join(" · ")}`) : null];
}

function lane(list, states, options) {
  const label = h("p", { class: `lane-label lane-${list.kind}` }, list.label);
  const body = list.steps.length
    ? stepList(list.steps, states, `Steps of ${list.kind === "when" ? list.key : list.label}`, false, options)
    : h("p", { class: "muted small lane-empty" }, "does nothing");
  return h("div", { class: `flow-lane lane-kind-${list.kind}`, role: "group", "aria-label": `${list.kind === "lane" ? "Branch " : ""}${list.label}` }, label, body);
}

function stepName(step, index, topLevel, options) {
  const text = topLevel ? `${index + 1}. ${step.name}` : step.name;
  if (!options.onOpen) return h("strong", {}, text);
  return h("button", { type: "button", class: "step-open", "aria-haspopup": "dialog", "aria-label": `${text}: details`, dataset: { open: step.name }, onclick: () => options.onOpen(step) }, text);
}

function stepItem(step, index, states, topLevel, options) {
  const state = states?.get(step.name);
  const lanes = childLists(step);
  return h("li", { class: `flow-step flow-${step.type}${lanes.length ? " flow-block" : ""}${state ? ` state-${state.state}` : ""}`, dataset: { step: step.name, type: step.type, ...(state ? { state: state.state } : {}) } },
    h("div", { class: "step-head" },
      h("span", { class: "step-icon", "aria-hidden": "true" }, step.type === "approval" ? personIcon() : STEP_ICONS[step.type] || "•"),
      h("div", { class: "step-body" },
        h("div", {}, stepName(step, index, topLevel, options), " ", h("span", { class: "muted" }, step.type), " ", badges(step), stateNote(state)),
        h("code", { class: "step-config" }, configSummary(step)),
        options.note ? options.note(step, state) : null)),
    lanes.length ? h("div", { class: `flow-lanes lanes-${step.type}` }, lanes.map((list) => lane(list, states, options))) : null);
}

function stepList(steps, states, label, topLevel = false, options = {}) {
  return h("ol", { class: topLevel ? "flow" : "flow flow-nested", "aria-label": label }, steps.map((step, index) => stepItem(step, index, states, topLevel, options)));
}

// `states`: optional Map step name -> {state, attempts, iterations, failed} of one execution. `options`:
// onOpen(step) makes each step's name a button; note(step, state) adds a line under a step.
export function stepFlow(steps, states = null, options = {}) {
  return stepList(steps || [], states, "Steps, in order", true, options);
}

// Each child workflow link under `root` (a workflow step's "runs workflow …") says the child's name once known
// (`workflows`: [{id, name}]); an id not among them keeps its short form.
export function nameChildWorkflows(root, workflows) {
  const names = new Map(workflows.map((workflow) => [workflow.id, workflow.name]));
  for (const link of root.querySelectorAll("a.child-workflow")) {
    const name = names.get(link.dataset.workflowId);
    if (name) link.textContent = name;
  }
}
