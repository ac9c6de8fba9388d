// Secrets: the caller's secret names and when each was last set; set, replace and delete (with a confirmation).
// A value is typed into a password field and sent once; no screen ever shows one (the API never returns them).
import { api } from "../api.js";
import { dialog, emptyState, field, flash, formatTime, h, render } from "../ui.js";

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_CHARS = 65536;

function valueField() {
  const input = h("input", { type: "password", autocomplete: "off", spellcheck: "false", required: true, maxlength: MAX_CHARS });
  return { input, element: field("Value", input, "Never shown again, here or anywhere; steps read it at run time.") };
}

async function setDialog(name, onDone) {
  const nameInput = h("input", { type: "text", value: name || "", required: true, maxlength: 64, pattern: "[A-Za-z0-9_-]{1,64}",
    autocomplete: "off", spellcheck: "false", readonly: Boolean(name) });
  const value = valueField();
  const body = h("div", {},
    field("Name", nameInput, "1 to 64 of A–Z a–z 0–9 _ - · use it in a step as {{ secrets.NAME }}"),
    value.element);
  const saved = await dialog(name ? `Replace “${name}”` : "New secret", body, {
    confirmText: name ? "Replace" : "Save",
    onConfirm: async () => {
      const chosen = nameInput.value.trim();
      if (!NAME.test(chosen)) throw new Error("The name must be 1 to 64 of A–Z a–z 0–9 _ -");
      if (!value.input.value) throw new Error("Type a value");
      await api(`/secrets/${chosen}`, { method: "PUT", body: { value: value.input.value } });
      value.input.value = "";
      return chosen;
    },
  });
  if (saved) { flash(`Secret “${saved}” saved.`, "info"); await onDone(); }
}

async function removeDialog(name, onDone) {
  const done = await dialog(`Delete “${name}”?`,
    h("p", {}, `Steps that use {{ secrets.${name} }} will fail with SecretNotFound until it is set again.`),
    { confirmText: "Delete", danger: true, onConfirm: () => api(`/secrets/${name}`, { method: "DELETE" }) });
  if (done) { flash(`Secret “${name}” deleted.`, "info"); await onDone(); }
}

export async function secretsView(main) {
  const refresh = async () => {
    const { data } = await api("/secrets");
    render(main,
      h("div", { class: "page-head" }, h("h1", {}, "Secrets"),
        h("button", { type: "button", class: "primary", onclick: () => setDialog(null, refresh) }, "New secret")),
      h("p", { class: "muted" }, "Credentials your http and ai steps use as {{ secrets.NAME }}. Values are stored encrypted in AWS Secrets Manager and never displayed; in logs and outputs they read ***."),
      data.length === 0
        ? emptyState("No secrets yet.", "Add one with New secret, then reference it in a step as {{ secrets.NAME }}.")
        : h("table", { class: "table" },
          h("caption", { class: "visually-hidden" }, "Your secrets"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Use as"), h("th", { scope: "col" }, "Updated"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
          h("tbody", {}, data.map((secret) => h("tr", {},
            h("td", {}, h("strong", {}, secret.name)),
            h("td", {}, h("code", {}, `{{ secrets.${secret.name} }}`)),
            h("td", {}, formatTime(secret.updated_at)),
            h("td", { class: "actions" },
              h("button", { type: "button", "aria-label": `Replace ${secret.name}`, onclick: () => setDialog(secret.name, refresh) }, "Replace"),
              h("button", { type: "button", class: "danger", "aria-label": `Delete ${secret.name}`, onclick: () => removeDialog(secret.name, refresh) }, "Delete")))))));
    main.dataset.ready = "/secrets";
  };
  await refresh();
}
