"""The schedules of a workflow on its page, against the real routes: the next run shown in the browser's zone and
in the schedule's own zone, add (a refused expression shows the API's reason), pause, resume and delete."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import App
from tests.e2e.browser.test_web_flows import api_client, create_workflow

pytestmark = pytest.mark.xdist_group("e2e")


def test_schedules_are_listed_added_paused_and_deleted(app: App, username: str, stack) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    workflow_id = create_workflow(
        client, "Nightly", [{"name": "Echo", "type": "transform", "config": {"expression": "input"}}]
    )
    created = client.post(
        f"/api/workflows/{workflow_id}/schedules", json={"expression": "cron(0 2 * * ? *)", "timezone": "Asia/Tokyo"}
    )
    assert created.status_code == 201, created.text

    app.open(f"/workflows/{workflow_id}")
    section = app.page.locator("section.schedules-section")
    expect(section).to_have_attribute("data-ready", "schedules")
    row = section.get_by_role("row").filter(has_text="cron(0 2 * * ? *)")
    expect(row).to_contain_text("Asia/Tokyo")
    expect(row.get_by_role("cell").nth(3)).to_contain_text("2:00")  # 02:00 on Tokyo's clock
    expect(row.get_by_role("cell").nth(3)).to_contain_text("GMT+9")
    app.axe_check()

    section.get_by_role("button", name="Add schedule").click()
    app.page.get_by_label("Expression").fill("rate(10 seconds)")
    app.page.get_by_label("Time zone").fill("Europe/Paris")
    app.page.get_by_role("button", name="Add", exact=True).click()
    expect(app.page.get_by_text("1 minute")).to_be_visible()
    app.page.get_by_label("Expression").fill("rate(1 hour)")
    app.page.get_by_role("button", name="Add", exact=True).click()
    added = section.get_by_role("row").filter(has_text="rate(1 hour)")
    expect(added).to_contain_text("Europe/Paris")

    section.get_by_role("button", name="Pause rate(1 hour)").click()
    expect(added).to_contain_text("paused")
    section.get_by_role("button", name="Resume rate(1 hour)").click()
    expect(added).to_contain_text("active")
    section.get_by_role("button", name="Delete schedule rate(1 hour)").click()
    app.page.get_by_role("dialog", name="Delete this schedule?").get_by_role("button", name="Delete").click()
    expect(added).to_have_count(0)
    assert [s["expression"] for s in client.get(f"/api/workflows/{workflow_id}/schedules").json()] == [
        "cron(0 2 * * ? *)"
    ]
