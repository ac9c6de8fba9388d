// Small DOM helpers: every piece of data reaches the page as text (never as HTML).

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function render(target, ...children) {
  target.replaceChildren();
  append(target, children);
}

const STATUS_ICON = { pending: "○", running: "◔", completed: "✓", failed: "✕", cancelled: "⊘", timed_out: "◷",
  succeeded: "✓", not_run: "–", reused: "↺", waiting: "‖" };

export function statusBadge(status) {
  return h("span", { class: `status status-${status}`, dataset: { status } },
    h("span", { "aria-hidden": "true" }, STATUS_ICON[status] || "•"), " ", status.replace("_", " "));
}

export function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { hour12: false });
}

export function durationMs(start, end) {
  if (!start) return null;
  const stop = end ? new Date(end) : new Date();
  return Math.max(0, stop - new Date(start));
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function shortId(id) {
  return id ? id.slice(0, 8) : "";
}

// A JSON value as a collapsible tree (details/summary: keyboard usable without any script).
export function jsonView(value, label = "JSON", open = true) {
  return h("details", { class: "json", open },
    h("summary", {}, label),
    h("pre", { class: "json-body", tabindex: "0" }, value === undefined ? "null" : JSON.stringify(value, null, 2)));
}

export function emptyState(title, ...hint) {
  return h("div", { class: "empty" }, h("p", { class: "empty-title" }, title), h("p", {}, ...hint));
}

let keepFlash = false;

// A message for the user; `keep` lets it survive the navigation that follows (e.g. "Deleted ...").
export function flash(message, kind = "error", keep = false) {
  keepFlash = keep;
  const region = document.getElementById("flash");
  render(region, message ? h("div", { class: `flash flash-${kind}` }, message,
    h("button", { type: "button", class: "link", "aria-label": "Dismiss message", onclick: () => flash("") }, "×")) : "");
}

// Called on navigation: clears the message unless it was meant to survive this one navigation.
export function clearFlash() {
  if (keepFlash) keepFlash = false;
  else flash("");
}

export function announce(message) {
  document.getElementById("live-region").textContent = message;
}

// A labelled control: <label for> + control, with an optional hint.
let counter = 0;
export function field(labelText, control, hint) {
  const id = control.id || `f${++counter}`;
  control.id = id;
  const hintNode = hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintNode) control.setAttribute("aria-describedby", hintNode.id);
  return h("div", { class: "field" }, h("label", { for: id }, labelText), control, hintNode);
}

export function select(options, value, attrs = {}) {
  return h("select", attrs, options.map(([optionValue, text]) =>
    h("option", { value: optionValue, selected: optionValue === value }, text)));
}

// A modal dialog (native <dialog>: focus trapped, Escape closes). Resolves with the submitted value or null.
export function dialog(title, body, { confirmText = "OK", danger = false, onConfirm } = {}) {
  return new Promise((resolve) => {
    const error = h("p", { class: "field-error", role: "alert" });
    const form = h("form", { method: "dialog", class: "dialog-form" },
      h("h2", {}, title), body, error,
      h("div", { class: "actions" },
        h("button", { type: "button", value: "cancel", onclick: () => { modal.close(); } }, "Cancel"),
        h("button", { type: "submit", class: danger ? "danger" : "primary", value: "ok" }, confirmText)));
    const modal = h("dialog", { "aria-label": title }, form);
    let result = null;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        result = onConfirm ? await onConfirm() : true;
        modal.close();
      } catch (failure) {
        error.textContent = failure.message;
      }
    });
    modal.addEventListener("close", () => { modal.remove(); resolve(result); });
    document.body.append(modal);
    modal.showModal();
  });
}
