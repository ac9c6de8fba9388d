// "Try an expression": a JMESPath expression evaluated on sample data by the API (POST /api/expressions/evaluate),
// with the engine's own evaluator and budgets, so the result, or the reason a step would fail, is the step's.
import { api } from "./api.js";
import { h } from "./ui.js";

// The data a step's expressions see: the run's input and the earlier steps' outputs.
export function sampleData(inputExample) {
  return { input: inputExample && typeof inputExample === "object" ? inputExample : {}, steps: {} };
}

export class ExpressionPanel {
  constructor({ data }) {
    this.expression = h("input", { id: "try-expression", class: "code", type: "text", value: "input", spellcheck: false, autocomplete: "off" });
    this.data = h("textarea", { id: "try-data", class: "code", rows: 6, spellcheck: false, wrap: "off" });
    this.data.value = JSON.stringify(data, null, 2);
    this.output = h("pre", { class: "json-body try-result", "aria-live": "polite", "aria-label": "Result" });
    this.problem = h("p", { class: "field-error", role: "alert" });
    const form = h("form", { class: "try-form" },
      h("div", { class: "field" }, h("label", { for: "try-expression" }, "Expression (JMESPath)"), this.expression),
      h("div", { class: "field" }, h("label", { for: "try-data" }, "Sample data (JSON)"), this.data),
      h("button", { type: "submit" }, "Evaluate"));
    form.addEventListener("submit", (event) => { event.preventDefault(); this.evaluate(); });
    this.element = h("section", { class: "try-expression", "aria-labelledby": "try-title" },
      h("h2", { id: "try-title", class: "hint-title" }, "Try an expression"),
      h("p", { class: "muted small" }, "Evaluated as a step evaluates it, within the same limits. A step sees input (the run's input) and steps.\"Name\".output."),
      form, this.problem, this.output);
    this.output.hidden = true;
  }

  // Puts `expression` in the panel and evaluates it (the hint's "Try it").
  tryExpression(expression) {
    this.expression.value = expression;
    this.expression.focus();
    return this.evaluate();
  }

  async evaluate() {
    this.problem.textContent = "";
    this.output.hidden = true;
    let input;
    try {
      input = JSON.parse(this.data.value || "null");
    } catch (error) {
      this.problem.textContent = `The sample data is not valid JSON: ${error.message}`;
      return;
    }
    try {
      const { data } = await api("/expressions/evaluate", { method: "POST", body: { expression: this.expression.value, input } });
      this.output.textContent = JSON.stringify(data.result, null, 2);
      this.output.hidden = false;
    } catch (error) {
      this.problem.textContent = error.message;
    }
  }
}
