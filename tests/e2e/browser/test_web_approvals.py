"""Approval steps in the web app (issue 21), against the local stack: the executions list marks a run waiting for
a person, its page shows the step's panel (message, since, comment) and the flow view draws the step as waiting;
approving or rejecting from the page ends the wait (reject after a confirmation); a decision that comes too late
(409) says so and shows the run as it is."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.browser.conftest import App
from tests.e2e.browser.test_web_flows import api_client, create_workflow, execute
from tests.e2e.conftest import Client

pytestmark = pytest.mark.xdist_group("e2e")

PAY = [
    {"name": "Price", "type": "transform", "config": {"expression": "{total: input.total}"}},
    {
        "name": "Sign off",
        "type": "approval",
        "config": {"message": "Pay {{input.total}} EUR to ACME?", "timeout_seconds": 3600},
    },
    {"name": "Pay", "type": "transform", "config": {"expression": 'steps."Sign off".output'}},
]


def wait_for_a_person(client: Client, execution_id: str, timeout: float = 60) -> None:
    """Until the run waits on its approval step (the status object's waiting_for), as Client.wait_terminal."""
    deadline = time.monotonic() + timeout
    while not client.get(f"/api/workflows/executions/{execution_id}").json()["waiting_for"]:
        assert time.monotonic() < deadline, f"execution {execution_id} never waited for a person"
        time.sleep(0.2)


def waiting_run(app: App, username: str, stack: dict) -> tuple[Client, str]:
    """A run of PAY waiting on "Sign off", its page open with the panel shown."""
    app.sign_up(username)
    client = api_client(stack, username)
    execution_id = execute(client, create_workflow(client, "Pay supplier", PAY), {"total": 120})
    wait_for_a_person(client, execution_id)
    app.open("/executions")
    row = app.page.locator(f"tr[data-id='{execution_id}']")
    expect(row.get_by_text("Awaiting approval")).to_be_visible()
    app.axe_check()
    row.get_by_role("link", name=execution_id[:8]).click()
    app.wait_ready(f"/executions/{execution_id}")
    return client, execution_id


def test_approve_from_the_page(app: App, username: str, stack: dict) -> None:
    _, execution_id = waiting_run(app, username, stack)
    page = app.page
    panel = page.get_by_role("article", name="Sign off")
    expect(panel.get_by_text("Pay 120 EUR to ACME?")).to_be_visible()
    expect(panel.get_by_text(re.compile(r"^Waiting since "))).to_be_visible()
    expect(page.locator("#execution-status")).to_contain_text("Awaiting approval")
    step = page.locator("li.flow-approval[data-step='Sign off']")
    expect(step).to_have_attribute("data-state", "waiting")
    expect(step.locator(".step-icon svg")).to_have_count(1)  # the person icon
    app.axe_check()

    panel.get_by_label("Comment").fill("Invoice checked")
    panel.get_by_role("button", name="Approve").click()
    expect(page.locator("#flash")).to_contain_text("Approved “Sign off”")
    expect(page.locator("#execution-status")).to_contain_text("completed")
    expect(page.get_by_role("article", name="Sign off")).to_have_count(0)
    expect(page.locator("li[data-step='Sign off']")).to_have_attribute("data-state", "succeeded")
    output = page.locator("details.json", has=page.locator("summary", has_text=re.compile("^Output$")))
    expect(output).to_contain_text('"decision": "approve"')
    expect(output).to_contain_text('"comment": "Invoice checked"')


def test_reject_from_the_page_asks_first(app: App, username: str, stack: dict) -> None:
    _, execution_id = waiting_run(app, username, stack)
    page = app.page
    panel = page.get_by_role("article", name="Sign off")
    panel.get_by_role("button", name="Reject").click()
    dialog = page.get_by_role("dialog", name="Reject “Sign off”?")
    expect(dialog).to_contain_text("fails with ApprovalRejected")
    app.axe_check()
    dialog.get_by_role("button", name="Cancel").click()  # changed my mind: nothing is sent
    expect(dialog).to_have_count(0)
    expect(page.locator("#execution-status")).to_contain_text("running")
    expect(panel.get_by_role("button", name="Approve")).to_be_enabled()

    panel.get_by_label("Comment").fill("Wrong supplier")
    panel.get_by_role("button", name="Reject").click()
    page.get_by_role("dialog", name="Reject “Sign off”?").get_by_role("button", name="Reject").click()
    expect(page.locator("#flash")).to_contain_text("Rejected “Sign off”")
    expect(page.locator("#execution-status")).to_contain_text("failed")
    expect(page.locator("#main p.error-text")).to_contain_text("Wrong supplier")  # the reject's comment
    expect(page.locator("li[data-step='Sign off']")).to_have_attribute("data-state", "failed")


def test_a_decision_that_comes_too_late_says_so_and_shows_the_run_as_it_is(
    app: App, username: str, stack: dict
) -> None:
    client, execution_id = waiting_run(app, username, stack)
    page = app.page
    decision = re.compile(rf"/api/workflows/executions/{execution_id}/approvals/")

    def someone_else_decides_first(route: Route) -> None:
        # Another person approves between this page's read and its click: the page's own request then meets a
        # real 409 from the API.
        answer = client.post(
            f"/api/workflows/executions/{execution_id}/approvals/Sign%20off", json={"decision": "approve"}
        )
        assert answer.status_code == 200, answer.text
        route.continue_()

    page.route(decision, someone_else_decides_first)
    page.get_by_role("article", name="Sign off").get_by_role("button", name="Approve").click()
    expect(page.locator("#flash")).to_contain_text("“Sign off” is no longer waiting for a decision")
    expect(page.locator("#execution-status")).to_contain_text("completed")  # read again: as it is now
    expect(page.get_by_role("article", name="Sign off")).to_have_count(0)


TWO_SIGN_OFFS = [
    {"name": "Manager", "type": "approval", "config": {"message": "Manager: pay {{input.total}} EUR?"}},
    {"name": "Finance", "type": "approval", "config": {"message": "Finance: pay {{input.total}} EUR?"}},
]


def test_a_step_that_starts_waiting_gets_its_panel_without_a_reload(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    execution_id = execute(client, create_workflow(client, "Two sign-offs", TWO_SIGN_OFFS), {"total": 5000})
    wait_for_a_person(client, execution_id)
    app.open(f"/executions/{execution_id}")
    page = app.page
    expect(page.locator("#main")).to_have_attribute("data-live", "synced")
    expect(page.get_by_role("article", name="Manager")).to_be_visible()
    expect(page.get_by_role("article", name="Finance")).to_have_count(0)  # not reached yet

    # Someone approves the first elsewhere: the page hears the second start waiting (the `approval` message).
    answer = client.post(f"/api/workflows/executions/{execution_id}/approvals/Manager", json={"decision": "approve"})
    assert answer.status_code == 200, answer.text
    expect(page.get_by_role("article", name="Finance")).to_contain_text("Finance: pay 5000 EUR?")
    expect(page.get_by_role("article", name="Manager")).to_have_count(0)
    expect(page.locator("li[data-step='Manager']")).to_have_attribute("data-state", "succeeded")
    expect(page.locator("li[data-step='Finance']")).to_have_attribute("data-state", "waiting")
