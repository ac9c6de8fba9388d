// Inbound webhook triggers of a workflow (README "Inbound webhooks"): listed on the workflow's page with their URL
// and a copy button; Add shows the new secret once, in a dialog, with a signed curl recipe; Delete asks first.
// Also each run's trigger for the executions list: its type, linked to the run it names (retry, workflow step).
import { api } from "../api.js";
import { dialog, emptyState, flash, formatTime, h, render, shortId } from "../ui.js";

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    flash(`${what} copied.`, "info");
  } catch {
    flash(`Copy failed: select the ${what.toLowerCase()} and copy it yourself.`);
  }
}

function copyButton(text, what, label) {
  return h("button", { type: "button", "aria-label": label || `Copy ${what.toLowerCase()}`, onclick: () => copy(text, what) }, "Copy");
}

function recipe(trigger, secret) {
  return [
    `SECRET='${secret}'`,
    "BODY='{\"hello\": \"world\"}'",
    "TS=$(date +%s)",
    "SIG=$(printf '%s.%s' \"$TS\" \"$BODY\" | openssl dgst -sha256 -hmac \"$SECRET\" | sed 's/^.* //')",
    `curl -sS -X POST '${trigger.url}' -H 'Content-Type: application/json' \\`,
    "  -H \"X-Timestamp: $TS\" -H \"X-Signature-256: sha256=$SIG\" -H \"X-Delivery-Id: $(uuidgen)\" --data-binary \"$BODY\"",
  ].join("\n");
}

async function secretDialog(trigger) {
  const body = h("div", { class: "trigger-secret" },
    h("p", {}, "Keep this secret now: it is shown only this once. Sign each call with it (HMAC-SHA256 of “<X-Timestamp>.<body>”)."),
    h("p", {}, h("strong", {}, "URL "), h("code", { class: "mono" }, trigger.url), " ", copyButton(trigger.url, "URL", "Copy the new trigger's URL")),
    h("p", {}, h("strong", {}, "Secret "), h("code", { class: "mono", "data-secret": "" }, trigger.secret), " ", copyButton(trigger.secret, "Secret")),
    h("p", { class: "muted small" }, "From a shell:"),
    h("pre", { class: "mono small" }, recipe(trigger, trigger.secret)));
  await dialog("New trigger: its secret", body, { confirmText: "I have kept it" });
}

async function removeDialog(workflowId, trigger, onDone) {
  const done = await dialog("Delete this trigger?",
    h("p", {}, `Calls to ${trigger.url} will be refused (404) from now on.`),
    { confirmText: "Delete", danger: true, onConfirm: () => api(`/workflows/${workflowId}/triggers/${trigger.id}`, { method: "DELETE" }) });
  if (done) { flash("Trigger deleted.", "info"); await onDone(); }
}

// The workflow page's "Triggers" section: mounted with one line (views/workflows.js).
export function triggersSection(workflow) {
  const list = h("div", { class: "triggers", "aria-busy": "true" });
  const refresh = async () => {
    const { data } = await api(`/workflows/${workflow.id}/triggers`);
    render(list, data.length === 0
      ? emptyState("No triggers yet.", "Add one to start this workflow from another system with a signed POST.")
      : h("table", { class: "table" },
        h("caption", { class: "visually-hidden" }, "Inbound webhook triggers"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "URL"), h("th", { scope: "col" }, "Created"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
        h("tbody", {}, data.map((trigger) => h("tr", { dataset: { id: trigger.id } },
          h("td", {}, h("code", { class: "mono" }, trigger.url)),
          h("td", {}, formatTime(trigger.created_at)),
          h("td", { class: "actions" },
            copyButton(trigger.url, "URL", `Copy URL of trigger ${shortId(trigger.id)}`),
            h("button", { type: "button", class: "danger", "aria-label": `Delete trigger ${shortId(trigger.id)}`, onclick: () => removeDialog(workflow.id, trigger, refresh) }, "Delete")))))));
    list.removeAttribute("aria-busy");
    list.dataset.ready = "triggers";
  };
  const add = async () => {
    try {
      const { data } = await api(`/workflows/${workflow.id}/triggers`, { method: "POST" });
      await refresh();
      await secretDialog(data);
    } catch (error) {
      flash(error.message);
    }
  };
  refresh().catch((error) => render(list, h("p", { class: "field-error" }, `Triggers could not be loaded: ${error.message}`)));
  return h("section", { "aria-labelledby": "triggers-title" },
    h("div", { class: "page-head" }, h("h2", { id: "triggers-title" }, "Triggers"),
      h("button", { type: "button", onclick: add }, "Add trigger")),
    h("p", { class: "muted" }, "Other systems start this workflow by POSTing signed JSON to a trigger's URL (no sign-in): the body becomes the run's input."),
    list);
}

// What started a run, for the executions list: its type; a retry or a child's run links to the run it names.
export function triggerCell(execution) {
  const trigger = execution.trigger || { type: "api" };
  if ((trigger.type === "retry" || trigger.type === "workflow") && trigger.id) {
    const label = trigger.type === "retry" ? `retry of ${shortId(trigger.id)}` : `child of ${shortId(trigger.id)}`;
    return h("a", { href: `#/executions/${trigger.id}`, class: "trigger" }, label);
  }
  return h("span", { class: "trigger", title: trigger.id ? `${trigger.type} ${trigger.id}` : trigger.type }, trigger.type);
}
