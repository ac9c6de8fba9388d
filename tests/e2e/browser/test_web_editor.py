"""The workflow editor people can write in: YAML read by the API as `wfe` reads a file (a syntax error at its line and
column, the API's 422 at the YAML line, the text kept as typed), the fields of the step under the cursor, the step
type reference, and an expression tried with the engine's own evaluator."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import App

pytestmark = pytest.mark.xdist_group("e2e")

LABEL = "Workflow definition (JSON) or YAML"
BROKEN = """\
name: Orders
steps:
  - name: Load order
    type: transform
    config: {expression: input
"""
INVALID = """\
name: Orders
input_example: {order: {id: 7, items: [{sku: a}, {sku: b}]}}
steps:
  - name: Load order
    type: transform
    config:
      expression: input.order
  - name: Wait a bit
    type: wait
    config:
      seconds: soon
"""


def put_cursor(app: App, text: str) -> None:
    app.page.get_by_label(LABEL).evaluate(
        """(area, text) => { const at = area.value.indexOf(text); area.focus(); area.setSelectionRange(at, at);
             area.dispatchEvent(new Event('click')); }""",
        text,
    )


def test_write_yaml_with_hints_and_try_an_expression(app: App, username: str) -> None:
    app.sign_up(username)
    app.open("/workflows/new")
    app.wait_ready("/workflows/new")
    editor = app.page.get_by_label(LABEL)
    assert editor.input_value().splitlines()[1] == "name: Greeting"  # a new workflow starts from YAML

    # The step under the cursor: its type's fields, from the served OpenAPI document.
    hint = app.page.get_by_role("region", name="The step under the cursor")
    put_cursor(app, "seconds: 1")
    expect(hint).to_contain_text("This step: “Pause” wait")
    expect(hint.get_by_role("row").filter(has_text="seconds")).to_contain_text("required")
    put_cursor(app, "prompt:")
    expect(hint).to_contain_text("“Ask the model” ai")
    expect(hint.get_by_role("row").filter(has_text="max_tokens")).to_be_visible()

    # Every step type in the reference, with its fields and an example in YAML.
    reference = app.page.get_by_role("region", name="Step types")
    reference.locator("details[data-type=map] summary").click()
    opened = reference.locator("details[data-type=map]")
    expect(opened.get_by_role("row").filter(has_text="max_concurrency")).to_contain_text("10")
    expect(opened.locator("pre")).to_contain_text("type: map")
    app.axe_check()

    # A transform's expression tried from the hint: the engine's result on the sample input.
    put_cursor(app, "expression:")
    expect(hint).to_contain_text("“Build greeting” transform")
    hint.get_by_role("button", name="Try its expression").click()
    result = app.page.get_by_label("Result")
    expect(result).to_have_text('{\n  "text": "hello"\n}')
    trial = app.page.get_by_role("region", name="Try an expression")
    trial.get_by_label("Expression (JMESPath)").fill("input.[")
    trial.get_by_role("button", name="Evaluate").click()
    expect(trial.get_by_role("alert")).to_contain_text("Invalid JMESPath expression")
    trial.get_by_label("Expression (JMESPath)").fill("length(input.message)")
    trial.get_by_role("button", name="Evaluate").click()
    expect(result).to_have_text("5")
    expect(trial.locator("p.field-error")).to_have_text("")  # the earlier problem is gone

    # Malformed YAML: the error at its line and column, while typing and on Create (nothing is sent).
    editor.fill(BROKEN)
    syntax = app.page.locator(".json-errors li[data-kind=syntax]")
    expect(syntax).to_contain_text("Line 6, column 1")
    expect(syntax).to_contain_text("not valid YAML")
    app.page.get_by_role("button", name="Create").click()
    expect(app.page.get_by_role("alert").filter(has_text="Fix the text first")).to_be_visible()
    expect(app.page.locator(".gutter-error")).to_have_text("⚠ 6")

    # Valid YAML the API refuses: the 422 at the YAML line of the field; the text stays the YAML typed.
    editor.fill(INVALID)
    app.page.get_by_role("button", name="Create").click()
    message = app.page.locator(".json-errors li").first
    expect(message).to_contain_text("step “Wait a bit” › config.seconds")
    expect(message).to_have_attribute("data-line", "11")
    assert editor.input_value() == INVALID
    expect(app.page.locator(".gutter-error")).to_have_text("⚠ 11")
    app.axe_check()

    # Fixed, it saves the JSON the YAML spells (input_example included).
    editor.fill(INVALID.replace("seconds: soon", "seconds: 0"))
    app.page.get_by_role("button", name="Create").click()
    expect(app.page.get_by_role("heading", name="Orders")).to_be_visible()
    expect(app.page.get_by_role("list", name="Steps, in order").get_by_role("listitem")).to_have_count(2)
    app.page.get_by_role("button", name="Run").click()
    run_input = app.page.get_by_role("dialog").get_by_label("Input data (JSON object)")
    expect(run_input).to_have_value(re.compile('"sku": "a"'))
    app.page.get_by_role("dialog").get_by_role("button", name="Cancel").click()

    # Editing shows the stored definition (JSON); the hint and the sample data follow it.
    app.page.get_by_role("link", name="Edit").click()
    expect(editor).to_have_value(re.compile(r'^\{\n  "name": "Orders"'))
    put_cursor(app, '"seconds"')
    expect(hint).to_contain_text("“Wait a bit” wait")
    trial.get_by_label("Expression (JMESPath)").fill("input.order.items[].sku")
    trial.get_by_role("button", name="Evaluate").click()
    expect(result).to_have_text('[\n  "a",\n  "b"\n]')


def test_the_editor_helpers_pure_functions(app: App, username: str) -> None:
    app.sign_up(username)
    answers = app.page.evaluate(
        """async () => {
          const hints = await import(new URL('src/step-hints.js', location.href));
          const editor = await import(new URL('src/definition-editor.js', location.href));
          const lineOf = editor.lineMap([{path: [], line: 1}, {path: ['steps'], line: 2}, {path: ['steps', 0], line: 3},
            {path: ['steps', 0, 'config'], line: 5}, {path: ['steps', 1], line: 7}]);
          const document = {steps: [{name: 'a', type: 'wait', config: {seconds: 1}}, {name: 'b', type: 'transform'}]};
          return {
            yaml: hints.toYaml([{name: 'Pause', type: 'wait',
              config: {seconds: 1, note: 'yes', deep: {a: [1, 'x: y']}}}]),
            type: hints.typeText({anyOf: [{type: 'integer'}, {type: 'null'}]}),
            at4: editor.pathAtLine(lineOf, 3), at5: editor.pathAtLine(lineOf, 4), at9: editor.pathAtLine(lineOf, 9),
            step: editor.stepNodeAtPath(document, ['steps', 0, 'config', 'seconds']).step.name,
            outside: editor.stepNodeAtPath(document, ['steps']),
            near: editor.typeNearLine('steps:\\n  - name: x\\n    type: http\\n    config:\\n      url: [', 4),
          };
        }"""
    )
    assert answers["yaml"] == (
        '- name: Pause\n  type: wait\n  config:\n    seconds: 1\n    note: "yes"\n    deep:\n      a:\n'
        '        - 1\n        - "x: y"'
    )
    assert answers["type"] == "integer"
    assert answers["at4"] == ["steps", 0] and answers["at5"] == ["steps", 0, "config"]
    assert answers["at9"] == ["steps", 1]
    assert answers["step"] == "a" and answers["outside"] is None
    assert answers["near"] == "http"


def test_a_child_named_with_at_gets_the_id_of_the_workflow_of_that_name(app: App, username: str) -> None:
    """The examples name a child `@<name>` (wfe's shorthand): the editor resolves it as wfe does, nested steps too."""
    app.sign_up(username)
    answers = app.page.evaluate(
        """async () => {
          const { withChildIds } = await import(new URL('src/examples.js', location.href));
          const child = (name, id) => ({name, type: 'workflow', config: {workflow_id: id}});
          const definition = {name: 'P', steps: [child('Run it', '@Example: transform'),
            {name: 'Each', type: 'map', config: {items: 'input.xs', steps: [child('Inner', '@Other')]}},
            child('By id', '11111111-1111-4111-8111-111111111111')]};
          const workflows = [{id: 'id-t', name: 'Example: transform'}, {id: 'id-o', name: 'Other'},
            {id: 'id-d1', name: 'Twice'}, {id: 'id-d2', name: 'Twice'}];
          const failure = (steps) => { try { withChildIds({steps}, workflows); return null; }
            catch (error) { return error.message; } };
          const resolved = withChildIds(definition, workflows);
          return {
            ids: [resolved.steps[0].config.workflow_id, resolved.steps[1].config.steps[0].config.workflow_id,
              resolved.steps[2].config.workflow_id],
            untouched: definition.steps[0].config.workflow_id,
            same: withChildIds({steps: []}, workflows),
            missing: failure([child('A', '@Nobody')]),
            ambiguous: failure([child('B', '@Twice')]),
          };
        }"""
    )
    assert answers["ids"] == ["id-t", "id-o", "11111111-1111-4111-8111-111111111111"]
    assert answers["untouched"] == "@Example: transform"  # a copy is resolved, the text's definition stays
    assert answers["same"] == {"steps": []}
    assert "no workflow of that name" in answers["missing"] and "“Nobody”" in answers["missing"]
    assert "2 of your workflows have that name" in answers["ambiguous"]
