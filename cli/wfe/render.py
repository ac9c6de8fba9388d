"""Human output with Rich: tables, a run's step lines (live or line by line), diffs and metrics.

Imported only by commands that print (Rich is not loaded for `wfe --help`).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.markup import escape
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from wfe import nesting, waiting
from wfe.progress import FAILED, NOT_RUN, PENDING, RUNNING, SUCCEEDED, RunState, StepLine
from wfe.sparkline import sparkline
from wfe.times import between_ms, format_duration_ms

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)
if not out.is_terminal and "COLUMNS" not in os.environ:
    out.width = 160  # a pipe or a file: Rich's default of 80 columns would cut tables needlessly

STATUS_STYLE = {
    "completed": "green",
    "failed": "red",
    "cancelled": "yellow",
    "timed_out": "magenta",
    "running": "cyan",
    "pending": "dim",
}
MARK = {
    SUCCEEDED: ("✓ ", "green"),
    FAILED: ("✗ ", "red"),
    PENDING: ("· ", "dim"),
    NOT_RUN: ("- ", "dim"),
    RUNNING: ("", ""),
}


ID_COLUMNS = ("ID", "EXECUTION")
# a tree's branches, a time and a run's trigger type stay on one line, whatever the width
NO_WRAP_COLUMNS = ("STEP", "SINCE", "TRIGGER")


def table_of(*columns: str, **settings: Any) -> Table:
    """A plain table; id columns are never cut (a copied id must work)."""
    settings.setdefault("box", None)
    settings.setdefault("header_style", "bold")
    result = Table(**settings)
    for column in columns:
        if column in ID_COLUMNS:
            result.add_column(column, no_wrap=True, min_width=36)
        elif column in NO_WRAP_COLUMNS:
            result.add_column(column, no_wrap=True)
        else:
            result.add_column(column, overflow="fold")
    return result


def status_text(status: str | None) -> Text:
    return Text(status or "-", style=STATUS_STYLE.get(status or "", ""))


def when(moment: str | None) -> str:
    """An API time, shorter: `2026-11-26 07:45:05Z`."""
    if not moment:
        return "-"
    text = moment.replace("T", " ")
    if "." in text:
        text = text.split(".")[0] + ("Z" if text.endswith("Z") or text.endswith("+00:00") else "")
    return text.replace("+00:00", "Z")


def print_json(document: Any) -> None:
    """The --json output: one JSON document on stdout, nothing else."""
    print(json.dumps(document, indent=2, ensure_ascii=False, default=str))


def short_json(value: Any, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


# --- workflows ----------------------------------------------------------------------------------------------
def nothing(message: str) -> Text:
    """What an empty list prints instead of a bare header."""
    return Text(message, style="dim")


def workflows_table(workflows: list[dict[str, Any]]) -> Table | Text:
    if not workflows:
        return nothing("No workflows yet. Create one: wfe workflows create -f examples/transform.yaml (or wfe init)")
    table = table_of("ID", "NAME", "STEPS", "VERSION", "UPDATED")
    for workflow in workflows:
        table.add_row(
            workflow.get("id", ""),
            escape(workflow.get("name", "")),
            str(len(workflow.get("steps") or [])),
            str(workflow.get("version", "")),
            when(workflow.get("updated_at")),
        )
    return table


def workflow_detail(workflow: dict[str, Any]) -> Group:
    header = Text.assemble(
        (workflow.get("name", ""), "bold"), f"  {workflow.get('id')}  version {workflow.get('version')}"
    )
    steps = Table(box=None, header_style="bold")
    for column in ("#", "STEP", "TYPE", "CONFIG", "RETRY"):
        steps.add_column(column)
    for row in nesting.definition_rows(workflow.get("steps") or []):
        if row.step is None:  # a block's branch: its condition or name, its steps below it
            steps.add_row("", Text(row.guides + row.heading, style="dim"), "", "", "")
            continue
        step = row.step
        retry = step.get("retry") or {}
        block = step.get("type") in nesting.BLOCK_TYPES  # its config is drawn as the tree below it
        config = (step.get("config") or {}) if block else step.get("config")
        steps.add_row(
            str(row.top_level_index or ""),
            escape(row.guides + str(step.get("name", ""))),
            step.get("type", ""),
            escape(block_summary(config) if block else short_json(config, 70)),
            f"{retry.get('max_attempts')} attempts" if retry else "-",
        )
    parts: list[Any] = [header]
    if workflow.get("description"):
        parts.append(Text(workflow["description"], style="dim"))
    parts.append(steps)
    return Group(*parts)


def block_summary(config: dict[str, Any]) -> str:
    """A block's own settings (its steps are drawn below it): e.g. `max_concurrency 5`."""
    shown = {key: value for key, value in config.items() if key not in ("branches", "steps", "otherwise", "items")}
    return short_json(shown, 70) if shown else ""


# --- executions ---------------------------------------------------------------------------------------------
def executions_table(
    executions: list[dict[str, Any]], names: dict[str, str] | None = None, empty: str = "No executions yet."
) -> ExecutionsTable | Text:
    """One row per run; WORKFLOW is the workflow's name (`names`: id -> name), its id's start when it has none
    (deleted since; the full id: --json)."""
    if not executions:
        return nothing(empty)
    return ExecutionsTable(executions, names or {})


# Below this width a run's row would wrap: the table drops TRIGGER (`wfe status` shows it) and STARTED loses its
# year and seconds, so an 80-column terminal keeps one line per run with the full, copyable id.
FULL_EXECUTIONS_WIDTH = 110


class ExecutionsTable:
    """The runs' table, laid out for the width it is printed at (a Rich renderable)."""

    def __init__(self, executions: list[dict[str, Any]], names: dict[str, str]) -> None:
        self.executions = executions
        self.names = names

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(full=options.max_width >= FULL_EXECUTIONS_WIDTH)

    def table(self, full: bool) -> Table:
        columns = ("ID", "STATUS", "STARTED", "DURATION", "WORKFLOW") + (("TRIGGER",) if full else ())
        table = table_of(*columns) if full else table_of(*columns, pad_edge=False)
        for execution in self.executions:
            workflow_id = str(execution.get("workflow_id", ""))
            started = when(execution.get("started_at"))
            row = [
                str(execution.get("id", "")),
                status_text(execution.get("status")),
                started if full else short_when(started),
                format_duration_ms(between_ms(execution.get("started_at"), execution.get("completed_at"))),
                escape(self.names.get(workflow_id) or workflow_id[:8]),
            ]
            if full:
                row.append(trigger_text(execution.get("trigger"), with_id=False))  # its id: `wfe status`, --json
            table.add_row(*row)
        return table


def short_when(moment: str) -> str:
    """`2026-12-04 10:00:05Z` -> `12-04 10:00` (UTC, as every time wfe prints)."""
    date, _, time = moment.partition(" ")
    return f"{date[5:]} {time[:5]}" if time else moment


def trigger_text(trigger: Any, with_id: bool = True) -> str:
    """What started a run: its type (`webhook`), and with `with_id` the id it names (`webhook <trigger id>`)."""
    if not isinstance(trigger, dict) or not trigger.get("type"):
        return "-"
    identifier = str(trigger.get("id") or "") if with_id else ""
    return f"{trigger['type']} {identifier}".strip()


def execution_detail(
    execution: dict[str, Any],
    logs: list[dict[str, Any]] | None = None,
    steps: list[dict[str, Any]] | None = None,
    children: list[dict[str, Any]] | None = None,
) -> Group:
    """A run's fields; with its `logs`, then its steps (one row per attempt, blocks as a tree). A child run names
    its parent; a parent lists its `children` (workflow steps' runs), each with its status."""
    rows = Table.grid(padding=(0, 2))
    rows.add_column(style="bold")
    rows.add_column()
    rows.add_row("id", str(execution.get("id")))
    rows.add_row("workflow", str(execution.get("workflow_id")))
    rows.add_row("status", status_text(execution.get("status")))
    rows.add_row("started", str(execution.get("started_at") or "-"))
    rows.add_row("completed", str(execution.get("completed_at") or "-"))
    duration = between_ms(execution.get("started_at"), execution.get("completed_at"))
    rows.add_row("duration", format_duration_ms(duration))
    if execution.get("trigger"):
        rows.add_row("trigger", trigger_text(execution["trigger"]))
    if execution.get("retry_of"):
        rows.add_row("retry of", str(execution["retry_of"]))
    if waiting.waiting_for(execution):
        rows.add_row("waiting for", waiting.summary(execution))
    if execution.get("parent_execution_id"):
        rows.add_row("parent", str(execution["parent_execution_id"]))
    for index, child in enumerate(children or []):
        rows.add_row(
            "children" if index == 0 else "", Text.assemble(f"{child.get('id')} ", status_text(child.get("status")))
        )
    rows.add_row("input", escape(pretty_json(execution.get("input_data"))))
    if execution.get("error_message"):
        rows.add_row("error", Text(execution["error_message"], style="red"))
    else:
        rows.add_row("output", escape(pretty_json(execution.get("output_data"))))
    if logs is None:
        return Group(rows)
    return Group(rows, Text("steps", style="bold"), logs_table(logs, steps=steps))


def logs_table(
    logs: list[dict[str, Any]],
    across_executions: bool = False,
    steps: list[dict[str, Any]] | None = None,
    empty: str = "No step logs.",
) -> Table | Text:
    """One row per attempt. A run with blocks reads as a tree (`steps`: its definition, to place the blocks);
    across runs (search), an inner step is named by its path (`each[2] > check`)."""
    if not logs:
        return nothing(empty)
    table = table_of(
        "TIME", *(["EXECUTION"] if across_executions else []), "STEP", "TYPE", "ATTEMPT", "DURATION", "RESULT"
    )
    if not nesting.is_nested(logs):
        rows = [nesting.Row("", log.get("step_name", ""), log.get("step_type", ""), log) for log in logs]
    elif across_executions:
        rows = [nesting.Row("", nesting.Placements().path(log), log.get("step_type", ""), log) for log in logs]
    else:
        rows = nesting.tree(logs, steps or [])
    for row in rows:
        log = row.log
        if log is None:  # a block that wrote no log of its own: the heading of its inner attempts
            table.add_row("", *([""] if across_executions else []), escape(row.step), row.type, "", "", "")
            continue
        result = (
            Text(log["error_message"], style="red")
            if log.get("error_message")
            else Text(short_json(log.get("output_data")), style="green")
        )
        table.add_row(
            when(log.get("timestamp")),
            *([str(log.get("execution_id", ""))] if across_executions else []),
            escape(row.step),
            log.get("step_type", ""),
            str(log.get("attempt", "")),
            format_duration_ms(log.get("duration_ms")),
            result,
        )
    return table


def log_line(log: dict[str, Any], placements: nesting.Placements | None = None) -> Text:
    """One log as one line, for `wfe logs --follow`; an inner step's is indented, named by its path."""
    mark, style = ("✗", "red") if log.get("error_message") else ("✓", "green")
    chain = (placements or nesting.Placements()).chain(log)
    return Text.assemble(
        "  " * (len(chain) - 1),
        (f"{mark} ", style),
        (when(log.get("timestamp")) + "  ", "dim"),
        (nesting.PATH_SEPARATOR.join(chain), "bold"),
        f" ({log.get('step_type')}, attempt {log.get('attempt', 1)}) ",
        (format_duration_ms(log.get("duration_ms")), "dim"),
        ("  " + (log.get("error_message") or short_json(log.get("output_data"))), style),
    )


# --- a run, step by step ------------------------------------------------------------------------------------
def step_text(line: StepLine, elapsed_ms: float | None = None) -> Text:
    """A finished (or pending) step as one line: mark, name, duration, attempts, error."""
    mark, style = MARK.get(line.state, ("? ", ""))
    text = Text.assemble((mark, style), (line.name, "bold" if line.state != PENDING else "dim"))
    text.append(f"  {line.type}", style="dim")
    duration = line.duration_ms if line.state in (SUCCEEDED, FAILED) else elapsed_ms
    if duration is not None and line.state != PENDING:
        text.append(f"  {format_duration_ms(duration)}")
    if line.reused:
        text.append("  reused", style="dim")
    if line.attempts > 1:
        text.append(f"  ({line.attempts} attempts)", style="yellow")
    if line.state == FAILED and line.error:
        text.append(f"  {line.error}", style="red")
    if line.state == RUNNING and line.error:
        text.append(f"  attempt {line.attempts} failed: {line.error}; retrying", style="yellow")
    if line.state == NOT_RUN:
        text.append("  not run", style="dim")
    return text


class LiveRun:
    """The Rich renderable of a run in a terminal: a spinner on the running step, elapsed time ticking."""

    def __init__(self, state: RunState, title: str) -> None:
        self.state = state
        self.title = title
        self.spinners: dict[str, Spinner] = {}
        self.running_since: dict[str, float] = {}

    def __rich__(self) -> Group:
        rows: list[Any] = [Text.assemble((self.title, "bold"), "  ", status_text(self.state.status))]
        for line in self.state.lines():
            if line.state == RUNNING:
                started = self.running_since.setdefault(line.name, time.monotonic())
                spinner = self.spinners.setdefault(line.name, Spinner("dots", style="cyan"))
                spinner.update(text=step_text(line, (time.monotonic() - started) * 1000))
                rows.append(spinner)
            else:
                rows.append(step_text(line))
        rows.extend(
            waiting.notice(str((self.state.execution or {}).get("id", "")), e) for e in self.state.waiting.values()
        )
        return Group(*rows)


class LinePrinter:
    """A run without a terminal (a pipe, a log file): each step printed once, when it is done."""

    def __init__(self, state: RunState, title: str) -> None:
        self.state = state
        self.printed: set[str] = set()
        self.announced_running: set[str] = set()
        self.announced_waiting: set[str] = set()
        out.print(Text(title, style="bold"))

    def update(self) -> None:
        for line in self.state.lines():
            if line.state in (SUCCEEDED, FAILED) and line.name not in self.printed:
                self.printed.add(line.name)
                out.print(step_text(line))
            elif line.state == RUNNING and line.name not in self.announced_running:
                self.announced_running.add(line.name)
                out.print(Text.assemble(("… ", "cyan"), (line.name, "bold"), ("  running", "dim")))
        execution_id = str((self.state.execution or {}).get("id", ""))
        for name, entry in self.state.waiting.items():
            if name not in self.announced_waiting:
                out.print(waiting.notice(execution_id, entry), soft_wrap=True)
        self.announced_waiting = set(self.state.waiting)  # a step that waits again (a retry) is announced again

    def finish(self) -> None:
        self.update()
        for line in self.state.lines():
            if line.state == NOT_RUN:
                out.print(step_text(line))


def run_summary(state: RunState) -> Group:
    """After the step lines: the output, or the error and the failed step's message."""
    execution = state.execution or {}
    status = execution.get("status")
    duration = format_duration_ms(between_ms(execution.get("started_at"), execution.get("completed_at")))
    parts: list[Any] = [
        Text.assemble("Run ", (str(execution.get("id")), "bold"), " ", status_text(status), f" in {duration}")
    ]
    if status == "completed":
        parts.append(Text("Output:", style="bold"))
        parts.append(Text(pretty_json(execution.get("output_data"))))
    else:
        if execution.get("error_message"):
            parts.append(Text.assemble(("Error: ", "bold red"), execution["error_message"]))
        failed = state.failed_step()
        if failed and failed.error and failed.error != execution.get("error_message"):
            parts.append(Text.assemble(("Failed step: ", "bold red"), f"{failed.name}: {failed.error}"))
    return Group(*parts)


# --- operations and analysis --------------------------------------------------------------------------------
def cancel_table(results: list[dict[str, Any]]) -> Table:
    table = table_of("EXECUTION", "OUTCOME", "STATUS", "MESSAGE")
    style = {"cancelled": "green", "conflict": "yellow", "not_found": "red", "error": "red"}
    for result in results:
        outcome = result.get("outcome", "")
        table.add_row(
            str(result.get("execution_id")),
            Text(outcome, style=style.get(outcome, "")),
            status_text(result.get("status")),
            escape(result.get("message") or ""),
        )
    return table


STEP_STATUS_TEXT = {"succeeded": "succeeded", "failed": "failed", "not_run": "not run"}


def diff_table(
    title: str, entries: list[dict[str, Any]], ids: list[str], runs: list[dict[str, Any]] | None = None
) -> Table:
    """A diff's paths and each run's value there. `runs` (a step row's per_execution): a run where the step has no
    output (failed, not run) reads `(not run)` rather than null; a succeeded run's whole output that is null reads
    null."""
    # At least as wide as its title (a step's path): a narrow table would wrap it.
    table = Table(title=title, title_justify="left", title_style="bold", header_style="bold", min_width=len(title))
    table.add_column("PATH")
    for execution_id in ids:
        table.add_column(execution_id[:8])
    for entry in entries:
        values = list(entry.get("values") or [])
        cells: list[Any] = []
        for index, value in enumerate(values):
            run = runs[index] if runs and index < len(runs) else {}
            if value is None and run.get("status") not in (None, "succeeded"):
                cells.append(Text(f"({STEP_STATUS_TEXT.get(run['status'], run['status'])})", style="dim"))
            else:
                cells.append(escape(short_json(value, 40)))
        table.add_row(entry.get("path") or "/", *cells)
    return table


def step_difference(step: dict[str, Any]) -> str:
    """How a compared row differs: the API's `difference` (status, output, same); from the statuses and
    output_equal for an answer without it."""
    if step.get("difference"):
        return str(step["difference"])
    if len({run.get("status") for run in step.get("per_execution") or []}) > 1:
        return "status"
    return "same" if step.get("output_equal") else "output"


def status_difference(runs: list[dict[str, Any]]) -> str:
    """A status difference in words: two runs, "failed here, not run there"; more, each status and its count."""
    words = [STEP_STATUS_TEXT.get(str(run.get("status")), str(run.get("status"))) for run in runs]
    if len(words) == 2:
        return f"{words[0]} here, {words[1]} there"
    counts: dict[str, int] = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    return ", ".join(f"{word} in {count}" for word, count in counts.items())


def difference_text(step: dict[str, Any]) -> Text:
    kind = step_difference(step)
    if kind == "status":
        return Text(status_difference(step.get("per_execution") or []), style="red")
    if kind == "output":
        return Text("output differs", style="yellow")
    return Text("same", style="green")


def compare_view(
    comparison: dict[str, Any], steps: list[dict[str, Any]] | None = None, names: dict[str, str] | None = None
) -> Group:
    """The executions (with their workflow's name), their input and output diffs, and one row per step and map
    iteration with how it differs: `failed here, not run there` (a status difference: no output to compare),
    `output differs`, or `same`. A row of a step inside a block is named by its path (`each line[2] > check line`),
    as `wfe logs` names it; `steps` (the workflow's definition) places blocks within blocks, else the rows' own
    `parent_step` does."""
    executions = comparison.get("executions") or []
    placements = nesting.Placements.of(steps or (), comparison.get("steps") or [])
    ids = [str(execution.get("id")) for execution in executions]
    parts: list[Any] = [executions_table(executions, names)]
    for key, title in (("input_diff", "Input differences"), ("output_diff", "Output differences")):
        if comparison.get(key):
            parts.append(diff_table(title, comparison[key], ids))
        else:
            parts.append(Text(f"{title}: none", style="dim"))
    table = Table(title="Steps", title_justify="left", title_style="bold", header_style="bold")
    table.add_column("STEP")
    table.add_column("TYPE")
    for execution_id in ids:
        table.add_column(execution_id[:8])
    table.add_column("DIFFERENCE")
    step_style = {"succeeded": "green", "failed": "red", "not_run": "dim"}
    for step in comparison.get("steps") or []:
        cells = []
        for run in step.get("per_execution") or []:
            status = str(run.get("status"))
            label = STEP_STATUS_TEXT.get(status, status)
            if run.get("status") != "not_run":
                label += f" {format_duration_ms(run.get('duration_ms'))}"
            if (run.get("attempts") or 0) > 1:
                label += f" ×{run['attempts']}"
            cells.append(Text(label, style=step_style.get(status, "")))
        table.add_row(escape(placements.path(step)), step.get("step_type", ""), *cells, difference_text(step))
    parts.append(table)
    for step in comparison.get("steps") or []:
        if step.get("output_diff"):
            title = f"Output of {escape(placements.path(step))}"
            parts.append(diff_table(title, step["output_diff"], ids, step.get("per_execution")))
    return Group(*parts)


def metrics_step_rows(steps: list[dict[str, Any]], names: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """(workflow label, row) for each step row, by workflow name then step name: a row is one step of one workflow.
    A row without a workflow counts attempts recorded before rows were kept per workflow (every workflow's step of
    that name together); a deleted workflow is named by its id's start."""

    def label(step: dict[str, Any]) -> str:
        workflow_id = step.get("workflow_id")
        if not workflow_id:
            return "earlier, all workflows"
        return names.get(workflow_id) or str(workflow_id)[:8]

    rows = [(label(step), step) for step in steps]
    return sorted(rows, key=lambda row: (row[1].get("workflow_id") is not None, row[0], row[1].get("step_name", "")))


def metrics_view(metrics: dict[str, Any], title: str, names: dict[str, str] | None = None) -> Group:
    """The range's numbers, a sparkline of runs, and one row per step of one workflow (WORKFLOW: its name from
    `names`, id -> name)."""
    executions = metrics.get("executions") or {}
    durations = metrics.get("duration_ms") or {}
    rate = metrics.get("success_rate")
    header = Text.assemble((title, "bold"), f"  {metrics.get('from')} → {metrics.get('to')}")
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    by_status = executions.get("by_status") or {}
    summary.add_row(
        "executions",
        Text.assemble(
            str(executions.get("total", 0)),
            "  ",
            *[part for status, count in by_status.items() for part in (status_text(status), f" {count}  ")],
        ),
    )
    summary.add_row("success rate", "-" if rate is None else f"{rate * 100:.1f}%")
    summary.add_row(
        "duration",
        "  ".join(f"{key} {format_duration_ms(durations.get(key))}" for key in ("p50", "p90", "p99", "mean", "max")),
    )
    series = metrics.get("series") or []
    if series:
        summary.add_row("over time", Text(sparkline([bucket.get("total") for bucket in series]), style="cyan"))
        summary.add_row("failures", Text(sparkline([bucket.get("failed") for bucket in series]), style="red"))
    parts: list[Any] = [header, summary]
    steps = metrics.get("steps") or []
    if steps:
        parts.append(MetricsStepsTable(metrics_step_rows(steps, names or {})))
    return Group(*parts)


# From this width the step rows carry a WORKFLOW column; below it, each workflow's name heads its rows (indented),
# so an 80-column terminal keeps one line per step.
FULL_METRICS_WIDTH = 110


class MetricsStepsTable:
    """The metrics' step rows (one per step of one workflow), laid out for the width it is printed at."""

    NUMBERS = ("ATTEMPTS", "FAILURES", "FAIL %")

    def __init__(self, rows: list[tuple[str, dict[str, Any]]]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(full=options.max_width >= FULL_METRICS_WIDTH)

    @staticmethod
    def cells(step: dict[str, Any]) -> list[Any]:
        durations = step.get("duration_ms") or {}
        failure_rate = step.get("failure_rate")
        return [
            step.get("step_type", ""),
            str(step.get("attempts", 0)),
            str(step.get("failures", 0)),
            "-" if failure_rate is None else f"{failure_rate * 100:.1f}%",
            *[format_duration_ms(durations.get(key)) for key in ("p50", "p90", "p99")],
        ]

    def table(self, full: bool) -> Table:
        table = Table(
            title="Steps", title_justify="left", title_style="bold", header_style="bold", box=None, pad_edge=full
        )
        for column in (("WORKFLOW",) if full else ()) + ("STEP", "TYPE", *self.NUMBERS, "P50", "P90", "P99"):
            table.add_column(column, justify="right" if column in self.NUMBERS else "left", no_wrap=column != "STEP")
        heading = None
        for workflow, step in self.rows:
            name = Text(workflow, style="" if step.get("workflow_id") else "dim")
            if full:
                table.add_row(name, escape(step.get("step_name", "")), *self.cells(step))
                continue
            if workflow != heading:
                name.stylize("bold")
                table.add_row(name)
                heading = workflow
            table.add_row(Text("  ") + Text(step.get("step_name", "")), *self.cells(step))
        return table
