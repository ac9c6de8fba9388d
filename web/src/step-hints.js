// Hints beside the workflow editor, read from the API's OpenAPI document (/openapi.json, generated from the engine's
// step models: the app keeps no copy of them): every step type's config fields (type, required, default,
// description, limits) with a short example, and the fields of the step under the cursor. No DOM state but the
// panels this module returns.
import { h } from "./ui.js";

const COMMON = ["name", "timeout_seconds", "retry", "continue_on_error"];
const STEP_LIST = "list of steps";

let loaded = null;

export function loadStepReference() {
  loaded ??= fetch("openapi.json", { cache: "no-cache" })
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`openapi.json: ${response.status}`))))
    .then(stepReference);
  return loaded;
}

// {types: [{type, kind, description, fields, common, example}], byType: Map} from an OpenAPI document.
export function stepReference(document) {
  const schemas = document.components.schemas;
  const resolve = (schema) => (schema?.$ref ? schemas[schema.$ref.split("/").pop()] : schema);
  const union = schemas.WorkflowDefinition.properties.steps.items;
  const types = Object.entries(union.discriminator.mapping).map(([type, ref]) => {
    const step = resolve({ $ref: ref });
    const config = resolve(step.properties.config);
    return {
      type,
      kind: step["x-step-kind"] || "",
      description: config.description || step.description || "",
      fields: fieldsOf(config, resolve),
      common: fieldsOf(step, resolve).filter((field) => COMMON.includes(field.name)),
      example: { name: `My ${type}`, type, config: exampleOf(config, resolve, 0) },
    };
  });
  const order = union.oneOf.map(({ $ref }) => $ref);
  types.sort((a, b) => order.indexOf(union.discriminator.mapping[a.type]) - order.indexOf(union.discriminator.mapping[b.type]));
  return { types, byType: new Map(types.map((entry) => [entry.type, entry])) };
}

function isStepList(schema) {
  return schema?.type === "array" && Boolean(schema.items?.discriminator);
}

export function fieldsOf(schema, resolve) {
  const required = new Set(schema.required || []);
  return Object.entries(schema.properties || {}).map(([name, property]) => ({
    name,
    type: typeText(property, resolve),
    required: required.has(name),
    default: property.default,
    description: property.description || "",
    limits: limitsText(property),
  }));
}

// The type of a schema as people read it: "string", "integer", "list of steps", "RetryPolicy", "GET | POST"...
export function typeText(schema, resolve) {
  if (!schema) return "any";
  if (schema.$ref) return schema.$ref.split("/").pop().replace(/-(Input|Output)$/, "");
  if (isStepList(schema)) return STEP_LIST;
  if (schema.enum) return schema.enum.join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const options = schema.anyOf || schema.oneOf;
  if (options) {
    const shown = options.filter((option) => option.type !== "null").map((option) => typeText(option, resolve));
    return [...new Set(shown)].join(" or ") || "null";
  }
  if (schema.type === "array") return `list of ${typeText(schema.items, resolve)}`;
  if (schema.type === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object") {
    return `map of ${typeText(schema.additionalProperties, resolve)}`;
  }
  return schema.type || "any";
}

function limitsText(schema) {
  const plain = (schema.anyOf || []).find((option) => option.type !== "null") || schema;
  const parts = [];
  if (plain.minimum !== undefined && plain.maximum !== undefined) parts.push(`${plain.minimum}–${plain.maximum}`);
  else if (plain.minimum !== undefined) parts.push(`≥ ${plain.minimum}`);
  else if (plain.maximum !== undefined) parts.push(`≤ ${plain.maximum}`);
  if (plain.maxLength !== undefined) parts.push(`at most ${plain.maxLength} characters`);
  if (plain.minItems !== undefined || plain.maxItems !== undefined) parts.push(`${plain.minItems ?? 0}–${plain.maxItems ?? "∞"} items`);
  return parts.join(", ");
}

// A small value the schema accepts: its required fields, each with its default, a fitting placeholder, or a
// generated value (a step list holds one transform step).
export function exampleOf(schema, resolve, depth) {
  const resolved = resolve(schema);
  if (!resolved || depth > 4) return null;
  if (resolved.default !== undefined) return resolved.default;
  if (resolved.enum) return resolved.enum[0];
  if (resolved.const !== undefined) return resolved.const;
  if (isStepList(resolved)) return [{ name: "Inner step", type: "transform", config: { expression: "input" } }];
  const options = resolved.oneOf || resolved.anyOf;
  if (options) return exampleOf(options.find((option) => option.type !== "null"), resolve, depth + 1);
  if (resolved.type === "object" || resolved.properties) {
    const value = {};
    for (const name of resolved.required || []) value[name] = placeholder(name, resolved.properties[name], resolve, depth);
    return value;
  }
  if (resolved.type === "array") {
    return Array.from({ length: resolved.minItems || 1 }, (_, index) => {
      const item = exampleOf(resolved.items, resolve, depth + 1);
      return item && typeof item === "object" && "name" in item ? { ...item, name: `${item.name} ${index + 1}` } : item;
    });
  }
  return scalar(resolved);
}

function placeholder(name, schema, resolve, depth) {
  const plain = (schema?.anyOf || []).find((option) => option.type !== "null") || schema;
  if (plain?.type === "string" && !plain.enum) {
    if (plain.pattern?.includes("[0-9a-fA-F]{8}")) return "<a workflow id>";
    if (/expression|items|path/.test(name)) return "input";
    if (name === "url") return "https://example.com/api";
    if (name === "name") return "Branch";
    return "Hello {{ input.name }}";
  }
  return exampleOf(schema, resolve, depth + 1);
}

function scalar(schema) {
  if (schema.type === "integer" || schema.type === "number") return schema.minimum ?? 1;
  if (schema.type === "boolean") return false;
  if (schema.type === "string") return "...";
  return null;
}

// YAML for plain data, as a person would write it (strings quoted only when YAML would read them otherwise).
export function toYaml(value, indent = "") {
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    return value.map((item) => `${indent}- ${toYaml(item, `${indent}  `).trimStart()}`).join("\n");
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (!entries.length) return "{}";
    return entries.map(([key, item]) => {
      const nested = item && typeof item === "object" && Object.keys(item).length;
      return nested ? `${indent}${key}:\n${toYaml(item, `${indent}  `)}` : `${indent}${key}: ${toYaml(item, indent)}`;
    }).join("\n");
  }
  if (typeof value === "string") {
    const plain = /^[A-Za-z_][\w .,/()-]*$/.test(value) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(value) && !/[:#]/.test(value);
    return plain ? value : JSON.stringify(value);
  }
  return JSON.stringify(value ?? null);
}

function fieldRows(fields, step) {
  return fields.map((field) => {
    const missing = step && field.required && !(field.name in (step.config || {}));
    return h("tr", { class: missing ? "missing" : null },
      h("th", { scope: "row" }, h("code", {}, field.name), field.required ? h("span", { class: "required" }, " required") : null,
        missing ? h("span", { class: "field-error" }, " (missing)") : null),
      h("td", {}, field.type, field.limits ? h("div", { class: "muted small" }, field.limits) : null),
      h("td", {}, field.default !== undefined ? h("code", {}, JSON.stringify(field.default)) : "—",
        field.description ? h("div", { class: "muted small" }, field.description) : null));
  });
}

function fieldTable(caption, fields, step = null) {
  return h("table", { class: "table hint-table" },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Type"), h("th", { scope: "col" }, "Default"))),
    h("tbody", {}, fieldRows(fields, step)));
}

// The panel for the step under the cursor: its type's config fields (a required one it lacks is marked), or a
// prompt to move the cursor into a step.
export function currentStepHint(reference, { step, type }) {
  const entry = type ? reference.byType.get(type) : null;
  if (!entry) {
    const said = type ? `“${type}” is not a step type. Types: ${reference.types.map((t) => t.type).join(", ")}.` : "Put the cursor in a step to see its fields.";
    return [h("h2", { class: "hint-title" }, "This step"), h("p", { class: "muted small" }, said)];
  }
  return [
    h("h2", { class: "hint-title" }, "This step: ", step?.name ? `“${step.name}” ` : "", h("code", {}, entry.type)),
    entry.description ? h("p", { class: "muted small" }, entry.description) : null,
    fieldTable(`The config fields of a ${entry.type} step`, entry.fields, step),
    h("p", { class: "muted small" }, `Every step also takes ${entry.common.map((field) => field.name).join(", ")}.`),
  ];
}

// Every step type, one disclosure each: its fields and an example in YAML.
export function referencePanel(reference) {
  return h("section", { class: "step-reference", "aria-labelledby": "step-reference-title" },
    h("h2", { id: "step-reference-title", class: "hint-title" }, "Step types"),
    reference.types.map((entry) => h("details", { dataset: { type: entry.type } },
      h("summary", {}, h("code", {}, entry.type), entry.kind === "native" ? h("span", { class: "muted small" }, " (run by the state machine)") : null),
      entry.description ? h("p", { class: "muted small" }, entry.description) : null,
      fieldTable(`The config fields of a ${entry.type} step`, entry.fields),
      h("p", { class: "muted small" }, "Example:"),
      h("pre", { class: "json-body" }, toYaml([entry.example])))));
}
