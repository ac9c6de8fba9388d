// The detail panel of one step of a run (opened from the run graph): its state, its attempts, and the input and
// output of the attempt chosen (the last by default) side by side, each pretty-printed with a copy button.
// A native modal <dialog>: focus stays in it, Esc (or Close) closes it and focus returns to the step's button.
// An attempt that failed with the run's own error says so and points at the page's one error block.
import { announce, field, formatDuration, formatTime, h, statusBadge } from "./ui.js";

function copyText(text, what, status) {
  const said = (message) => { status.textContent = message; announce(message); };
  const fallback = () => {
    const area = h("textarea", { class: "visually-hidden", "aria-hidden": "true", tabindex: "-1" });
    area.value = text;
    status.after(area);
    area.select();
    const ok = document.execCommand?.("copy");
    area.remove();
    said(ok ? `Copied the ${what}.` : `The ${what} could not be copied: select its text instead.`);
  };
  if (navigator.clipboard?.writeText) navigator.clipboard.writeText(text).then(() => said(`Copied the ${what}.`), fallback);
  else fallback();
}

function jsonBox(label, value, status) {
  const text = value === undefined ? "null" : JSON.stringify(value, null, 2);
  const id = `panel-${label.toLowerCase()}`;
  return h("div", { class: "panel-json" },
    h("div", { class: "panel-json-head" },
      h("h3", { id }, label),
      h("button", { type: "button", class: "copy", onclick: () => copyText(text, label.toLowerCase(), status) }, `Copy ${label.toLowerCase()}`)),
    h("pre", { class: "json-body", tabindex: "0", "aria-labelledby": id }, text));
}

function resultText(log, runError) {
  if (log.error_message && log.error_message === runError) return h("span", { class: "error-text" }, "✕ failed: the run's error (above)");
  if (log.error_message) return h("span", { class: "error-text" }, `✕ ${log.error_message}`);
  return log.reused ? "↺ reused from the original run" : "✓ ok";
}

// `attempts`: the step's logs (oldest first); `state`: its run-graph state; `about`: lines saying what the graph
// knows of it without a log (a wait's time, a map's iterations, "did not run").
export function openStepPanel(step, { state, attempts, about = [], runError = null, opener = null }) {
  const status = h("p", { class: "muted small copy-status", role: "status" });
  const io = h("div", { class: "two-col panel-io" });
  const showAttempt = (log) => {
    io.replaceChildren(jsonBox("Input", log.input_data, status), jsonBox("Output", log.output_data, status));
  };
  let chooser = null;
  if (attempts.length > 1) {
    const picker = h("select", { onchange: () => showAttempt(attempts[Number(picker.value)]) },
      attempts.map((log, index) => h("option", { value: String(index), selected: index === attempts.length - 1 },
        `attempt ${log.attempt ?? index + 1}${log.iteration !== null && log.iteration !== undefined ? ` · item #${log.iteration}` : ""}`)));
    chooser = field("Input and output of", picker);
  }
  const inMap = attempts.some((log) => log.iteration !== null && log.iteration !== undefined);
  const table = attempts.length ? h("table", { class: "table attempts" },
    h("caption", {}, `Attempts (${attempts.length})`),
    h("thead", {}, h("tr", {}, ["Attempt", inMap ? "Item" : null, "Started", "Duration", "Result"].filter(Boolean).map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, attempts.map((log) => h("tr", { dataset: { attempt: String(log.attempt ?? "") } },
      h("td", {}, String(log.attempt ?? "")),
      inMap ? h("td", {}, log.iteration === null || log.iteration === undefined ? "—" : `#${log.iteration}`) : null,
      h("td", {}, formatTime(log.timestamp)),
      h("td", {}, formatDuration(log.duration_ms)),
      h("td", {}, resultText(log, runError)))))) : null;
  const closeButton = h("button", { type: "button", class: "panel-close", onclick: () => panel.close() }, "Close");
  const panel = h("dialog", { class: "step-panel", "aria-labelledby": "step-panel-title", dataset: { step: step.name } },
    h("div", { class: "panel-head" },
      h("h2", { id: "step-panel-title" }, `Step ${step.name}`),
      closeButton),
    h("p", {}, statusBadge(state), " ", h("span", { class: "muted" }, step.type)),
    about.map((line) => h("p", { class: "panel-about" }, line)),
    table, chooser, attempts.length ? io : null, status);
  if (attempts.length) showAttempt(attempts[attempts.length - 1]);
  panel.addEventListener("close", () => { panel.remove(); if (opener?.isConnected) opener.focus(); });
  document.body.append(panel);
  panel.showModal();
  closeButton.focus();
  return panel;
}
