"""Flows on the second-wave routes (WebSocket #9, queries/metrics/logs #10, batch/compare #11, retry/resume #12),
written against DESIGN.md's contracts. Not collected yet (the name does not start with test_): each test moves
into test_web_flows.py once its route is on main and it passes there."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import App
from tests.e2e.browser.test_web_flows import (
    WAIT_THEN_GREET,
    api_client,
    closed_port,
    create_workflow,
    execute,
)

pytestmark = pytest.mark.xdist_group("e2e")


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
