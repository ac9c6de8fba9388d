"""The screens of the second-wave routes, rendered from answers shaped exactly as openapi.json's schemas say
(compare, metrics, /api/logs, batch-cancel, the WebSocket messages), served to the page by Playwright's request
and WebSocket routing. The user, the workflows and the runs are real (local stack); only the answers of the
routes named in each test are stood in. The flows against the real routes are in test_web_flows.py."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Route, WebSocketRoute, expect

from tests.e2e.browser.conftest import App
from tests.e2e.browser.test_web_flows import LONG_WAIT, api_client, create_workflow, execute

pytestmark = pytest.mark.xdist_group("e2e")


def answer(route: Route, body: object, headers: dict[str, str] | None = None) -> None:
    route.fulfill(status=200, content_type="application/json", body=json.dumps(body), headers=headers or {})


def status_object(execution_id: str, workflow_id: str, status: str, **extra: object) -> dict:
    now = datetime.now(UTC)
    return {
        "id": execution_id,
        "workflow_id": workflow_id,
        "workflow_version": 1,
        "status": status,
        "input_data": {},
        "output_data": None,
        "error_message": None,
        "started_at": (now - timedelta(seconds=5)).isoformat(),
        "completed_at": now.isoformat() if status in ("completed", "failed", "cancelled") else None,
        "retry_of": None,
        **extra,
    }


def test_the_compare_screen_highlights_input_output_and_step_differences(app: App, username: str) -> None:
    app.sign_up(username)
    first, second, workflow_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    compared = {
        "executions": [
            status_object(first, workflow_id, "completed", input_data={"name": "Ada"}),
            status_object(second, workflow_id, "failed", input_data={"name": "Alan"}, error_message="boom"),
        ],
        "input_diff": [{"path": "/name", "values": ["Ada", "Alan"]}],
        "output_diff": [{"path": "/greeting", "values": ["Hello Ada", None]}],
        "steps": [
            {
                "step_name": "Greet",
                "step_type": "transform",
                "per_execution": [
                    {"execution_id": first, "status": "succeeded", "attempts": 1, "duration_ms": 12},
                    {"execution_id": second, "status": "succeeded", "attempts": 1, "duration_ms": 9},
                ],
                "output_equal": False,
                "output_diff": [{"path": "/greeting", "values": ["Hello Ada", "Hello Alan"]}],
                "difference": "output",
            },
            {
                "step_name": "Notify",
                "step_type": "http",
                "per_execution": [
                    {"execution_id": first, "status": "succeeded", "attempts": 1, "duration_ms": 40},
                    {"execution_id": second, "status": "succeeded", "attempts": 3, "duration_ms": 120},
                ],
                "output_equal": True,
                "output_diff": [],
                "difference": "same",
            },
            {
                "step_name": "Charge",
                "step_type": "http",
                "per_execution": [
                    {"execution_id": first, "status": "failed", "attempts": 2, "duration_ms": 30},
                    {"execution_id": second, "status": "not_run", "attempts": 0, "duration_ms": None},
                ],
                "output_equal": True,
                "output_diff": [],
                "difference": "status",
            },
            {
                "step_name": "Receipt",
                "step_type": "transform",
                "per_execution": [
                    {"execution_id": first, "status": "succeeded", "attempts": 1, "duration_ms": 3},
                    {"execution_id": second, "status": "not_run", "attempts": 0, "duration_ms": None},
                ],
                "output_equal": False,
                "output_diff": [{"path": "", "values": [None, None]}],  # it output null; it did not run
                "difference": "status",
            },
        ],
    }
    requested: list[str] = []

    def compare(route: Route) -> None:
        requested.append(route.request.url)
        answer(route, compared)

    app.page.route(re.compile(r".*/api/workflows/executions/compare\?.*"), compare)
    app.open(f"/compare?ids={first},{second}")
    expect(app.page.get_by_role("heading", name="Compare 2 executions")).to_be_visible()
    assert f"ids={first}%2C{second}" in requested[0] or f"ids={first},{second}" in requested[0]
    inputs = app.page.get_by_role("region", name="Input differences")
    expect(inputs.locator("tr.differs")).to_contain_text('/name"Ada""Alan"')
    outputs = app.page.get_by_role("region", name="Output differences")
    expect(outputs).to_contain_text("absent")  # null where a run has no value at that path
    steps = app.page.get_by_role("region", name="Steps")
    expect(steps.locator("tr.differs")).to_have_count(3)
    expect(steps).to_contain_text("3 attempts")
    steps.get_by_text("≠ output differs (1)").click()
    expect(steps.get_by_text('"Hello Alan"')).to_be_visible()
    expect(steps.locator("tr[data-step='Notify']")).to_contain_text("✓ same")
    charge = steps.locator("tr[data-step='Charge']")
    expect(charge).to_contain_text("≠ status: failed here, not run there")
    expect(charge).to_contain_text("no output to compare")
    receipt = steps.locator("tr[data-step='Receipt']")
    expect(receipt).to_contain_text("succeeded here, not run there")
    receipt.get_by_text("outputs (1)").click()
    expect(receipt.locator("li")).to_have_text("/: null | (not run)")  # null output, told apart from no run
    compared_runs = app.page.get_by_role("table", name="The executions compared")
    expect(compared_runs.locator("td.workflow")).to_have_text([workflow_id[:8], workflow_id[:8]])  # not the caller's
    app.axe_check()

    app.open("/compare?ids=" + first)
    expect(app.page.get_by_text("Pick 2 to 10 executions to compare.")).to_be_visible()


def test_the_metrics_screen_charts_the_series_and_links_a_bucket_to_its_runs(
    app: App, username: str, stack: dict
) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    workflow_id = create_workflow(
        client, "Greeter", [{"name": "Greet", "type": "transform", "config": {"expression": "input"}}]
    )
    other_id = create_workflow(
        client, "Another greeter", [{"name": "Greet", "type": "transform", "config": {"expression": "input"}}]
    )
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    series = [
        {
            "start": (hour - timedelta(hours=offset)).isoformat(),
            "total": 4 - offset,
            "completed": 3 - offset,
            "failed": 1,
            "p50_ms": 120.0 + offset,
            "p90_ms": 300.0,
        }
        for offset in (2, 1, 0)
    ]
    metrics = {
        "from": (hour - timedelta(days=1)).isoformat(),
        "to": hour.isoformat(),
        "executions": {"total": 9, "by_status": {"completed": 6, "failed": 3}},
        "success_rate": 6 / 9,
        "duration_ms": {"p50": 121, "p90": 300, "p99": 410, "mean": 150, "max": 420},
        "steps": [
            {
                "step_name": "Greet",
                "step_type": "transform",
                "workflow_id": workflow_id,
                "attempts": 12,
                "failures": 3,
                "failure_rate": 0.25,
                "duration_ms": {"p50": 10, "p90": 20, "p99": 30, "mean": 12},
            },
            {
                "step_name": "Greet",
                "step_type": "transform",
                "workflow_id": other_id,
                "attempts": 2,
                "failures": 0,
                "failure_rate": 0.0,
                "duration_ms": {"p50": 5, "p90": 5, "p99": 5, "mean": 5},
            },
        ],
        "series": series,
    }
    asked: list[str] = []

    def reply(route: Route) -> None:
        asked.append(route.request.url)
        answer(route, metrics)

    app.page.route(re.compile(r".*/api/metrics\?.*"), reply)
    app.open("/metrics?range=24h&granularity=hour")
    expect(app.page.locator("#kpi-total")).to_have_text("9")
    expect(app.page.locator(".kpis").get_by_text("66.7%")).to_be_visible()
    expect(app.page.locator(".chart canvas")).to_have_count(3)  # uPlot, loaded under the page's CSP
    expect(app.page.get_by_role("table", name="Per step")).to_contain_text("25.0%")
    greet = app.page.get_by_role("table", name="Per step").locator("tbody tr[data-step='Greet']")
    expect(greet).to_have_count(2)  # one row per step of one workflow, by workflow name
    expect(greet.nth(0).locator("td").first).to_have_text("Another greeter")
    expect(greet.nth(1).locator("td").first).to_have_text("Greeter")
    assert "granularity=hour" in asked[0] and "started_after=" in asked[0] and "started_before=" in asked[0]

    # The legends show numbers: the whole range's while the cursor is off the charts, a bucket's under it.
    legend = app.page.locator(".chart").first.locator(".u-legend")
    expect(legend.locator(".u-value")).to_have_text(["last 24 hours, in all", "9", "6", "3"])
    expect(app.page.locator(".chart").nth(1).locator(".u-legend .u-value").nth(1)).to_have_text("66.7%")
    expect(app.page.locator(".chart").nth(2).locator(".u-legend .u-value").nth(1)).to_have_text("121 ms")
    for chart in app.page.locator(".chart").all():
        expect(chart.locator(".u-legend .u-value").filter(has_text="--")).to_have_count(0)
    last = app.page.locator(".chart").first.locator(".u-over")
    box = last.bounding_box()
    assert box
    app.page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)  # the latest bucket
    expect(legend.locator(".u-value").nth(1)).to_have_text("4")
    app.page.mouse.move(0, 0)
    expect(legend.locator(".u-value").nth(1)).to_have_text("9")
    app.axe_check()

    # The buckets suit the range: a week is daily unless hourly is chosen.
    asked.clear()
    app.page.get_by_label("Range").select_option("7d")
    expect(app.page.get_by_label("Buckets")).to_have_value("day")
    assert "granularity=day" in asked[-1]
    app.page.get_by_label("Buckets").select_option("hour")
    expect(app.page.get_by_label("Buckets")).to_have_value("hour")
    assert "granularity=hour" in asked[-1]
    app.open("/metrics?range=24h&granularity=hour")

    app.page.get_by_text("Buckets with runs, as a table").click()
    app.page.get_by_role("cell").get_by_role("link").first.click()
    expect(app.page.get_by_role("heading", name="Executions", exact=True)).to_be_visible()
    assert "range=custom" in app.page.url and "from=" in app.page.url
    expect(app.page.get_by_label("Started")).to_have_value("custom")


def test_log_search_pages_with_the_cursor_and_links_each_hit(app: App, username: str) -> None:
    app.sign_up(username)
    execution_id, workflow_id = str(uuid.uuid4()), str(uuid.uuid4())

    def hit(n: int) -> dict:
        return {
            "id": str(uuid.uuid4()),
            "execution_id": execution_id,
            "workflow_id": workflow_id,
            "step_name": f"Step {n}",
            "step_type": "http",
            "attempt": 1,
            "input_data": {},
            "output_data": None,
            "duration_ms": 5,
            "error_message": "timeout talking to shipping" if n % 2 else None,
            "timestamp": datetime.now(UTC).isoformat(),
        }

    seen: list[str] = []

    def logs(route: Route) -> None:
        seen.append(route.request.url)
        if "next_token=page2" in route.request.url:
            answer(route, [hit(3)])
        else:
            answer(route, [hit(1), hit(2)], {"X-Next-Token": "page2"})

    app.page.route(re.compile(r".*/api/logs\?.*"), logs)
    app.open("/logs")
    app.page.get_by_label("Text").fill("shipping")
    app.page.get_by_label("Result").select_option("true")
    app.page.get_by_role("button", name="Search").click()
    expect(app.page.locator("tbody tr")).to_have_count(2)
    assert "q=shipping" in seen[-1] and "has_error=true" in seen[-1]
    app.axe_check()
    app.page.get_by_role("button", name="Load more").click()
    expect(app.page.locator("tbody tr")).to_have_count(3)
    expect(app.page.get_by_role("button", name="Load more")).to_have_count(0)
    app.page.locator("tbody tr").first.get_by_role("link").click()
    expect(app.page).to_have_url(re.compile(f"#/executions/{execution_id}$"))


def test_bulk_cancel_sends_the_selected_ids_and_shows_each_outcome(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    workflow_id = create_workflow(client, "Bulk", LONG_WAIT)
    ids = [execute(client, workflow_id) for _ in range(2)]
    sent: list[dict] = []

    def batch_cancel(route: Route) -> None:
        body = route.request.post_data_json
        sent.append(body)
        answer(
            route,
            {
                "results": [
                    {"execution_id": i, "outcome": "cancelled", "status": "cancelled"} for i in body["execution_ids"]
                ]
            },
        )

    app.page.route("**/api/workflows/executions/batch-cancel", batch_cancel)
    app.open("/executions")
    # The answer above is made up (the runs go on): cancel only once the page has its live view and both runs are
    # `running`, or a later status message or the read after subscribing would rightly put `running` back.
    expect(app.page.locator("main")).to_have_attribute("data-live", "synced")
    expect(app.page.locator("tbody").get_by_text("running")).to_have_count(2)
    app.page.get_by_label("Select all executions on this page").check()
    app.page.get_by_role("button", name="Cancel selected (2)").click()
    expect(app.page.get_by_text("Cancelled 2 of 2 execution(s).")).to_be_visible()
    assert sorted(sent[0]["execution_ids"]) == sorted(ids)
    expect(app.page.locator("tbody").get_by_text("cancelled")).to_have_count(2)
    expect(app.page.get_by_role("button", name="Compare selected (2)")).to_be_enabled()


def test_live_statuses_arrive_over_the_websocket_with_no_polling(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    workflow_id = create_workflow(client, "Pushed", LONG_WAIT)
    execution_id = execute(client, workflow_id)
    subscriptions: list[dict] = []
    sockets: list[WebSocketRoute] = []

    def config(route: Route) -> None:
        document = route.fetch().json()
        answer(route, {**document, "WebSocketUrl": "ws://127.0.0.1:9/"})

    def socket(ws: WebSocketRoute) -> None:
        assert "token=" in ws.url
        sockets.append(ws)

        def on_message(message: str | bytes) -> None:
            request = json.loads(message)
            subscriptions.append(request)
            ws.send(json.dumps({"type": "subscribed", **{k: v for k, v in request.items() if k != "action"}}))

        ws.on_message(on_message)

    app.page.route("**/config.json", config)
    app.page.route_web_socket(re.compile(r"ws://127\.0\.0\.1:9/.*"), socket)
    app.open("/executions")
    row = app.page.locator(f"tr[data-id='{execution_id}']")
    expect(row).to_contain_text("running")
    app.page.wait_for_timeout(300)
    assert subscriptions == [{"action": "subscribe"}]
    expect(app.page.locator("main")).to_have_attribute("data-live", "synced")  # subscribed, then read once
    polls: list[str] = []
    app.page.on("request", lambda request: polls.append(request.url) if "/api/" in request.url else None)
    app.page.wait_for_timeout(2500)  # the fallback poll would have run twice by now
    sockets[0].send(
        json.dumps({"type": "execution", "execution": status_object(execution_id, workflow_id, "completed")})
    )
    expect(row).to_contain_text("completed")
    assert polls == []

    # The execution page subscribes to its execution and draws pushed log items on the timeline.
    app.open(f"/executions/{execution_id}")
    expect(app.page.locator("#execution-status")).to_contain_text("running")
    app.page.wait_for_timeout(300)
    expect(app.page.locator("main")).to_have_attribute("data-live", "synced")
    assert {"action": "subscribe", "execution_id": execution_id} in subscriptions
    log = {
        "id": str(uuid.uuid4()),
        "step_name": "Sleep",
        "step_type": "transform",
        "attempt": 1,
        "input_data": {},
        "output_data": {"ok": True},
        "duration_ms": 20,
        "error_message": None,
        "timestamp": datetime.now(UTC).isoformat(),
    }
    sockets[-1].send(json.dumps({"type": "log", "execution_id": execution_id, "log": log}))
    expect(
        app.page.get_by_role("table", name="Timeline of step attempts").locator("[data-step='Sleep']")
    ).to_have_count(1)
    client.post(f"/api/workflows/executions/{execution_id}/cancel")
