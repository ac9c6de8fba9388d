"""`wfe triggers ls|add|rm`: a workflow's inbound webhook triggers; `wfe trigger sign`: a signed curl line to test one.

The secret is shown once, by `add`; the API never returns it again, so `sign` reads it from --secret or
$WFE_TRIGGER_SECRET. The signature is `X-Signature-256: sha256=<hex HMAC-SHA256 of "<X-Timestamp>.<body>">`
(README "Inbound webhooks"), computed here, offline.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shlex
import time
import uuid

import click

from wfe.commands import CONTEXT, Ctx, cli, command, resolve_workflow
from wfe.errors import UsageError
from wfe.secret_commands import stdin_is_terminal

HOOK_PATH = "/api/hooks/"  # the inbound route (openapi.json: POST /api/hooks/{trigger_id})


@cli.group(context_settings=CONTEXT)
def triggers() -> None:
    """List, add and delete a workflow's inbound webhook triggers (signed calls that start it)."""


@cli.group(context_settings=CONTEXT)
def trigger() -> None:
    """Work with one trigger: `wfe trigger sign` prints a signed curl call."""


def _triggers_path(context: Ctx, workflow: str) -> str:
    return f"/api/workflows/{resolve_workflow(context, workflow)}/triggers"


@command(triggers, "ls")
@click.argument("workflow")
def triggers_ls(context: Ctx, workflow: str) -> None:
    """WORKFLOW's triggers (id or unique name): ids, URLs and when each was made; never their secrets."""
    from wfe import render

    items = context.api.get(_triggers_path(context, workflow))

    def human() -> object:
        if not items:
            return f"No triggers yet: wfe triggers add {workflow}"
        table = render.table_of("ID", "URL", "CREATED")
        for item in items:
            table.add_row(str(item["id"]), render.escape(item["url"]), render.when(item.get("created_at")))
        return table

    context.emit(items, human)


@command(triggers, "add")
@click.argument("workflow")
def triggers_add(context: Ctx, workflow: str) -> None:
    """Add a trigger to WORKFLOW: prints its URL and its secret, which is shown this once."""
    created = context.api.post(_triggers_path(context, workflow))

    def human() -> str:
        return (
            f"Trigger {created['id']}\n"
            f"  url:    {created['url']}\n"
            f"  secret: {created['secret']}\n"
            "Keep the secret now: it is never shown again. Test it with\n"
            f"  WFE_TRIGGER_SECRET=<secret> wfe trigger sign {created['id']} --body '{{}}'"
        )

    context.emit(created, human)


@command(triggers, "rm")
@click.argument("workflow")
@click.argument("trigger_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def triggers_rm(context: Ctx, workflow: str, trigger_id: str, yes: bool) -> None:
    """Delete WORKFLOW's trigger TRIGGER_ID: its URL answers 404 from then on."""
    path = f"{_triggers_path(context, workflow)}/{_checked_id(trigger_id)}"
    if not yes:
        if not stdin_is_terminal():
            raise UsageError("Refusing to delete without confirmation: add --yes")
        click.confirm(f"Delete trigger {trigger_id}? Calls to its URL will be refused", abort=True, err=True)
    context.api.json("DELETE", path)
    context.emit({"deleted": trigger_id}, lambda: f"Deleted trigger {trigger_id}")


def _checked_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise UsageError(f"Invalid trigger id {value!r}: a UUID (wfe triggers ls WORKFLOW)") from None


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@command(trigger, "sign")
@click.argument("trigger_id")
@click.option("--body", default="{}", show_default=True, help="The JSON object to send (the run's input_data).")
@click.option(
    "--secret",
    envvar="WFE_TRIGGER_SECRET",
    metavar="SECRET",
    help="The trigger's secret (shown once by `wfe triggers add`). Env: WFE_TRIGGER_SECRET (kept out of history).",
)
@click.option("--delivery-id", metavar="ID", help="X-Delivery-Id (default: a fresh one; repeat it to test a replay).")
def trigger_sign(context: Ctx, trigger_id: str, body: str, secret: str | None, delivery_id: str | None) -> None:
    """Print a curl command that calls TRIGGER_ID with BODY, signed now (valid for 300 seconds)."""
    if not secret:
        raise UsageError("No secret: pass --secret or set WFE_TRIGGER_SECRET (the API never shows it again)")
    try:
        document = json.loads(body)
    except ValueError as error:
        raise UsageError(f"--body is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise UsageError("--body must be a JSON object (it becomes the run's input_data)")
    url = f"{context.stack.api_url.rstrip('/')}{HOOK_PATH}{_checked_id(trigger_id)}"
    timestamp = str(int(time.time()))
    delivery = delivery_id or str(uuid.uuid4())
    headers = {
        "Content-Type": "application/json",
        "X-Timestamp": timestamp,
        "X-Delivery-Id": delivery,
        "X-Signature-256": signature(secret, timestamp, body.encode()),
    }
    parts = ["curl", "-sS", "-X", "POST", url]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    parts += ["--data-binary", body]
    line = shlex.join(parts)
    if context.as_json:
        context.emit({"curl": line, "url": url, "headers": headers, "body": body}, lambda: None)
    else:
        click.echo(line)  # as is: a terminal-width wrap would break the line a shell reads
