// Pure functions over a workflow's tree of steps (blocks nest: see DESIGN "Control flow") and its logs:
// the step lists a block holds, the text of a choice condition, which block encloses a step, and the state of
// every step of one execution. No DOM here: the flow view (flow.js) and the timeline (timeline.js) draw them.

import { TERMINAL } from "./vocabulary.js";

export const BLOCK_TYPES = new Set(["choice", "parallel", "map"]);

const OPS = { eq: "=", ne: "≠", gt: ">", ge: "≥", lt: "<", le: "≤" };

// The text of a condition: `input.total > 100`, `(a and b)`, `not (a)`.
export function conditionText(condition) {
  if (!condition || typeof condition !== "object") return String(condition);
  if (Array.isArray(condition.all)) return `(${condition.all.map(conditionText).join(" and ")})`;
  if (Array.isArray(condition.any)) return `(${condition.any.map(conditionText).join(" or ")})`;
  if (condition.not) return `not ${conditionText(condition.not)}`;
  const { path, op, value } = condition;
  if (op in OPS) return `${path} ${OPS[op]} ${JSON.stringify(value)}`;
  if (op === "exists") return `${path} exists`;
  if (op === "missing") return `${path} is missing`;
  if (op === "true" || op === "false") return `${path} is ${op}`;
  if (op === "matches") return `${path} matches ${JSON.stringify(value)}`;
  return JSON.stringify(condition);
}

// The step lists a step holds, each with the label the flow view shows above it: a choice's branches (the
// condition) and `otherwise`, a parallel's named branches, a map's one list. A plain step holds none.
export function childLists(step) {
  const config = step?.config || {};
  if (step?.type === "choice") {
    const lanes = (config.branches || []).map((branch, index) => ({ kind: "when", key: `branch ${index + 1}`, label: `if ${conditionText(branch.when)}`, steps: branch.steps || [] }));
    lanes.push({ kind: "otherwise", key: "otherwise", label: "otherwise", steps: config.otherwise || [] });
    return lanes;
  }
  if (step?.type === "parallel") return (config.branches || []).map((branch) => ({ kind: "lane", key: branch.name, label: branch.name, steps: branch.steps || [] }));
  if (step?.type === "map") return [{ kind: "each", key: "each item", label: mapLabel(step), steps: config.steps || [] }];
  return [];
}

export function mapLabel(step) {
  return `for each ${step.config?.items ?? "item"} (max ${step.config?.max_concurrency ?? 10} at once)`;
}

// Every step of the tree, depth first, with its enclosing block (null at top level) and depth.
export function* walkSteps(steps, parent = null, depth = 0) {
  for (const step of steps || []) {
    yield { step, parent, depth };
    for (const list of childLists(step)) yield* walkSteps(list.steps, step, depth + 1);
  }
}

// step name -> the name of its enclosing block step (null at top level).
export function parentsOf(steps) {
  const parents = new Map();
  for (const { step, parent } of walkSteps(steps)) parents.set(step.name, parent ? parent.name : null);
  return parents;
}

// The name of the step at a document path (["steps", 1, "config", "branches", 0, "steps", 2, ...]) and the
// rest of the path below that step, or null when the path is not inside a step.
export function stepAtPath(document, path) {
  let node = document;
  let found = null;
  for (let index = 0; index < path.length; index += 1) {
    node = node?.[path[index]];
    if (path[index - 1] === "steps" || path[index - 1] === "otherwise") {
      if (node && typeof node === "object" && typeof node.name === "string") found = { name: node.name, rest: path.slice(index + 1) };
    }
  }
  return found;
}

// The document path of the step named `name` (the last one, for a name used twice), or null.
export function pathOfStep(document, name) {
  let found = null;
  const visit = (steps, path) => (steps || []).forEach((step, index) => {
    const here = [...path, index];
    if (step?.name === name) found = here;
    const config = step?.config || {};
    if (step?.type === "map") visit(config.steps, [...here, "config", "steps"]);
    if (step?.type === "choice" || step?.type === "parallel") (config.branches || []).forEach((branch, at) => visit(branch?.steps, [...here, "config", "branches", at, "steps"]));
    if (step?.type === "choice") visit(config.otherwise, [...here, "config", "otherwise"]);
  });
  visit(document?.steps, ["steps"]);
  return found;
}

// The outcome of one step from its attempts: per iteration (null outside a map) the last attempt counts.
function outcome(attempts) {
  const last = new Map();
  for (const log of attempts) {
    const key = log.iteration ?? null;
    const seen = last.get(key);
    if (!seen || (log.attempt ?? 0) >= (seen.attempt ?? 0)) last.set(key, log);
  }
  const finals = [...last.values()];
  const failed = finals.filter((log) => log.error_message).length;
  const reused = finals.filter((log) => log.reused && !log.error_message).length;
  const state = failed ? "failed" : reused === finals.length ? "reused" : "succeeded";
  const iterations = finals.some((log) => log.iteration !== null && log.iteration !== undefined) ? finals.length : null;
  return { state, attempts: attempts.length, iterations, failed };
}

// step name -> {state, attempts, iterations, failed} for one execution: a step with attempts takes their
// outcome; a block takes the worst of its inner steps; a step without any (a wait, a branch not taken) has
// succeeded when a later step of its list ran, else it is pending (the run goes on) or not_run (it ended).
export function stepStates(steps, logs, execution) {
  const byStep = new Map();
  for (const log of logs) {
    if (!byStep.has(log.step_name)) byStep.set(log.step_name, []);
    byStep.get(log.step_name).push(log);
  }
  const running = !TERMINAL.has(execution?.status);
  const states = new Map();
  const visit = (list, topLevel) => {
    const own = list.map((step) => {
      const inner = childLists(step).map((lane) => visit(lane.steps, false));
      const attempts = byStep.get(step.name);
      if (attempts) return outcome(attempts);
      const ran = inner.flat().filter((state) => state.state !== "pending" && state.state !== "not_run");
      if (!ran.length) return null;
      return { state: ran.some((state) => state.state === "failed") ? "failed" : "succeeded", attempts: 0, iterations: null, failed: 0 };
    });
    const lastRan = own.findLastIndex((state) => state !== null);
    const result = own.map((state, index) => {
      if (state) return state;
      const passed = index < lastRan || (topLevel && execution?.status === "completed");
      return { state: passed ? "succeeded" : running ? "pending" : "not_run", attempts: 0, iterations: null, failed: 0 };
    });
    list.forEach((step, index) => states.set(step.name, result[index]));
    return result;
  };
  visit(steps || [], true);
  return states;
}

// Where a log (or a compare row) ran, as the tables show it under the step's name: "in Each line · item #2",
// "in Route"; null at top level.
export function placeText(log) {
  if (!log?.parent_step) return null;
  const iteration = log.iteration ?? null;
  return `in ${log.parent_step}${iteration === null ? "" : ` · item #${iteration}`}`;
}

// The names of the block steps of a workflow (choice, parallel, map), in the definition's order.
export function blockNames(steps) {
  return [...walkSteps(steps || [])].filter(({ step }) => BLOCK_TYPES.has(step.type)).map(({ step }) => step.name);
}
