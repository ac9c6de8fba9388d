"""The `wfe` commands (Click). Each command is thin: read options, call the API, print.

Only click and the standard library are imported here at start-up; everything heavier is imported by the
command that needs it, so `wfe --help` stays fast (measured by `make bench`).
"""

from __future__ import annotations

import functools
import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wfe.config import DEFAULT_OUTPUTS, Stack, TokenStore, load_stack
from wfe.errors import CliError, Conflict, Exit, NotFound, UsageError, exit_code_for_run

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}
STEP_TYPE_HELP = "Only this step type (one the stack's openapi.json lists)."


class Ctx:
    """What every command gets: the stack (from the outputs file), the token store, the API client."""

    def __init__(self, outputs: str, as_json: bool) -> None:
        self.outputs = outputs
        self.as_json = as_json
        self._stack: Stack | None = None
        self._api: Any = None

    @property
    def stack(self) -> Stack:
        if self._stack is None:
            self._stack = load_stack(self.outputs)
        return self._stack

    @property
    def store(self) -> TokenStore:
        return TokenStore()

    @property
    def api(self) -> Any:
        if self._api is None:
            from wfe.http import Api

            self._api = Api(self.stack, self.store)
        return self._api

    def emit(self, document: Any, human: Callable[[], Any]) -> None:
        """Print `document` as JSON with --json, else what `human()` renders."""
        from wfe import render

        if self.as_json:
            render.print_json(document)
        else:
            rendered = human()
            if rendered is not None:
                render.out.print(rendered)

    def check(self, kind: str, value: str | None) -> None:
        """Refuse a step type or status the stack's OpenAPI document does not list (read only when `value`)."""
        if value is not None:
            from wfe import vocabulary

            vocabulary.check(self.stack, kind, value, self.note)

    def note(self, message: str) -> None:
        """A remark for people (stderr, never with --json)."""
        if not self.as_json:
            from wfe import render

            render.err.print(message, style="dim")

    def fail(self, error: CliError) -> None:
        if self.as_json:
            document = {"error": error.message, "details": error.details, "exit_code": int(error.code)}
            print(json.dumps(document), file=sys.stderr)
        else:
            from rich.markup import escape

            from wfe import render

            render.err.print(f"[bold red]Error:[/] {escape(error.message)}")
            for line in error.details:
                render.err.print(f"  • {escape(line)}")
        sys.exit(int(error.code))


def command(group: click.Group, name: str | None = None, **settings: Any) -> Callable[[Callable[..., Any]], Any]:
    """Register a command with the options every command takes (--json, --outputs) and the error handling."""

    def decorate(function: Callable[..., Any]) -> Any:
        @group.command(name, context_settings=CONTEXT, **settings)
        @click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON only.")
        @click.option(
            "--outputs",
            envvar="WFE_OUTPUTS",
            default=DEFAULT_OUTPUTS,
            show_default=True,
            metavar="FILE",
            help="The stack's outputs file (cdk deploy --outputs-file, or make local's). Env: WFE_OUTPUTS.",
        )
        @functools.wraps(function)
        def run(as_json: bool, outputs: str, **options: Any) -> None:
            context = Ctx(outputs, as_json)
            try:
                code = function(context, **options)
            except CliError as error:
                context.fail(error)
            sys.exit(int(code or Exit.OK))

        run.params = run.params[2:] + run.params[:2]  # the command's own options first in --help
        return run

    return decorate


@click.group(context_settings=CONTEXT)
def cli() -> None:
    """wfe: run and watch workflows of the workflow engine from a terminal.

    \b
    The stack comes from --outputs FILE, $WFE_OUTPUTS, or .local/outputs.json.
    Exit codes: 0 ok; 1 run failed, cancelled or timed out (--wait/--follow), or refused
    in its current state (409); 2 usage; 3 not found; 4 auth; 5 server or network error.
    """


def main() -> None:
    cli(prog_name="wfe")


# --- shared option readers ----------------------------------------------------------------------------------
def read_password(password_stdin: bool, confirm: bool) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("No password on standard input")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)


def load_document(file: str) -> Any:
    """A JSON or YAML document from a file ('-': standard input)."""
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text()
    except OSError as error:
        raise UsageError(f"Cannot read {file}: {error.strerror or error}") from None
    if file.endswith(".json"):
        try:
            return json.loads(text)
        except ValueError as error:
            raise UsageError(f"{file} is not valid JSON: {error}") from None
    import yaml  # YAML is a superset of JSON: any other file is read as YAML

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UsageError(f"{file} is not valid YAML or JSON: {error}") from None


def read_input(input_json: str | None, input_file: str | None) -> Any:
    if input_json is not None and input_file is not None:
        raise UsageError("Give either --input or --input-file, not both")
    if input_file is not None:
        return load_document(input_file)
    if input_json is not None:
        try:
            return json.loads(input_json)
        except ValueError as error:
            raise UsageError(f"--input is not valid JSON: {error}") from None
    return None


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def resolve_workflow(context: Ctx, reference: str) -> str:
    """A workflow id from an id or a unique name."""
    if is_uuid(reference):
        return reference
    matches = [
        workflow
        for page, _ in context.api.pages("/api/workflows", {"limit": 100}, follow=True)
        for workflow in page
        if workflow.get("name") == reference
    ]
    if not matches:
        raise NotFound(f"No workflow named {reference!r}")
    if len(matches) > 1:
        raise UsageError(f"{len(matches)} workflows are named {reference!r}: give an id", [m["id"] for m in matches])
    return matches[0]["id"]


def with_child_ids(context: Ctx, definition: Any) -> Any:
    """The definition with each workflow step's `workflow_id: "@<name>"` replaced by that workflow's id
    (wfe.references)."""
    from wfe.references import resolve_names

    def resolve(name: str) -> str:
        try:
            return resolve_workflow(context, name)
        except NotFound:
            raise NotFound(f"workflow_id '@{name}': you have no workflow named {name!r}; create it first") from None

    return resolve_names(definition, resolve)


def time_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option("--to", "end", metavar="ISO", help="Started at or before this time.")(function)
    function = click.option("--from", "start", metavar="ISO", help="Started at or after this time.")(function)
    return click.option("--since", metavar="DURATION", help="Started within this long: 90s, 15m, 2h, 7d, 1w.")(function)


# --- account ------------------------------------------------------------------------------------------------
@command(cli)
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def signup(context: Ctx, username: str, password_stdin: bool) -> None:
    """Create an account (Cognito SignUp), confirm it and sign in. Prompts for the password."""
    from wfe import auth

    password = read_password(password_stdin, confirm=not password_stdin)
    auth.sign_up(context.stack, username, password, ask_code=lambda: click.prompt("Confirmation code (emailed)"))
    session = auth.log_in(context.stack, username, password)
    context.store.put(context.stack, session)
    context.emit({"username": username, "signed_in": True}, lambda: f"Signed up and signed in as [bold]{username}[/]")


@command(cli)
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def login(context: Ctx, username: str, password_stdin: bool) -> None:
    """Sign in (Cognito USER_PASSWORD_AUTH). Prompts for the password; tokens are kept in the config dir."""
    from wfe import auth

    password = read_password(password_stdin, confirm=False)
    session = auth.log_in(context.stack, username, password)
    context.store.put(context.stack, session)
    context.emit({"username": username, "signed_in": True}, lambda: f"Signed in as [bold]{username}[/]")


@command(cli)
def logout(context: Ctx) -> None:
    """Forget this stack's tokens."""
    removed = context.store.delete(context.stack)
    context.emit({"signed_out": removed}, lambda: "Signed out" if removed else "Not signed in")


@command(cli)
def whoami(context: Ctx) -> None:
    """Who is signed in to this stack."""
    from datetime import UTC, datetime

    from wfe import auth
    from wfe.errors import AuthError

    session = context.store.get(context.stack)
    if session is None:
        raise AuthError("Not signed in to this stack: run `wfe login USER`")
    claims = auth.claims(session.id_token)
    document = {
        "username": session.username,
        "user_id": claims.get("sub"),
        "api_url": context.stack.api_url,
        "expires_at": datetime.fromtimestamp(int(session.expires_at), UTC).isoformat().replace("+00:00", "Z"),
        "expired": session.expired(margin_seconds=0),
    }
    validity = "expired (refreshed on next use)" if document["expired"] else f"valid until {document['expires_at']}"
    context.emit(
        document,
        lambda: f"[bold]{session.username}[/] (user id {document['user_id']})\n{document['api_url']}, token {validity}",
    )


# --- workflows ----------------------------------------------------------------------------------------------
@cli.group(context_settings=CONTEXT)
def workflows() -> None:
    """List, show, create, update and delete workflows (definitions in JSON or YAML)."""


@command(workflows, "list")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True, help="Page size.")
@click.option("--all", "every", is_flag=True, help="Follow the cursor to the last page.")
def workflows_list(context: Ctx, limit: int, every: bool) -> None:
    """Your workflows."""
    from wfe import render

    items, more = context.api.collect("/api/workflows", {"limit": limit}, follow=every)
    context.emit(items, lambda: render.workflows_table(items))
    if more and not every:
        context.note("More workflows exist: add --all")


@command(workflows, "show")
@click.argument("workflow")
def workflows_show(context: Ctx, workflow: str) -> None:
    """One workflow, by id or unique name."""
    from wfe import render

    document = context.api.get(f"/api/workflows/{resolve_workflow(context, workflow)}")
    context.emit(document, lambda: render.workflow_detail(document))


@command(workflows, "create")
@click.option("-f", "--file", "file", required=True, metavar="FILE", help="The definition, JSON or YAML ('-': stdin).")
def workflows_create(context: Ctx, file: str) -> None:
    """Create a workflow from a JSON or YAML definition.

    A workflow step's `workflow_id: "@NAME"` is sent as the id of your workflow named NAME.
    """
    from wfe import render

    definition = with_child_ids(context, load_document(file))
    created = context.api.post("/api/workflows", definition)
    context.emit(created, lambda: render.workflow_detail(created))


@command(workflows, "update")
@click.argument("workflow")
@click.option("-f", "--file", "file", required=True, metavar="FILE", help="The definition, JSON or YAML ('-': stdin).")
def workflows_update(context: Ctx, workflow: str, file: str) -> None:
    """Replace a workflow's definition (a new version)."""
    from wfe import render

    definition = with_child_ids(context, load_document(file))
    workflow_id = resolve_workflow(context, workflow)
    updated = context.api.json("PUT", f"/api/workflows/{workflow_id}", json=definition)
    context.emit(updated, lambda: render.workflow_detail(updated))


@command(workflows, "delete")
@click.argument("workflow")
def workflows_delete(context: Ctx, workflow: str) -> None:
    """Delete a workflow."""
    workflow_id = resolve_workflow(context, workflow)
    context.api.json("DELETE", f"/api/workflows/{workflow_id}")
    context.emit({"deleted": workflow_id}, lambda: f"Deleted workflow {workflow_id}")


# --- running ------------------------------------------------------------------------------------------------
def watch_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option("--wait", is_flag=True, help="Wait for the end; exit 1 unless it completed.")(function)
    return click.option("--follow", is_flag=True, help="Show the run live, step by step; exit 1 unless it completed.")(
        function
    )


def input_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option("--input-file", metavar="FILE", help="The input, JSON or YAML.")(function)
    return click.option("--input", "input_json", metavar="JSON", help="The input_data, as JSON.")(function)


@command(cli)
@click.argument("workflow")
@input_options
@click.option("--idempotency-key", metavar="KEY", help="The same key (and input) returns the same run.")
@watch_options
def run(
    context: Ctx,
    workflow: str,
    input_json: str | None,
    input_file: str | None,
    idempotency_key: str | None,
    follow: bool,
    wait: bool,
) -> int:
    """Start a run of WORKFLOW (an id or a unique name). Without --input, the workflow's input_example is used."""
    from wfe import render

    input_data = read_input(input_json, input_file)
    workflow_id = resolve_workflow(context, workflow)
    if input_json is None and input_file is None:
        input_data = context.api.get(f"/api/workflows/{workflow_id}").get("input_example")
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    started = context.api.post(f"/api/workflows/{workflow_id}/execute", {"input_data": input_data}, headers=headers)
    if follow or wait:
        return watch_run(context, started["execution_id"], live=follow)
    context.emit(
        started, lambda: f"Started run [bold]{started['execution_id']}[/] ({render.status_text(started['status'])})"
    )
    return Exit.OK


@command(cli)
@click.argument("execution_id")
@click.option("--resume", is_flag=True, help="Start at the step that failed, reusing the outputs before it.")
@input_options
@click.option("--idempotency-key", metavar="KEY", help="The same key (and body) returns the same new run.")
@watch_options
def retry(
    context: Ctx,
    execution_id: str,
    resume: bool,
    input_json: str | None,
    input_file: str | None,
    idempotency_key: str | None,
    follow: bool,
    wait: bool,
) -> int:
    """Run a failed, cancelled or timed-out execution again, as a new run (the original is kept).

    Without --resume the whole workflow runs again; --input replaces the input (else the original's is used).
    """
    body: dict[str, Any] = {"mode": "resume" if resume else "restart"}
    input_data = read_input(input_json, input_file)
    if input_data is not None:
        body["input_data"] = input_data
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    started = context.api.post(f"/api/workflows/executions/{execution_id}/retry", body, headers=headers)
    new_id = started.get("execution_id") or started.get("id")
    if follow or wait:
        return watch_run(context, new_id, live=follow)
    context.emit(started, lambda: f"Started run [bold]{new_id}[/], a {body['mode']} of {execution_id}")
    return Exit.OK


def watch_run(context: Ctx, execution_id: str, live: bool) -> int:
    """Follow a run to its end (live step lines, or quietly for --wait); Ctrl-C asks to cancel or detach."""
    from wfe import render
    from wfe.live import updates
    from wfe.progress import RunState

    api = context.api
    execution = api.get(f"/api/workflows/executions/{execution_id}")
    state = RunState(steps=workflow_steps(context, execution))
    title = f"Run {execution_id}"
    show = live and not context.as_json
    fallback = context.note if show else None
    while True:
        try:
            if show and render.out.is_terminal:
                from rich.live import Live

                with Live(render.LiveRun(state, title), console=render.out, refresh_per_second=10, transient=False):
                    for event in updates(api, execution_id, on_fallback=fallback):
                        _apply(state, event)
            elif show:
                printer = render.LinePrinter(state, title)
                for event in updates(api, execution_id, on_fallback=fallback):
                    _apply(state, event)
                    printer.update()
                printer.finish()
            else:
                from wfe.waiting import WaitAnnouncer

                waits = WaitAnnouncer(execution_id)  # --wait says once why it waits so long (a person decides)
                for event in updates(api, execution_id):
                    _apply(state, event)
                    for line in waits.feed(event):
                        context.note(line.plain)
            break
        except KeyboardInterrupt:
            if not ask_cancel(context, execution_id):
                context.note(f"Detached; the run goes on. Follow it again: wfe logs {execution_id} --follow")
                return Exit.OK
    final = state.execution or execution
    if context.as_json:
        render.print_json(final)
    elif show:
        render.out.print(render.run_summary(state))
    else:
        render.out.print(render.execution_detail(final))
    return exit_code_for_run(final.get("status", ""))


def workflow_steps(context: Ctx, execution: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps of a run's workflow; none when the workflow was deleted since (the logs then tell the steps)."""
    try:
        return list(context.api.get(f"/api/workflows/{execution['workflow_id']}").get("steps") or [])
    except NotFound:
        return []


def steps_to_place(context: Ctx, execution_id: str, logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The definition that places a run's blocks, read only when its logs are nested (a flat run needs none)."""
    from wfe.nesting import is_nested

    if not is_nested(logs):
        return []
    return workflow_steps(context, context.api.get(f"/api/workflows/executions/{execution_id}"))


def _apply(state: Any, event: dict[str, Any]) -> None:
    if event.get("type") == "execution":
        state.add_execution(event["execution"])
    elif event.get("type") == "log":
        state.add_log(event["log"])
    elif event.get("type") == "approval":
        state.add_waiting(event)


def ask_cancel(context: Ctx, execution_id: str) -> bool:
    """After Ctrl-C: cancel the run (True) or detach (False). Without a terminal to ask, detach."""
    if not sys.stdin.isatty():
        return False
    try:
        choice = click.prompt(
            "\nCancel the run, or detach and leave it running?",
            type=click.Choice(["cancel", "detach"]),
            default="detach",
            err=True,  # stdout stays for the run's output (and --json)
        )
    except (click.Abort, KeyboardInterrupt, EOFError):
        return False
    if choice != "cancel":
        return False
    try:
        context.api.post(f"/api/workflows/executions/{execution_id}/cancel")
    except Conflict:
        context.note("The run had already finished")
    return True


# --- inspecting ---------------------------------------------------------------------------------------------
@command(cli)
@click.argument("execution_id")
def status(context: Ctx, execution_id: str) -> None:
    """A run's status, input and output (or error)."""
    from wfe import render

    execution = context.api.get(f"/api/workflows/executions/{execution_id}")

    def human() -> Any:
        """A run with blocks also shows its steps as a tree (a flat run's status reads as it always did)."""
        logs = context.api.get(f"/api/workflows/executions/{execution_id}/logs", limit=1000)
        children = None
        if any(log.get("step_type") == "workflow" for log in logs):  # it ran workflow steps: list their runs
            children = context.api.get("/api/workflows/executions", parent_execution_id=execution_id, limit=100)
        if not render.nesting.is_nested(logs):
            return render.execution_detail(execution, children=children)
        return render.execution_detail(execution, logs, workflow_steps(context, execution), children=children)

    context.emit(execution, human)


def _log_matches(
    log: dict[str, Any], step_type: str | None, step: str | None, errors: bool, search: str | None
) -> bool:
    """The API's log filters, applied to logs that arrive live (the WebSocket sends every log)."""
    if step_type and log.get("step_type") != step_type:
        return False
    if step and log.get("step_name") != step:
        return False
    if errors and not log.get("error_message"):
        return False
    if search:
        haystack = " ".join(
            [str(log.get("step_name", "")), str(log.get("error_message") or "")]
            + [json.dumps(log.get(key), ensure_ascii=False) for key in ("input_data", "output_data")]
        )
        return search.lower() in haystack.lower()
    return True


@command(cli)
@click.argument("execution_id")
@click.option("--step-type", metavar="TYPE", help=STEP_TYPE_HELP)
@click.option("--step", metavar="NAME", help="Only this step.")
@click.option("--errors", is_flag=True, help="Only failed attempts.")
@click.option("--search", metavar="Q", help="Case-insensitive text in the step name, error, input or output.")
@click.option("--limit", type=click.IntRange(1, 1000), default=1000, show_default=True)
@click.option("--follow", is_flag=True, help="Keep printing new logs until the run ends.")
def logs(
    context: Ctx,
    execution_id: str,
    step_type: str | None,
    step: str | None,
    errors: bool,
    search: str | None,
    limit: int,
    follow: bool,
) -> int:
    """A run's step logs (one per attempt), oldest first."""
    from wfe import render

    context.check("step type", step_type)
    params = {"step_type": step_type, "step_name": step, "has_error": errors or None, "q": search, "limit": limit}
    items = context.api.get(f"/api/workflows/executions/{execution_id}/logs", **params)
    if not follow:
        filtered = any(value for key, value in params.items() if key != "limit")
        empty = "No logs match." if filtered else "No step logs yet."
        context.emit(
            items, lambda: render.logs_table(items, steps=steps_to_place(context, execution_id, items), empty=empty)
        )
        return Exit.OK
    from wfe.live import updates
    from wfe.waiting import WaitAnnouncer

    printer = LogPrinter(context, execution_id)
    seen = set()
    final: dict[str, Any] = {}
    waits = WaitAnnouncer(execution_id)
    for log in items:
        seen.add(log.get("id"))
        waits.feed({"type": "log", "log": log})
        printer.print(log)
    for event in updates(context.api, execution_id, on_fallback=None if context.as_json else context.note):
        for line in [] if context.as_json else waits.feed(event):
            render.out.print(line, soft_wrap=True)  # the run starts waiting for a person
        if event["type"] == "execution":
            final = event["execution"]
            continue
        if event["type"] != "log":
            continue
        log = event["log"]
        if log.get("id") in seen or not _log_matches(log, step_type, step, errors, search):
            continue
        seen.add(log.get("id"))
        printer.print(log)
    context.note(f"Run {execution_id} {final.get('status')}")
    return exit_code_for_run(final.get("status", ""))


class LogPrinter:
    """`logs --follow`: one line per log (with --json, one JSON object per line).

    An inner step's line is indented under its block and named by its path; the workflow's definition, which
    places the blocks, is read once, at the first inner step's log.
    """

    def __init__(self, context: Ctx, execution_id: str) -> None:
        self.context = context
        self.execution_id = execution_id
        self.steps: list[dict[str, Any]] | None = None
        self.logs: list[dict[str, Any]] = []

    def print(self, log: dict[str, Any]) -> None:
        from wfe import render
        from wfe.nesting import Placements

        if self.context.as_json:
            print(json.dumps(log, ensure_ascii=False), flush=True)
            return
        self.logs.append(log)
        placements = None
        if log.get("parent_step"):
            if self.steps is None:
                self.steps = steps_to_place(self.context, self.execution_id, [log])
            placements = Placements.of(self.steps, self.logs)
        render.out.print(render.log_line(log, placements))


@command(cli)
@click.option("--workflow", metavar="WORKFLOW", help="Only runs of this workflow (id or unique name).")
@click.option(
    "--status",
    "status_filter",
    metavar="STATUS",
    help="Only runs in this status (one the stack's openapi.json lists).",
)
@time_options
@click.option("--waiting", is_flag=True, help="Only running runs waiting for a person (approve or reject them).")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True, help="Page size.")
@click.option("--all", "every", is_flag=True, help="Follow the cursor to the last page.")
def ls(
    context: Ctx,
    workflow: str | None,
    status_filter: str | None,
    since: str | None,
    start: str | None,
    end: str | None,
    waiting: bool,
    limit: int,
    every: bool,
) -> None:
    """Your runs, newest first (--waiting: those waiting for a decision, with the step and since when)."""
    from wfe import render
    from wfe.times import time_range

    if waiting and status_filter not in (None, "running"):
        raise UsageError("--waiting lists running runs: leave out --status")
    context.check("status", None if waiting else status_filter)
    status_filter = "running" if waiting else status_filter
    after, before = time_range(since, start, end)
    params = {
        "workflow_id": resolve_workflow(context, workflow) if workflow else None,
        "status_filter": status_filter,
        "started_after": after,
        "started_before": before,
        "limit": limit,
    }
    items, more = context.api.collect("/api/workflows/executions", params, follow=every)
    if waiting:
        from wfe.waiting import is_waiting, waiting_table

        items = [execution for execution in items if is_waiting(execution)]
        context.emit(
            items,
            lambda: (
                waiting_table(items, workflow_names(context, items)) if items else "No run is waiting for a decision"
            ),
        )
    else:
        filtered = any(value is not None for key, value in params.items() if key != "limit")
        empty = "No executions match." if filtered else "No executions yet."
        context.emit(items, lambda: render.executions_table(items, workflow_names(context, items), empty))
    if more and not every:
        context.note("More runs exist: add --all")


def workflow_names(context: Ctx, executions: list[dict[str, Any]]) -> dict[str, str]:
    """id -> name of the caller's workflows, read only when there are runs (or metrics step rows) to name (pages of
    100)."""
    if not executions:
        return {}
    return {
        workflow["id"]: workflow.get("name", "")
        for page, _ in context.api.pages("/api/workflows", {"limit": 100}, follow=True)
        for workflow in page
    }


# --- operating and analysing --------------------------------------------------------------------------------
@command(cli)
@click.argument("execution_ids", nargs=-1, required=True, metavar="ID...")
def cancel(context: Ctx, execution_ids: tuple[str, ...]) -> int:
    """Cancel runs (batch-cancel); prints each outcome.

    Exit 0 when all were cancelled; else 5 if any failed on the server (cancel it again), 3 if any was not
    found, 1 if any had already finished.
    """
    from wfe import render

    if len(execution_ids) > 100:
        raise UsageError("At most 100 runs per cancel")
    answer = context.api.post("/api/workflows/executions/batch-cancel", {"execution_ids": list(execution_ids)})
    results = answer.get("results", [])
    context.emit(answer, lambda: render.cancel_table(results))
    return cancel_exit_code([result.get("outcome", "") for result in results])


def cancel_exit_code(outcomes: list[str]) -> Exit:
    """The most serious outcome of a batch cancel decides the exit code."""
    for outcome, code in (("error", Exit.SERVER), ("not_found", Exit.NOT_FOUND), ("conflict", Exit.RUN_FAILED)):
        if outcome in outcomes:
            return code
    return Exit.OK


@command(cli)
@click.argument("execution_ids", nargs=-1, required=True, metavar="ID ID...")
def compare(context: Ctx, execution_ids: tuple[str, ...]) -> None:
    """Compare 2 to 10 runs: inputs, outputs and each step side by side."""
    from wfe import render

    if not 2 <= len(execution_ids) <= 10:
        raise UsageError("Compare 2 to 10 runs")
    comparison = context.api.get("/api/workflows/executions/compare", ids=",".join(execution_ids))
    context.emit(
        comparison,
        lambda: render.compare_view(
            comparison,
            comparison_steps(context, comparison),
            workflow_names(context, comparison.get("executions") or []),
        ),
    )


def comparison_steps(context: Ctx, comparison: dict[str, Any]) -> list[dict[str, Any]]:
    """The definition that places the compared rows' blocks (the first run's workflow), read only when a row is
    of a step inside a block."""
    from wfe.nesting import is_nested

    executions = comparison.get("executions") or []
    if not executions or not is_nested(comparison.get("steps") or []):
        return []
    return workflow_steps(context, executions[0])


def metrics_granularity(after: str | None, before: str | None, now: Any = None) -> str:
    """Buckets that suit the range, as the web app chooses them: hourly up to 2 days, daily beyond (a few runs in a
    week of hours are one lone spike). `now`: a datetime (tests)."""
    from datetime import UTC, datetime, timedelta

    if after is None:
        return "hour"  # the API's own range then: the last 24 hours
    end = datetime.fromisoformat(before) if before else (now or datetime.now(UTC))
    return "day" if end - datetime.fromisoformat(after) > timedelta(days=2) else "hour"


@command(cli)
@click.argument("workflow", required=False)
@time_options
@click.option("--granularity", type=click.Choice(["hour", "day"]), help="Bucket size (default: by the range).")
def metrics(
    context: Ctx, workflow: str | None, since: str | None, start: str | None, end: str | None, granularity: str | None
) -> None:
    """Percentiles, success rate, a sparkline of runs over time (default: the last 7 days) and one row per step of
    each workflow, with the workflow's name."""
    from wfe import render
    from wfe.times import time_range

    if not (since or start or end):
        since = "7d"
    after, before = time_range(since, start, end)
    if granularity is None:
        granularity = metrics_granularity(after, before)
    workflow_id = resolve_workflow(context, workflow) if workflow else None
    document = context.api.get(
        "/api/metrics",
        workflow_id=workflow_id,
        started_after=after,
        started_before=before,
        granularity=granularity,
    )
    title = f"Workflow {workflow}" if workflow else "All workflows"
    context.emit(
        document, lambda: render.metrics_view(document, title, workflow_names(context, document.get("steps") or []))
    )


@command(cli)
@click.argument("query")
@time_options
@click.option("--workflow", metavar="WORKFLOW", help="Only runs of this workflow (id or unique name).")
@click.option("--step-type", metavar="TYPE", help=STEP_TYPE_HELP)
@click.option("--errors", is_flag=True, help="Only failed attempts.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True, help="Page size.")
@click.option("--all", "every", is_flag=True, help="Follow the cursor to the last page.")
def search(
    context: Ctx,
    query: str,
    since: str | None,
    start: str | None,
    end: str | None,
    workflow: str | None,
    step_type: str | None,
    errors: bool,
    limit: int,
    every: bool,
) -> None:
    """Search step logs across all your runs (newest first)."""
    from wfe import render
    from wfe.times import time_range

    context.check("step type", step_type)
    after, before = time_range(since, start, end)
    params = {
        "q": query,
        "workflow_id": resolve_workflow(context, workflow) if workflow else None,
        "step_type": step_type,
        "has_error": errors or None,
        "started_after": after,
        "started_before": before,
        "limit": limit,
    }
    items, more = context.api.collect("/api/logs", params, follow=every)
    context.emit(items, lambda: render.logs_table(items, across_executions=True, empty="No logs match."))
    if more and not every:
        context.note("More logs may match: add --all")


# --- commands in their own modules; importing one registers it on `cli` ----------------------------------------
# `wfe approve` and `wfe reject`; `wfe secrets ls|set|rm`; `wfe init`, `wfe validate`, `wfe --version`;
# `wfe schedules ls|add|rm|pause|resume`; `wfe triggers ls|add|rm`, `wfe trigger sign`.
from wfe import approval_commands as _approval_commands  # noqa: E402, F401
from wfe import schedule_commands as _schedule_commands  # noqa: E402, F401
from wfe import secret_commands, starter_commands  # noqa: E402, F401
from wfe import trigger_commands as _trigger_commands  # noqa: E402, F401
