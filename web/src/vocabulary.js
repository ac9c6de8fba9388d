// The step types and execution statuses, read once at start-up from /openapi.json (generated from the engine's
// step registry and lifecycle, deployed with the app): the app keeps no copy of them. The bindings below are
// live ES module exports, filled by loadVocabulary() before the first screen renders.

export let STATUSES = []; // every execution status, in the lifecycle's order
export let TERMINAL = new Set(); // the statuses a run never leaves
export let RETRYABLE = new Set(); // the terminal statuses a run may be retried from
export let STEP_TYPES = []; // every step type, in the registry's order
export let LOGGED_STEP_TYPES = []; // the step types that write a log item per attempt (not the native ones)
export let NATIVE_STEP_TYPES = []; // the step types the state machine runs itself: they write no log item

let loaded = null;

export async function loadVocabulary() {
  if (loaded) return loaded;
  const response = await fetch("openapi.json", { cache: "no-cache" });
  if (!response.ok) throw new Error(`openapi.json could not be loaded (${response.status})`);
  loaded = vocabularyOf(await response.json());
  ({ statuses: STATUSES, terminal: TERMINAL, retryable: RETRYABLE } = loaded);
  ({ stepTypes: STEP_TYPES, loggedStepTypes: LOGGED_STEP_TYPES, nativeStepTypes: NATIVE_STEP_TYPES } = loaded);
  return loaded;
}

// The lists of one OpenAPI document: the ExecutionStatus enum and its x-terminal-statuses and
// x-retryable-statuses, the discriminator of
// the workflow step union (in its oneOf order) and each step schema's x-step-kind.
export function vocabularyOf(document) {
  const schemas = document.components.schemas;
  const status = schemas.ExecutionStatus;
  const union = schemas.WorkflowDefinition.properties.steps.items;
  const typeOf = Object.fromEntries(Object.entries(union.discriminator.mapping).map(([type, ref]) => [ref, type]));
  const steps = union.oneOf.map(({ $ref }) => ({ type: typeOf[$ref], kind: schemas[$ref.split("/").pop()]["x-step-kind"] }));
  return {
    statuses: [...status.enum],
    terminal: new Set(status["x-terminal-statuses"]),
    retryable: new Set(status["x-retryable-statuses"]),
    stepTypes: steps.map(({ type }) => type),
    loggedStepTypes: steps.filter(({ kind }) => kind !== "native").map(({ type }) => type),
    nativeStepTypes: steps.filter(({ kind }) => kind === "native").map(({ type }) => type),
  };
}
