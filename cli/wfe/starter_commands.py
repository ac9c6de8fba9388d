"""`wfe init` (a commented workflow file to start from), `wfe validate FILE` (the server's own checks, nothing
saved) and `wfe --version`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wfe.commands import Ctx, cli, command, load_document, with_child_ids
from wfe.errors import Exit, UsageError

PACKAGE = "workflow-engine"  # pyproject.toml's [project] name: `wfe --version` prints its version


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PACKAGE)
    except PackageNotFoundError:  # run from a checkout without `make install`
        return "unknown (not installed: run make install)"


def _print_version(context: click.Context, _: click.Parameter, value: bool) -> None:
    if value and not context.resilient_parsing:
        click.echo(f"wfe {package_version()}")
        context.exit()


cli.params.append(
    click.Option(
        ["--version"],
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_print_version,
        help="Print wfe's version and exit.",
    )
)


@command(cli)
@click.argument("file", default="workflow.yaml", metavar="[FILE]")
@click.option("--name", default="My workflow", show_default=True, help="The workflow's name in the file.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def init(context: Ctx, file: str, name: str, force: bool) -> None:
    """Write a commented workflow file to start from (default workflow.yaml; '-': standard output)."""
    from wfe.scaffold import scaffold

    if file == "-":
        sys.stdout.write(scaffold(name, "workflow.yaml"))
        return
    path = Path(file)
    if path.exists() and not force:
        raise UsageError(f"{file} exists: choose another FILE, or add --force")
    try:
        path.write_text(scaffold(name, file))
    except OSError as error:
        raise UsageError(f"Cannot write {file}: {error.strerror or error}") from None
    context.emit(
        {"file": file, "name": name},
        lambda: f"Wrote {file}. Next: wfe validate {file}, then wfe workflows create -f {file}",
    )


@command(cli)
@click.argument("file", metavar="FILE")
def validate(context: Ctx, file: str) -> int:
    """Check a workflow file with the server's own validation, saving nothing. Exit 0 when valid, 1 if not."""
    from rich.markup import escape

    from wfe import render

    definition = with_child_ids(context, load_document(file))
    try:
        answer = context.api.post("/api/workflows/validate", definition)
    except UsageError as error:
        if error.body is None:  # the file could not be sent: not a verdict on it
            raise
        if context.as_json:
            render.print_json({"valid": False, "message": error.message, "problems": error.details})
        else:
            render.out.print(f"[bold red]Not valid:[/] {escape(file)}: {escape(error.message)}")
            for line in error.details:
                render.out.print(f"  • {escape(line)}", soft_wrap=True)
        return Exit.RUN_FAILED
    types = ", ".join(answer.get("step_types") or [])
    context.emit(
        answer,
        lambda: (
            f"[green]OK[/] {escape(file)}: {escape(str(answer.get('name')))}, "
            f"{answer.get('step_count')} steps ({escape(types)})"
        ),
    )
    return Exit.OK
