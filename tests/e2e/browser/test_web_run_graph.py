"""The run graph on the execution page (issue 27): the workflow's flow with every step in its state (a wait step
with its time, a never-run step "not run"), a step panel (attempts, input and output, copy buttons; Esc closes),
and the run's error said once.

The first test pins the rule the web shares with the CLI: on the same runs, the web's step states
(web/src/step-tree.js, run by node) are the CLI's (cli/wfe/progress.py step_lines, what `wfe status` prints),
with "reused" for a succeeded step a resumed run reused and "waiting" for a running wait or approval step.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from infra.catalog import REPO_ROOT
from tests.e2e.browser.conftest import App
from tests.e2e.browser.test_web_flows import api_client, closed_port, create_workflow, execute
from wfe.progress import step_lines

pytestmark = pytest.mark.xdist_group("e2e")


def leaf(name: str, expression: str = "input", **extra: object) -> dict:
    return {"name": name, "type": "transform", "config": {"expression": expression}, **extra}


def log(step: str, second: int, **extra: object) -> dict:
    return {
        "id": f"{step}-{second}-{extra.get('attempt', 1)}",
        "step_name": step,
        "step_type": extra.pop("step_type", "transform"),
        "attempt": 1,
        "timestamp": f"2026-01-01T00:00:{second:02d}Z",
        "duration_ms": 100,
        "parent_step": None,
        "iteration": None,
        **extra,
    }


NAP = {"name": "Nap", "type": "wait", "config": {"seconds": 2}}
CALL = {"name": "Call", "type": "http", "config": {"url": "http://x/"}, "retry": {"max_attempts": 2}}
FAN = {
    "name": "Fan",
    "type": "map",
    "config": {"items": "input.xs", "steps": [leaf("Each", continue_on_error=True)]},
}
ASK = {"name": "Ask", "type": "approval", "config": {"message": "ok?"}}
# (steps, logs, status, approval steps waiting): runs the CLI and the web must read alike.
RUNS = {
    "wait passed, retried call failed, last step not run": (
        [leaf("Prepare"), NAP, CALL, leaf("Notify")],
        [log("Prepare", 0), log("Call", 3, error_message="boom"), log("Call", 5, attempt=2, error_message="boom")],
        "failed",
        [],
    ),
    "a failed attempt with one to come is running; what follows is pending": (
        [leaf("Prepare"), CALL, leaf("Notify")],
        [log("Prepare", 0), log("Call", 1, error_message="boom")],
        "running",
        [],
    ),
    "a wait step waits; nothing after it ran": (
        [leaf("Prepare"), NAP, leaf("Notify")],
        [log("Prepare", 0)],
        "running",
        [],
    ),
    "a resumed run reuses the first step": (
        [leaf("Prepare"), CALL],
        [
            log("Prepare", 0, reused=True),
            log("Call", 1, error_message="down"),
            log("Call", 2, attempt=2, error_message="down"),
        ],
        "failed",
        [],
    ),
    "a run that ended in a map failed in it, though no inner attempt failed": (
        [leaf("Prepare"), FAN, leaf("Notify")],
        [log("Prepare", 0), log("Each", 1, parent_step="Fan", iteration=0)],
        "timed_out",
        [],
    ),
    "a map whose iteration failed and went on (continue_on_error) succeeded": (
        [FAN, leaf("Notify")],
        [
            log("Each", 1, parent_step="Fan", iteration=0, error_message="bad"),
            log("Each", 1, parent_step="Fan", iteration=1),
            log("Notify", 2),
        ],
        "completed",
        [],
    ),
    "an approval step waits for a person": (
        [leaf("Prepare"), ASK, leaf("Notify")],
        [log("Prepare", 0)],
        "running",
        ["Ask"],
    ),
    "a run not started yet": ([leaf("Prepare"), NAP], [], "pending", []),
}


def cli_states(steps: list[dict], logs: list[dict], status: str, waiting: list[str]) -> list[str]:
    """What `wfe status` says of each top-level step, in the web's words (the shared rule's one mapping)."""
    states = []
    for line in step_lines(steps, logs, status):
        state = line.state
        if state == "succeeded" and line.reused:
            state = "reused"
        if state == "running" and (line.type == "wait" or line.name in waiting):
            state = "waiting"
        states.append(state)
    return states


WEB_STATES = """
import { readFileSync } from "node:fs";
const openapi = JSON.parse(readFileSync("openapi.json", "utf8"));
globalThis.fetch = async () => ({ ok: true, json: async () => openapi });
const { loadVocabulary } = await import("./web/src/vocabulary.js");
await loadVocabulary();
const { stepStates } = await import("./web/src/step-tree.js");
const runs = JSON.parse(readFileSync(0, "utf8"));
const answer = {};
for (const [name, [steps, logs, status, waiting]] of Object.entries(runs)) {
  const states = stepStates(steps, logs, { status }, new Set(waiting));
  answer[name] = steps.map((step) => states.get(step.name).state);
}
console.log(JSON.stringify(answer));
"""


def test_the_web_reads_each_steps_state_as_the_cli_does() -> None:
    node = shutil.which("node")
    assert node is not None, "node is needed to run the web app's modules"
    done = subprocess.run(
        [node, "--input-type=module", "-e", WEB_STATES],
        input=json.dumps(RUNS),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=True,
    )
    web = json.loads(done.stdout)
    cli = {name: cli_states(*run) for name, run in RUNS.items()}
    assert web == cli
    # The rule itself, on the first runs: what each state means.
    assert cli["wait passed, retried call failed, last step not run"] == ["succeeded", "succeeded", "failed", "not_run"]
    assert cli["a failed attempt with one to come is running; what follows is pending"] == [
        "succeeded",
        "running",
        "pending",
    ]
    assert cli["a wait step waits; nothing after it ran"] == ["succeeded", "waiting", "pending"]
    assert cli["a resumed run reuses the first step"] == ["reused", "failed"]
    assert cli["a run that ended in a map failed in it, though no inner attempt failed"] == [
        "succeeded",
        "failed",
        "not_run",
    ]
    assert cli["a map whose iteration failed and went on (continue_on_error) succeeded"] == ["succeeded", "succeeded"]
    assert cli["an approval step waits for a person"] == ["succeeded", "waiting", "pending"]


def test_the_run_graph_shows_every_step_its_panel_and_the_error_once(app: App, username: str, stack: dict) -> None:
    app.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    app.sign_up(username)
    client = api_client(stack, username)
    steps = [
        leaf("Prepare", "{order: input.order, n: `2`}"),
        {"name": "Each x", "type": "map", "config": {"items": "input.xs", "steps": [leaf("Double", "{x: item}")]}},
        {"name": "Nap", "type": "wait", "config": {"seconds": 2}},
        {
            "name": "Call",
            "type": "http",
            "config": {"url": f"http://127.0.0.1:{closed_port()}/"},
            "retry": {"max_attempts": 2, "interval_seconds": 1, "backoff_rate": 1},
        },
        leaf("Notify", "{sent: `true`}"),
    ]
    execution_id = execute(client, create_workflow(client, "Graph", steps), {"order": "A-17", "xs": [1, 2, 3]})
    run = client.wait_terminal(execution_id)
    assert run["status"] == "failed" and run["error_message"]
    logs = client.get(f"/api/workflows/executions/{execution_id}/logs", params={"limit": 100}).json()
    logs.sort(key=lambda item: (item["timestamp"], item["attempt"]))  # as the CLI orders them
    app.open(f"/executions/{execution_id}")
    graph = app.page.get_by_role("region", name="Flow of this run").get_by_role("list", name="Steps, in order")

    # Every step is drawn, in the state `wfe status` prints for the same run (the wait and the step never run too).
    expected = cli_states(steps, logs, run["status"], [])
    assert expected == ["succeeded", "succeeded", "succeeded", "failed", "not_run"]
    for step, state in zip(steps, expected, strict=True):
        expect(graph.locator(f":scope > li[data-step='{step['name']}']")).to_have_attribute("data-state", state)
    nap = graph.locator("li[data-step='Nap']")
    expect(nap).to_contain_text("Waits 2.00 s; waited ")
    expect(graph.locator("li[data-step='Notify']")).to_contain_text("not run")
    expect(graph.locator("li[data-step='Call']")).to_contain_text("2 attempts")
    # A map: its iterations, each in its state (from the logs of its inner steps).
    iterations = graph.get_by_role("list", name="Iterations of Each x").get_by_role("listitem")
    expect(iterations).to_have_count(3)
    assert iterations.evaluate_all("items => items.map(item => item.dataset.state)") == ["succeeded"] * 3
    expect(graph.locator("li[data-step='Double']")).to_contain_text("3 item(s)")

    # The run's error: one block, said once on the page; the failed step's node points at it.
    error_block = app.page.get_by_role("region", name="Error")
    expect(error_block).to_contain_text(run["error_message"])
    expect(error_block).to_contain_text("In step Call")
    expect(app.page.get_by_role("table", name="Step logs, oldest first").locator("tbody tr")).to_have_count(6)
    text = app.page.evaluate("() => document.body.innerText")
    assert text.count(run["error_message"]) == 1, text
    graph.locator("li[data-step='Call']").get_by_role("button", name="see the error").click()
    expect(error_block).to_be_focused()
    app.axe_check()

    # A step's panel, from the keyboard: its attempts, its input and output side by side; Esc closes it.
    call = graph.get_by_role("button", name="4. Call: details")
    call.focus()
    app.page.keyboard.press("Enter")
    panel = app.page.get_by_role("dialog", name="Step Call")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("table", name="Attempts (2)").locator("tbody tr")).to_have_count(2)
    expect(panel.get_by_role("table")).to_contain_text("the run's error")
    expect(panel).to_contain_text(f"The run failed in this step: {run['error_message']}")
    expect(panel.get_by_label("Input and output of")).to_have_value("1")  # the last attempt
    expect(panel.get_by_role("heading", name="Input")).to_be_visible()
    expect(panel.get_by_role("heading", name="Output")).to_be_visible()
    app.axe_check()
    app.page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    expect(call).to_be_focused()

    graph.get_by_role("button", name="1. Prepare: details").click()
    panel = app.page.get_by_role("dialog", name="Step Prepare")
    boxes = panel.locator(".panel-json")
    expect(boxes).to_have_count(2)
    expect(boxes.nth(0).locator("pre")).to_contain_text('"order": "A-17"')  # the step's input: the run's input
    expect(boxes.nth(1).locator("pre")).to_have_text(json.dumps({"order": "A-17", "n": 2}, indent=2))
    first, second = boxes.nth(0).bounding_box(), boxes.nth(1).bounding_box()
    assert first and second and second["x"] > first["x"] + first["width"] - 1  # side by side
    panel.get_by_role("button", name="Copy output").click()
    expect(panel.get_by_role("status")).to_have_text("Copied the output.")
    assert json.loads(app.page.evaluate("() => navigator.clipboard.readText()")) == {"order": "A-17", "n": 2}
    panel.get_by_role("button", name="Close").click()
    expect(panel).to_have_count(0)

    # A wait step writes no log: its panel says its time; a step never run says so.
    graph.get_by_role("button", name="3. Nap: details").click()
    panel = app.page.get_by_role("dialog", name="Step Nap")
    expect(panel).to_contain_text("Waits 2.00 s; waited ")
    expect(panel.locator("table")).to_have_count(0)
    app.page.keyboard.press("Escape")
    graph.get_by_role("button", name="5. Notify: details").click()
    expect(app.page.get_by_role("dialog", name="Step Notify")).to_contain_text("Not run")
    app.page.keyboard.press("Escape")
    expect(app.page.get_by_role("dialog")).to_have_count(0)


def test_a_wait_step_that_waits_now_is_waiting_and_what_follows_pending(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    steps = [leaf("Prepare"), {"name": "Sleep", "type": "wait", "config": {"seconds": 60}}, leaf("Notify")]
    execution_id = execute(client, create_workflow(client, "Sleepy", steps))
    app.open(f"/executions/{execution_id}")
    graph = app.page.get_by_role("region", name="Flow of this run").get_by_role("list", name="Steps, in order")
    expect(graph.locator("li[data-step='Sleep']")).to_have_attribute("data-state", "waiting")
    expect(graph.locator("li[data-step='Sleep']")).to_contain_text("Waits 1 min 0 s; waiting now.")
    expect(graph.locator("li[data-step='Prepare']")).to_have_attribute("data-state", "succeeded")
    expect(graph.locator("li[data-step='Notify']")).to_have_attribute("data-state", "pending")
    run = client.get(f"/api/workflows/executions/{execution_id}").json()
    logs = client.get(f"/api/workflows/executions/{execution_id}/logs").json()
    assert cli_states(steps, logs, run["status"], []) == ["succeeded", "waiting", "pending"]  # what wfe status says
    app.axe_check()
    assert client.post(f"/api/workflows/executions/{execution_id}/cancel").status_code == 200
    expect(app.page.locator("#execution-status")).to_contain_text("cancelled")
    expect(graph.locator("li[data-step='Sleep']")).to_have_attribute("data-state", "not_run")
    expect(graph.locator("li[data-step='Notify']")).to_contain_text("not run")
