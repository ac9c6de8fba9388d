// A JSON editor (textarea + line gutter) that places the API's 422 messages next to the line of the field
// they concern: the text is laid out by one serializer that records the line of every JSON path. Steps nest
// (blocks): a message inside a step names that step (`step “Check” › config.seconds`), and a rule over the
// whole tree (a duplicate name, a path read too early) points at the step its message quotes.
import { h } from "./ui.js";
import { pathOfStep, stepAtPath } from "./step-tree.js";

let counter = 0;

// JSON.stringify(value, null, 2), plus the line (0-based) where each path starts.
export function layout(value) {
  const lines = [];
  const lineOf = new Map();
  const write = (node, path, indent, prefix, suffix) => {
    lineOf.set(JSON.stringify(path), lines.length);
    const pad = "  ".repeat(indent);
    if (Array.isArray(node) && node.length) {
      lines.push(`${pad}${prefix}[`);
      node.forEach((item, index) => write(item, [...path, index], indent + 1, "", index < node.length - 1 ? "," : ""));
      lines.push(`${pad}]${suffix}`);
    } else if (node && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length) {
      const entries = Object.entries(node).filter(([, item]) => item !== undefined);
      lines.push(`${pad}${prefix}{`);
      entries.forEach(([key, item], index) => write(item, [...path, key], indent + 1, `${JSON.stringify(key)}: `, index < entries.length - 1 ? "," : ""));
      lines.push(`${pad}}${suffix}`);
    } else {
      lines.push(`${pad}${prefix}${JSON.stringify(node ?? null)}${suffix}`);
    }
  };
  write(value, [], 0, "", "");
  return { text: lines.join("\n"), lineOf };
}

// The line of the deepest existing path along `loc` (segments the document lacks, such as a union tag, are skipped).
export function lineForLoc(lineOf, loc) {
  let path = [];
  let line = lineOf.get("[]") ?? 0;
  for (const segment of loc) {
    const candidate = [...path, segment];
    const key = JSON.stringify(candidate);
    if (lineOf.has(key)) { path = candidate; line = lineOf.get(key); }
  }
  return { line, path };
}

// The loc of a 422 without the step-union tags pydantic adds after a step's index (steps.1.wait.config ->
// steps.1.config), so that it is a path of the document.
export function documentPath(value, loc) {
  const path = [];
  let node = value;
  for (const segment of loc) {
    if (node && typeof node === "object" && !Array.isArray(node) && typeof node.type === "string" && segment === node.type && !(segment in node)) continue;
    path.push(segment);
    node = node?.[segment];
  }
  return path;
}

// Where a 422 item points: {line, where} (where: `step “name” › field`, or the path when no step is concerned).
export function locate(value, lineOf, loc, message = "") {
  let path = documentPath(value, loc);
  let step = stepAtPath(value, path);
  if (!step && (path.length === 0 || (path.length === 1 && path[0] === "steps"))) {
    for (const [, single, double] of message.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)) {
      const named = pathOfStep(value, single ?? double);
      if (named) { path = named; step = { name: single ?? double, rest: [] }; break; }
    }
  }
  const { line } = lineForLoc(lineOf, path);
  const where = step ? `step “${step.name}”${step.rest.length ? ` › ${step.rest.join(".")}` : ""}` : (path.length ? path.join(".") : "document");
  return { line, where };
}

// The API starts a step's message with `step '<name>': `; when `where` already names that step, say it once.
export function withoutStepName(message, where) {
  const named = /^step '((?:[^'\\]|\\.)*)': /.exec(message);
  return named && where.startsWith(`step “${named[1]}”`) ? message.slice(named[0].length) : message;
}

export class JsonEditor {
  constructor({ label, value, rows = 10 }) {
    const id = `json-${++counter}`;
    this.textarea = h("textarea", { id, class: "code", rows, spellcheck: false, "aria-describedby": `${id}-errors`, wrap: "off" });
    this.gutter = h("div", { class: "gutter", "aria-hidden": "true" });
    this.errors = h("ul", { class: "json-errors", id: `${id}-errors`, "aria-live": "polite" });
    this.textarea.addEventListener("input", () => this.renderGutter(new Map()));
    this.textarea.addEventListener("scroll", () => { this.gutter.scrollTop = this.textarea.scrollTop; });
    this.element = h("div", { class: "field json-editor" },
      h("label", { for: id }, label),
      h("div", { class: "editor-row" }, h("div", { class: "editor-box" }, this.gutter, this.textarea), this.errors));
    this.setValue(value);
  }

  // Types `text` at the cursor (replacing a selection), as a person would, and keeps the cursor after it.
  insertAtCursor(text) {
    const { selectionStart: start, selectionEnd: end, value } = this.textarea;
    this.textarea.value = value.slice(0, start) + text + value.slice(end);
    this.textarea.focus();
    this.textarea.setSelectionRange(start + text.length, start + text.length);
    this.textarea.dispatchEvent(new Event("input"));
  }

  setValue(value) {
    const { text } = layout(value);
    this.textarea.value = text;
    this.renderGutter(new Map());
  }

  // The parsed value, or undefined (with the syntax error shown) when the text is not JSON.
  parse() {
    try {
      const value = JSON.parse(this.textarea.value || "null");
      this.errors.replaceChildren();
      this.renderGutter(new Map());
      return value;
    } catch (error) {
      this.errors.replaceChildren(h("li", { class: "field-error" }, `Not valid JSON: ${error.message}`));
      return undefined;
    }
  }

  renderGutter(marks) {
    const count = this.textarea.value.split("\n").length;
    const numbers = [];
    for (let line = 0; line < count; line += 1) {
      numbers.push(h("div", { class: marks.has(line) ? "gutter-line gutter-error" : "gutter-line" }, marks.has(line) ? `⚠ ${line + 1}` : String(line + 1)));
    }
    this.gutter.replaceChildren(...numbers);
  }

  // Show 422 `detail` items ({loc, msg}) next to their lines; `prefix` is the loc of the edited document.
  showErrors(detail, prefix = ["body"]) {
    this.errors.replaceChildren();
    if (!Array.isArray(detail) || !detail.length) return;
    let value;
    try { value = JSON.parse(this.textarea.value); } catch { return; }
    const { text, lineOf } = layout(value);
    this.textarea.value = text; // laid out again, so every path has a known line
    this.markErrors(value, lineOf, detail, prefix);
  }

  // The messages of `detail`, each at the line `lineOf` (JSON path -> 0-based line of the text) gives its path.
  markErrors(value, lineOf, detail, prefix = ["body"]) {
    this.errors.replaceChildren();
    const marks = new Map();
    for (const item of detail) {
      const loc = (item.loc || []).slice(prefix.filter((part, index) => item.loc?.[index] === part).length);
      const { line, where } = locate(value, lineOf, loc, item.msg || "");
      const said = withoutStepName(item.msg || "", where);
      marks.set(line, said);
      this.errors.append(this.errorItem(line, `Line ${line + 1}, ${where}`, said, { loc: loc.join(".") }));
    }
    this.renderGutter(marks);
    this.textarea.setAttribute("aria-invalid", "true");
  }

  // One message: a button that selects its line, then the text.
  errorItem(line, label, text, data = {}) {
    return h("li", { class: "field-error", dataset: { ...data, line: String(line + 1) } },
      h("button", { type: "button", class: "link", onclick: () => this.selectLine(line) }, label), `: ${text}`);
  }

  selectLine(line) {
    const lines = this.textarea.value.split("\n");
    const start = lines.slice(0, line).reduce((total, text) => total + text.length + 1, 0);
    this.textarea.focus();
    this.textarea.setSelectionRange(start, start + lines[line].length);
  }
}
