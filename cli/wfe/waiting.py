"""Runs waiting for a person (`approval` steps): what `status`, `ls --waiting` and `run --follow` print.

A status object has `waiting_for: [{"step_name", "message", "since"}]` while an approval step waits (its
status stays `running`); the WebSocket also pushes `{"type": "approval", "execution_id", "step_name",
"message"}` when one starts waiting. Pure rendering (Rich), imported only by commands that print.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from wfe.progress import RunState

PAUSE = "⏸"


def waiting_for(execution: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The steps a run waits on (none once it has ended, whatever a stale object says)."""
    if not execution or execution.get("status") not in ("running", "pending", None):
        return []
    return [entry for entry in execution.get("waiting_for") or [] if isinstance(entry, dict)]


def is_waiting(execution: dict[str, Any]) -> bool:
    return execution.get("status") == "running" and bool(waiting_for(execution))


def decide_hint(execution_id: str, step_name: str) -> str:
    quoted = step_name if step_name.replace("-", "").replace("_", "").isalnum() else repr(step_name)
    return f"wfe approve {execution_id} {quoted}"


def notice(execution_id: str, entry: dict[str, Any]) -> Text:
    """The line `run --follow` prints when the run starts waiting for a person."""
    step, message = str(entry.get("step_name", "")), str(entry.get("message") or "")
    return Text.assemble(
        (f"{PAUSE} waiting for approval: ", "bold yellow"),
        (step, "bold"),
        f" — {message}" if message else "",
        (f"  ({decide_hint(execution_id, step)})", "dim"),
    )


def summary(execution: dict[str, Any]) -> Text:
    """`status`'s "waiting for" row: one line per waiting step, with since and the message."""
    from wfe.render import when

    text = Text()
    for index, entry in enumerate(waiting_for(execution)):
        if index:
            text.append("\n")
        text.append(f"{PAUSE} {entry.get('step_name')}", style="bold yellow")
        text.append(f"  since {when(entry.get('since'))}", style="dim")
        if entry.get("message"):
            text.append(f"  {entry['message']}")
        text.append(f"\n  {decide_hint(str(execution.get('id')), str(entry.get('step_name')))}", style="dim")
    return text


def waiting_table(executions: list[dict[str, Any]], names: dict[str, str] | None = None) -> Table:
    """`ls --waiting`: one row per waiting step of each run; WORKFLOW is its name (`names`: id -> name), else the
    start of its id."""
    from wfe.render import table_of, when

    table = table_of("ID", "STEP", "SINCE", "MESSAGE", "WORKFLOW")
    for execution in executions:
        for entry in waiting_for(execution):
            table.add_row(
                str(execution.get("id", "")),
                escape(str(entry.get("step_name", ""))),
                when(entry.get("since")),
                escape(str(entry.get("message") or "")),
                escape(
                    (names or {}).get(str(execution.get("workflow_id"))) or str(execution.get("workflow_id", ""))[:8]
                ),
            )
    return table


def decided(execution_id: str, step_name: str, decision: str, comment: str | None) -> Text:
    """After `approve`/`reject`: what was sent (the run goes on by itself)."""
    word, style = ("Approved", "green") if decision == "approve" else ("Rejected", "red")
    text = Text.assemble((word, f"bold {style}"), " ", (step_name, "bold"), f" of run {execution_id}")
    if comment:
        text.append(f" — {comment}", style="dim")
    text.append(f"\nFollow it: wfe logs {execution_id} --follow", style="dim")
    return text


class WaitAnnouncer:
    """`logs --follow`: the run's events in, a notice out for each wait that begins (once per wait)."""

    def __init__(self, execution_id: str) -> None:
        self.execution_id = execution_id
        self.state = RunState(steps=[])
        self.announced: set[str] = set()

    def feed(self, event: dict[str, Any]) -> list[Text]:
        if event.get("type") == "execution":
            self.state.add_execution(event["execution"])
        elif event.get("type") == "log":
            self.state.add_log(event["log"])
        elif event.get("type") == "approval":
            self.state.add_waiting(event)
        notices = [notice(self.execution_id, e) for name, e in self.state.waiting.items() if name not in self.announced]
        self.announced = set(self.state.waiting)
        return notices
