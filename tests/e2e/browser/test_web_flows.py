"""The execution monitor in a real browser (headless Chromium) against the local stack: the flows people take,
each screen checked with axe-core (WCAG 2 A/AA)."""

from __future__ import annotations

import json
import socket
import time
import uuid

import pytest
from playwright.sync_api import expect

from infra.local.signin import sign_in
from tests.e2e.browser.conftest import PASSWORD, App
from tests.e2e.conftest import Client

pytestmark = pytest.mark.xdist_group("e2e")

WAIT_THEN_GREET = [
    {"name": "Pause", "type": "wait", "config": {"seconds": 2}},
    {"name": "Greet", "type": "transform", "config": {"expression": "{greeting: join(' ', ['Hello', input.name])}"}},
]
LONG_WAIT = [{"name": "Sleep", "type": "wait", "config": {"seconds": 60}}]


def closed_port() -> int:
    """A loopback port nobody listens on: an http step to it fails at once (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_client(stack: dict, username: str) -> Client:
    return Client(stack, sign_in(stack, username, PASSWORD))


def create_workflow(client: Client, name: str, steps: list[dict]) -> str:
    response = client.post("/api/workflows", json={"name": name, "steps": steps})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def execute(client: Client, workflow_id: str, input_data: dict | None = None) -> str:
    response = client.post(f"/api/workflows/{workflow_id}/execute", json={"input_data": input_data or {}})
    assert response.status_code == 202, response.text
    return response.json()["execution_id"]


def test_sign_up_sign_in_and_sign_out(app: App, username: str) -> None:
    app.open("/signin")
    app.wait_ready("/signin")
    app.axe_check()
    app.sign_up(username)
    expect(app.page.get_by_text("No executions yet.")).to_be_visible()
    app.axe_check()
    session = json.loads(app.page.evaluate("() => sessionStorage.getItem('wfe.session')"))
    assert session["username"] == username and session["idToken"].count(".") == 2
    assert app.page.context.cookies() == []  # tokens live in sessionStorage, never in a cookie

    app.page.get_by_role("button", name="Sign out").click()
    expect(app.page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert app.page.evaluate("() => sessionStorage.getItem('wfe.session')") is None

    app.open("/signin")
    app.page.get_by_label("Username").fill(username)
    app.page.get_by_label("Password").fill("Wrong-passw0rd!")
    app.page.get_by_role("button", name="Sign in").click()
    expect(app.page.get_by_role("alert").filter(has_text="Wrong username or password")).to_be_visible()
    app.sign_in(username)
    expect(app.page.get_by_role("heading", name="Executions", exact=True)).to_be_visible()


def test_create_a_workflow_with_the_422_shown_at_its_field(app: App, username: str) -> None:
    app.sign_up(username)
    app.open("/workflows")
    expect(app.page.get_by_text("No workflows yet.")).to_be_visible()
    app.page.get_by_role("link", name="New workflow").first.click()
    editor = app.page.get_by_label("Workflow definition (JSON)")
    bad = {
        "name": "Orders",
        "steps": [
            {"name": "Load order", "type": "transform", "config": {"expression": "input"}},
            {"name": "Wait a bit", "type": "wait", "config": {"seconds": "soon"}},
        ],
    }
    editor.fill(json.dumps(bad))
    app.page.get_by_role("button", name="Create").click()
    message = app.page.locator(".json-errors li").first
    expect(message).to_have_attribute("data-loc", "steps.1.wait.config.seconds")  # the API's loc
    expect(message).to_contain_text("step “Wait a bit” › config.seconds")  # said as the user wrote it
    expect(message).not_to_contain_text("step 'Wait a bit'")  # the API's prefix: the step is named once
    expect(message).to_contain_text("valid integer")
    # The message names the line of the field, and the editor's gutter marks that very line.
    line = int(message.get_attribute("data-line"))
    assert '"seconds": "soon"' in editor.input_value().split("\n")[line - 1]
    expect(app.page.locator(".gutter-error")).to_have_text(f"⚠ {line}")
    app.axe_check()

    bad["steps"][1]["config"]["seconds"] = 1
    bad["steps"][0]["retry"] = {"max_attempts": 3, "interval_seconds": 1}
    editor.fill(json.dumps(bad))
    app.page.get_by_role("button", name="Create").click()
    expect(app.page.get_by_role("heading", name="Orders")).to_be_visible()
    flow = app.page.get_by_role("list", name="Steps, in order")
    expect(flow.get_by_role("listitem")).to_have_count(2)
    expect(flow.get_by_role("listitem").first).to_contain_text("retry ×3")
    app.axe_check()

    # Edit: a new version.
    app.page.get_by_role("link", name="Edit").click()
    edited = json.loads(editor.input_value())
    edited["description"] = "Loads and waits"
    editor.fill(json.dumps(edited))
    app.page.get_by_role("button", name="Save").click()
    expect(app.page.get_by_role("heading", name="Orders")).to_contain_text("v2")
    expect(app.page.get_by_text("Loads and waits")).to_be_visible()

    app.page.get_by_role("link", name="Workflows").first.click()
    expect(app.page.get_by_role("link", name="Orders")).to_be_visible()

    # Delete, after a confirmation (cancelling it keeps the workflow).
    app.page.get_by_role("link", name="Orders").click()
    app.page.get_by_role("button", name="Delete").click()
    app.page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(app.page.get_by_role("dialog")).to_have_count(0)
    app.page.get_by_role("button", name="Delete").click()
    app.axe_check()
    app.page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(app.page.get_by_text("No workflows yet.")).to_be_visible()
    expect(app.page.get_by_role("alert").filter(has_text="Deleted “Orders”.")).to_be_visible()


def test_run_a_workflow_and_watch_it_finish_without_a_reload(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    steps = [{**WAIT_THEN_GREET[0], "config": {"seconds": 4}}, WAIT_THEN_GREET[1]]  # long enough to see it run
    workflow_id = create_workflow(api_client(stack, username), "Live", steps)
    app.open(f"/workflows/{workflow_id}")
    app.page.get_by_role("button", name="Run").click()
    app.page.get_by_label("Input data (JSON object)").fill('{"name": "Ada"}')
    app.page.get_by_role("dialog").get_by_role("button", name="Run").click()
    expect(app.page.get_by_role("heading", name="Execution")).to_be_visible()
    app.page.evaluate("() => { window.__notReloaded = true; }")
    status = app.page.locator("#execution-status")
    expect(status).to_contain_text("running")
    expect(status).to_contain_text("completed", timeout=20_000)
    assert app.page.evaluate("() => window.__notReloaded") is True
    expect(app.page.get_by_role("region", name="Summary")).to_contain_text("Live · version 1")
    output = app.page.get_by_role("region", name="Input and output").locator("details", has_text="Output")
    expect(output).to_contain_text('"greeting": "Hello Ada"')
    app.axe_check()

    # The executions table shows it, with its workflow, newest first.
    app.open("/executions")
    row = app.page.locator("tbody tr").first
    expect(row).to_contain_text("completed")
    expect(row).to_contain_text("Live")


def test_the_timeline_draws_one_bar_per_attempt(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    steps = [
        {"name": "Prepare", "type": "transform", "config": {"expression": "{n: `1`}"}},
        {
            "name": "Call flaky service",
            "type": "http",
            "config": {"url": f"http://127.0.0.1:{closed_port()}/"},
            "retry": {"max_attempts": 2, "interval_seconds": 1, "backoff_rate": 1},
        },
    ]
    execution_id = execute(client, create_workflow(client, "Flaky", steps))
    assert client.wait_terminal(execution_id)["status"] == "failed"
    app.open(f"/executions/{execution_id}")
    timeline = app.page.get_by_role("table", name="Timeline of step attempts")
    expect(timeline.locator("[data-step='Prepare']")).to_have_count(1)
    expect(timeline.locator("[data-step='Prepare'][data-kind='succeeded']")).to_have_count(1)
    retried = timeline.locator("[data-step='Call flaky service'][data-kind='failed']")
    expect(retried).to_have_count(2)
    expect(retried.nth(1)).to_have_attribute("data-attempt", "2")
    expect(retried.first).to_contain_text("failed:")
    # The failure is said in text, not colour alone; the header says it too, and retrying is offered.
    expect(app.page.locator("#execution-status")).to_contain_text("failed")
    expect(app.page.get_by_role("button", name="Cancel", exact=True)).to_be_disabled()
    expect(app.page.get_by_role("button", name="Retry (restart)")).to_be_enabled()
    app.axe_check()

    # The logs table takes the API's filters.
    app.page.get_by_label("Result").select_option("true")
    app.page.get_by_role("button", name="Filter").click()
    expect(app.page.locator("table.logs tbody tr")).to_have_count(2)


def test_cancel_a_running_execution(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    execution_id = execute(client, create_workflow(client, "Sleepy", LONG_WAIT))
    app.open(f"/executions/{execution_id}")
    expect(app.page.locator("#execution-status")).to_contain_text("running")
    app.page.get_by_role("button", name="Cancel", exact=True).click()
    app.page.get_by_role("dialog").get_by_role("button", name="Cancel execution").click()
    expect(app.page.locator("#execution-status")).to_contain_text("cancelled")
    expect(app.page.get_by_role("button", name="Cancel", exact=True)).to_be_disabled()
    assert client.get(f"/api/workflows/executions/{execution_id}").json()["status"] == "cancelled"


def test_a_second_user_sees_none_of_the_first_users_data(app: App, username: str, stack: dict) -> None:
    owner = f"owner-{uuid.uuid4().hex[:8]}"
    client = api_client(stack, owner)
    workflow_id = create_workflow(client, "Private", WAIT_THEN_GREET[1:])
    execution_id = execute(client, workflow_id, {"name": "secret"})
    client.wait_terminal(execution_id)

    app.sign_up(username)
    expect(app.page.get_by_text("No executions yet.")).to_be_visible()
    app.open("/workflows")
    expect(app.page.get_by_text("No workflows yet.")).to_be_visible()
    app.open(f"/executions/{execution_id}")
    expect(app.page.get_by_role("alert").filter(has_text="Not found")).to_be_visible()
    app.open(f"/workflows/{workflow_id}")
    expect(app.page.get_by_role("alert").filter(has_text="Not found")).to_be_visible()
    expect(app.page.get_by_text("Private")).to_have_count(0)


def test_an_expired_session_returns_to_sign_in_and_back(app: App, username: str) -> None:
    app.sign_up(username)
    app.open("/workflows")
    app.wait_ready("/workflows")
    # The ID token is no longer accepted (401) though it looks valid to the page: back to sign-in, keeping the place.
    app.page.evaluate(
        """() => { const s = JSON.parse(sessionStorage.getItem('wfe.session'));
        s.idToken = s.idToken.slice(0, -4) + 'AAAA'; sessionStorage.setItem('wfe.session', JSON.stringify(s)); }"""
    )
    app.open("/workflows")
    app.page.reload()
    expect(app.page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert "next=%2Fworkflows" in app.page.url
    app.page.get_by_label("Username").fill(username)
    app.page.get_by_label("Password").fill(PASSWORD)
    app.page.get_by_role("button", name="Sign in").click()
    expect(app.page.get_by_role("heading", name="Workflows")).to_be_visible()

    # Expired, and the refresh token refused too: the same way back.
    app.page.evaluate(
        """() => { const s = JSON.parse(sessionStorage.getItem('wfe.session'));
        s.expiresAt = Date.now() - 1000; s.refreshToken = 'revoked';
        sessionStorage.setItem('wfe.session', JSON.stringify(s)); }"""
    )
    app.open("/executions")
    app.page.reload()
    expect(app.page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert "next=%2Fexecutions" in app.page.url


def test_the_id_token_is_refreshed_before_it_expires(app: App, username: str) -> None:
    app.sign_up(username)
    before = json.loads(app.page.evaluate("() => sessionStorage.getItem('wfe.session')"))
    # Pretend the token expires within the refresh margin: the next API call refreshes it first.
    app.page.evaluate(
        """() => { const s = JSON.parse(sessionStorage.getItem('wfe.session'));
        s.expiresAt = Date.now() + 60000; sessionStorage.setItem('wfe.session', JSON.stringify(s)); }"""
    )
    app.open("/workflows")
    app.wait_ready("/workflows")
    time.sleep(0.2)
    after = json.loads(app.page.evaluate("() => sessionStorage.getItem('wfe.session')"))
    assert after["expiresAt"] > before["expiresAt"] - 1 and after["expiresAt"] > time.time() * 1000 + 600_000
    assert after["refreshToken"] == before["refreshToken"]
    expect(app.page.get_by_role("heading", name="Workflows")).to_be_visible()


def test_live_status_over_the_websocket_without_polling(app: App, username: str, stack: dict) -> None:
    assert stack.get("WebSocketUrl"), "the stack has no WebSocket API"
    app.sign_up(username)
    client = api_client(stack, username)
    workflow_id = create_workflow(client, "Pushed", WAIT_THEN_GREET)
    app.open("/executions")
    app.wait_ready("/executions")
    expect(app.page.locator("main")).to_have_attribute("data-live", "synced")  # subscribed, then read once
    polls: list[str] = []
    app.page.on("request", lambda request: polls.append(request.url) if "/api/" in request.url else None)
    execution_id = execute(client, workflow_id, {"name": "Ada"})
    row = app.page.locator(f"tr[data-id='{execution_id}']")
    expect(row).to_contain_text("completed", timeout=20_000)
    assert polls == [], polls  # every change arrived over the socket


def test_compare_two_runs_and_see_the_diff(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    workflow_id = create_workflow(client, "Comparable", WAIT_THEN_GREET[1:])
    first = execute(client, workflow_id, {"name": "Ada"})
    second = execute(client, workflow_id, {"name": "Alan"})
    client.wait_terminal(first)
    client.wait_terminal(second)
    app.open("/executions")
    for execution_id in (first, second):
        app.page.get_by_label(f"Select execution {execution_id[:8]}").check()
    app.page.get_by_role("button", name="Compare selected (2)").click()
    expect(app.page.get_by_role("heading", name="Compare 2 executions")).to_be_visible()
    inputs = app.page.get_by_role("region", name="Input differences")
    expect(inputs.locator("tr.differs")).to_have_count(1)
    expect(inputs).to_contain_text("/name")
    expect(inputs).to_contain_text('"Ada"')
    expect(inputs).to_contain_text('"Alan"')
    steps = app.page.get_by_role("region", name="Steps")
    expect(steps.get_by_text("≠ output differs")).to_be_visible()
    compared = app.page.get_by_role("table", name="The executions compared")
    expect(compared.locator("td.workflow")).to_have_text(["Comparable", "Comparable"])
    app.axe_check()


def test_compare_a_failed_step_with_a_run_where_it_did_not_run(app: App, username: str, stack: dict) -> None:
    """The step failed in one run and never ran in the other: a status difference, not an output one."""
    app.sign_up(username)
    client = api_client(stack, username)
    greet = WAIT_THEN_GREET[1]
    check = {"name": "Check", "type": "transform", "config": {"expression": "abs(input.v)"}}
    failed = execute(client, create_workflow(client, "Greets then checks", [greet, check]), {"name": "Ada", "v": "x"})
    other = execute(client, create_workflow(client, "Only greets", [greet]), {"name": "Ada"})
    assert client.wait_terminal(failed)["status"] == "failed"
    assert client.wait_terminal(other)["status"] == "completed"
    app.open(f"/compare?ids={failed},{other}")
    compared = app.page.get_by_role("table", name="The executions compared")
    expect(compared.locator("td.workflow")).to_have_text(["Greets then checks", "Only greets"])
    steps = app.page.get_by_role("region", name="Steps")
    row = steps.locator("tr[data-step='Check']")
    expect(row).to_have_attribute("data-difference", "status")
    expect(row).to_contain_text("failed here, not run there")
    expect(row).to_contain_text("no output to compare")
    expect(row.locator("details")).to_have_count(0)  # no output difference to open
    expect(steps.locator("tr[data-step='Greet']")).to_have_attribute("data-difference", "same")
    app.axe_check()


def test_bulk_cancel_from_the_table(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    workflow_id = create_workflow(client, "Bulk", LONG_WAIT)
    ids = [execute(client, workflow_id) for _ in range(3)]
    app.open("/executions")
    app.page.get_by_label("Select all executions on this page").check()
    app.page.get_by_role("button", name="Cancel selected (3)").click()
    expect(app.page.get_by_text("Cancelled 3 of 3 execution(s).")).to_be_visible()
    expect(app.page.locator("tbody .status-cancelled")).to_have_count(3)
    for execution_id in ids:
        assert client.get(f"/api/workflows/executions/{execution_id}").json()["status"] == "cancelled"


def test_search_the_logs(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    workflow_id = create_workflow(client, "Searchable", WAIT_THEN_GREET[1:])
    wanted = execute(client, workflow_id, {"name": "Zanzibar"})
    other = execute(client, workflow_id, {"name": "Oslo"})
    client.wait_terminal(wanted)
    client.wait_terminal(other)

    app.open("/logs")
    app.page.get_by_label("Text").fill("zanzibar")
    app.page.get_by_role("button", name="Search").click()
    rows = app.page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Greet")
    app.axe_check()
    rows.first.get_by_role("link").click()
    expect(app.page).to_have_url(f"{app.url}#/executions/{wanted}")

    # The execution's own logs take `q` too.
    app.page.get_by_label("Search").fill("ZANZIBAR")
    app.page.get_by_role("button", name="Filter").click()
    expect(app.page.locator("table.logs tbody tr")).to_have_count(1)
    app.page.get_by_label("Search").fill("oslo")
    app.page.get_by_role("button", name="Filter").click()
    expect(app.page.get_by_text("No log matches.")).to_be_visible()


def test_metrics_show_the_runs_just_made(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    workflow_id = create_workflow(client, "Measured", WAIT_THEN_GREET[1:])
    for name in ("a", "b", "c"):
        client.wait_terminal(execute(client, workflow_id, {"name": name}))
    app.open(f"/metrics?workflow_id={workflow_id}&range=24h&granularity=hour")
    expect(app.page.locator("#kpi-total")).to_have_text("3")
    expect(app.page.locator(".chart canvas").first).to_be_visible()
    expect(app.page.get_by_role("table", name="Per step")).to_contain_text("Greet")
    app.axe_check()
    app.page.get_by_text("Buckets with runs, as a table").click()
    app.page.get_by_role("link", name="3", exact=True).click()  # the bucket's completed runs, as a filtered list
    expect(app.page.locator("table.executions tbody tr")).to_have_count(3)

    # A second workflow with a step of the same name: over all workflows, one "Greet" row per workflow.
    other_id = create_workflow(client, "Also greets", WAIT_THEN_GREET[1:])
    client.wait_terminal(execute(client, other_id, {"name": "d"}))
    app.open("/metrics?range=24h")
    per_step = app.page.get_by_role("table", name="Per step")
    greet = per_step.locator("tbody tr[data-step='Greet']")
    expect(greet).to_have_count(2)
    expect(greet.nth(0)).to_contain_text("Also greets")
    expect(greet.nth(0).locator("td").nth(3)).to_have_text("1")  # attempts
    expect(greet.nth(1)).to_contain_text("Measured")
    expect(greet.nth(1).locator("td").nth(3)).to_have_text("3")


def test_resume_a_failed_run(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    steps = [
        {"name": "Prepare", "type": "transform", "config": {"expression": "{n: `1`}"}},
        {"name": "Call", "type": "http", "config": {"url": f"http://127.0.0.1:{closed_port()}/"}},
    ]
    failed = execute(client, create_workflow(client, "Resumable", steps))
    assert client.wait_terminal(failed)["status"] == "failed"
    app.open(f"/executions/{failed}")
    app.page.get_by_role("button", name="Resume from the failed step").click()
    expect(app.page.get_by_role("link", name=failed[:8])).to_be_visible()  # the new run's retry_of link
    assert failed not in app.page.url
    retry_id = app.page.url.rsplit("/", 1)[1]
    assert client.wait_terminal(retry_id)["status"] == "failed"  # the service is still down
    app.page.reload()
    timeline = app.page.get_by_role("table", name="Timeline of step attempts")
    expect(timeline.locator("[data-step='Prepare'][data-kind='reused']")).to_have_count(1)
    expect(timeline.locator("[data-step='Call'][data-kind='failed']")).to_have_count(1)
    app.axe_check()


def test_a_parent_run_links_its_child_and_the_child_its_parent(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    child_workflow = create_workflow(client, "Greeter", WAIT_THEN_GREET[1:])
    parent_workflow = create_workflow(
        client, "Caller", [{"name": "Greet someone", "type": "workflow", "config": {"workflow_id": child_workflow}}]
    )
    parent_id = execute(client, parent_workflow, {"name": "Ada"})
    assert client.wait_terminal(parent_id)["status"] == "completed"
    (child,) = client.get("/api/workflows/executions", params={"parent_execution_id": parent_id}).json()
    app.open(f"/executions/{parent_id}")
    children = app.page.locator("#child-runs")
    expect(children).to_contain_text("completed")
    children.get_by_role("link").click()
    expect(app.page.locator("#parent-run")).to_be_visible()
    assert app.page.url.endswith(f"/executions/{child['id']}")
    app.axe_check()
    app.page.locator("#parent-run").click()
    expect(app.page.locator("#child-runs")).to_be_visible()
    assert app.page.url.endswith(f"/executions/{parent_id}")


def test_every_workflow_is_listed_past_the_api_s_default_page(app: App, username: str, stack: dict) -> None:
    """GET /api/workflows returns 20 by default: the Workflows page, the executions and logs filters and the names
    of runs read every page (web/src/workflow-list.js), so the 21st workflow and later are never missing."""
    app.sign_up(username)
    client = api_client(stack, username)
    ids = [create_workflow(client, f"Flow {number:02d}", WAIT_THEN_GREET[1:]) for number in range(1, 23)]
    execute(client, ids[-1], {"name": "Ada"})

    app.open("/workflows")
    app.wait_ready("/workflows")
    rows = app.page.locator("table.table tbody tr")
    expect(rows).to_have_count(22)
    expect(rows.first).to_contain_text("Flow 22")  # newest first

    app.open("/executions")
    app.wait_ready("/executions")
    options = app.page.locator("select[name=workflow_id] option")
    expect(options).to_have_count(23)  # "All workflows" and each of the 22
    expect(app.page.locator("table").get_by_text("Flow 22")).to_be_visible()  # the run is named by its workflow

    app.open("/logs")
    app.wait_ready("/logs")
    expect(app.page.locator("select[name=workflow_id] option")).to_have_count(23)
