"""`wfe schedules ls|add|rm|pause|resume WORKFLOW`: a workflow's schedules (README "Schedules"). WORKFLOW is an id
or a unique name; the API validates expressions and zones (a 422 says what is wrong)."""

from __future__ import annotations

import json
from typing import Any

import click

from wfe.commands import CONTEXT, Ctx, cli, command, resolve_workflow
from wfe.errors import UsageError


@cli.group(context_settings=CONTEXT)
def schedules() -> None:
    """List, add, pause, resume and delete a workflow's schedules (rate, cron, at; in a time zone)."""


def _base(context: Ctx, workflow: str) -> str:
    return f"/api/workflows/{resolve_workflow(context, workflow)}/schedules"


def _body(schedule: dict[str, Any], **changes: Any) -> dict[str, Any]:
    fields = ("expression", "timezone", "input_data", "enabled", "overlap")
    return {**{name: schedule.get(name) for name in fields}, **changes}


@command(schedules, "ls")
@click.argument("workflow")
def schedules_ls(context: Ctx, workflow: str) -> None:
    """WORKFLOW's schedules, with their next run in each schedule's zone."""
    from wfe import render

    items = context.api.get(_base(context, workflow))

    def human() -> object:
        if not items:
            return 'No schedules yet: wfe schedules add WORKFLOW "cron(0 2 * * ? *)" --timezone Europe/Paris'
        table = render.table_of("ID", "EXPRESSION / ZONE", "ON", "NEXT RUN (ZONE)")
        for item in items:
            table.add_row(
                item["id"],
                render.escape(f"{item['expression']}\n{item['timezone']}"),
                "yes" if item["enabled"] else "paused",
                (item.get("next_run_at") or "-")[:16].replace("T", " "),
            )
        return table

    context.emit(items, human)


@command(schedules, "add")
@click.argument("workflow")
@click.argument("expression")
@click.option("--timezone", "-z", default="UTC", show_default=True, help="IANA zone, e.g. Europe/Paris.")
@click.option("--input", "input_text", default=None, help="Each run's input_data, as JSON.")
@click.option("--skip-overlap", is_flag=True, help="Start nothing while a run of the workflow is still active.")
@click.option("--paused", is_flag=True, help="Create it disabled.")
def schedules_add(
    context: Ctx,
    workflow: str,
    expression: str,
    timezone: str,
    input_text: str | None,
    skip_overlap: bool,
    paused: bool,
) -> None:
    """Add a schedule: EXPRESSION is rate(5 minutes), cron(0 2 * * ? *) or at(2026-12-24T18:00:00)."""
    try:
        input_data = json.loads(input_text) if input_text is not None else None
    except json.JSONDecodeError as error:
        raise UsageError(f"--input is not JSON: {error}") from None
    body = {
        "expression": expression,
        "timezone": timezone,
        "input_data": input_data,
        "enabled": not paused,
        "overlap": "skip" if skip_overlap else "allow",
    }
    created = context.api.json("POST", _base(context, workflow), json=body)
    context.emit(created, lambda: f"Schedule {created['id']} added; next run {created.get('next_run_at') or '-'}")


def _schedule_id(context: Ctx, base: str, reference: str) -> str:
    """A schedule id from a full id or its first characters (as `ls` shows them)."""
    items = context.api.get(base)
    matches = [item["id"] for item in items if item["id"].startswith(reference)]
    if len(matches) != 1:
        raise UsageError(f"{len(matches)} schedules of this workflow start with {reference!r}: give the full id")
    return matches[0]


def _set_enabled(context: Ctx, workflow: str, schedule: str, enabled: bool) -> None:
    base = _base(context, workflow)
    schedule_id = _schedule_id(context, base, schedule)
    current = context.api.get(f"{base}/{schedule_id}")
    changed = context.api.json("PUT", f"{base}/{schedule_id}", json=_body(current, enabled=enabled))
    word = "resumed" if enabled else "paused"
    context.emit(changed, lambda: f"Schedule {schedule_id} {word}")


@command(schedules, "pause")
@click.argument("workflow")
@click.argument("schedule")
def schedules_pause(context: Ctx, workflow: str, schedule: str) -> None:
    """Pause SCHEDULE (an id or its first characters): it fires no more until resumed."""
    _set_enabled(context, workflow, schedule, False)


@command(schedules, "resume")
@click.argument("workflow")
@click.argument("schedule")
def schedules_resume(context: Ctx, workflow: str, schedule: str) -> None:
    """Resume a paused SCHEDULE (missed times are not made up)."""
    _set_enabled(context, workflow, schedule, True)


@command(schedules, "rm")
@click.argument("workflow")
@click.argument("schedule")
def schedules_rm(context: Ctx, workflow: str, schedule: str) -> None:
    """Delete SCHEDULE (from EventBridge Scheduler too)."""
    base = _base(context, workflow)
    schedule_id = _schedule_id(context, base, schedule)
    context.api.json("DELETE", f"{base}/{schedule_id}")
    context.emit({"deleted": schedule_id}, lambda: f"Deleted schedule {schedule_id}")
