"""`wfe approve` and `wfe reject`: decide an `approval` step that is waiting (DESIGN "People and other workflows").

`POST /api/workflows/executions/{id}/approvals/{step_name}` with `{"decision", "comment"?}` answers the status
object (200), 409 when that step is not waiting, 404 for an unknown or foreign run. Registered on `wfe.commands.cli`
when that module is imported; only click is imported here at start-up, like the other commands.
"""

from __future__ import annotations

from typing import Any

import click

from wfe.commands import Ctx, cli, command
from wfe.errors import Conflict, Exit, NotFound

COMMENT_HELP = "A comment kept with the decision (the step's output on approve, the error's cause on reject)."


@command(cli)
@click.argument("execution_id")
@click.argument("step")
@click.option("--comment", metavar="TEXT", help=COMMENT_HELP)
def approve(context: Ctx, execution_id: str, step: str, comment: str | None) -> int:
    """Approve a waiting approval step: it succeeds and the run goes on."""
    return decide(context, execution_id, step, "approve", comment)


@command(cli)
@click.argument("execution_id")
@click.argument("step")
@click.option("--comment", metavar="TEXT", help=COMMENT_HELP)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def reject(context: Ctx, execution_id: str, step: str, comment: str | None, yes: bool) -> int:
    """Reject a waiting approval step: it fails with ApprovalRejected.

    Asks for confirmation unless --yes (retry and continue_on_error then apply, as to any failed step).
    """
    question = f"Reject {step!r} of run {execution_id}? The step fails with ApprovalRejected"
    if not yes and not click.confirm(question, default=False, err=True):
        context.note("Not rejected: nothing was sent")
        return Exit.RUN_FAILED
    return decide(context, execution_id, step, "reject", comment)


def decide(context: Ctx, execution_id: str, step: str, decision: str, comment: str | None) -> int:
    from urllib.parse import quote

    from wfe import waiting

    body: dict[str, Any] = {"decision": decision}
    if comment is not None:
        body["comment"] = comment
    path = f"/api/workflows/executions/{execution_id}/approvals/{quote(step, safe='')}"
    try:
        execution = context.api.post(path, body)
    except NotFound:
        raise NotFound(f"No run {execution_id}: it does not exist, or it is not yours") from None
    except Conflict as error:
        raise Conflict(
            f"Step {step!r} of run {execution_id} is not waiting for a decision",
            [*([f"The API says: {error.message}"] if error.message else []), *_why_not_waiting(context, execution_id)],
        ) from None
    context.emit(execution, lambda: waiting.decided(execution_id, step, decision, comment))
    return Exit.OK


def _why_not_waiting(context: Ctx, execution_id: str) -> list[str]:
    """What the run is doing instead (one more read; none when it cannot be read)."""
    from wfe.errors import CliError
    from wfe.waiting import waiting_for

    try:
        execution = context.api.get(f"/api/workflows/executions/{execution_id}")
    except CliError:
        return []
    status = execution.get("status")
    steps = [str(entry.get("step_name")) for entry in waiting_for(execution)]
    if steps:
        return [f"The run is {status}, waiting for: {', '.join(steps)}"]
    if status == "running":
        return ["The run is running and waits for no decision now (already decided, timed out, or not reached yet)"]
    return [f"The run has ended: {status}"]
