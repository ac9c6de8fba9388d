"""The web app takes its step types and execution statuses from the served /openapi.json, not from a copy: a
document that lists one more step type and one more status changes the filters the screens offer."""

from __future__ import annotations

import copy
import json

import pytest
from playwright.sync_api import Route, expect

from infra.catalog import REPO_ROOT
from tests.e2e.browser.conftest import App

pytestmark = pytest.mark.xdist_group("e2e")


def extended_document() -> dict:
    """The committed document plus a Lambda-kind step type "sleepy" and a terminal status "expired"."""
    document = json.loads((REPO_ROOT / "openapi.json").read_text())
    schemas = document["components"]["schemas"]
    schemas["SleepyStep"] = {**copy.deepcopy(schemas["TransformStep"]), "title": "SleepyStep"}
    schemas["SleepyStep"]["properties"]["type"]["const"] = "sleepy"
    union = schemas["WorkflowDefinition"]["properties"]["steps"]["items"]
    union["oneOf"].append({"$ref": "#/components/schemas/SleepyStep"})
    union["discriminator"]["mapping"]["sleepy"] = "#/components/schemas/SleepyStep"
    schemas["ExecutionStatus"]["enum"].append("expired")
    schemas["ExecutionStatus"]["x-terminal-statuses"].append("expired")
    return document


def test_the_filters_offer_what_the_served_document_lists(app: App, username: str) -> None:
    served = json.dumps(extended_document())
    app.page.route("**/openapi.json", lambda route: route.fulfill(content_type="application/json", body=served))
    app.sign_up(username)

    app.open("/logs")
    app.wait_ready("/logs")
    step_types = app.page.get_by_label("Step type").locator("option")
    # Every Lambda-kind type (an approval writes its log when decided), "sleepy" included; no "wait" (native).
    expect(step_types).to_have_text(["Any type", "transform", "http", "ai", "approval", "workflow", "sleepy"])

    app.open("/executions")
    app.wait_ready("/executions")
    expect(app.page.get_by_label("Status").locator("option", has_text="expired")).to_have_count(1)


def test_the_app_says_so_when_the_document_cannot_be_read(app: App) -> None:
    def refuse(route: Route) -> None:
        route.fulfill(status=503, body="")

    app.page.route("**/openapi.json", refuse)
    app.open("/signin")
    expect(app.page.get_by_text("openapi.json could not be loaded (503)")).to_be_visible()
