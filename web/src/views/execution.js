// One execution: header, actions (enabled only when the API would accept them), the run's error (said once: the
// graph, the timeline and the logs point at it), input/output, the run graph (run-graph.js: the flow with each
// step in its state, a step's detail panel on click), a Gantt timeline of step attempts from the logs (grouped by
// block), and the logs table with the API's filters; all live.
import { api } from "../api.js";
import { allWorkflows } from "../workflow-list.js";
import { pollWhileOffline, subscribe } from "../live.js";
import { announce, dialog, durationMs, emptyState, field, flash, formatDuration, formatTime, h, jsonView, render, select, shortId, statusBadge } from "../ui.js";
import { LOGGED_STEP_TYPES, RETRYABLE, TERMINAL } from "../vocabulary.js";
import { runGraph } from "../run-graph.js";
import { nameChildWorkflows } from "../flow.js";
import { blockNames, placeText, runLines, stepStates, walkSteps } from "../step-tree.js";
import { mergeLogs, silentSteps, timeline } from "../timeline.js";
import { approvalPanels, awaitingBadge, waitingFor, waitingKey } from "../approvals.js";

export { timeline };


function resultCell(log, runError) {
  if (log.error_message && log.error_message === runError) return h("span", { class: "error-text" }, "✕ failed: the run's error (above)");
  if (log.error_message) return h("span", { class: "error-text" }, `✕ ${log.error_message}`);
  return log.reused ? "↺ reused" : "✓ ok";
}

function logsTable(logs, filtered, runError = null) {
  if (!logs.length) {
    return filtered ? emptyState("No log matches.", "Clear the filters to see every attempt.")
      : emptyState("No step logs yet.", `Each attempt of a ${LOGGED_STEP_TYPES.join(", ")} step writes one${silentSteps()}.`);
  }
  return h("table", { class: "table logs" },
    h("caption", { class: "visually-hidden" }, "Step logs, oldest first"),
    h("thead", {}, h("tr", {}, ["Time", "Step", "Type", "Attempt", "Duration", "Result", "Input", "Output"].map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, logs.map((log) => h("tr", {},
      h("td", {}, formatTime(log.timestamp)),
      h("td", {}, log.step_name, log.parent_step ? h("div", { class: "muted small place" }, placeText(log)) : null),
      h("td", {}, log.step_type),
      h("td", {}, String(log.attempt ?? "")),
      h("td", {}, formatDuration(log.duration_ms)),
      h("td", {}, resultCell(log, runError)),
      h("td", {}, jsonView(log.input_data, "input", false)),
      h("td", {}, jsonView(log.output_data, "output", false))))));
}

// The step the run failed in: the last whose attempt failed with the run's error, else (a block, a timeout) the
// last top-level step in the failed state, as `wfe status` names it.
function failedStepOf(steps, logs, execution) {
  if (!execution.error_message) return null;
  const own = logs.filter((log) => log.error_message === execution.error_message).pop();
  if (own) return own.step_name;
  return runLines(steps || [], logs, execution.status).filter((line) => line.state === "failed").pop()?.name ?? null;
}

export async function executionView(main, { params: [id] }) {
  let execution = (await api(`/workflows/executions/${id}`)).data;
  const allLogs = () => api(`/workflows/executions/${id}/logs`, { params: { limit: 1000 } });
  const [workflowAnswer, logsAnswer] = await Promise.allSettled([api(`/workflows/${execution.workflow_id}`), allLogs()]);
  const workflow = workflowAnswer.status === "fulfilled" ? workflowAnswer.value.data : null; // deleted: the run stays readable
  if (logsAnswer.status === "rejected") throw logsAnswer.reason;
  let logs = logsAnswer.value.data;
  // A run whose workflow steps ran (their log items) has child runs: listed by parent, linked from the summary.
  let children = [];
  const loadChildren = async () => {
    if (!logs.some((log) => log.step_type === "workflow")) return;
    children = (await api("/workflows/executions", { params: { parent_execution_id: id, limit: 100 } })).data;
  };
  await loadChildren();
  const logFilters = { step_type: "", step_name: "", parent_step: "", has_error: "", q: "" };

  const header = h("section", { class: "card", "aria-label": "Summary" });
  const actions = h("div", { class: "actions" });
  const errorBox = h("div"); // the run's error, once
  let errorShown = null; // what errorBox shows (its key): redrawn only when that changes
  const io = h("section", { "aria-label": "Input and output" });
  const approvalsBox = h("div"); // a panel per approval step waiting for a decision
  let approvalsShown = null; // the waits drawn: redrawn only when they change (a comment being typed is kept)
  let childWorkflows = null; // the caller's workflows, read once, to name a workflow step's child in the graph
  const flowBox = h("section", { "aria-labelledby": "flow-title", hidden: true, class: "run-graph" }); // shown when the workflow is readable
  const gantt = h("section", { "aria-labelledby": "timeline-title" });
  const logsBox = h("div");

  const act = async (label, path, body) => {
    try {
      const { data } = await api(path, { method: "POST", body });
      if (data.execution_id && data.execution_id !== id) {
        flash(`${label}: this is the new run (the original is unchanged).`, "info", true);
        location.hash = `#/executions/${data.execution_id}`;
        return;
      }
      execution = { ...execution, ...data, id };
      flash(`${label}: done.`, "info");
      paint();
    } catch (error) {
      flash(`${label}: ${error.message}`);
    }
  };
  const confirmCancel = async () => {
    if (await dialog("Cancel this execution?", h("p", {}, "Running steps are stopped; the run ends as cancelled."), { confirmText: "Cancel execution", danger: true })) {
      act("Cancel", `/workflows/executions/${id}/cancel`);
    }
  };

  function paint() {
    const duration = durationMs(execution.started_at, execution.completed_at);
    const version = execution.workflow_version ?? null;
    render(header,
      h("dl", { class: "facts" },
        h("dt", {}, "Status"), h("dd", { id: "execution-status" }, statusBadge(execution.status), " ", awaitingBadge(execution)),
        h("dt", {}, "Workflow"), h("dd", {}, h("a", { href: `#/workflows/${execution.workflow_id}` }, workflow?.name || shortId(execution.workflow_id)),
          version !== null ? ` · version ${version}` : ""),
        h("dt", {}, "Started"), h("dd", {}, formatTime(execution.started_at)),
        h("dt", {}, "Ended"), h("dd", {}, formatTime(execution.completed_at)),
        h("dt", {}, "Duration"), h("dd", {}, formatDuration(duration), TERMINAL.has(execution.status) ? "" : " so far"),
        execution.retry_of ? [h("dt", {}, "Retry of"), h("dd", {}, h("a", { href: `#/executions/${execution.retry_of}`, class: "mono" }, shortId(execution.retry_of)))] : null,
        execution.parent_execution_id ? [h("dt", {}, "Parent run"), h("dd", {}, h("a", { href: `#/executions/${execution.parent_execution_id}`, class: "mono", id: "parent-run" }, shortId(execution.parent_execution_id)))] : null,
        children.length ? [h("dt", {}, "Child runs"), h("dd", { id: "child-runs" }, children.map((child) => h("span", {}, h("a", { href: `#/executions/${child.id}`, class: "mono" }, shortId(child.id)), " ", statusBadge(child.status), " ")))] : null));
    const shown = logs.filter((log) => !log.filtered);
    const failedStep = failedStepOf(workflow?.steps, shown, execution);
    // Redrawn only when it changes: a live redraw must not take the focus away from it ("see the error" moves it there).
    const errorKey = JSON.stringify([execution.error_message ?? null, failedStep ?? null, Boolean(workflow)]);
    if (errorKey !== errorShown) {
      errorShown = errorKey;
      render(errorBox, execution.error_message ? h("section", { id: "run-error", class: "run-error", tabindex: "-1", "aria-labelledby": "run-error-title" },
        h("h2", { id: "run-error-title" }, "Error"),
        h("p", { class: "error-text" }, execution.error_message),
        failedStep ? h("p", { class: "small" }, "In step ", h("strong", {}, failedStep), workflow ? " (marked in the run graph below)" : "", ".") : null) : null);
    }
    const running = !TERMINAL.has(execution.status);
    const retryable = RETRYABLE.has(execution.status);
    render(actions,
      h("button", { type: "button", class: "danger", disabled: !running, onclick: confirmCancel }, "Cancel"),
      h("button", { type: "button", disabled: !retryable, onclick: () => act("Retry", `/workflows/executions/${id}/retry`, { mode: "restart" }) }, "Retry (restart)"),
      h("button", { type: "button", disabled: !retryable, onclick: () => act("Resume", `/workflows/executions/${id}/retry`, { mode: "resume" }) }, "Resume from the failed step"),
      h("a", { class: "button", href: `#/executions?workflow_id=${execution.workflow_id}` }, "Other runs"));
    if (waitingKey(execution) !== approvalsShown) {
      approvalsShown = waitingKey(execution);
      render(approvalsBox, approvalPanels(execution, {
        onResult: (data) => { execution = { ...execution, ...data, id }; paint(); },
        onStale: () => { refresh().catch((error) => flash(error.message)); },
      }));
    }
    const noOutput = execution.error_message && (execution.output_data === null || execution.output_data === undefined);
    render(io, h("div", { class: "two-col" }, jsonView(execution.input_data, "Input"),
      noOutput ? h("div", { class: "json" }, h("p", { class: "json-none" }, h("strong", {}, "Output"), h("span", { class: "muted" }, " — none: the run failed (its error is above)."))) : jsonView(execution.output_data, "Output")));
    if (workflow) {
      flowBox.hidden = false;
      const other = version !== null && version !== workflow.version;
      const waiting = new Set(waitingFor(execution).map((wait) => wait.step_name));
      const states = stepStates(workflow.steps, shown, execution, waiting);
      const focused = flowBox.contains(document.activeElement) ? document.activeElement.dataset.open : undefined; // kept across a live redraw
      render(flowBox, h("h2", { id: "flow-title" }, "Flow of this run"),
        h("p", { class: "muted small" }, "Each step in its state; open a step for its attempts, input and output."),
        other ? h("p", { class: "muted small" }, `Drawn from the workflow's current version (${workflow.version}); this run used version ${version}.`) : null,
        runGraph({ steps: workflow.steps, logs: shown, execution, states, failedStep }));
      if (focused !== undefined) flowBox.querySelector(`[data-open="${CSS.escape(focused)}"]`)?.focus();
      if (flowBox.querySelector("a.child-workflow")) {
        childWorkflows ??= allWorkflows().catch(() => []);
        childWorkflows.then((list) => nameChildWorkflows(flowBox, list));
      }
    }
    render(gantt, h("h2", { id: "timeline-title" }, "Timeline"), timeline(shown, execution, workflow?.steps));
  }

  async function loadLogs() {
    const { data } = await api(`/workflows/executions/${id}/logs`, { params: { limit: 1000, ...logFilters } });
    render(logsBox, logsTable(data, Object.values(logFilters).some(Boolean), execution.error_message));
  }

  const stepType = select([["", "Any type"], ...LOGGED_STEP_TYPES.map((type) => [type, type])], "", { name: "step_type" });
  const stepName = h("input", { name: "step_name", list: "step-names" });
  const hasError = select([["", "Any result"], ["true", "Failed attempts"], ["false", "Successful attempts"]], "", { name: "has_error" });
  const search = h("input", { type: "search", name: "q", maxlength: 200 });
  const names = h("datalist", { id: "step-names" }, [...walkSteps(workflow?.steps || [])].map(({ step }) => h("option", { value: step.name })));
  // The block filter (`parent_step`): offered when the workflow has blocks; "in <block>" steps only.
  const blocks = blockNames(workflow?.steps);
  const parentStep = select([["", "Any block"], ...blocks.map((name) => [name, name])], "", { name: "parent_step" });
  const filterForm = h("form", { class: "filters", "aria-label": "Log filters" },
    field("Step type", stepType), field("Step name", stepName), names, blocks.length ? field("In block", parentStep) : null,
    field("Result", hasError), field("Search", search), h("button", { type: "submit" }, "Filter"));
  filterForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    Object.assign(logFilters, { step_type: stepType.value, step_name: stepName.value, parent_step: parentStep.value, has_error: hasError.value, q: search.value });
    try { await loadLogs(); } catch (error) { flash(error.message); }
  });

  render(main,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/executions" }, "Executions"), " / ", shortId(id)),
    h("div", { class: "page-head" }, h("h1", {}, "Execution ", h("span", { class: "mono" }, shortId(id))), actions),
    header, errorBox, approvalsBox, io, flowBox, gantt,
    h("section", { "aria-labelledby": "logs-title" }, h("h2", { id: "logs-title" }, "Logs"), filterForm, logsBox));

  paint();
  render(logsBox, logsTable(logs, false, execution.error_message));

  const refresh = async () => {
    const before = execution.status;
    execution = (await api(`/workflows/executions/${id}`)).data;
    logs = mergeLogs(logs, (await allLogs()).data); // a log pushed meanwhile is kept
    await loadChildren();
    paint();
    if (before !== execution.status) { announce(`Execution is ${execution.status}`); await loadLogs(); }
  };
  const stopLive = subscribe({ execution_id: id }, (message) => {
    if (message.type === "subscribed" && message.execution_id === id) {
      // Changes between the first read and the subscription were not pushed: read once more, then only listen.
      refresh().catch(() => {}).finally(() => { document.getElementById("main").dataset.live = "synced"; });
    } else if (message.type === "execution" && message.execution.id === id) {
      const changed = message.execution.status !== execution.status;
      execution = { ...execution, ...message.execution };
      paint();
      if (changed) { announce(`Execution is ${execution.status}`); loadLogs().catch(() => {}); }
    } else if (message.type === "approval" && message.execution_id === id) {
      refresh().catch(() => {}); // a step starts waiting: its panel needs the status object's waiting_for
    } else if (message.type === "log" && message.execution_id === id) {
      logs = mergeLogs(logs, [message.log]); // it may be one the page has read already
      paint();
      loadLogs().catch(() => {});
    }
  });
  const stopPoll = pollWhileOffline(async () => {
    if (TERMINAL.has(execution.status) || !header.isConnected) return;
    try { await refresh(); } catch { /* next tick */ }
  }, 500);
  return () => { stopLive(); stopPoll(); };
}
