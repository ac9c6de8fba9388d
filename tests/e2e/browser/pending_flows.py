"""Flows on the second-wave routes (WebSocket #9, queries/metrics/logs #10, batch/compare #11, retry/resume #12),
written against DESIGN.md's contracts. Not collected yet (the name does not start with test_): each test moves
into test_web_flows.py once its route is on main and it passes there."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import App
from tests.e2e.browser.test_web_flows import (
    api_client,
    closed_port,
    create_workflow,
    execute,
)

pytestmark = pytest.mark.xdist_group("e2e")


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
