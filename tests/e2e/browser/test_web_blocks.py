"""Blocks in the web app (issue 20): the flow view draws a choice's branches, a parallel's lanes and a map's
framed lane, coloured by a run's step states; the timeline groups a block's attempts with their iteration; the
JSON editor shows a 422 of a nested step at its line. The timeline's grouping is driven through the app's own
modules (page.evaluate importing them) with logs that carry `parent_step` and `iteration`."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import App
from tests.e2e.browser.test_web_flows import api_client, create_workflow, execute

pytestmark = pytest.mark.xdist_group("e2e")


def leaf(name: str, expression: str) -> dict:
    return {"name": name, "type": "transform", "config": {"expression": expression}}


ORDER_FLOW = [
    leaf("Load order", "{total: input.total, lines: input.lines}"),
    {
        "name": "Route",
        "type": "choice",
        "config": {
            "branches": [
                {
                    "when": {"path": 'steps."Load order".output.total', "op": "gt", "value": 100},
                    "steps": [leaf("Ask finance", "{approved: `true`}")],
                },
                {
                    "when": {
                        "all": [
                            {"path": "input.vip", "op": "true"},
                            {"path": "input.country", "op": "eq", "value": "FR"},
                        ]
                    },
                    "steps": [leaf("Fast lane", "{fast: `true`}")],
                },
            ],
            "otherwise": [leaf("Auto approve", "{approved: `true`}")],
        },
    },
    {
        "name": "Enrich",
        "type": "parallel",
        "config": {
            "branches": [
                {"name": "stock", "steps": [leaf("Check stock", "{ok: `true`}")]},
                {"name": "customer", "steps": [leaf("Load customer", "{tier: 'gold'}")]},
            ]
        },
    },
    {
        "name": "Each line",
        "type": "map",
        "config": {
            "items": "input.lines",
            "max_concurrency": 3,
            "steps": [leaf("Price line", "{sku: item.sku, at: index}")],
        },
    },
]


def test_each_block_is_drawn_and_a_run_colours_it(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    workflow_id = create_workflow(api_client(stack, username), "Order router", ORDER_FLOW)
    app.open(f"/workflows/{workflow_id}")
    flow = app.page.get_by_role("list", name="Steps, in order")
    expect(flow.locator(":scope > li")).to_have_count(4)
    route = flow.locator("li[data-step='Route']")
    # A choice: its branches side by side, each labelled with its condition, then "otherwise".
    lanes = route.locator(".flow-lanes > .flow-lane")
    expect(lanes).to_have_count(3)
    expect(lanes.nth(0).locator(".lane-label")).to_have_text('if steps."Load order".output.total > 100')
    expect(lanes.nth(1).locator(".lane-label")).to_have_text('if (input.vip is true and input.country = "FR")')
    expect(lanes.nth(2).locator(".lane-label")).to_have_text("otherwise")
    expect(lanes.nth(2).get_by_role("listitem")).to_contain_text("Auto approve")
    # A parallel: one lane per branch, named; a map: one framed lane.
    enrich = flow.locator("li[data-step='Enrich']")
    expect(enrich.get_by_role("group", name="Branch stock")).to_contain_text("Check stock")
    expect(enrich.get_by_role("group", name="Branch customer")).to_contain_text("Load customer")
    each = flow.locator("li[data-step='Each line']").get_by_role("group", name="for each input.lines (max 3 at once)")
    expect(each.locator(".lane-label")).to_have_text("for each input.lines (max 3 at once)")
    expect(each.get_by_role("listitem")).to_contain_text("Price line")
    lanes_box = enrich.locator(".flow-lane")
    first, second = lanes_box.nth(0).bounding_box(), lanes_box.nth(1).bounding_box()
    assert first and second and second["x"] > first["x"] + first["width"] - 1  # side by side, not stacked
    app.axe_check()

    # Run it: the execution's flow colours each step by its state; the branch not taken did not run.
    app.page.get_by_role("button", name="Run").click()
    run_input = {"total": 250, "lines": [{"sku": "a"}, {"sku": "b"}, {"sku": "c"}]}
    app.page.get_by_label("Input data (JSON object)").fill(json.dumps(run_input))
    app.page.get_by_role("dialog").get_by_role("button", name="Run").click()
    expect(app.page.locator("#execution-status")).to_contain_text("completed", timeout=30_000)
    flow = app.page.get_by_role("region", name="Flow").get_by_role("list", name="Steps, in order")
    expect(flow.locator("li[data-step='Ask finance']")).to_have_attribute("data-state", "succeeded")
    expect(flow.locator("li[data-step='Auto approve']")).to_have_attribute("data-state", "not_run")
    expect(flow.locator("li[data-step='Fast lane']")).to_contain_text("not run")
    expect(flow.locator("li[data-step='Route']")).to_have_attribute("data-state", "succeeded")
    expect(flow.locator("li[data-step='Check stock']")).to_have_attribute("data-state", "succeeded")
    expect(flow.locator("li[data-step='Price line']")).to_have_attribute("data-state", "succeeded")
    # The real logs say where each attempt ran (`parent_step`, `iteration`): the flow counts the map's items.
    expect(flow.locator("li[data-step='Price line'] .step-head")).to_contain_text("3 item(s)")
    expect(flow.locator("li[data-step='Price line'] .step-head")).not_to_contain_text("attempts")
    # The timeline groups each block's attempts under a row of the block; a map's attempts show their item.
    timeline = app.page.get_by_role("table", name="Timeline of step attempts")
    expect(timeline.locator("[data-step='Auto approve']")).to_have_count(0)
    groups = timeline.locator(".gantt-group")
    expect(groups).to_have_count(3)
    assert [groups.nth(index).get_attribute("data-group") for index in range(3)] == ["Route", "Enrich", "Each line"]
    expect(groups.filter(has_text="Each line")).to_contain_text("3 attempt(s) · 3 item(s)")
    prices = timeline.locator("[data-step='Price line']")
    expect(prices).to_have_count(3)
    for index in range(3):
        expect(prices.nth(index)).to_have_attribute("data-parent", "Each line")
        expect(prices.nth(index)).to_have_class(re.compile(r"depth-1"))
    assert sorted(prices.nth(index).get_attribute("data-iteration") for index in range(3)) == ["0", "1", "2"]
    assert sorted(prices.locator(".iteration").all_text_contents()) == ["#0", "#1", "#2"]
    expect(timeline.locator("[data-step='Ask finance']")).to_have_attribute("data-parent", "Route")
    expect(timeline.locator("[data-step='Load order']")).to_have_class(re.compile(r"depth-0"))
    # The logs table says where each attempt ran, and filters by block (`parent_step`).
    logs = app.page.get_by_role("table", name="Step logs, oldest first")
    expect(logs.locator("tbody tr")).to_have_count(7)
    step_cells = logs.locator("tbody tr > td:nth-child(2)")  # the step's name, and where it ran
    expect(step_cells.filter(has_text="Ask finance")).to_have_text("Ask financein Route")
    places = step_cells.filter(has_text="Price line").locator(".place")
    expect(places).to_have_count(3)
    assert sorted(places.all_text_contents()) == [f"in Each line · item #{index}" for index in range(3)]
    expect(step_cells.filter(has_text="Load order").locator(".place")).to_have_count(0)
    app.page.get_by_label("In block").select_option("Each line")
    app.page.get_by_role("form", name="Log filters").get_by_role("button", name="Filter").click()
    expect(step_cells).to_have_count(3)
    expect(step_cells.filter(has_text="Price line")).to_have_count(3)
    app.axe_check()


FAKE_LOGS = """
(base) => {
  const at = (ms) => new Date(Date.parse(base) + ms).toISOString();
  const log = (step_name, ms, extra = {}) => ({ id: `${step_name}-${ms}`, step_name, step_type: "transform",
    attempt: 1, timestamp: at(ms), duration_ms: 100, parent_step: null, iteration: null, ...extra });
  return [
    log("Load order", 0),
    log("Ask finance", 200, { parent_step: "Route" }),
    log("Check stock", 400, { parent_step: "Enrich" }),
    log("Load customer", 410, { parent_step: "Enrich" }),
    log("Price line", 700, { parent_step: "Each line", iteration: 1 }),
    log("Price line", 600, { parent_step: "Each line", iteration: 0 }),
    log("Price line", 800, { parent_step: "Each line", iteration: 2, error_message: "boom" }),
    log("Price line", 900, { parent_step: "Each line", iteration: 2, attempt: 2 }),
  ];
}
"""


def test_the_timeline_groups_attempts_under_their_block_with_the_iteration(app: App, username: str) -> None:
    app.sign_up(username)
    app.open("/workflows")
    app.wait_ready("/workflows")
    rows = app.page.evaluate(
        f"""async (steps) => {{
          const {{ timeline }} = await import(new URL("src/timeline.js", location.href).href);
          const {{ stepStates }} = await import(new URL("src/step-tree.js", location.href).href);
          const base = "2026-01-01T00:00:00Z";
          const logs = ({FAKE_LOGS})(base);
          const execution = {{ status: "completed", started_at: base, completed_at: "2026-01-01T00:00:01.100Z" }};
          const table = timeline(logs, execution, steps);
          document.getElementById("main").replaceChildren(table);
          const states = Object.fromEntries(stepStates(steps, logs, execution));
          return {{
            rows: [...table.querySelectorAll(".gantt-row:not(.gantt-axis)")].map((row) => ({{
              group: row.dataset.group ?? null, step: row.dataset.step ?? null, parent: row.dataset.parent ?? null,
              iteration: row.dataset.iteration ?? null, depth: row.className.match(/depth-(\\d)/)[1],
              label: row.querySelector("[role=rowheader]").textContent }})),
            states,
          }};
        }}""",
        ORDER_FLOW,
    )
    shape = [(row["group"] or row["step"], row["depth"], row["iteration"]) for row in rows["rows"]]
    assert shape == [
        ("Load order", "0", ""),
        ("Route", "0", None),
        ("Ask finance", "1", ""),
        ("Enrich", "0", None),
        ("Check stock", "1", ""),
        ("Load customer", "1", ""),
        ("Each line", "0", None),
        ("Price line", "1", "0"),
        ("Price line", "1", "1"),
        ("Price line", "1", "2"),
        ("Price line", "1", "2"),
    ]
    labels = [row["label"] for row in rows["rows"]]
    assert labels[6] == "▾ Each line map"
    assert labels[8] == "Price line#1 attempt 1, in Each line"
    group_rows = app.page.locator(".gantt-group")
    expect(group_rows.filter(has_text="Each line")).to_contain_text("4 attempt(s) · 3 item(s) · 1 failed")
    # The flow's states from the same logs: the retried iteration succeeded at last; the branch not taken did not run.
    states = rows["states"]
    assert states["Price line"] == {"state": "succeeded", "attempts": 4, "iterations": 3, "failed": 0}
    assert states["Each line"]["state"] == "succeeded"
    assert states["Auto approve"]["state"] == "not_run" and states["Fast lane"]["state"] == "not_run"
    assert states["Route"]["state"] == "succeeded"
    app.axe_check()


def test_a_nested_bad_step_is_shown_at_its_line(app: App, username: str) -> None:
    app.sign_up(username)
    app.open("/workflows/new")
    editor = app.page.get_by_label("Workflow definition (JSON)")
    bad = {
        "name": "Nested",
        "steps": [
            leaf("Start", "input"),
            {
                "name": "Fan out",
                "type": "parallel",
                "config": {
                    "branches": [
                        {
                            "name": "a",
                            "steps": [
                                leaf("One", "input"),
                                {"name": "Nap", "type": "wait", "config": {"seconds": "soon"}},
                            ],
                        },
                        {"name": "b", "steps": [leaf("Two", "input")]},
                    ]
                },
            },
        ],
    }
    editor.fill(json.dumps(bad))
    app.page.get_by_role("button", name="Create").click()
    message = app.page.locator(".json-errors li").first
    expect(message).to_have_attribute("data-loc", "steps.1.parallel.config.branches.0.steps.1.wait.config.seconds")
    expect(message).to_contain_text("step “Nap” › config.seconds")
    expect(message).not_to_contain_text("step 'Nap'")  # the API's own prefix names the step: said once
    line = int(message.get_attribute("data-line"))
    assert '"seconds": "soon"' in editor.input_value().split("\n")[line - 1]
    expect(app.page.locator(".gutter-error")).to_have_text(f"⚠ {line}")
    app.axe_check()

    # A rule over the whole tree (a name used twice) is answered at `steps`: the message points at the nested step.
    bad["steps"][1]["config"]["branches"][0]["steps"][1] = leaf("Start", "input")
    editor.fill(json.dumps(bad))
    app.page.get_by_role("button", name="Create").click()
    expect(message).to_contain_text("appears twice")
    expect(message).to_contain_text("step “Start”")
    line = int(message.get_attribute("data-line"))
    lines = editor.input_value().split("\n")
    assert lines[line - 1].strip() == "{" and '"name": "Start"' in lines[line]  # the step's first line
    assert line > 10  # the nested one, not the first


def test_a_log_read_and_pushed_is_shown_once(app: App, username: str) -> None:
    """The execution page reads the logs, then listens: a log pushed while it read arrives twice (same id)."""
    app.sign_up(username)
    app.open("/workflows")
    app.wait_ready("/workflows")
    merged = app.page.evaluate(
        """async () => {
          const { mergeLogs } = await import(new URL("src/timeline.js", location.href).href);
          const log = (id, timestamp, extra = {}) => ({ id, step_name: id, timestamp, ...extra });
          const read = [log("b", "2026-01-01T00:00:02Z"), log("a", "2026-01-01T00:00:01Z")];
          const pushed = [log("b", "2026-01-01T00:00:02Z", { output_data: 1 }), log("c", "2026-01-01T00:00:03Z")];
          return mergeLogs(read, pushed);
        }"""
    )
    assert [(log["id"], log.get("output_data")) for log in merged] == [("a", None), ("b", 1), ("c", None)]


def test_compare_and_log_search_say_where_a_map_step_ran(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    workflow_id = create_workflow(client, "Order router", ORDER_FLOW)
    lines = [{"sku": "a"}, {"sku": "b"}, {"sku": "c"}]
    runs = [
        execute(client, workflow_id, {"total": 250, "lines": lines})
        for lines in (lines, [*lines[:1], {"sku": "B"}, *lines[2:]])
    ]
    assert [client.wait_terminal(run)["status"] for run in runs] == ["completed", "completed"]

    # Compare: a map's rows, one per item, under a row of their block; the item that differs is marked.
    app.open(f"/compare?ids={','.join(runs)}")
    table = app.page.get_by_role("table", name="Each step in each run")
    expect(table.locator("tr.compare-group")).to_have_count(3)
    expect(table.locator("tr.compare-group[data-group='Each line']")).to_have_text("▾ in Each line")
    prices = table.locator("tr[data-step='Price line']")
    expect(prices).to_have_count(3)
    assert [prices.nth(index).get_attribute("data-iteration") for index in range(3)] == ["0", "1", "2"]
    expect(prices.locator(".iteration")).to_have_text(["#0", "#1", "#2"])
    expect(prices.nth(1).locator("th")).to_contain_text("Price line#1, in Each line · item #1")
    expect(prices.nth(1)).to_have_class(re.compile(r"differs"))
    expect(prices.nth(0)).not_to_have_class(re.compile(r"differs"))
    group_then_rows = table.locator("tbody > tr").evaluate_all(
        "rows => rows.map(row => row.dataset.group ? `[${row.dataset.group}]` : row.dataset.step)"
    )
    at = group_then_rows.index("[Each line]")
    assert group_then_rows[at : at + 4] == ["[Each line]", "Price line", "Price line", "Price line"]
    app.axe_check()

    # Log search: the `parent_step` filter, and each hit says where it ran.
    app.open(f"/logs?parent_step={'Each line'}&workflow_id={workflow_id}")
    expect(app.page.get_by_label("In block")).to_have_value("Each line")
    hits = app.page.get_by_role("table", name="Matching step logs, newest first").locator("tbody tr > td:nth-child(4)")
    expect(hits).to_have_count(6)
    expect(hits.locator(".place")).to_have_count(6)
    assert sorted(hits.locator(".place").all_text_contents()) == sorted(
        [f"in Each line · item #{index}" for index in range(3)] * 2
    )
    app.page.get_by_label("In block").fill("Enrich")
    app.page.get_by_role("search", name="Search logs").get_by_role("button", name="Search").click()
    expect(hits).to_have_count(4)
    expect(hits.filter(has_text="Check stock")).to_have_count(2)
    expect(hits.locator(".place")).to_have_text(["in Enrich"] * 4)
    app.axe_check()
