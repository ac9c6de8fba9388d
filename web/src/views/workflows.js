// Workflows: list, detail (steps as a flow view, blocks drawn as lanes: flow.js), create/edit (a YAML or JSON editor
// read by the API as `wfe` reads a file, with the API's 422 at the line, the fields of the step under the cursor, a
// step-type reference and a panel to try an expression), delete with a confirmation, and Run with an input editor.
import { api } from "../api.js";
import { allWorkflows } from "../workflow-list.js";
import { JsonEditor, layout } from "../json-editor.js";
import { DefinitionEditor } from "../definition-editor.js";
import { ExpressionPanel, sampleData } from "../expression-panel.js";
import { loadExamples, resolveChildNames } from "../examples.js";
import { currentStepHint, loadStepReference, referencePanel } from "../step-hints.js";
import { dialog, emptyState, field, flash, formatTime, h, render } from "../ui.js";
import { STEP_TYPES } from "../vocabulary.js";
import { nameChildWorkflows, stepFlow } from "../flow.js";
import { walkSteps } from "../step-tree.js";
import { schedulesSection } from "./schedules.js";
import { triggersSection } from "./triggers.js";

export { stepFlow };

// A new workflow starts from this text: YAML, as `wfe init` writes it (JSON is read as well).
const EXAMPLE = `# YAML or JSON, read as wfe reads a workflow file. Steps run in order.
name: Greeting
description: Builds a greeting, waits a second and asks the model
input_example:        # what the Run dialog starts from
  message: hello
steps:
  - name: Build greeting
    type: transform   # a JMESPath expression over {input, steps}
    config:
      expression: "{text: input.message}"
  - name: Pause
    type: wait
    config:
      seconds: 1
  - name: Ask the model
    type: ai
    config:
      prompt: 'Reply to: {{ steps."Build greeting".output.text }}'
    retry: {max_attempts: 3, interval_seconds: 2, backoff_rate: 2}
    timeout_seconds: 60
`;
const EXAMPLE_INPUT = { message: "hello" };

export async function workflowsView(main) {
  const workflows = (await allWorkflows()).sort((a, b) => (b.updated_at || "").localeCompare(a.updated_at || ""));
  render(main,
    h("div", { class: "page-head" }, h("h1", {}, "Workflows"), h("a", { class: "button primary", href: "#/workflows/new" }, "New workflow")),
    workflows.length === 0
      ? emptyState("No workflows yet.", "Create one with ", h("a", { href: "#/workflows/new" }, "New workflow"), ": it starts from an example you can edit.")
      : h("table", { class: "table" },
        h("caption", { class: "visually-hidden" }, "Your workflows"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Steps"), h("th", { scope: "col" }, "Version"), h("th", { scope: "col" }, "Updated"), h("th", { scope: "col" }, "Runs"))),
        h("tbody", {}, workflows.map((workflow) => h("tr", {},
          h("td", {}, h("a", { href: `#/workflows/${workflow.id}` }, workflow.name), workflow.description ? h("div", { class: "muted small" }, workflow.description) : null),
          h("td", {}, [...walkSteps(workflow.steps)].length),
          h("td", {}, `v${workflow.version}`),
          h("td", {}, formatTime(workflow.updated_at)),
          h("td", {}, h("a", { href: `#/executions?workflow_id=${workflow.id}` }, "Executions")))))));
}

// What the Run dialog starts from: the workflow's input_example, else its last run's input, else {}.
export async function startingInput(workflow) {
  if (workflow.input_example) return workflow.input_example;
  try {
    const { data } = await api("/workflows/executions", { params: { workflow_id: workflow.id, limit: 1 } });
    const last = data?.[0]?.input_data;
    if (last && typeof last === "object" && !Array.isArray(last)) return last;
  } catch {
    // best effort: the dialog still opens, at {}
  }
  return {};
}

export async function runDialog(workflow) {
  const editor = new JsonEditor({ label: "Input data (JSON object)", value: await startingInput(workflow) });
  const execution = await dialog(`Run “${workflow.name}”`, editor.element, {
    confirmText: "Run",
    onConfirm: async () => {
      const input = editor.parse();
      if (input === undefined) throw new Error("The input is not valid JSON");
      try {
        const { data } = await api(`/workflows/${workflow.id}/execute`, { method: "POST", body: { input_data: input } });
        return data;
      } catch (error) {
        editor.showErrors(error.detail, ["body", "input_data"]);
        throw error;
      }
    },
  });
  if (execution) location.hash = `#/executions/${execution.execution_id}`;
}

export async function workflowView(main, { params: [id] }) {
  const { data: workflow } = await api(`/workflows/${id}`);
  const remove = async () => {
    const done = await dialog("Delete this workflow?", h("p", {}, `“${workflow.name}” and its state machine will be deleted. Its past executions stay readable.`),
      { confirmText: "Delete", danger: true, onConfirm: () => api(`/workflows/${id}`, { method: "DELETE" }) });
    if (done) { flash(`Deleted “${workflow.name}”.`, "info", true); location.hash = "#/workflows"; }
  };
  render(main,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/workflows" }, "Workflows"), " / ", workflow.name),
    h("div", { class: "page-head" },
      h("h1", {}, workflow.name, " ", h("span", { class: "badge" }, `v${workflow.version}`)),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", onclick: () => runDialog(workflow) }, "Run"),
        h("a", { class: "button", href: `#/workflows/${id}/edit` }, "Edit"),
        h("a", { class: "button", href: `#/executions?workflow_id=${id}` }, "Executions"),
        h("a", { class: "button", href: `#/metrics?workflow_id=${id}` }, "Metrics"),
        h("button", { type: "button", class: "danger", onclick: remove }, "Delete"))),
    workflow.description ? h("p", {}, workflow.description) : null,
    h("p", { class: "muted small" }, `Created ${formatTime(workflow.created_at)} · updated ${formatTime(workflow.updated_at)} · id ${workflow.id}`),
    h("h2", {}, "Steps"),
    flowWithChildNames(workflow.steps),
    schedulesSection(id),
    triggersSection(workflow));
}

// The flow view, whose workflow steps name their child (best effort: a short id while or if the list is not read).
function flowWithChildNames(steps) {
  const flow = stepFlow(steps);
  if (flow.querySelector("a.child-workflow")) {
    allWorkflows().then((workflows) => nameChildWorkflows(flow, workflows)).catch(() => {});
  }
  return flow;
}

export async function workflowEditView(main, { params: [id] }) {
  const existing = id ? (await api(`/workflows/${id}`)).data : null;
  const text = existing
    ? layout({ name: existing.name, description: existing.description ?? undefined, ...(existing.input_example ? { input_example: existing.input_example } : {}),
      steps: existing.steps, ...(existing.notify ? { notify: existing.notify } : {}) }).text
    : EXAMPLE;
  const editor = new DefinitionEditor({ label: "Workflow definition (JSON) or YAML", text, rows: 24 });
  const button = h("button", { type: "submit", class: "primary" }, existing ? "Save" : "Create");
  const status = h("p", { class: "field-error", role: "alert" });
  const form = h("form", { class: "editor-form" }, editor.element, status,
    h("div", { class: "actions" }, button, h("a", { class: "button", href: existing ? `#/workflows/${id}` : "#/workflows" }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "";
    button.disabled = true;
    const definition = await editor.read();
    if (definition === undefined) {
      status.textContent = "Fix the text first: see the message next to the editor.";
      button.disabled = false;
      return;
    }
    try {
      const body = await resolveChildNames(definition);
      const { data } = await api(existing ? `/workflows/${id}` : "/workflows", { method: existing ? "PUT" : "POST", body });
      if (data.notify_secret) flash(`Webhook secret (shown once, keep it): ${data.notify_secret}`, "info", true);
      location.hash = `#/workflows/${data.id}`;
    } catch (error) {
      if (error.status) editor.showErrors(error.detail, ["body"]);
      status.textContent = error.status === 422 ? "The API refused the definition: see the messages next to the fields." : error.message;
      button.disabled = false;
    }
  });
  const secrets = h("p", { class: "muted small secret-suggestions" });
  suggestSecrets(secrets, editor);
  const trial = new ExpressionPanel({ data: sampleData(existing ? existing.input_example : EXAMPLE_INPUT) });
  const hint = h("section", { class: "step-hint", "aria-live": "polite", "aria-label": "The step under the cursor" });
  const aside = h("aside", { class: "editor-aside", "aria-label": "Hints" }, hint, trial.element);
  render(main,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/workflows" }, "Workflows"), " / ", existing ? existing.name : "New"),
    h("h1", {}, existing ? `Edit “${existing.name}”` : "New workflow"),
    existing ? null : examplePicker(editor, trial),
    h("p", { class: "muted" }, `Write YAML or JSON: the API reads it as wfe reads a workflow file, and saves the JSON it spells. Steps run in order. Types: ${STEP_TYPES.join(", ")} (a transform is a JMESPath expression). Each may set retry, timeout_seconds and continue_on_error. Blocks hold steps: a choice has config.branches [{when, steps}] and otherwise, a parallel config.branches [{name, steps}], a map config.items, steps and max_concurrency; they nest. An approval (config.message, timeout_seconds) waits for a person to approve or reject it on the execution's page. input_example (a JSON object) is what the Run dialog starts from. Beside the editor: the fields of the step under the cursor, an expression to try, every step type.`),
    secrets,
    h("div", { class: "editor-layout" }, form, aside));
  showHints(editor, hint, aside, trial);
}

// "Start from": the short Greeting, or one of the repository's examples (examples/, one per step type and block),
// put in the editor as written; the expression panel's sample data becomes the example's input_example. Text the
// person changed is replaced only once they confirm. Best effort: without /examples.json the picker hides.
function examplePicker(editor, trial) {
  const select = h("select", { id: "start-from" }, h("option", { value: "" }, "Greeting: a short workflow to edit"));
  const picker = h("div", { class: "field start-from" }, h("label", { for: "start-from" }, "Start from"), select);
  const texts = new Map([["", EXAMPLE]]);
  let chosen = "";
  loadExamples().then((examples) => {
    for (const example of examples) {
      texts.set(example.file, example.text);
      select.append(h("option", { value: example.file }, example.description ? `${example.name}: ${example.description}` : example.name));
    }
  }).catch(() => { picker.hidden = true; });
  select.addEventListener("change", async () => {
    const changedByHand = editor.textarea.value !== texts.get(chosen);
    if (changedByHand && !await dialog("Replace your text?", h("p", {}, "The editor holds changes of yours: the example replaces them."), { confirmText: "Replace" })) {
      select.value = chosen;
      return;
    }
    chosen = select.value;
    editor.textarea.value = texts.get(chosen);
    const definition = await editor.read({ quiet: true });
    trial.data.value = JSON.stringify(sampleData(definition?.input_example), null, 2);
  });
  return picker;
}

// The hint for the step under the cursor (its type's fields; a transform's expression or a map's items can be
// tried), and every step type's reference under the expression panel. Best effort: without openapi.json the
// editor still works.
async function showHints(editor, hint, aside, trial) {
  let reference;
  try { reference = await loadStepReference(); } catch { return; }
  aside.append(referencePanel(reference));
  let shown = null;
  editor.onCursor((cursor) => {
    const key = JSON.stringify([cursor.type, cursor.step]);
    if (key === shown) return;
    shown = key;
    const config = cursor.step?.config;
    const expression = cursor.type === "transform" ? config?.expression : cursor.type === "map" ? config?.items : null;
    hint.replaceChildren(...currentStepHint(reference, cursor).filter(Boolean),
      typeof expression === "string"
        ? h("button", { type: "button", onclick: () => trial.tryExpression(expression) }, cursor.type === "map" ? "Try its items" : "Try its expression")
        : "");
  });
  editor.read({ quiet: true }); // so the hint knows where the steps are before the first edit
}

// The caller's secret names, each a button that types `{{ secrets.NAME }}` at the editor's cursor (an http step's
// url, headers or body, or an ai prompt, reads it at run time). Best effort: without the list the editor still works.
async function suggestSecrets(target, editor) {
  let names = [];
  try { names = (await api("/secrets")).data.map((secret) => secret.name); } catch { return; }
  if (!names.length) {
    target.replaceChildren("No secrets yet: set one under ", h("a", { href: "#/secrets" }, "Secrets"),
      " and use it in an http step's url, headers or body, or an ai prompt, as {{ secrets.NAME }}.");
    return;
  }
  target.replaceChildren("Your secrets (click to insert at the cursor, in an http step's url, headers or body, or an ai prompt): ",
    ...names.flatMap((name, index) => [index ? " " : "",
      h("button", { type: "button", class: "link code", onclick: () => editor.insertAtCursor(`{{ secrets.${name} }}`) }, `{{ secrets.${name} }}`)]));
}
