// The workflow definition editor: YAML or JSON text, read by the API exactly as `wfe` reads a workflow file
// (POST /api/workflows/parse: PyYAML's safe_load, JSON text as JSON). The text stays as the person wrote it (YAML
// stays YAML); what is saved is the JSON definition the API answered. The API also answers the line of every path
// of the definition, so its later 422s are placed at their line of the YAML, and the step under the cursor is
// known (the hint beside the editor). A JSON text is laid out again on a 422, as the JSON editor always did.
import { api } from "./api.js";
import { JsonEditor } from "./json-editor.js";
import { h } from "./ui.js";

const REREAD_AFTER_MS = 400;

// path -> 0-based line, keyed as the JSON editor's layout keys them (JSON.stringify of the path).
export function lineMap(lines) {
  return new Map((lines || []).map(({ path, line }) => [JSON.stringify(path), line - 1]));
}

// The deepest step at or above `path` in `document` (a step is an item of a `steps` or `otherwise` list), with its
// path; null outside any step.
export function stepNodeAtPath(document, path) {
  let node = document;
  let found = null;
  for (let index = 0; index < path.length; index += 1) {
    node = node?.[path[index]];
    if ((path[index - 1] === "steps" || path[index - 1] === "otherwise") && node && typeof node === "object" && !Array.isArray(node)) {
      found = { step: node, path: path.slice(0, index + 1) };
    }
  }
  return found;
}

// The path whose value starts last at or before `line` (0-based), the deepest on a tie: where the cursor is.
export function pathAtLine(lineOf, line) {
  let best = null;
  for (const [key, at] of lineOf) {
    if (at > line) continue;
    const path = JSON.parse(key);
    if (!best || at > best.at || (at === best.at && path.length > best.path.length)) best = { at, path };
  }
  return best ? best.path : [];
}

// The step type named on the nearest `type:` line at or above `line`, for text that does not parse (yet).
export function typeNearLine(text, line) {
  const lines = text.split("\n");
  for (let index = Math.min(line, lines.length - 1); index >= 0; index -= 1) {
    const match = /^\s*(?:-\s+)?["']?type["']?\s*:\s*["']?([a-z_]+)/.exec(lines[index]);
    if (match) return match[1];
  }
  return null;
}

export class DefinitionEditor extends JsonEditor {
  constructor({ label, text, rows = 24 }) {
    super({ label, value: null, rows });
    this.element.classList.add("stacked");
    this.textarea.value = text;
    this.renderGutter(new Map());
    this.parsed = null; // {text, definition, format, lineOf} of the last text the API read
    this.listeners = new Set();
    this.timer = null;
    this.textarea.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.read({ quiet: true }), REREAD_AFTER_MS);
      this.changed();
    });
    for (const event of ["click", "keyup", "focus"]) this.textarea.addEventListener(event, () => this.changed());
  }

  // Called with {step, type, path} (the step under the cursor; step null when unknown) whenever it may change.
  onCursor(listener) {
    this.listeners.add(listener);
    listener(this.cursor());
  }

  changed() {
    const cursor = this.cursor();
    for (const listener of this.listeners) listener(cursor);
  }

  cursorLine() {
    return this.textarea.value.slice(0, this.textarea.selectionStart).split("\n").length - 1;
  }

  cursor() {
    const line = this.cursorLine();
    if (this.parsed && this.parsed.text === this.textarea.value) {
      const found = stepNodeAtPath(this.parsed.definition, pathAtLine(this.parsed.lineOf, line));
      if (found) return { step: found.step, type: found.step.type, path: found.path };
      return { step: null, type: null, path: null };
    }
    return { step: null, type: typeNearLine(this.textarea.value, line), path: null };
  }

  // The definition the text spells (the API reads it), or undefined with the error shown at its line and column.
  // `quiet`: a read while typing, whose failure is shown but not announced as a problem to fix.
  async read({ quiet = false } = {}) {
    clearTimeout(this.timer);
    const text = this.textarea.value;
    if (this.parsed?.text === text) return this.parsed.definition;
    let data;
    try {
      ({ data } = await api("/workflows/parse", { method: "POST", body: { text } }));
    } catch (error) {
      if (this.textarea.value !== text) return undefined; // typed on meanwhile: a later read says
      const item = error.detail?.[0];
      if (error.status === 422 && item?.type === "value_error" && item.loc?.join(".") === "body.text") {
        const line = (item.line ?? 1) - 1;
        const label = item.column ? `Line ${item.line}, column ${item.column}` : `Line ${line + 1}`;
        this.errors.replaceChildren(this.errorItem(line, label, item.msg, { kind: "syntax" }));
        this.renderGutter(new Map([[line, item.msg]]));
        if (!quiet) this.textarea.setAttribute("aria-invalid", "true");
      } else {
        this.errors.replaceChildren(h("li", { class: "field-error" }, error.message));
      }
      this.parsed = null;
      this.changed();
      return undefined;
    }
    if (this.textarea.value !== text) return undefined;
    this.parsed = { text, definition: data.definition, format: data.format, lineOf: lineMap(data.lines) };
    this.errors.replaceChildren();
    this.renderGutter(new Map());
    this.textarea.removeAttribute("aria-invalid");
    this.changed();
    return data.definition;
  }

  // The API's 422 on saving: JSON is laid out again (every path on its own line); YAML keeps its text and the
  // lines the API gave when it read it.
  showErrors(detail, prefix = ["body"]) {
    if (!Array.isArray(detail) || !detail.length || !this.parsed || this.parsed.text !== this.textarea.value) {
      super.showErrors(detail, prefix);
      return;
    }
    if (this.parsed.format === "json") {
      const before = this.textarea.value;
      super.showErrors(detail, prefix);
      if (this.textarea.value !== before) this.parsed = null; // laid out again: the lines changed
      return;
    }
    this.markErrors(this.parsed.definition, this.parsed.lineOf, detail, prefix);
  }
}
