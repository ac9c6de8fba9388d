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

// The top-level steps of one run, one line each, by the CLI's rules (cli/wfe/progress.py step_lines: `wfe status`
// and `wfe run --follow` print these): a step's attempts decide it (its last attempt's error: failed, or running
// while the run goes on with attempts left and nothing after it); a block without a log of its own is done by
// its inner steps' logs; a wait step, which writes none, is done once a later step started or the run completed;
// the first step not done of an active run is the running one, the rest pending; in an ended run, not run.
// Each line: {name, type, state (succeeded|failed|running|pending|not_run), attempts, error, reused, durationMs}.
export function runLines(steps, logs, status) {
  const parents = parentsOf(steps);
  for (const log of logs) if (!parents.has(log.step_name)) parents.set(log.step_name, log.parent_step || null);
  const topOf = (log) => {
    let name = log.step_name;
    let parent = log.parent_step || parents.get(name) || null;
    for (let depth = 0; parent && depth <= 8; depth += 1) [name, parent] = [parent, parents.get(parent) || null];
    return name;
  };
  const ordered = [...logs].sort((a, b) => String(a.timestamp ?? "").localeCompare(String(b.timestamp ?? "")) || (a.attempt ?? 1) - (b.attempt ?? 1));
  const attemptsOf = new Map();
  const innerOf = new Map();
  for (const log of ordered) {
    const top = topOf(log);
    const into = top !== log.step_name ? innerOf : attemptsOf;
    if (!into.has(top)) into.set(top, []);
    into.get(top).push(log);
  }
  const active = !TERMINAL.has(status);
  const list = steps || [];
  const startedAfter = list.map((_, index) => list.slice(index + 1).some((later) => attemptsOf.has(later.name) || innerOf.has(later.name)));
  let runningSeen = false;
  return list.map((step, index) => {
    const attempts = attemptsOf.get(step.name) || [];
    const maxAttempts = Number(step.retry?.max_attempts ?? 1);
    const line = { name: step.name, type: step.type, state: "pending", attempts: attempts.length, error: null, reused: false, durationMs: null };
    const done = startedAfter[index] || status === "completed";
    if (attempts.length) {
      const last = attempts[attempts.length - 1];
      line.durationMs = attempts.reduce((sum, attempt) => sum + (attempt.duration_ms || 0), 0);
      line.error = last.error_message || null;
      line.reused = Boolean(last.reused);
      if (!line.error) line.state = "succeeded";
      else if (active && !runningSeen && !startedAfter[index] && attempts.length < maxAttempts) line.state = "running";
      else line.state = "failed";
    } else if (innerOf.has(step.name)) {
      line.state = done ? "succeeded" : active ? "running" : "failed";
      if (line.state === "failed") line.error = innerOf.get(step.name).filter((log) => log.error_message).map((log) => log.error_message).pop() ?? null;
    } else if (step.type === "wait" && done) {
      line.state = "succeeded";
      line.durationMs = Number(step.config?.seconds ?? 0) * 1000;
    } else if (active && !runningSeen) {
      line.state = "running";
    } else if (!active) {
      line.state = "not_run";
    }
    runningSeen = runningSeen || line.state === "running" || (line.state === "failed" && !step.continue_on_error);
    return line;
  });
}

// The page's state of a top-level line: the CLI's, where a succeeded step whose result a resumed run took from
// the run it retries is "reused" (the CLI prints "reused" after it) and a running wait step, or an approval step
// waiting for a person (`waiting`: their names), is "waiting" (the CLI prints its waiting notice).
export function pageState(line, waiting = new Set()) {
  if (line.state === "succeeded" && line.reused) return "reused";
  if (line.state === "running" && (line.type === "wait" || waiting.has(line.name))) return "waiting";
  return line.state;
}

// step name -> {state, attempts, iterations, failed} for one execution. The top level follows the CLI's rules
// (runLines, pageState); inside a block, a step with attempts takes their outcome, a block the worst of its
// inner steps; a step without any (a wait, a branch not taken) has succeeded when a later step of its list ran,
// else it is pending (the run goes on) or not_run (it ended, or its block is done: the branch was not taken).
// `waiting`: the names of the approval steps waiting for a person now.
export function stepStates(steps, logs, execution, waiting = new Set()) {
  const byStep = new Map();
  for (const log of logs) {
    if (!byStep.has(log.step_name)) byStep.set(log.step_name, []);
    byStep.get(log.step_name).push(log);
  }
  const running = !TERMINAL.has(execution?.status);
  const states = new Map();
  const visit = (list, blockDone) => {
    const own = list.map((step) => {
      const attempts = byStep.get(step.name);
      const inner = childLists(step).map((lane) => visit(lane.steps, blockDone || Boolean(attempts)));
      if (attempts) return outcome(attempts);
      const ran = inner.flat().filter((state) => state.state !== "pending" && state.state !== "not_run");
      if (!ran.length) return null;
      return { state: ran.some((state) => state.state === "failed") ? "failed" : "succeeded", attempts: 0, iterations: null, failed: 0 };
    });
    const lastRan = own.findLastIndex((state) => state !== null);
    const result = own.map((state, index) => {
      if (state) return state;
      const passed = index < lastRan;
      return { state: passed ? "succeeded" : running && !blockDone ? "pending" : "not_run", attempts: 0, iterations: null, failed: 0 };
    });
    list.forEach((step, index) => states.set(step.name, result[index]));
    return result;
  };
  const lines = runLines(steps || [], logs, execution?.status);
  (steps || []).forEach((step, index) => {
    const line = lines[index];
    const done = line.state === "succeeded" || line.state === "failed" || line.state === "not_run";
    for (const lane of childLists(step)) visit(lane.steps, done);
  });
  (steps || []).forEach((step, index) => {
    const line = lines[index];
    const attempts = byStep.get(step.name);
    const counted = attempts ? outcome(attempts) : null;
    states.set(step.name, {
      state: pageState(line, waiting),
      attempts: counted?.attempts ?? 0,
      iterations: counted?.iterations ?? null,
      failed: counted?.failed ?? 0,
    });
  });
  return states;
}

// The map iterations of a map step from its inner steps' logs: [{iteration, state, attempts}] in index order; an
// iteration failed when the last attempt of any of its steps failed.
export function mapIterations(step, logs) {
  const inner = new Set([...walkSteps(childLists(step).flatMap((lane) => lane.steps))].map(({ step: member }) => member.name));
  const byIteration = new Map();
  for (const log of logs) {
    if (!inner.has(log.step_name) || log.iteration === null || log.iteration === undefined) continue;
    if (!byIteration.has(log.iteration)) byIteration.set(log.iteration, []);
    byIteration.get(log.iteration).push(log);
  }
  return [...byIteration.entries()].sort(([a], [b]) => a - b).map(([iteration, attempts]) => {
    const byName = new Map();
    for (const log of attempts) {
      const seen = byName.get(log.step_name);
      if (!seen || (log.attempt ?? 0) >= (seen.attempt ?? 0)) byName.set(log.step_name, log);
    }
    const finals = [...byName.values()];
    const state = finals.some((log) => log.error_message) ? "failed" : finals.every((log) => log.reused) ? "reused" : "succeeded";
    return { iteration, state, attempts: attempts.length };
  });
}

// How long a top-level wait step waited, as far as the logs tell: from the end of the last attempt before it
// (or the run's start) to the first attempt after it; null when no later step has started.
export function waitedMs(steps, logs, execution, name) {
  const lines = steps || [];
  const at = lines.findIndex((step) => step.name === name);
  if (at < 0) return null;
  const parents = parentsOf(steps);
  const topIndex = new Map(lines.map((step, index) => [step.name, index]));
  const indexOf = (log) => {
    let current = log.step_name;
    for (let depth = 0; depth <= 8 && parents.get(current); depth += 1) current = parents.get(current);
    return topIndex.get(current) ?? -1;
  };
  const time = (iso) => new Date(iso).getTime();
  const before = logs.filter((log) => indexOf(log) >= 0 && indexOf(log) < at && !log.reused).map((log) => time(log.timestamp) + (log.duration_ms || 0));
  const after = logs.filter((log) => indexOf(log) > at).map((log) => time(log.timestamp));
  if (!after.length) return null;
  const start = before.length ? Math.max(...before) : execution?.started_at ? time(execution.started_at) : null;
  if (start === null) return null;
  return Math.max(0, Math.min(...after) - start);
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
