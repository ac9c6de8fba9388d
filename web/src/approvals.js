// Approval steps (DESIGN "People and other workflows"): a run waits for a person while its status object's
// `waiting_for` lists [{step_name, message, since}] (its status stays running). The execution list marks such
// runs "Awaiting approval"; the execution page shows one panel per waiting step, with a comment field and
// Approve / Reject (reject asks first), posting to /workflows/executions/{id}/approvals/{step_name}.
import { api } from "./api.js";
import { announce, dialog, field, flash, formatTime, h } from "./ui.js";
import { TERMINAL } from "./vocabulary.js";

// The steps a run waits on now (none once it has ended, whatever an older object said).
export function waitingFor(execution) {
  if (!execution || TERMINAL.has(execution.status)) return [];
  return Array.isArray(execution.waiting_for) ? execution.waiting_for : [];
}

// A key that changes when the set of waits changes (a step decided, another one waiting, a wait begun again).
export function waitingKey(execution) {
  return waitingFor(execution).map((wait) => `${wait.step_name}@${wait.since ?? ""}`).join("|");
}

// The execution list's indicator: null unless the run waits.
export function awaitingBadge(execution) {
  const waits = waitingFor(execution);
  if (!waits.length) return null;
  const steps = waits.map((wait) => wait.step_name).join(", ");
  return h("span", { class: "status status-waiting awaiting", title: `Waiting for a decision on: ${steps}`, dataset: { awaiting: steps } },
    h("span", { class: "awaiting-icon", "aria-hidden": "true" }, personIcon()), " Awaiting approval");
}

// One panel per waiting step. `onResult(execution)` gets the status object after a decision; `onStale()` is
// called when the step was no longer waiting (409), so the page reads the run again.
export function approvalPanels(execution, { onResult, onStale }) {
  const waits = waitingFor(execution);
  if (!waits.length) return null;
  return h("section", { class: "approvals", "aria-labelledby": "approvals-title" },
    h("h2", { id: "approvals-title" }, "Awaiting approval"),
    waits.map((wait) => panel(execution.id, wait, { onResult, onStale })));
}

function panel(executionId, wait, { onResult, onStale }) {
  const titleId = `approval-${slug(wait.step_name)}`;
  const comment = h("textarea", { name: "comment", rows: 2, maxlength: 2000, placeholder: "Optional: why (kept with the decision)" });
  const result = h("p", { class: "approval-result", role: "status" });
  const buttons = [];
  const decide = async (decision) => {
    buttons.forEach((button) => { button.disabled = true; });
    const body = { decision, ...(comment.value.trim() ? { comment: comment.value.trim() } : {}) };
    try {
      const { data } = await api(`/workflows/executions/${executionId}/approvals/${encodeURIComponent(wait.step_name)}`, { method: "POST", body });
      const done = `${decision === "approve" ? "Approved" : "Rejected"} “${wait.step_name}”: the run goes on.`;
      result.textContent = done;
      flash(done, "info");
      announce(done);
      onResult(data);
    } catch (error) {
      buttons.forEach((button) => { button.disabled = false; });
      if (error.status === 409) {
        const stale = `“${wait.step_name}” is no longer waiting for a decision (someone decided, it timed out, or the run ended). The page now shows the run as it is.`;
        result.textContent = stale;
        flash(stale);
        onStale();
      } else {
        result.textContent = error.message;
        flash(`${decision === "approve" ? "Approve" : "Reject"}: ${error.message}`);
      }
    }
  };
  const confirmReject = async () => {
    const question = h("p", {}, `The step “${wait.step_name}” fails with ApprovalRejected; the run then fails, unless the step retries or continues on error.`);
    if (await dialog(`Reject “${wait.step_name}”?`, question, { confirmText: "Reject", danger: true })) decide("reject");
  };
  buttons.push(
    h("button", { type: "button", class: "primary", onclick: () => decide("approve") }, "Approve"),
    h("button", { type: "button", class: "danger", onclick: confirmReject }, "Reject"));
  return h("article", { class: "card approval", "aria-labelledby": titleId, dataset: { step: wait.step_name } },
    h("h3", { id: titleId }, h("span", { class: "person-icon", "aria-hidden": "true" }, personIcon()), " ", wait.step_name),
    h("p", { class: "approval-message" }, wait.message),
    h("p", { class: "muted small" }, "Waiting since ", h("time", { datetime: wait.since }, formatTime(wait.since))),
    field("Comment", comment),
    h("div", { class: "actions" }, buttons),
    result);
}

function slug(text) {
  return String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "step";
}

// A person (head and shoulders), drawn inline: the flow view's icon of an approval step.
export function personIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("focusable", "false");
  const head = document.createElementNS(ns, "circle");
  Object.entries({ cx: 8, cy: 5, r: 3 }).forEach(([name, value]) => head.setAttribute(name, value));
  const body = document.createElementNS(ns, "path");
  body.setAttribute("d", "M2 15c0-3.3 2.7-5.5 6-5.5s6 2.2 6 5.5z");
  for (const shape of [head, body]) { shape.setAttribute("fill", "currentColor"); svg.append(shape); }
  return svg;
}
