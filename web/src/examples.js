// "Start from an example" in the workflow editor: the repository's examples/ files as they are written, served as
// /examples.json (the local stack, and the CDK web construct on AWS: infra/examples.py). A workflow step in them
// names its child `workflow_id: "@<name>"`, wfe's shorthand: before saving, the editor replaces it by the id of the
// caller's workflow of that name, as `wfe workflows create` does (cli/wfe/references.py).
import { allWorkflows } from "./workflow-list.js";
import { walkSteps } from "./step-tree.js";

const PREFIX = "@";

export async function loadExamples() {
  const response = await fetch("examples.json", { cache: "no-cache" });
  if (!response.ok) throw new Error(`examples.json: HTTP ${response.status}`);
  return response.json();
}

// The `@name`s a definition's workflow steps use (nested steps included), in order.
export function childNames(definition) {
  const names = [];
  for (const { step } of walkSteps(definition?.steps)) {
    const target = step.type === "workflow" ? step.config?.workflow_id : null;
    if (typeof target === "string" && target.startsWith(PREFIX)) names.push(target.slice(PREFIX.length));
  }
  return names;
}

// A copy of `definition` with every `@name` replaced by the id of the one workflow of that name in `workflows`
// ([{id, name}]); an Error that says which name is missing or ambiguous. The definition itself when it has none.
export function withChildIds(definition, workflows) {
  if (!childNames(definition).length) return definition;
  const copy = structuredClone(definition);
  for (const { step } of walkSteps(copy.steps)) {
    const target = step.type === "workflow" ? step.config?.workflow_id : null;
    if (typeof target !== "string" || !target.startsWith(PREFIX)) continue;
    const name = target.slice(PREFIX.length);
    const matches = workflows.filter((workflow) => workflow.name === name);
    if (matches.length !== 1) {
      throw new Error(matches.length
        ? `Step “${step.name}” runs “${name}”, and ${matches.length} of your workflows have that name: put the id of the one you mean.`
        : `Step “${step.name}” runs “${name}”, and you have no workflow of that name: create it first (or put its id).`);
    }
    step.config.workflow_id = matches[0].id;
  }
  return copy;
}

// The caller's workflows, as withChildIds needs them (only when the definition names a child).
export async function resolveChildNames(definition) {
  if (!childNames(definition).length) return definition;
  return withChildIds(definition, await allWorkflows());
}
